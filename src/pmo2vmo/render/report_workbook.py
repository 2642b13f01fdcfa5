"""The client report as an Excel workbook: scores, gaps and roadmap, for a consultant to edit.

One organisation per workbook. Every sheet is a table with a frozen bold header, an autofilter,
number formats and real Excel dates. Text from clients or data files goes through
:func:`pmo2vmo.render.workbook.safe_cell` (no client text becomes a formula) after the characters an
xlsx file cannot hold are stripped. The only formulas are ours, written as :class:`_Formula`:
each dimension's gap (target − score, so editing a target moves the gap) and each pillar's
target (the mean of its dimension targets). Every other figure and row is the
:class:`~pmo2vmo.render.view.ReportView`'s, and every sentence its
:class:`~pmo2vmo.render.narrative.Narrative`'s (the narrative sheets are in
:mod:`~pmo2vmo.render.workbook_story`), both built once per workbook. The workbook says what the
report and the deck say, and keeps what they leave out: the planner's arithmetic, every KPI.

Confidentiality (PRODUCT.md §5): a breakout group that is not ``ok`` never shows a score or a
respondent count, whatever its record holds; comments carry no author, role or time.
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pmo2vmo.analysis.plan import OrganisationPlan
from pmo2vmo.model.archetypes import RACI_COLUMNS
from pmo2vmo.render import workbook_story
from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.view import ReportView, target_reached
from pmo2vmo.render.workbook import add_table_sheet, safe_cell, same_style
from pmo2vmo.render.workbook_story import COUNT, DATE, Column, Sheet
from pmo2vmo.util.atomic import write_atomic
from pmo2vmo.util.text import XML_ILLEGAL, capital

SCORE = "0.00"
GAP = "+0.00;-0.00;0.00"
INDEX = "0.0"
SHARE = "0%"
EDITABLE_FILL = "FFF2CC"  # light yellow: cells the consultant is expected to edit
QUALITY = {
    "straight_lining": "straight-lining",
    "partial": "partial responses",
    "no_role": "no role given",
}
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class _Formula:
    """A formula this module wrote; the only value written unneutralised."""

    text: str


DIMENSION_COLUMNS = (
    Column("Pillar", 8), Column("Dimension", 11), Column("Name", 36),
    Column("Score", 8, SCORE), Column("Target", 8, SCORE), Column("Target source", 13),
    Column("Gap (target − score)", 11, GAP), Column("Respondents", 12, COUNT),
    Column("Answered", 10, COUNT), Column("N/A", 6, COUNT), Column("Don't know", 10, COUNT),
    Column("Coverage", 10, SHARE), Column("Consensus (0–1)", 11, SCORE),
    Column("Dispersion", 10, SCORE), Column("Disputed items", 22),
)  # fmt: skip


def clean_cell(value: Any) -> Any:
    """A value safe to store: our formulas as they are, dates as dates, numbers as numbers, and
    text with unstorable characters stripped, then neutralised by :func:`safe_cell`."""
    if isinstance(value, _Formula):
        return value.text
    if isinstance(value, dt.date):
        return value
    if value is None or isinstance(value, bool | int | float):
        return safe_cell(value)
    if isinstance(value, numbers.Integral):  # numpy and friends: still numbers, not text
        return int(value)
    if isinstance(value, numbers.Real):
        return safe_cell(float(value))
    return safe_cell(XML_ILLEGAL.sub("", str(value)))


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value)
    return None


def _yes(flag: Any) -> str:
    return "yes" if flag else ""


def _table(wb: Any, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Any:
    """A sheet through :func:`add_table_sheet` (header, freeze, widths), then the rows cleaned
    by :func:`clean_cell`, each column's number format, wrapping and an autofilter."""
    ws = add_table_sheet(wb, title, [c.header for c in columns], [], [c.width for c in columns])
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"sheet {title}: {len(row)} values for {len(columns)} columns")
        ws.append([clean_cell(v) for v in row])
    for index, column in enumerate(columns, start=1):
        if (column.number_format is None and not column.wrap) or ws.max_row < 2:
            continue
        first = ws.cell(row=2, column=index)
        if column.number_format is not None:
            first.number_format = column.number_format
        if column.wrap:
            first.alignment = WRAP
        same_style(first, (cell for (cell,) in ws.iter_rows(min_row=3, min_col=index,
                                                              max_col=index)))  # fmt: skip
    ws.auto_filter.ref = ws.dimensions
    return ws


