"""One meaning per number: the same target, target source and gap for every dimension in
`score --json`, `roadmap --json`, the scores workbook and the report's data, for the same input."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from pptx import Presentation

from pmo2vmo import api
from pmo2vmo.cli import main
from pmo2vmo.model.job import Job
from pmo2vmo.render import report
from pmo2vmo.render.deck import build_deck
from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.narrative_text import money, person_months
from pmo2vmo.render.view import ReportView
from pmo2vmo.render.workbook import write_scores_workbook
from pmo2vmo.util.text import figure
from renderings import Rendered, figures_in, render

SAMPLES = api.sample_files()


def _rows(dims: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(d["id"], d["target"], d["target_source"], d["gap"]) for d in dims]


@pytest.mark.parametrize(("responses", "profile"), SAMPLES, ids=[s[0].stem for s in SAMPLES])
def test_score_roadmap_and_workbook_agree_on_targets(
    responses: Path, profile: Path, tmp_path: Path
) -> None:
    """score --json, roadmap --json (dimensions and targets) and the scores workbook carry the
    same target, source and gap per dimension — the path's defaults included."""
    runner = CliRunner()
    scored = json.loads(runner.invoke(main, ["score", str(responses), "--profile", str(profile),
                                             "--json"]).output)  # fmt: skip
    planned = json.loads(runner.invoke(main, ["roadmap", str(responses), "--profile",
                                              str(profile), "--json"]).output)  # fmt: skip
    (s_org,), (r_org,) = scored["organisations"], planned["organisations"]
    expected = _rows(s_org["dimensions"])
    assert _rows(r_org["dimensions"]) == expected
    assert _rows(r_org["targets"]) == expected
    assert "archetype" in {row[2] for row in expected}  # the path's default is used, not skipped
    book = write_scores_workbook([api.score_files([responses], profile=profile)],
                                 tmp_path / "scores.xlsx")  # fmt: skip
    sheet = openpyxl.load_workbook(book, data_only=False)["Dimensions"]
    header = [c.value for c in sheet[1]]
    at = {name: header.index(name) for name in ("Dimension", "Target", "Target source", "Gap")}
    cells = {r[at["Dimension"]].value: r for r in sheet.iter_rows(min_row=2)}
    for dim_id, target, source, gap in expected:
        row = cells[dim_id]
        assert row[at["Target"]].value == target
        assert row[at["Target source"]].value == source
        if gap is not None and not str(row[at["Gap"]].value).startswith("="):
            assert row[at["Gap"]].value == pytest.approx(gap)


@pytest.mark.parametrize(("responses", "profile"), SAMPLES, ids=[s[0].stem for s in SAMPLES])
def test_plan_decision_and_scores_agree(responses: Path, profile: Path) -> None:
    """The decision's targets (what the roadmap and reports use) are the scores' targets."""
    report = api.roadmap_files([responses], profile=profile)
    for org_plan in report.organisations:
        for dim in org_plan.scores.dimensions:
            assert (dim.target, dim.target_source) == org_plan.decision.targets[dim.id]


@pytest.mark.parametrize(("responses", "profile"), SAMPLES, ids=[s[0].stem for s in SAMPLES])
def test_html_and_deck_give_one_coverage(responses: Path, profile: Path) -> None:
    """The report's method appendix and the deck's give the same coverage of expected answers
    (they disagreed: a mean of dimension coverages against answered ÷ expected)."""
    rep = report.prepare(Job(responses=str(responses), profile=str(profile),
                             generated="2027-01-04"))  # fmt: skip
    (table,) = [b for b in rep.section("appendix").blocks
                if isinstance(b, report.Table) and b.caption == "Method"]  # fmt: skip
    shown = dict((str(k), v) for k, v in table.rows)["Coverage of expected answers"]
    assert shown == f"{rep.plan.scores.coverage:.0%}"
    deck = build_deck(rep.plan, rep.brand, rep.meta)
    texts = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes
             if shape.has_text_frame]  # fmt: skip
    assert any(f"Coverage: {shown} of expected answers" in text for text in texts)


# -------------------------------------------- one view model: HTML, deck and workbook agree ---


@pytest.fixture(scope="module", params=SAMPLES, ids=[s[0].stem for s in SAMPLES])
def rendered(request: pytest.FixtureRequest) -> Rendered:
    """A sample's HTML page, deck and workbook, read back from their bytes."""
    responses, profile = request.param
    return render(responses, profile)


def _deck_table(r: Rendered, *headers: str) -> list[dict[str, str]]:
    """The rows of every deck table (pages joined) whose header starts with ``headers``."""
    rows = [row for t in r.deck_tables if t and list(t[0])[: len(headers)] == list(headers)
            for row in t]  # fmt: skip
    assert rows, f"no deck table headed {headers}"
    return rows


