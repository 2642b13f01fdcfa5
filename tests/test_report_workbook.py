"""The client report workbook: what it holds, what stays hidden, and that client text stays inert."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

from conftest import HOSTILE_COMMENTS
from pmo2vmo.analysis.plan import OrganisationPlan, roadmap_files
from pmo2vmo.api import sample_files
from pmo2vmo.model.job import Job
from pmo2vmo.model.results import BreakoutRow, Comment, Deltas, Status
from pmo2vmo.render import report
from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.narrative_text import report_text
from pmo2vmo.render.report_workbook import build_report_workbook, clean_cell, write_report_workbook
from pmo2vmo.render.view import ReportView

META = {
    "generated": "2027-01-04T09:00:00+00:00",
    "instrument": "pmo2vmo-vmo 1.0.0",
    "pmo2vmo_version": "0.0.test",
    "input_sha256": "ab" * 32,
}
SHEETS = [
    "Executive summary", "Summary", "Findings", "Strengths", "Pillars", "Dimensions", "Items",
    "Breakouts", "Perception gaps", "Roadmap", "Phases", "KPIs", "Exit criteria",
    "Residual gaps", "Deferred", "Operating model", "Comment themes", "Comments", "References",
]  # fmt: skip
HOSTILE = [
    '\x00=HYPERLINK("http://evil","x")\x07',
    "+1+1",
    "@SUM(A1)\x07",
    "<script>alert(1)</script>\x00",
    "-2+3",
    "\x07\t=1+1",
    "bad\ud800surrogate\ufffe",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@pytest.fixture(scope="module")
def plans() -> dict[str, OrganisationPlan]:
    """Each bundled sample's plan, by file stem; built once for the module."""
    out = {}
    for data, profile in sample_files():
        out[Path(data).stem] = roadmap_files([data], profile=profile).organisations[0]
    return out


@pytest.fixture(scope="module")
def saved(
    plans: dict[str, OrganisationPlan], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, openpyxl.Workbook]:
    """Each sample's workbook, written to disk and reopened."""
    folder = tmp_path_factory.mktemp("reports")
    return {
        slug: openpyxl.load_workbook(write_report_workbook(plan, META, folder / f"{slug}.xlsx"))
        for slug, plan in plans.items()
    }


