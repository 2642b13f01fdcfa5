"""The client deck: native charts with the plan's numbers, safe text, suppression, atomic writes."""

from __future__ import annotations

import ast
import copy
import csv
import dataclasses
import datetime as dt
import io
import re
import string
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pptx
import pytest
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.dml import MSO_FILL
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Emu, Inches, Pt

from conftest import HOSTILE_COMMENTS
from pmo2vmo.analysis.plan import OrganisationPlan, roadmap_files
from pmo2vmo.model.branding import Brand, Logo
from pmo2vmo.model.instrument import load_instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.results import Comment, Status
from pmo2vmo.render.deck import build_deck, write_deck
from pmo2vmo.render.deck_layout import row_inches, safe_text
from pmo2vmo.render.deck_scores import COMMENTS_SHOWN
from pmo2vmo.render.deck_story import first_sentence
from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.narrative_text import money, person_months, report_text, said
from pmo2vmo.render.view import ReportView, target_reached

META = {
    "generated": "2027-01-04",
    "instrument": "pmo2vmo-core 1.0.0",
    "pmo2vmo_version": "0.1.0",
    "input_sha256": "ab" * 32,
}
HOSTILE_NAME = "<img src=x onerror=alert(1)>\x07\x00 =1+1"
HOSTILE_COMMENT = '=HYPERLINK("http://x")'
DDE = "=cmd|' /C calc'!A0"
CHART_TYPES = {
    XL_CHART_TYPE.RADAR_MARKERS,
    XL_CHART_TYPE.COLUMN_CLUSTERED,
    XL_CHART_TYPE.BAR_CLUSTERED,
    XL_CHART_TYPE.BAR_STACKED,
}


def _brand(name: str = "Client", logo: Logo | None = None) -> Brand:
    return Brand(name=name, primary="#0b5394", accent="#c55a11", logo=logo)


def _png(width: int = 4, height: int = 2) -> bytes:
    """A tiny valid RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x0b\x53\x94" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def plans(samples: dict[str, tuple[Path, Profile]]) -> dict[str, OrganisationPlan]:
    out = {}
    for slug, (data, _) in samples.items():
        out[slug] = roadmap_files([data], profile=data.with_suffix(".yaml")).organisations[0]
    return out


@pytest.fixture(scope="module")
def decks(
    plans: dict[str, OrganisationPlan], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Each sample's deck, written to disk and reopened."""
    folder = tmp_path_factory.mktemp("decks")
    out = {}
    for slug, plan in plans.items():
        path = write_deck(plan, _brand(plan.scores.organisation), META, folder / f"{slug}.pptx")
        out[slug] = pptx.Presentation(str(path))
    return out


def _titles(prs: Any) -> list[str]:
    return [s.shapes.title.text if s.shapes.title is not None else "" for s in prs.slides]


def _slides(prs: Any, title: str) -> list[Any]:
    """Slides whose title is ``title``, or ``title (i/n)``."""
    pattern = re.compile(rf"^{re.escape(title)}( \(\d+/\d+\))?$")
    return [
        s for s in prs.slides if s.shapes.title is not None and pattern.match(s.shapes.title.text)
    ]


def _charts(slides: Any) -> list[Any]:
    return [shape.chart for slide in slides for shape in slide.shapes if shape.has_chart]


def _table_rows(slides: Any) -> list[list[str]]:
    """Body rows (header dropped) of every table on ``slides``, in order."""
    rows = []
    for slide in slides:
        for shape in slide.shapes:
            if shape.has_table:
                cells = [[c.text for c in row.cells] for row in shape.table.rows]
                rows.extend(cells[1:])
    return rows


def _all_text(prs: Any) -> Iterator[str]:
    """Every piece of text in the deck: shapes, tables, chart categories and notes."""
    return _texts(prs.slides, notes=True)


def _texts(slides: Any, *, notes: bool = False) -> Iterator[str]:
    """The text of ``slides``: text boxes, table cells and chart categories (and the speaker
    notes, when asked)."""
    for slide in slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                yield shape.text_frame.text
            if shape.has_table:
                yield from (c.text for row in shape.table.rows for c in row.cells)
            if shape.has_chart:
                yield from (str(c) for c in shape.chart.plots[0].categories)
        if notes and slide.has_notes_slide:
            yield slide.notes_slide.notes_text_frame.text


def _view(plan: OrganisationPlan) -> ReportView:
    return ReportView.of(plan)


def _story(plan: OrganisationPlan) -> Narrative:
    """The narrative the deck of ``plan`` tells."""
    return Narrative.of(ReportView.of(plan))