def _sheet(wb: Any, sheet: Sheet) -> None:
    """A narrative sheet of :mod:`~pmo2vmo.render.workbook_story`, written by :func:`_table`."""
    _table(wb, sheet.title, sheet.columns, sheet.rows)


def _letter(columns: Sequence[Column], header: str) -> str:
    return str(get_column_letter([c.header for c in columns].index(header) + 1))


def _summary(wb: Any, view: ReportView, meta: Mapping[str, str]) -> None:
    plan, roadmap = view.plan, view.plan.roadmap
    decision = plan.decision.to_json()
    archetype = decision["archetype"]
    respondents, overall = view.respondents, view.overall
    rows: list[tuple[str, Any, Any, str | None]] = [
        ("Organisation", plan.scores.organisation, "", None),
        ("Respondents", respondents, "", COUNT),
        ("Overall score (1–5)", overall, "", SCORE),
        ("Recommended path", plan.decision.path_name, archetype["summary"] if archetype else "",
         None),
    ]  # fmt: skip
    if archetype is None:
        rows += [("Evidence missing", reason, "", None) for reason in plan.decision.missing]
    else:
        rows += [("Why this path", reason, "", None) for reason in archetype["reasons"]]
    for key, detail in view.readiness.items():
        label = detail.label or key
        achieved = detail.achieved_level
        rows.append((
            f"{capital(label)} (0–100)",
            detail.value,
            f"pillar {detail.pillar}; achieved level {achieved}" if achieved else "",
            INDEX,
        ))  # fmt: skip
    for gate in decision["gates"]:
        state = "fired: comes first" if gate["fired"] else "not fired"
        rows.append((f"Gate: {gate.get('name') or gate['id']}", state, gate["reason"], None))
    rows += [
        ("Roadmap", roadmap.message, "", None),
        ("Roadmap start", roadmap.start_date, "", DATE),
        ("Capacity (people a month)", roadmap.capacity_people, "", "0.0"),
        ("Horizon (months)", roadmap.horizon_months, "", COUNT),
        ("Initiatives planned", len(view.initiatives), "", COUNT),
        ("Quick wins", sum(1 for i in view.initiatives if i.quick_win), "", COUNT),
    ]
    rows += [
        (
            f"Data quality: {QUALITY.get(key, key.replace('_', ' '))}",
            plan.scores.quality_text(key) if count is None else count,
            "respondents",
            None if count is None else COUNT,
        )
        for key, count in view.data_quality.items()
    ]
    rows += [("Warning", warning, "", None) for warning in plan.scores.warnings]
    named = {
        "instrument": "Instrument",
        "pmo2vmo_version": "pmo2vmo version",
        "input_sha256": "Input SHA-256",
        "generated": "Generated",
    }
    rows += [(label, meta.get(key, ""), "", None) for key, label in named.items()]
    rows += [(key, meta[key], "", None) for key in sorted(meta) if key not in named]
    columns = [
        Column("Item", 34),
        Column("Value", 60, wrap=True),
        Column("Detail", 90, wrap=True),
    ]
    ws = _table(wb, "Summary", columns, [r[:3] for r in rows])
    for index, (*_, number_format) in enumerate(rows, start=2):
        if number_format is not None:
            ws.cell(row=index, column=2).number_format = number_format