def _rows(ws: Any) -> list[dict[str, Any]]:
    """The sheet's data rows as dicts keyed by header."""
    headers = [c.value for c in ws[1]]
    return [
        dict(zip(headers, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)
    ]


def _column(ws: Any, header: str) -> str:
    return str(openpyxl.utils.get_column_letter([c.value for c in ws[1]].index(header) + 1))


def _reopen(plan: OrganisationPlan, path: Path, meta: dict[str, str] = META) -> openpyxl.Workbook:
    return openpyxl.load_workbook(write_report_workbook(plan, meta, path))


def test_every_sheet_is_a_table_with_a_frozen_bold_header(
    saved: dict[str, openpyxl.Workbook],
) -> None:
    """Every sample gets every sheet, each with a bold frozen header, an autofilter and widths."""
    for wb in saved.values():
        assert wb.sheetnames == SHEETS
        for ws in wb.worksheets:
            assert ws.freeze_panes == "A2", ws.title
            assert all(c.font.bold for c in ws[1]), ws.title
            assert ws.auto_filter.ref == ws.dimensions, ws.title
            assert ws.column_dimensions["A"].width > 0, ws.title


def test_dimension_scores_and_targets_are_the_plans(
    plans: dict[str, OrganisationPlan], saved: dict[str, openpyxl.Workbook]
) -> None:
    """Dimension scores are the scored values and targets are the decision's, with their source."""
    for slug, plan in plans.items():
        rows = _rows(saved[slug]["Dimensions"])
        assert [r["Dimension"] for r in rows] == [d.id for d in plan.scores.dimensions]
        for row, dim in zip(rows, plan.scores.dimensions, strict=True):
            target, source = plan.decision.targets[dim.id]
            assert row["Score"] == dim.score
            assert row["Target"] == target
            assert row["Target source"] == source
            assert row["Respondents"] == dim.respondents
            assert row["Coverage"] == dim.coverage


def test_gap_is_a_formula_of_the_rows_own_target_and_score(
    saved: dict[str, openpyxl.Workbook],
) -> None:
    """Each gap cell is a formula computing target minus score from the same row."""
    ws = saved["harbor-mutual"]["Dimensions"]
    score, target = _column(ws, "Score"), _column(ws, "Target")
    gap = _column(ws, "Gap (target − score)")
    for row in range(2, ws.max_row + 1):
        cell = ws[f"{gap}{row}"]
        assert cell.data_type == "f"
        assert f"{target}{row}-{score}{row}" in cell.value
        assert re.findall(r"[A-Z]+(\d+)", cell.value) == [str(row)] * 4
    assert ws.conditional_formatting, "the gap column is coloured"


def test_a_dimension_without_a_score_leaves_score_and_gap_empty(
    plans: dict[str, OrganisationPlan], tmp_path: Path
) -> None:
    """A dimension scored by nobody shows an empty score and no gap, never 0."""
    plan = plans["lumen-digital"]
    first, *rest = plan.scores.dimensions
    scores = dataclasses.replace(
        plan.scores, dimensions=[dataclasses.replace(first, score=None, gap=None), *rest]
    )
    ws = _reopen(dataclasses.replace(plan, scores=scores), tmp_path / "r.xlsx")["Dimensions"]
    row = _rows(ws)[0]
    assert row["Dimension"] == first.id
    assert row["Score"] is None
    assert row["Gap (target − score)"] is None
    assert row["Target"] == plan.decision.targets[first.id][0]
    assert ws[f"{_column(ws, 'Gap (target − score)')}3"].data_type == "f"


def test_pillar_targets_follow_the_dimension_targets(
    plans: dict[str, OrganisationPlan], saved: dict[str, openpyxl.Workbook]
) -> None:
    """Pillar rows carry the plan's scores and a target averaged live from the Dimensions sheet."""
    for slug, plan in plans.items():
        ws = saved[slug]["Pillars"]
        rows = _rows(ws)
        for row, pillar in zip(rows, plan.scores.pillars, strict=True):
            assert (row["Pillar"], row["Score"], row["Readiness (0–100)"]) == (
                pillar.id, pillar.score, pillar.readiness
            )  # fmt: skip
            assert row["Level name"] == pillar.achieved_level_name
            formula = row["Target (mean of its dimension targets)"]
            assert formula.startswith("=IFERROR(AVERAGEIFS(Dimensions!$E$2:$E$")
            assert "Dimensions!$A$2:$A$" in formula


def test_suppressed_and_no_data_groups_show_no_figures(
    plans: dict[str, OrganisationPlan], tmp_path: Path
) -> None:
    """A suppressed group has empty score and respondents even if its record leaks numbers;
    no_data stays distinct from suppressed."""
    plan = plans["harbor-mutual"]
    extra = [
        BreakoutRow(group_by="unit", group="Leaky", groups=1, status=Status.SUPPRESSED,
                    respondents=3, score=2.5, pillars={"PB": 2.0}),
        BreakoutRow(group_by="unit", group="Ghost", groups=1, status=Status.NO_DATA),
    ]  # fmt: skip
    scores = dataclasses.replace(plan.scores, breakouts=[*plan.scores.breakouts, *extra])
    rows = _rows(
        _reopen(dataclasses.replace(plan, scores=scores), tmp_path / "r.xlsx")["Breakouts"]
    )
    assert len(rows) == len(scores.breakouts)
    hidden = [r for r in rows if r["Status"] != "ok"]
    assert {r["Status"] for r in hidden} == {"suppressed", "no_data"}
    assert any(r["Group"] == "Ghost" and r["Status"] == "no_data" for r in hidden)
    for row in hidden:
        figures = {k: v for k, v in row.items() if k not in {"Breakout", "Group", "Status"}}
        assert all(v is None for v in figures.values()), row
    shown = [r for r in rows if r["Status"] == "ok"]
    assert shown
    assert all(isinstance(r["Overall score"], float) for r in shown)


def test_roadmap_rows_are_the_planned_items_with_real_dates(
    plans: dict[str, OrganisationPlan], saved: dict[str, openpyxl.Workbook]
) -> None:
    """One roadmap row per planned item, in order, with Excel dates equal to the plan's."""
    for slug, plan in plans.items():
        ws = saved[slug]["Roadmap"]
        rows = _rows(ws)
        assert [r["Initiative"] for r in rows] == [i.initiative.id for i in plan.roadmap.items]
        for row, item in zip(rows, plan.roadmap.items, strict=True):
            assert isinstance(row["Start"], dt.datetime)
            assert (row["Start"].date(), row["End"].date()) == (item.start, item.end)
            assert row["Phase"] == item.phase
            assert row["Effort (person-months)"] == item.initiative.effort
            assert row["Duration (months)"] == item.initiative.duration
            assert (row["Quick win"] == "yes") is item.quick_win
        assert all(ws[f"D{r}"].is_date for r in range(2, ws.max_row + 1))


def test_kpi_rows_cover_every_planned_initiatives_kpis(
    plans: dict[str, OrganisationPlan], saved: dict[str, openpyxl.Workbook]
) -> None:
    """Each KPI of each planned initiative has its row, with formula, unit and direction."""
    for slug, plan in plans.items():
        rows = _rows(saved[slug]["KPIs"])
        got = {(r["Initiative"], r["KPI"], r["Unit"], r["Direction"]) for r in rows}
        want = {
            (i.initiative.id, k.name, k.unit, k.direction)
            for i in plan.roadmap.items
            for k in i.kpis()
        }
        assert got == want
        assert len(rows) == sum(len(i.initiative.kpis) for i in plan.roadmap.items)


def test_exit_criteria_give_each_phases_level(
    plans: dict[str, OrganisationPlan], saved: dict[str, openpyxl.Workbook]
) -> None:
    """Exit criteria rows give current, the level by the end of each phase, and target."""
    for slug, plan in plans.items():
        rows = _rows(saved[slug]["Exit criteria"])
        assert len(rows) == len(plan.roadmap.exit_criteria)
        for row, want in zip(rows, plan.roadmap.exit_criteria, strict=True):
            assert (row["Dimension"], row["Current"], row["Target"]) == (
                want.dimension, want.current, want.target
            )  # fmt: skip
            for phase in plan.roadmap.phases:
                assert row[f"By end of {phase.name}"] == want.by_phase[phase.id]


def test_summary_gives_the_path_readiness_gates_and_provenance(
    plans: dict[str, OrganisationPlan], saved: dict[str, openpyxl.Workbook]
) -> None:
    """The summary names the organisation, recommended path, readiness, gates and input hash."""
    plan = plans["northwind-utilities"]
    values = {}
    for row in _rows(saved["northwind-utilities"]["Summary"]):
        values.setdefault(row["Item"], row["Value"])
    assert values["Organisation"] == plan.scores.organisation
    assert values["Respondents"] == plan.scores.respondents
    assert values["Recommended path"] == plan.decision.archetype.name
    assert values["PMO baseline readiness (0–100)"] == plan.decision.readiness["pmo_baseline"].value
    assert values["Gate: Secure executive sponsorship first"] == "fired: comes first"
    assert values["Roadmap"] == plan.roadmap.message
    assert values["Input SHA-256"] == META["input_sha256"]
    assert values["Instrument"] == META["instrument"]
    assert isinstance(values["Roadmap start"], dt.datetime)


def test_numbers_are_stored_as_numbers(saved: dict[str, openpyxl.Workbook]) -> None:
    """Scores, counts, shares, efforts and loads are numeric cells, not text."""
    wb = saved["harbor-mutual"]
    checks = {
        "Dimensions": ["Score", "Target", "Respondents", "Coverage", "Consensus (0–1)"],
        "Items": ["Score", "Respondents", "N/A", "Don't know", "Coverage"],
        "Pillars": ["Score", "Achieved level", "Readiness (0–100)"],
        "Roadmap": ["Duration (months)", "Effort (person-months)", "Load (people)"],
        "Perception gaps": ["Higher score", "Lower score", "Gap"],
    }
    for sheet, headers in checks.items():
        for row in _rows(wb[sheet]):
            for header in headers:
                value = row[header]
                assert isinstance(value, float | int), (sheet, header, value)
                assert not isinstance(value, bool)
    assert wb["Dimensions"]["D2"].number_format == "0.00"


def test_hostile_client_text_is_stored_as_inert_text(
    plans: dict[str, OrganisationPlan], tmp_path: Path
) -> None:
    """Formula-like names, comments, groups and meta stay strings that start with no formula
    character, control characters are stripped, and the only formulas are the workbook's own."""
    plan = plans["harbor-mutual"]
    first_gap, *gaps = plan.scores.perception_gaps
    scores = dataclasses.replace(
        plan.scores,
        organisation=HOSTILE[0],
        comments=[Comment(question=text, text=text) for text in HOSTILE],
        breakouts=[
            dataclasses.replace(plan.scores.breakouts[0], group=HOSTILE[1]),
            *plan.scores.breakouts[1:],
        ],
        perception_gaps=[
            dataclasses.replace(first_gap, high_group=HOSTILE[2], low_group=HOSTILE[3]),
            *gaps,
        ],
        warnings=[*plan.scores.warnings, HOSTILE[4]],
    )
    meta = {**META, "generated": HOSTILE[5], "extra": HOSTILE[6]}
    wb = _reopen(dataclasses.replace(plan, scores=scores), tmp_path / "r.xlsx", meta)
    ours = {("Dimensions", _column(wb["Dimensions"], "Gap (target − score)")),
            ("Pillars", _column(wb["Pillars"], "Target (mean of its dimension targets)"))}  # fmt: skip
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert (ws.title, cell.column_letter) in ours, (ws.title, cell.coordinate)
                elif isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), (ws.title, cell.value)
                    assert not UNSTORABLE.search(cell.value), (ws.title, cell.value)
    assert wb["Summary"]["B2"].value == "'" + '=HYPERLINK("http://evil","x")'
    comments = [r["Comment (author, role and time withheld)"] for r in _rows(wb["Comments"])]
    assert sorted(comments) == sorted([
        "'" + '=HYPERLINK("http://evil","x")', "'+1+1", "'@SUM(A1)",
        "<script>alert(1)</script>", "'-2+3", "'\t=1+1", "badsurrogate",
    ])  # fmt: skip
    assert _rows(wb["Breakouts"])[0]["Group"] == "'+1+1"