def _with(plan: OrganisationPlan, **changes: Any) -> OrganisationPlan:
    """A deep copy of ``plan`` (scores changed as given)."""
    other = copy.deepcopy(plan)
    for key, value in changes.items():
        setattr(other.scores, key, value)
    return other


def test_slides_tell_the_story_in_order(decks: dict[str, Any]) -> None:
    """The deck is 16:9 and runs title, executive summary, decisions, investment, findings,
    pillars, strengths, … roadmap, KPIs, exit criteria, method, how the path was decided,
    references."""
    prs = decks["harbor-mutual"]
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
    titles = _titles(prs)
    assert titles[0] == "Harbor Mutual Insurance"
    assert titles[1] == "Executive summary"
    assert titles[-1] == "References"
    order = ["Executive summary", "Decisions and the first ninety days", "Investment and risks",
             "Findings", "PMO baseline: what we found", "Metrics readiness: what we found",
             "Strengths to build on", "Operating model: who does what",
             "Current against target, by dimension", "Pillar scores and achieved levels",
             "Consensus and perception gaps", "Views by group", "What respondents said",
             "Roadmap", "Roadmap items", "KPIs to track", "Phase exit criteria",
             "Method and data quality", "How the path was decided", "References"]  # fmt: skip
    positions = [titles.index(next(t for t in titles if t.startswith(name))) for name in order]
    assert positions == sorted(positions)
    assert sum(t.endswith("dimensions by gap to target") for t in titles) == 4
    assert sum(t.endswith(": what we found") for t in titles) == 4


def test_every_content_slide_has_its_own_branded_title(decks: dict[str, Any]) -> None:
    """Each content slide (after the title slide) has a title placeholder holding its own text
    in bold 26 pt, filled with the brand's primary colour, one accent bar under it, and shape
    ids unique on the slide."""
    primary, accent = (pptx.dml.color.RGBColor.from_string(c) for c in ("0B5394", "C55A11"))
    for prs in decks.values():
        slides = list(prs.slides)[1:]
        titles = [slide.shapes.title.text for slide in slides]
        assert len(set(titles)) > len(titles) // 2  # their own titles, not one repeated
        for slide in slides:
            heading = slide.shapes.title
            runs = [r for p in heading.text_frame.paragraphs for r in p.runs]
            assert runs
            assert all(r.font.bold and r.font.size == Pt(26) for r in runs)
            assert heading.fill.fore_color.rgb == primary
            bars = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE
                    and s.top == Inches(0.95)]  # fmt: skip
            assert [b.fill.fore_color.rgb for b in bars] == [accent]
            ids = [s.shape_id for s in slide.shapes]
            assert len(ids) == len(set(ids))


def test_charts_are_native_and_editable(decks: dict[str, Any]) -> None:
    """Every chart is a python-pptx chart with embedded data; no picture stands in for one."""
    for slug, prs in decks.items():
        charts = _charts(prs.slides)
        assert {c.chart_type for c in charts} == CHART_TYPES, slug
        for chart in charts:
            assert chart.part.chart_workbook.xlsx_part is not None
        pictures = [s for slide in prs.slides for s in slide.shapes
                    if s.shape_type == MSO_SHAPE_TYPE.PICTURE]  # fmt: skip
        assert pictures == [], slug