def _dimensions(wb: Any, view: ReportView) -> None:
    changes = view.previous_found
    columns = list(DIMENSION_COLUMNS)
    if changes:
        columns.append(Column("Change since previous", 12, GAP))
    if view.moderation is not None:
        columns += [Column("Self-assessed", 12, SCORE), Column("Moderated", 11, SCORE)]
    score_col, target_col = _letter(columns, "Score"), _letter(columns, "Target")
    rows = []
    for row, d in enumerate(view.dimensions, start=2):
        gap = None  # the view's gap, written as a live formula of the row's target and score
        if d.gap is not None:
            s, t = f"{score_col}{row}", f"{target_col}{row}"
            gap = _Formula(f'=IF(AND(ISNUMBER({s}),ISNUMBER({t})),{t}-{s},"")')
        values = [
            d.pillar, d.id, d.name, d.score, d.target, d.target_source, gap, d.respondents,
            d.answered, d.not_applicable, d.dont_know, d.coverage, d.consensus,
            d.dispersion, ", ".join(d.disputed_items),
        ]  # fmt: skip
        if changes:
            values.append(d.change)
        if view.moderation is not None:
            values += [d.self_assessed, d.moderated]
        rows.append(values)
    ws = _table(wb, "Dimensions", columns, rows)
    last = ws.max_row
    if last < 2:
        return
    target_range = f"{target_col}2:{target_col}{last}"
    for (cell,) in ws[target_range]:
        cell.fill = PatternFill("solid", fgColor=EDITABLE_FILL)
    check = DataValidation(
        type="decimal", operator="between", formula1="1", formula2="5", allow_blank=True
    )
    check.showErrorMessage = True
    check.error, check.errorTitle = "A target is a level from 1 to 5.", "Target"
    ws.add_data_validation(check)
    check.add(target_range)
    gap_col = _letter(columns, "Gap (target − score)")
    ws.conditional_formatting.add(
        f"{gap_col}2:{gap_col}{last}",
        ColorScaleRule(start_type="num", start_value=-1, start_color="63BE7B",
                       mid_type="num", mid_value=0, mid_color="FFFFFF",
                       end_type="num", end_value=2, end_color="F8696B"),
    )  # fmt: skip


def _pillars(wb: Any, view: ReportView) -> None:
    changes = view.previous_found
    last = len(view.dimensions) + 1
    of_pillar, of_target = (
        _letter(DIMENSION_COLUMNS, "Pillar"),
        _letter(DIMENSION_COLUMNS, "Target"),
    )
    pillar_range = f"Dimensions!${of_pillar}$2:${of_pillar}${last}"
    target_range = f"Dimensions!${of_target}$2:${of_target}${last}"
    columns = [
        Column("Pillar", 8), Column("Name", 24), Column("Score", 8, SCORE),
        Column("Achieved level", 10, COUNT), Column("Level name", 14),
        Column("Readiness (0–100)", 12, INDEX),
        Column("Target (mean of its dimension targets)", 16, SCORE),
    ]  # fmt: skip
    if changes:
        columns.append(Column("Change since previous", 12, GAP))
    own = _letter(columns, "Pillar")
    rows = []
    for row, p in enumerate(view.pillars, start=2):
        # the view's mean target, written as a live formula of the Dimensions sheet's targets
        target = _Formula(f'=IFERROR(AVERAGEIFS({target_range},{pillar_range},{own}{row}),"")')
        values = [p.id, p.name, p.score, p.achieved_level,
                  p.achieved_level_name, p.readiness, target]  # fmt: skip
        if changes:
            values.append(p.change)
        rows.append(values)
    _table(wb, "Pillars", columns, rows)


def _items(wb: Any, view: ReportView) -> None:
    columns = [
        Column("Question", 12), Column("Dimension", 11), Column("Score", 8, SCORE),
        Column("Respondents", 12, COUNT), Column("Answered", 10, COUNT), Column("N/A", 6, COUNT),
        Column("Don't know", 10, COUNT), Column("Coverage", 10, SHARE),
        Column("Consensus (0–1)", 11, SCORE), Column("Dispersion", 10, SCORE),
        Column("Disputed", 9),
    ]  # fmt: skip
    rows = [
        [i.id, i.dimension, i.score, i.respondents, i.answered,
         i.not_applicable, i.dont_know, i.coverage, i.consensus, i.dispersion,
         _yes(i.disputed)]
        for i in view.items
    ]  # fmt: skip
    _table(wb, "Items", columns, rows)


def _breakouts(wb: Any, view: ReportView) -> None:
    columns = [
        Column("Breakout", 12),
        Column("Group", 24),
        Column("Status", 11),
        Column("Respondents", 12, COUNT),
        Column("Overall score", 10, SCORE),
        *[Column(p.id, 8, SCORE) for p in view.pillars],
    ]
    # a group that is not shown carries no figure in the view, whatever its record holds
    rows = [[g.group_by, g.name, g.status, g.respondents, g.score, *g.pillars]
            for g in view.groups]  # fmt: skip
    _table(wb, "Breakouts", columns, rows)