def test_clean_cell_keeps_numbers_and_dates_and_strips_what_xlsx_cannot_hold() -> None:
    """Numbers and dates pass through, NaN is empty, unstorable characters are dropped
    before neutralising."""
    assert clean_cell(3) == 3
    assert clean_cell(2.5) == 2.5
    assert clean_cell(float("nan")) is None
    assert clean_cell(np.int64(7)) == 7
    assert isinstance(clean_cell(np.float32(0.5)), float)
    assert clean_cell(dt.date(2027, 1, 4)) == dt.date(2027, 1, 4)
    assert clean_cell("\x0b=1\x00") == "'=1"
    assert clean_cell("a\ud800\uffffb") == "ab"


def test_deltas_add_a_change_column_when_a_previous_assessment_was_found(
    plans: dict[str, OrganisationPlan], tmp_path: Path
) -> None:
    """With a previous assessment, pillars and dimensions show the change; the gap column stays put."""
    plan = plans["lumen-digital"]
    first = plan.scores.dimensions[0].id
    deltas = Deltas(previous_found=True, overall=0.3, pillars={"PB": 0.25},
                    dimensions={first: -0.5})  # fmt: skip
    wb = _reopen(
        dataclasses.replace(plan, scores=dataclasses.replace(plan.scores, deltas=deltas)),
        tmp_path / "r.xlsx",
    )
    dims, pillars = _rows(wb["Dimensions"]), _rows(wb["Pillars"])
    assert dims[0]["Change since previous"] == -0.5
    assert dims[1]["Change since previous"] is None
    assert pillars[0]["Change since previous"] == 0.25
    assert wb["Dimensions"]["G2"].value == '=IF(AND(ISNUMBER(D2),ISNUMBER(E2)),E2-D2,"")'


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary_file(
    plans: dict[str, OrganisationPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If saving fails midway, the earlier workbook is intact and nothing else is in the folder."""
    target = tmp_path / "report.xlsx"
    write_report_workbook(plans["lumen-digital"], META, target)
    before = target.read_bytes()

    def broken(self: openpyxl.Workbook, filename: str | Path) -> None:
        Path(filename).write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        write_report_workbook(plans["harbor-mutual"], META, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_building_does_not_touch_the_disk(plans: dict[str, OrganisationPlan]) -> None:
    """build_report_workbook returns a workbook in memory with the organisation in its title."""
    wb = build_report_workbook(plans["harbor-mutual"], META)
    assert wb.sheetnames == SHEETS
    assert wb.properties.title.startswith("Harbor Mutual Insurance")


# ------------------------------------------------------------- the narrative's sheets ---


def _story(plan: OrganisationPlan) -> Narrative:
    return Narrative.of(ReportView.of(plan))


def test_executive_summary_sheet_carries_the_decisions_and_investment_as_numbers(
    plans: dict[str, OrganisationPlan], saved: dict[str, openpyxl.Workbook]
) -> None:
    """The first sheet is the executive summary: the recommendation, the findings with their
    evidence, the same decisions as the report, the first ninety days with real dates, the
    investment by phase and its total as numbers in the currency's format, and the risks."""
    words = report_text()["story"]
    for slug, plan in plans.items():
        story, ws = _story(plan), saved[slug]["Executive summary"]
        rows = _rows(ws)
        part = {key: [r for r in rows if r["Part"] == words[key]] for key in
                ("recommendation", "matters", "decisions", "first_90_days", "investment", "risks")}  # fmt: skip
        assert part["recommendation"][0]["Text"] == story.recommendation
        assert [(r["Title"], r["Text"], r["Detail"]) for r in part["matters"]] == [
            (f.title, f.text, "\n".join(f.evidence)) for f in story.findings
        ]
        assert [r["Text"] for r in part["decisions"]] == list(story.decisions)
        steps = [r for r in part["first_90_days"] if r["Date"] is not None]
        assert [(r["Text"], r["Date"].date()) for r in steps] == [
            (s.text, s.date) for s in story.first_days
        ]
        inv = story.investment
        figures = [(r["Title"], r["Person-months"], r[f"Cost ({inv.currency})"])
                   for r in part["investment"] if r["Person-months"] is not None]  # fmt: skip
        assert figures == [
            *((p.name, p.person_months, p.cost) for p in inv.phases),
            (words["total"], inv.person_months, inv.cost),
        ]
        assert all(isinstance(v, int | float) for _, pm, cost in figures for v in (pm, cost))
        cost = _column(ws, f"Cost ({inv.currency})")
        symbol = {"EUR": "€", "USD": "$", "GBP": "£"}[inv.currency]
        assert all(ws[f"{cost}{r}"].number_format == f'"{symbol}"#,##0'
                   for r in range(2, ws.max_row + 1))  # fmt: skip
        assert [(r["Title"], r["Text"], r["Detail"]) for r in part["risks"]] == [
            (r.title, r.text, r.mitigation) for r in story.risks
        ]
    assert saved["harbor-mutual"].sheetnames[0] == "Executive summary"


def test_findings_strengths_themes_and_references_sheets_hold_the_narrative(
    plans: dict[str, OrganisationPlan], saved: dict[str, openpyxl.Workbook]
) -> None:
    """Each pillar's story, the strengths, the theme counts (numbers), every merged comment once
    with how many gave it, and the references."""
    for slug, plan in plans.items():
        story, wb = _story(plan), saved[slug]
        assert [(r["Pillar"], r["What we heard"], r["Evidence"], r["So what"]) for r in
                _rows(wb["Findings"])] == [
            (p.name, p.heard, "\n".join(p.evidence), p.so_what) for p in story.pillars
        ]  # fmt: skip
        assert [r["What already meets its target"] for r in _rows(wb["Strengths"])] == [
            "\n".join(s.items) for s in story.strengths
        ]
        assert [(r["Theme"], r["Comments"]) for r in _rows(wb["Comment themes"])] == [
            (t.name, t.count) for t in story.themes.themes
        ]
        comments = _rows(wb["Comments"])
        assert sorted((r["Comment (author, role and time withheld)"], r["Times given"],
                       r["At least (people)"]) for r in comments) == sorted(
            (c.text, c.count, c.people) for c in story.themes.merged)  # fmt: skip
        assert [r["Reference"] for r in _rows(wb["References"])] == [
            r.text for r in story.references
        ]


def test_roadmap_sheet_keeps_the_arithmetic_and_adds_the_clients_reason(
    plans: dict[str, OrganisationPlan], saved: dict[str, openpyxl.Workbook]
) -> None:
    """The roadmap sheet keeps the planner's full reason and adds the reason the report and the
    deck give the client; the KPI sheet marks the KPIs the report's body shows."""
    for slug, plan in plans.items():
        story = _story(plan)
        rows = _rows(saved[slug]["Roadmap"])
        assert [r["Reason"] for r in rows] == [i.reason for i in plan.roadmap.items]
        assert [r["Why (for the client)"] for r in rows] == [
            story.why[i.initiative.id] for i in plan.roadmap.items
        ]
        kpis = _rows(saved[slug]["KPIs"])
        shown = [(r["Initiative"], r["KPI"]) for r in kpis if r["In the report"] == "yes"]
        assert shown
        assert sorted(shown) == sorted(
            (r.initiative_id, r.kpi.name) for g in story.kpi_groups for r in g.kpis
        )


def test_hostile_comments_stay_text_in_the_comment_sheet(
    hostile_sample: tuple[Path, Path], tmp_path: Path
) -> None:
    """Script- and formula-bearing comments (conftest's HOSTILE_COMMENTS) reach the Comments
    sheet as text cells, control characters stripped, formulas neutralised."""
    responses, profile = hostile_sample
    rep = report.prepare(Job(responses=str(responses), profile=str(profile)))
    wb = openpyxl.load_workbook(write_report_workbook(rep.plan, rep.meta, tmp_path / "h.xlsx"))
    ws = wb["Comments"]
    column = _column(ws, "Comment (author, role and time withheld)")
    cells = [ws[f"{column}{r}"] for r in range(2, ws.max_row + 1)]
    texts = [c.value for c in cells]
    for hostile in HOSTILE_COMMENTS:
        assert UNSTORABLE.sub("", hostile) in texts
    for cell in cells:
        assert cell.data_type == "s"
        assert not str(cell.value).startswith(FORMULA_STARTS)