def test_radar_shows_scores_against_targets(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """Radar categories are the dimension ids; its series are the scores and targets, rounded."""
    for slug, prs in decks.items():
        plan = plans[slug]
        (chart,) = _charts(_slides(prs, "Current against target, by dimension"))
        assert chart.chart_type == XL_CHART_TYPE.RADAR_MARKERS
        dims = plan.scores.dimensions
        assert list(chart.plots[0].categories) == [d.id for d in dims]
        current, target = chart.plots[0].series
        assert (current.name, target.name) == ("Current", "Target")
        assert list(current.values) == [round(d.score, 2) for d in dims]
        assert list(target.values) == [round(plan.decision.targets[d.id][0], 2) for d in dims]


def test_dimensions_without_answers_are_left_out_not_zero(
    plans: dict[str, OrganisationPlan],
) -> None:
    """A dimension scored None is absent from the radar and the bars, and named as not scored."""
    plan = copy.deepcopy(plans["lumen-digital"])
    plan.scores.dimensions[:2] = [
        dataclasses.replace(d, score=None, gap=None) for d in plan.scores.dimensions[:2]
    ]
    prs = build_deck(plan, _brand(), META)
    missing = {d.id for d in plan.scores.dimensions[:2]}
    (radar,) = _charts(_slides(prs, "Current against target, by dimension"))
    assert missing.isdisjoint(radar.plots[0].categories)
    assert len(radar.plots[0].categories) == len(plan.scores.dimensions) - 2
    assert 0 not in radar.plots[0].series[0].values
    bars = [c for c in _charts(prs.slides) if c.chart_type == XL_CHART_TYPE.BAR_CLUSTERED]
    labels = [str(c) for chart in bars for c in chart.plots[0].categories]
    assert not [label for label in labels if label.split()[0] in missing]
    assert any("Not scored (no answers, not 0)" in t for t in _all_text(prs))


def test_pillar_bars_match_pillar_scores(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """Pillar bars carry the pillar scores and name each pillar's achieved level."""
    for slug, prs in decks.items():
        pillars = plans[slug].scores.pillars
        (chart,) = _charts(_slides(prs, "Pillar scores and achieved levels"))
        assert chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
        assert list(chart.plots[0].series[0].values) == [round(p.score, 2) for p in pillars]
        for label, pillar in zip(chart.plots[0].categories, pillars, strict=True):
            assert str(label).startswith(pillar.name)
            assert f"level {pillar.achieved_level} {pillar.achieved_level_name}" in label


def test_pillar_without_score_is_a_gap_not_zero(plans: dict[str, OrganisationPlan]) -> None:
    """A pillar with no score has no bar value and says so in its label."""
    plan = copy.deepcopy(plans["harbor-mutual"])
    plan.scores.pillars[1] = dataclasses.replace(
        plan.scores.pillars[1], score=None, achieved_level=None, achieved_level_name=None
    )
    (chart,) = _charts(
        _slides(build_deck(plan, _brand(), META), "Pillar scores and achieved levels")
    )
    assert chart.plots[0].series[0].values[1] is None
    assert "(no score)" in chart.plots[0].categories[1]


def test_dimension_bars_put_the_largest_gap_first(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """Each pillar's dimension bars are sorted by gap (target − current), largest first."""
    plan = plans["northwind-utilities"]
    prs = decks["northwind-utilities"]
    for pillar in plan.scores.pillars:
        (chart,) = _charts(_slides(prs, f"{pillar.name}: dimensions by gap to target"))
        current, target = (list(s.values) for s in chart.plots[0].series)
        gaps = [t - c for c, t in zip(current, target, strict=True)]
        assert gaps == sorted(gaps, reverse=True)
        ids = [str(c).split()[0] for c in chart.plots[0].categories]
        assert sorted(ids) == sorted(d.id for d in plan.scores.dimensions
                                     if d.pillar == pillar.id)  # fmt: skip


def test_gantt_has_one_bar_per_item_in_plan_order(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """The Gantt is a stacked bar: an invisible start series, then durations in days by phase."""
    for slug, prs in decks.items():
        items = plans[slug].roadmap.items
        charts = _charts(_slides(prs, "Roadmap"))
        assert [c.chart_type for c in charts] == [XL_CHART_TYPE.BAR_STACKED] * len(charts)
        categories = [str(c) for chart in charts for c in chart.plots[0].categories]
        assert categories == [i.initiative.title for i in items]
        chart = charts[0]
        offset, *phases = chart.plots[0].series
        assert offset.format.fill.type == MSO_FILL.BACKGROUND
        epoch = dt.date(1899, 12, 30)
        assert list(offset.values) == [(i.start - epoch).days for i in items]
        for index, item in enumerate(items):
            days = [s.values[index] for s in phases if s.values[index] is not None]
            assert days == [(item.end - item.start).days + 1]
            assert phases[[s.name for s in phases].index(item.phase)].values[index] == days[0]


def test_long_roadmap_splits_the_gantt(plans: dict[str, OrganisationPlan]) -> None:
    """More than 25 items: the Gantt continues on further slides, every item still once."""
    plan = copy.deepcopy(plans["harbor-mutual"])
    plan.roadmap.items = plan.roadmap.items * 2
    prs = build_deck(plan, _brand(), META)
    slides = _slides(prs, "Roadmap")
    assert [s.shapes.title.text for s in slides] == ["Roadmap (1/2)", "Roadmap (2/2)"]
    categories = [str(c) for chart in _charts(slides) for c in chart.plots[0].categories]
    assert categories == [i.initiative.title for i in plan.roadmap.items]


def test_roadmap_table_lists_every_item(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """Roadmap tables have one row per item: phase, title, dates, owner, quick win and the
    client's reason (the narrative's, never the planner's arithmetic) — at most ten a slide."""
    for slug, prs in decks.items():
        items = plans[slug].roadmap.items
        slides = _slides(prs, "Roadmap items")
        rows = _table_rows(slides)
        for slide in slides:
            assert len(_table_rows([slide])) <= 10
        expected = [
            [i.phase, i.initiative.title, i.start.isoformat(), i.end.isoformat(),
             i.owner or i.initiative.owner_role, "yes" if i.quick_win else ""]
            for i in items
        ]  # fmt: skip
        assert [r[:6] for r in rows] == expected
        why = _story(plans[slug]).why
        assert [r[6] for r in rows] == [why[i.initiative.id] for i in items]
        notes = " ".join(s.notes_slide.notes_text_frame.text for s in slides)
        assert all(why[i.initiative.id] in notes for i in items)
        assert not any(i.reason in notes or i.reason in r[6]
                       for i, r in zip(items, rows, strict=True))  # fmt: skip


def test_kpi_table_lists_the_kpis_the_report_shows(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """KPI tables list the KPIs the report's body shows — at most twelve, grouped by outcome —
    with unit, baseline, target, target date, cadence and owner (the formula is in the speaker
    notes), and say that the workbook lists the rest."""
    for slug, prs in decks.items():
        story = _story(plans[slug])
        slides = _slides(prs, "KPIs to track")
        rows = _table_rows(slides)
        expected = [
            [r.kpi.name, r.initiative, r.kpi.unit, r.baseline, r.kpi.target,
             r.target_date.isoformat(), r.kpi.cadence, r.kpi.owner_role]
            for g in story.kpi_groups
            for r in g.kpis
        ]  # fmt: skip
        assert 0 < len(rows) <= 12
        assert [r[1:] for r in rows] == expected
        outcomes = [r[0].removesuffix(" (cont.)") for r in rows if r[0]]
        assert list(dict.fromkeys(outcomes)) == [g.outcome for g in story.kpi_groups]
        notes = " ".join(s.notes_slide.notes_text_frame.text for s in slides)
        assert all(r.kpi.formula in notes for g in story.kpi_groups for r in g.kpis)
        if story.kpis_note:
            assert story.kpis_note in "\n".join(_texts([slides[-1]]))


def test_exit_criteria_table_has_a_column_per_phase(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """Exit criteria: dimension, current, the level by the end of each phase, target, and when
    the target is reached."""
    roadmap = plans["northwind-utilities"].roadmap
    rows = _table_rows(_slides(decks["northwind-utilities"], "Phase exit criteria"))
    assert len(rows) == len(roadmap.exit_criteria)
    for row, crit in zip(rows, roadmap.exit_criteria, strict=True):
        by_phase = [f"{crit.by_phase[p.id]:.2f}" for p in roadmap.phases]
        assert row == [f"{crit.dimension} {crit.name}", f"{crit.current:.2f}",
                       *by_phase, f"{crit.target:.2f}", target_reached(crit)]  # fmt: skip


def test_suppressed_groups_never_show_a_number(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """A suppressed breakout group appears only as "suppressed": no digit in its row."""
    for slug, prs in decks.items():
        breakouts = plans[slug].scores.breakouts
        suppressed = [b for b in breakouts if b.status is Status.SUPPRESSED]
        assert suppressed, slug  # every sample has some
        rows = _table_rows(_slides(prs, "Views by group"))
        assert len(rows) == len(breakouts)
        hidden = [r for r in rows if "suppressed" in r]
        names = [plans[slug].scores.group_name(b, short=True) for b in suppressed]
        assert [r[1] for r in hidden] == names
        for row in hidden:
            assert row[2:] == ["suppressed"] * (len(row) - 2)
            assert not re.search(r"\d", " ".join(row[2:]))
        # Nowhere else does a group hidden in every breakout sit next to a number.
        shown = {b.group for b in breakouts if b.status is not Status.SUPPRESSED}
        hidden_names = {b.group for b in suppressed if b.group is not None} - shown
        for text in _all_text(prs):
            for name in hidden_names:
                assert not re.search(rf"\b{re.escape(name)}\s*[:(]?\s*\d", text), (name, text)


def test_comments_show_themes_and_merged_comments_each_once(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """The comments slide counts the themes, and shows at most COMMENTS_SHOWN merged comments,
    each text once, under its dimension, with how many people said it; beyond what fits, it
    says how many more the workbook has."""
    story = _story(plans["harbor-mutual"])
    (slide,) = _slides(decks["harbor-mutual"], "What respondents said")
    themes, comments = (
        [[c.text for c in row.cells] for row in list(shape.table.rows)[1:]]
        for shape in slide.shapes
        if shape.has_table
    )
    assert themes == [[t.name, t.kind, str(t.count)] for t in story.themes.themes][: len(themes)]
    assert 0 < len(comments) <= COMMENTS_SHOWN
    merged = {c.text: c for c in story.themes.merged}
    texts = []
    for dimension, text in comments:
        plain = re.sub(r" \((?:\d+ people said this|said \d+ times)\)$", "", text)
        comment = merged[plain]
        texts.append(plain)
        assert (plain != text) is (comment.count > 1)
        if comment.count > 1:
            assert text.endswith(f"({said(comment.count, comment.people)})")
        label = next((d.label for d in _view(plans["harbor-mutual"]).dimensions
                      if d.id == comment.dimension), "General comments")  # fmt: skip
        assert dimension == label
    assert len(set(texts)) == len(texts)  # each text at most once
    counts = [merged[t].count for t in texts]
    assert max(c.count for c in story.themes.merged) in counts  # the most repeated is shown
    notes = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
    assert any(f"{len(merged) - len(comments)} more comments" in t for t in notes)


def test_hostile_comments_stay_text_on_the_comments_slide(
    plans: dict[str, OrganisationPlan], tmp_path: Path
) -> None:
    """Script- and formula-bearing comments (conftest's HOSTILE_COMMENTS) are table text on the
    comments slide, verbatim but for control characters, and the deck reopens."""
    plan = _with(plans["harbor-mutual"],
                 comments=[Comment(question="PB-GOV-01", text=t) for t in HOSTILE_COMMENTS])  # fmt: skip
    prs = pptx.Presentation(str(write_deck(plan, _brand(), META, tmp_path / "hostile.pptx")))
    (slide,) = _slides(prs, "What respondents said")
    shown = [row[1] for row in _table_rows([slide]) if len(row) == 2]
    assert sorted(shown) == sorted(safe_text(t) for t in HOSTILE_COMMENTS)
    xml = slide.part.blob.decode("utf-8")
    assert "<script>" not in xml
    assert "&lt;script&gt;" in xml
    assert "<a:fld" not in xml


def test_hostile_text_is_written_verbatim_and_reopens(
    plans: dict[str, OrganisationPlan], tmp_path: Path
) -> None:
    """Markup, formulas and control characters in client text: written as plain text, minus
    the control characters, and the file reopens."""
    plan = _with(
        plans["harbor-mutual"],
        organisation=HOSTILE_NAME,
        comments=[
            Comment(question=None, text=HOSTILE_COMMENT),
            Comment(question="PB-GOV-01", text=DDE),
        ],
    )
    item = plan.roadmap.items[0]
    item.initiative = item.initiative.model_copy(update={"title": DDE + "\x1b"})
    path = write_deck(plan, _brand(HOSTILE_NAME), META, tmp_path / "hostile.pptx")
    prs = pptx.Presentation(str(path))
    clean = "<img src=x onerror=alert(1)> =1+1"
    assert prs.slides[0].shapes.title.text == clean
    texts = list(_all_text(prs))
    assert any(t == HOSTILE_COMMENT for t in texts)
    assert any(t == DDE for t in texts)
    assert not any("_x00" in t or "\x07" in t or "\x00" in t for t in texts)
    (gantt,) = _charts(_slides(prs, "Roadmap"))
    assert gantt.plots[0].categories[0] == DDE
    workbook = openpyxl.load_workbook(
        io.BytesIO(gantt.part.chart_workbook.xlsx_part.blob), read_only=False
    )
    cell = workbook.active["A2"]
    assert (cell.value, cell.data_type) == (DDE, "s")  # text, not a formula


def test_text_removes_only_xml_illegal_characters() -> None:
    """safe_text keeps tab and line feed, turns CR LF into LF and drops other control characters."""
    assert safe_text("a\x00b\x07c\x1bd\te\nf\r\ng\x0bh\ud800i") == "abcd\te\nf\nghi"
    assert safe_text(None) == ""
    assert safe_text(DDE) == DDE


def test_no_text_is_a_field(decks: dict[str, Any]) -> None:
    """Text is plain runs: no slide contains a field (a:fld)."""
    for prs in decks.values():
        for slide in prs.slides:
            assert b"<a:fld" not in slide.part.blob


def test_logo_is_on_the_title_slide_when_given(plans: dict[str, OrganisationPlan]) -> None:
    """A logo is placed once, on the title slide; without one there is no picture."""
    png = _png()
    with_logo = build_deck(plans["lumen-digital"], _brand(logo=Logo("image/png", png)), META)
    pictures = [
        (index, shape)
        for index, slide in enumerate(with_logo.slides)
        for shape in slide.shapes
        if shape.shape_type == MSO_SHAPE_TYPE.PICTURE
    ]
    assert [index for index, _ in pictures] == [0]
    assert pictures[0][1].image.blob == png
    without = build_deck(plans["lumen-digital"], _brand(), META)
    assert not [s for slide in without.slides for s in slide.shapes
                if s.shape_type == MSO_SHAPE_TYPE.PICTURE]  # fmt: skip


def test_unreadable_logo_is_left_out_and_reported(plans: dict[str, OrganisationPlan]) -> None:
    """A logo that only looks like a PNG does not stop the deck; the appendix says it was left out."""
    broken = Logo("image/png", b"\x89PNG\r\n\x1a\n" + b"not an image")
    prs = build_deck(plans["lumen-digital"], _brand(logo=broken), META)
    assert not [s for s in prs.slides[0].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert any("logo could not be read" in t for t in _all_text(prs))


def test_method_slide_records_provenance_and_data_quality(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """The appendix shows meta (instrument, version, input hash), warnings and suppressed groups."""
    plan = plans["northwind-utilities"]
    (slide,) = _slides(decks["northwind-utilities"], "Method and data quality")
    text = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    for value in META.values():
        assert value in text
    for warning in plan.scores.warnings:
        assert warning in text
    assert f"Respondents: {plan.scores.respondents}" in text
    for b in plan.scores.breakouts:
        if b.status is Status.SUPPRESSED:
            assert plan.scores.group_name(b) in text


def test_summary_tells_the_narrative_without_the_arithmetic(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """The executive summary gives the recommendation, its rationale and confidence, what would
    change it and the three findings (title and first sentence) beside the readiness indices;
    never the decision's reasons or gate figures (those are on the appendix slide)."""
    for slug, prs in decks.items():
        plan, story = plans[slug], _story(plans[slug])
        slides = _slides(prs, "Executive summary")
        text = "\n".join(_texts(slides))
        for sentence in (story.recommendation, story.rationale, story.confidence,
                         *story.would_change):  # fmt: skip
            assert sentence
            assert sentence in text
        for f in story.findings:
            assert f"{f.title}\v{first_sentence(f.text)}" in text  # a line break between
        for reason in plan.decision.reasons:
            assert reason not in text
        assert not any(g.reason in text for g in plan.decision.gates)
        rows = _table_rows(slides[:1])
        assert [r[1] for r in rows] == [f"{v.value:.1f}" for v in plan.decision.readiness.values()]
        (decided,) = _slides(prs, "How the path was decided")
        appendix = "\n".join(c for row in _table_rows([decided]) for c in row)
        assert all(g.reason in appendix for g in plan.decision.gates)


def test_decisions_investment_risks_findings_and_pillars_have_their_slides(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """The decisions and first ninety days, the investment by phase with its total, the risks
    ("title — text", mitigations in the notes), a slide per finding with its evidence, a slide
    per pillar's story, the strengths and the references: all the narrative's sentences."""
    for slug, prs in decks.items():
        story = _story(plans[slug])
        decisions = "\n".join(_texts(_slides(prs, "Decisions and the first ninety days")))
        assert all(d in decisions for d in story.decisions)
        assert all(s.text in decisions for s in story.first_days)
        invest_slides = _slides(prs, "Investment and risks")
        invest = "\n".join(_texts(invest_slides))
        inv = story.investment
        rows = _table_rows(invest_slides)
        assert [r[:2] for r in rows] == [
            *([p.name, person_months(p.person_months)] for p in inv.phases),
            ["Total", person_months(inv.person_months)],
        ]
        assert rows[-1][2] == money(inv.cost, inv.currency)
        assert all(f"{r.title} — {r.text}" in invest for r in story.risks)
        notes = invest_slides[0].notes_slide.notes_text_frame.text
        assert all(r.mitigation in notes for r in story.risks)
        findings = _slides(prs, "Findings")
        assert len(findings) == len(story.findings) == 3
        for slide, f in zip(findings, story.findings, strict=True):
            text = "\n".join(_texts([slide]))
            assert f.title in text
            assert f.text in text
            assert all(e in text for e in f.evidence)
        for p in story.pillars:
            text = "\n".join(_texts(_slides(prs, f"{p.name}: what we found")))
            assert all(t in text for t in (p.heard, *p.evidence, p.so_what, *p.recommend))
        strengths = _table_rows(_slides(prs, "Strengths to build on"))
        assert strengths == [[s.pillar, "; ".join(s.items), s.helps] for s in story.strengths]
        references = "\n".join(_texts(_slides(prs, "References")))
        assert all(r.text in references for r in story.references)


#: What no client slide may show: seed file names and numbers, the planner's arithmetic.
ARTEFACTS = (
    re.compile(r"\d{3}_[0-9a-f]{16}\.txt"),
    re.compile(r"\(seed \d+\)|\bseed \d{3}\b"),
    re.compile(r"still open", re.I),
    re.compile(r"first that matches", re.I),
)
COMPARISONS = re.compile(r">=|<=")
APPENDIX = ("Method and data quality", "How the path was decided")
FOOTER = 7.05  # inches: where the footers start


def test_no_machine_artefacts_on_any_slide(
    decks: dict[str, Any], plans: dict[str, OrganisationPlan]
) -> None:
    """No slide's text, table, chart label or speaker notes shows a seed file name, "(seed …)",
    "still open", "first that matches", or ">=" / "<=" (the appendix slides on the method and
    the decision excepted for the comparisons, where the decision's figures are listed)."""
    for slug, prs in decks.items():
        for slide in prs.slides:
            title = slide.shapes.title.text if slide.shapes.title is not None else ""
            for text in _texts([slide], notes=True):
                for pattern in ARTEFACTS:
                    assert not pattern.search(text), (slug, title, text)
                if not title.startswith(APPENDIX):
                    assert not COMPARISONS.search(text), (slug, title, text)


def test_text_and_tables_fit_above_the_footers(decks: dict[str, Any]) -> None:
    """Every text box ends above the footer line, and so does every table by its rows' estimated
    height: running text that does not fit continues on a "(cont.)" slide instead."""
    for slug, prs in decks.items():
        for slide in list(prs.slides)[1:]:
            title = slide.shapes.title.text
            for shape in slide.shapes:
                if shape.has_table:
                    widths = [Emu(c.width).inches for c in shape.table.columns]
                    size = shape.table.cell(0, 0).text_frame.paragraphs[0].runs[0].font.size.pt
                    rows = [[c.text for c in row.cells] for row in shape.table.rows]
                    height = sum(row_inches(r, widths, size) for r in rows)
                    assert Emu(shape.top).inches + height <= FOOTER, (slug, title, rows[0])
                elif shape.has_text_frame and shape.top < Inches(FOOTER):
                    assert shape.top + shape.height <= Inches(FOOTER), (slug, title, shape.name)


def test_series_take_the_brand_colours(decks: dict[str, Any]) -> None:
    """Current is drawn in the brand's primary colour, target in its accent."""
    (chart,) = _charts(_slides(decks["lumen-digital"], "Pillar scores and achieved levels"))
    score, target = chart.plots[0].series
    assert str(score.format.fill.fore_color.rgb) == "0B5394"
    assert str(target.format.fill.fore_color.rgb) == "C55A11"


def test_empty_roadmap_says_so_without_a_gantt(plans: dict[str, OrganisationPlan]) -> None:
    """With nothing planned, the roadmap slide gives the message and no chart, KPI or item table."""
    plan = copy.deepcopy(plans["lumen-digital"])
    plan.roadmap.items = []
    plan.roadmap.exit_criteria = []
    plan.roadmap.message = "every dimension is at or above its target: no initiative is needed"
    prs = build_deck(plan, _brand(), META)
    (slide,) = _slides(prs, "Roadmap")
    assert not _charts([slide])
    assert any(plan.roadmap.message in t for t in _all_text(prs))
    assert not _slides(prs, "KPIs to track")
    assert not _slides(prs, "Roadmap items")


def test_bad_brand_colour_is_refused(plans: dict[str, OrganisationPlan]) -> None:
    """A brand colour that is not #rrggbb is an error naming the colour."""
    with pytest.raises(ValueError, match="'red' is not a #rrggbb colour"):
        build_deck(plans["lumen-digital"], Brand("X", "red", "#c55a11"), META)


def test_write_deck_is_atomic(
    plans: dict[str, OrganisationPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save that fails midway leaves the previous deck intact and no temporary file."""
    target = tmp_path / "client.pptx"
    write_deck(plans["lumen-digital"], _brand(), META, target)
    before = target.read_bytes()

    def broken_save(self: Any, file: Any) -> None:
        Path(file).write_bytes(b"PK\x03\x04 half a deck")
        raise OSError("disk full")

    monkeypatch.setattr(pptx.presentation.Presentation, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_deck(plans["lumen-digital"], _brand("Other"), META, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["client.pptx"]


# ------------------------------------------------------------------- the deck's wording ---

DECK_MODULES = sorted((Path(build_deck.__code__.co_filename).parent).glob("deck*.py"))
# Strings of two words or more a deck module may still hold: none of them is for the client.
NOT_WORDING = {
    "brand colour ",  # the ValueError naming a malformed brand colour (for whoever set it)
    " is not a #rrggbb colour",
    "mmm yyyy",  # the Gantt's date format
}


def _code_strings(tree: ast.Module) -> set[str]:
    """Every string constant of a module but its docstrings (f-strings' literal parts included)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    }  # fmt: skip


def _calls(tree: ast.Module, name: str) -> list[tuple[str, ...]]:
    """The constant leading arguments of every call of ``name`` in a module."""
    paths = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            paths.append(tuple(str(a) for a in args))
    return paths


def test_deck_modules_hold_no_client_wording() -> None:
    """The deck's sentences, headings, labels and headers live in templates/report.yaml: no deck
    module holds a string of two words or more but a few that are not wording."""
    assert DECK_MODULES
    for path in DECK_MODULES:
        strings = _code_strings(ast.parse(path.read_text(encoding="utf-8")))
        wording = {s for s in strings if sum(bool(re.search("[A-Za-z]", w)) for w in s.split()) > 1}
        assert wording <= NOT_WORDING, f"{path.name}: {sorted(wording - NOT_WORDING)}"


def test_every_deck_key_is_used_and_every_use_exists() -> None:
    """Each key under ``deck:`` (slide, then key) is read by the deck module that asks for its
    slide; every wording the deck modules ask for, under ``deck:`` or the report's, exists."""
    words = report_text()
    used: set[tuple[str, str]] = set()
    for path in DECK_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        strings = _code_strings(tree)
        for call in _calls(tree, "deck_text"):
            node: Any = words["deck"]
            for key in call:
                assert key in node, f"{path.name}: deck_text{call} is not in report.yaml"
                node = node[key]
            if len(call) == 1:
                used |= {(call[0], key) for key in node if key in strings}
            elif call:
                used.add((call[0], call[1]))
        for call in _calls(tree, "report_words"):
            node = words
            for key in call:
                assert key in node, f"{path.name}: report_words{call} is not in report.yaml"
                node = node[key]
    keys = {(slide, key) for slide, entries in words["deck"].items() for key in entries}
    assert keys - used == set()


def test_deck_wording_fills_its_placeholders() -> None:
    """Every placeholder-free deck string is plain text, and every one with placeholders names
    only fields (no positional ``{}``), so ``str.format`` with names fills it."""

    def strings(node: Any) -> Iterator[str]:
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        else:
            assert isinstance(node, list), node
            for value in node:
                yield from strings(value)

    for text in strings(report_text()["deck"]):
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        assert all(fields), text


def test_without_a_path_the_summary_says_why_and_asks_no_decision(tmp_path: Path) -> None:
    """An organisation whose answers are all N/A or Don't know: the summary says no path is
    recommended and what evidence is missing, no decision or investment slide is made, and the
    deck still ends with the method, the decision's appendix and the references."""
    path = tmp_path / "thin.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["organisation", "respondent", "role", "unit", "question", "answer"])
        for r in range(6):
            for q in load_instrument().questions:
                writer.writerow(["Thin Ltd", f"r{r}", "Executive", "Board", q,
                                 "N/A" if r else "Don't know"])  # fmt: skip
    plan = roadmap_files([path]).organisations[0]
    assert plan.decision.archetype is None
    prs = build_deck(plan, _brand(), META)
    story = _story(plan)
    summary = "\n".join(_texts(_slides(prs, "Executive summary")))
    assert story.recommendation in summary
    assert all(m in summary for m in plan.decision.missing)
    titles = _titles(prs)
    assert "Decisions and the first ninety days" not in titles
    assert titles[-3:] == ["Method and data quality", "How the path was decided", "References"]


def test_moderation_slides_are_numbered_from_one(
    samples: dict[str, tuple[Path, Profile]], tmp_path: Path
) -> None:
    """Eight moderated dimensions take two slides, titled (1/2) and (2/2), the optimism index on
    the first; the assessor's figures are shown."""
    data, _ = samples["harbor-mutual"]
    dims = ["PB-SPO", "PB-GOV", "PB-STD", "PB-RES", "PB-MON", "VC-OBJ", "VC-LEA", "MR-BEN"]
    body = "assessor: A. Consultant\ndimensions:\n" + "".join(
        f"  {d}:\n    level: 2\n    rationale: Seen in the evidence.\n    evidence: [Interviews]\n"
        for d in dims
    )
    moderation = tmp_path / "moderation.yaml"
    moderation.write_text(body, encoding="utf-8")
    plan = roadmap_files([data], profile=data.with_suffix(".yaml"), confidence=False,
                         moderation=moderation).organisations[0]  # fmt: skip
    prs = build_deck(plan, _brand(), META)
    slides = _slides(prs, "Assessor moderation")
    assert [s.shapes.title.text for s in slides] == [
        "Assessor moderation (1/2)",
        "Assessor moderation (2/2)",
    ]
    rows = _table_rows(slides)
    assert [r[2] for r in rows if len(r) == 5] == ["2.00"] * len(dims)  # the assessor's levels
    assert "Optimism index" in "\n".join(_texts(slides[:1]))
    assert "Optimism index" not in "\n".join(_texts(slides[1:]))