def _perception_gaps(wb: Any, view: ReportView) -> None:
    columns = [
        Column("Breakout", 12), Column("Dimension", 11), Column("Higher group", 22),
        Column("Higher score", 10, SCORE), Column("Lower group", 22),
        Column("Lower score", 10, SCORE), Column("Gap", 8, SCORE), Column("Flagged", 9),
    ]  # fmt: skip
    rows = [
        [g.group_by, g.dimension, g.high_group, g.high, g.low_group, g.low,
         g.gap, _yes(g.flagged)]
        for g in view.perception_gaps
    ]  # fmt: skip
    _table(wb, "Perception gaps", columns, rows)


def _roadmap(wb: Any, view: ReportView, story: Narrative) -> None:
    """The planned initiatives with the planner's full reason (its arithmetic) and the reason
    the client reads in the report and the deck."""
    columns = [
        Column("Initiative", 30), Column("Title", 44, wrap=True), Column("Phase", 10),
        Column("Start", 12, DATE), Column("End", 12, DATE),
        Column("Duration (months)", 10, COUNT), Column("Effort (person-months)", 11, "0.0"),
        Column("Load (people)", 9, SCORE), Column("Owner", 30, wrap=True),
        Column("Prerequisites", 30, wrap=True), Column("Quick win", 9), Column("Why", 12),
        Column("Dimensions lifted", 20), Column("Why (for the client)", 70, wrap=True),
        Column("Reason", 90, wrap=True),
    ]  # fmt: skip
    rows = [
        [i.id, i.title, i.phase, i.start, i.end, i.duration, i.effort, i.load, i.owner,
         ", ".join(i.prerequisites), _yes(i.quick_win), i.why, ", ".join(i.dimensions),
         story.why.get(i.id, ""), i.reason]
        for i in view.initiatives
    ]  # fmt: skip
    _table(wb, "Roadmap", columns, rows)


def _phases(wb: Any, view: ReportView) -> None:
    columns = [
        Column("Phase", 10), Column("Name", 14), Column("Start", 12, DATE),
        Column("End", 12, DATE), Column("Purpose", 60, wrap=True),
        Column("Initiatives", 11, COUNT), Column("Initiative ids", 60, wrap=True),
    ]  # fmt: skip
    rows = [
        [p.id, p.name, _date(p.start), _date(p.end), p.purpose, len(p.items), ", ".join(p.items)]
        for p in view.phases
    ]
    _table(wb, "Phases", columns, rows)


def _kpis(wb: Any, view: ReportView, story: Narrative) -> None:
    """Every KPI of every planned initiative (the report's body shows at most twelve: marked)."""
    body = {id(r) for g in story.kpi_groups for r in g.kpis}
    columns = [
        Column("Initiative", 30), Column("KPI", 40, wrap=True), Column("Formula", 60, wrap=True),
        Column("Unit", 12), Column("Direction", 10), Column("Baseline", 22, wrap=True),
        Column("Target", 28, wrap=True), Column("Target date", 12, DATE), Column("Cadence", 12),
        Column("Owner", 24, wrap=True), Column("In the report", 10),
    ]  # fmt: skip
    rows = [
        [
            r.initiative_id,
            r.kpi.name,
            r.kpi.formula,
            r.kpi.unit,
            r.kpi.direction,
            r.baseline,
            r.kpi.target,
            r.target_date,  # a real date cell (clean_cell keeps dates as dates)
            r.kpi.cadence,
            r.kpi.owner_role,
            _yes(id(r) in body),
        ]
        for r in view.kpis
    ]
    _table(wb, "KPIs", columns, rows)


def _exit_criteria(wb: Any, view: ReportView) -> None:
    phases = view.phases
    columns = [
        Column("Dimension", 11),
        Column("Name", 36),
        Column("Current", 9, SCORE),
        *[Column(f"By end of {p.name}", 11, SCORE) for p in phases],
        Column("Target", 8, SCORE),
        Column("Target reached", 26),
    ]
    rows = [
        [e.dimension, e.name, e.current,
         *[e.by_phase.get(p.id) for p in phases], e.target, target_reached(e)]
        for e in view.exit_criteria
    ]  # fmt: skip
    _table(wb, "Exit criteria", columns, rows)


def _left_out(wb: Any, view: ReportView) -> None:
    _table(
        wb,
        "Residual gaps",
        [Column("Dimension", 11), Column("Name", 36), Column("Gap", 8, SCORE),
         Column("Still open after the plan", 14, SCORE)],
        [[r.dimension, r.name, r.gap, r.remaining] for r in view.residual_gaps],
    )  # fmt: skip
    _table(
        wb,
        "Deferred",
        [Column("Initiative", 30), Column("Title", 44, wrap=True),
         Column("Why it is not in the plan", 100, wrap=True)],
        [[d.id, d.title, d.reason] for d in view.plan.roadmap.deferred],  # text only
    )  # fmt: skip