def test_dimensions_agree_in_html_deck_and_workbook(rendered: Rendered) -> None:
    """Every dimension's score, target, gap, coverage and consensus read the same in the HTML
    table, the workbook's Dimensions sheet and the deck's dimension charts (values and the gap
    in each category label)."""
    page = {row["Dimension"]: row for row in rendered.html_tables["Dimensions"]}
    sheet = {row["Dimension"]: row for row in rendered.sheets["Dimensions"]}
    deck: dict[str, dict[str, str]] = {}
    for chart in rendered.deck_charts:
        if chart["title"].endswith("dimensions by gap to target"):
            for i, category in enumerate(chart["categories"]):
                dim_id = category.split(" ", 1)[0]
                gap = re.search(r"\(gap ([-+]?\d+\.\d+)\)", category)
                assert gap, category
                deck[dim_id] = {"Score": figure(chart["series"]["Current"][i]),
                                "Target": figure(chart["series"]["Target"][i]),
                                "Gap": gap.group(1).lstrip("+")}  # fmt: skip
    assert len(page) == len(sheet) == len(rendered.report.plan.scores.dimensions)
    for label, row in page.items():
        dim_id = label.rsplit("(", 1)[1].rstrip(")")
        wb = sheet[dim_id]
        score, target = wb["Score"], wb["Target"]
        assert row["Score"] == figure(score)
        assert row["Target"] == figure(target)
        assert row["Gap"] == figure(None if score is None else target - score)
        assert row["Coverage"] == figure(wb["Coverage"])
        assert row["Consensus"] == figure(wb["Consensus (0–1)"])
        assert row["Target from"] == wb["Target source"]
        if score is not None:
            assert deck[dim_id] == {k: row[k] for k in ("Score", "Target", "Gap")}
        else:
            assert dim_id not in deck  # never drawn as 0


def test_pillars_agree_in_deck_and_workbook(rendered: Rendered) -> None:
    """Each pillar's score, achieved level and mean target read the same in the deck's pillar
    chart and the workbook: its Pillars sheet, whose target is a live mean of the Dimensions
    sheet's targets of that pillar (so editing a target moves it)."""
    (chart,) = [
        c for c in rendered.deck_charts if c["title"] == "Pillar scores and achieved levels"
    ]
    pillars = rendered.sheets["Pillars"]
    dims = rendered.sheets["Dimensions"]
    series = list(chart["series"].values())
    scored = [row for row in pillars if row["Score"] is not None]
    assert len(scored) == len(chart["categories"])
    for i, row in enumerate(scored):
        targets = [d["Target"] for d in dims if d["Pillar"] == row["Pillar"]]
        formula = str(row["Target (mean of its dimension targets)"])
        assert formula.startswith("=IFERROR(AVERAGEIFS(Dimensions!")
        assert f"level {row['Achieved level']}" in chart["categories"][i]
        assert figure(series[0][i]) == figure(row["Score"])
        assert figure(series[1][i]) == figure(sum(targets) / len(targets))


def test_groups_agree_and_hidden_groups_show_no_figure(rendered: Rendered) -> None:
    """Every breakout group shows the same respondents and overall score in the HTML, the deck
    and the workbook; a suppressed group shows no number in any of them."""
    page = rendered.html_tables["Groups"]
    deck = _deck_table(rendered, "Breakout", "Group", "Respondents")
    sheet = rendered.sheets["Breakouts"]
    assert len(page) == len(deck) == len(sheet)
    for p, d, w in zip(page, deck, sheet, strict=True):
        assert p["Group"] == d["Group"] == w["Group"]
        if p["Status"] == "ok":
            assert p["Respondents"] == d["Respondents"] == str(w["Respondents"])
            assert p["Score"] == d["Overall"] == figure(w["Overall score"])
        else:
            assert p["Respondents"] == p["Score"] == ""
            assert not figures_in(" ".join(d.values()))
            assert not re.search(r"\d", d["Respondents"])
            assert w["Respondents"] is None
            assert w["Overall score"] is None