def _operating_model(wb: Any, view: ReportView) -> None:
    archetype = view.plan.decision.archetype
    rows = (
        [[r.function, *r.letters(), r.note] for r in archetype.operating_model] if archetype else []
    )
    _table(
        wb,
        "Operating model",
        [Column("Function", 40, wrap=True),
         *(Column(name, 12) for name in RACI_COLUMNS.values()),
         Column("Note", 60, wrap=True)],
        rows,
    )  # fmt: skip


def _moderation(wb: Any, view: ReportView) -> None:
    """The assessor's levels beside the self-assessed scores, then the optimism index (only
    when a moderation was given)."""
    moderation = view.moderation
    if moderation is None:
        return
    ws = _table(
        wb,
        "Moderation",
        [Column("Dimension", 11), Column("Name", 36), Column("Self-assessed", 12, SCORE),
         Column("Moderated", 11, SCORE), Column("Self-assessed − moderated", 14, GAP),
         Column("Rationale", 60, wrap=True), Column("Evidence", 60, wrap=True)],
        [[m.id, m.label, m.self_assessed, m.moderated, m.difference, m.rationale,
          "\n".join(m.evidence)] for m in view.moderated],
    )  # fmt: skip
    ws.append([])
    ws.append([clean_cell(v) for v in ("Group", "Optimism index", "Dimensions compared")])
    for o in moderation.optimism:
        ws.append([clean_cell(o.group), o.index, o.dimensions])
        ws.cell(ws.max_row, 2).number_format = GAP
    drives = "moderated levels" if moderation.drives else "self-assessed scores"
    ws.append([])
    ws.append([clean_cell(f"What drives gaps, path and roadmap: the {drives}."
                          + (f" Assessor: {moderation.assessor}." if moderation.assessor else "")
                          + (f" Date: {moderation.date}." if moderation.date else ""))])  # fmt: skip


def build_report_workbook(plan: OrganisationPlan, meta: Mapping[str, str], *,
                          view: ReportView | None = None,
                          story: Narrative | None = None) -> openpyxl.Workbook:  # fmt: skip
    """The editable workbook of one organisation's report: executive summary, summary,
    findings, strengths, pillars, dimensions (with a live gap formula), items, breakouts,
    perception gaps, roadmap, phases, KPIs, exit criteria, residual gaps, deferred initiatives,
    operating model, moderation (when given), comment themes, comments and references.

    ``meta`` holds ``generated``, ``instrument``, ``pmo2vmo_version`` and ``input_sha256``
    (strings); any other key is listed on the summary too. ``view`` and ``story``: the report's
    own, when the caller has them (else built here).
    """
    view = ReportView.of(plan) if view is None else view
    story = Narrative.of(view) if story is None else story
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wb.properties.title = XML_ILLEGAL.sub("", f"{plan.scores.organisation}: PMO to VMO assessment")
    wb.properties.creator = "pmo2vmo"
    _sheet(wb, workbook_story.executive_summary(story))
    _summary(wb, view, meta)
    _sheet(wb, workbook_story.findings(story))
    _sheet(wb, workbook_story.strengths(story))
    for sheet in (_pillars, _dimensions, _items, _breakouts, _perception_gaps):
        sheet(wb, view)
    _roadmap(wb, view, story)
    _phases(wb, view)
    _kpis(wb, view, story)
    for sheet in (_exit_criteria, _left_out, _operating_model, _moderation):
        sheet(wb, view)
    _sheet(wb, workbook_story.comment_themes(story))
    _sheet(wb, workbook_story.comments(view, story))
    _sheet(wb, workbook_story.references(story))
    return wb


def write_report_workbook(plan: OrganisationPlan, meta: Mapping[str, str], path: Path | str, *,
                          view: ReportView | None = None,
                          story: Narrative | None = None) -> Path:  # fmt: skip
    """Build the report workbook and write it to ``path`` atomically (the previous file stays
    whole if anything fails)."""
    wb = build_report_workbook(plan, meta, view=view, story=story)
    return write_atomic(path, wb.save)