def test_roadmap_agrees_in_html_deck_and_workbook(rendered: Rendered) -> None:
    """The initiatives (phase, title, dates, owner, quick win) and the phase exit criteria read
    the same in the HTML, the deck and the workbook."""
    page = rendered.html_tables["Initiatives"]
    sheet = rendered.sheets["Roadmap"]
    items = rendered.report.plan.roadmap.items
    if not items:
        return
    deck = _deck_table(rendered, "Phase", "Initiative", "Start")
    assert len(page) == len(deck) == len(sheet) == len(items)
    for p, d, w in zip(page, deck, sheet, strict=True):
        assert p["Initiative"] == d["Initiative"] == w["Title"]
        assert p["Phase"] == d["Phase"] == w["Phase"]
        assert p["Start"] == d["Start"] == str(w["Start"])[:10]
        assert p["End"] == d["End"] == str(w["End"])[:10]
        assert p["Owner"] == d["Owner"] == w["Owner"]
        assert float(p["Person-months"]) == w["Effort (person-months)"]
        assert (p["Quick win"] == "★") == (d["Quick win"] == "yes") == (w["Quick win"] == "yes")
        assert p["Why"] == d["Why"] == w["Why (for the client)"]  # the client's reason, once
    exits = next(v for k, v in rendered.html_tables.items() if k.startswith("Phase exit"))
    deck_exits = _deck_table(rendered, "Dimension", "Current")
    sheet_exits = rendered.sheets["Exit criteria"]
    assert len(exits) == len(deck_exits) == len(sheet_exits)
    for p, d, w in zip(exits, deck_exits, sheet_exits, strict=True):
        assert p["Now"] == d["Current"] == figure(w["Current"])
        assert p["Target"] == d["Target"] == figure(w["Target"])
        assert p["Target reached"] == d["Target reached"] == w["Target reached"]
        phases = [k for k in p if k not in ("Dimension", "Now", "Target", "Target reached")]
        for phase in phases:
            assert p[phase] == d[phase] == figure(w[f"By end of {phase}"])


def test_every_figure_the_deck_shows_is_in_the_html_report(rendered: Rendered) -> None:
    """No figure of the deck (tables, text, chart labels, chart values as shown) is missing from
    the HTML report (its text, tables and chart data): the deck shows nothing the report does
    not, and shows it with the same digits."""
    page = figures_in(rendered.html_text) | rendered.html_chart_figures
    shown = figures_in(rendered.deck_text)
    for chart in rendered.deck_charts:
        shown |= figures_in(" ".join(chart["categories"]))
        if "Roadmap" not in chart["title"]:  # the Gantt's values are day serials, not figures
            shown |= {figure(v) for values in chart["series"].values() for v in values
                      if v is not None}  # fmt: skip
    assert shown - page == set()


def _deck_slides(r: Rendered) -> list[tuple[str, str]]:
    """Each slide's title and text (text boxes and table cells) of the sample's deck."""
    prs = Presentation(io.BytesIO(_deck_bytes(r)))
    out = []
    for slide in prs.slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        texts += [c.text for s in slide.shapes if s.has_table for row in s.table.rows
                  for c in row.cells]  # fmt: skip
        out.append((slide.shapes.title.text if slide.shapes.title else "", "\n".join(texts)))
    return out


def _deck_bytes(r: Rendered) -> bytes:
    buffer = io.BytesIO()
    build_deck(r.report.plan, r.report.brand, r.report.meta).save(buffer)
    return buffer.getvalue()


SUMMARY_SLIDES = ("Executive summary", "Decisions and the first ninety days",
                  "Investment and risks")  # fmt: skip


def test_summary_slides_say_what_the_html_summary_says(rendered: Rendered) -> None:
    """The deck's summary slides carry the recommendation, the three finding titles, the
    decisions and the investment total in the very strings the HTML report shows."""
    story = Narrative.of(ReportView.of(rendered.report.plan))
    summary = "\n".join(
        t for title, t in _deck_slides(rendered) if title.startswith(SUMMARY_SLIDES)
    )
    page = " ".join(rendered.html_text.split())
    inv = story.investment
    assert inv is not None
    total = [person_months(inv.person_months), money(inv.cost, inv.currency)]
    html_total = rendered.html_tables["Investment"][-1]
    assert list(html_total.values())[1:] == total
    strings = [story.recommendation, *(f.title for f in story.findings), *story.decisions, *total]
    assert len(story.findings) == 3
    assert story.decisions
    for text in strings:
        assert " ".join(text.split()) in page, text
        assert text in summary, text


def test_the_workbook_lists_every_kpi_the_body_shows_at_most_twelve(rendered: Rendered) -> None:
    """The HTML body and the deck show the same KPIs, at most twelve; the workbook lists every
    KPI of the plan and marks those."""
    view = ReportView.of(rendered.report.plan)
    page = [row for rows in rendered.html_tables.values() for row in rows
            if "KPI" in row and "Target date" in row]  # fmt: skip
    deck = _deck_table(rendered, "Outcome", "KPI", "Initiative")
    sheet = rendered.sheets["KPIs"]
    assert 0 < len(page) == len(deck) <= 12
    assert [(p["KPI"], p["Baseline"], p["Target"], p["Target date"]) for p in page] == [
        (d["KPI"], d["Baseline"], d["Target"], d["Target date"]) for d in deck
    ]
    assert len(sheet) == len(view.kpis) > len(page)
    assert sorted(w["KPI"] for w in sheet if w["In the report"] == "yes") == sorted(
        p["KPI"] for p in page
    )
