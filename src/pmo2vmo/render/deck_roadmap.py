"""The deck's roadmap slides: the Gantt chart, the roadmap items, KPIs and phase exit criteria.

Every row comes from the plan's :class:`~pmo2vmo.render.view.ReportView` (its initiatives, KPIs,
exit criteria and residual gaps) and every sentence from the deck's narrative (the roadmap's
introduction, each initiative's reason as the client reads it, the KPIs the report's body shows);
the phases are read as text. The planner's arithmetic (what each initiative closes, by how much,
what was deferred) stays in the workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches, Pt

from pmo2vmo.analysis.roadmap import add_months
from pmo2vmo.render.deck_charts import add_chart, chart_data, colour_series, top_down
from pmo2vmo.render.deck_layout import (
    CONTENT_TOP,
    CONTENT_WIDTH,
    MARGIN,
    ROWS_PER_SLIDE,
    TEXT_GREY,
    Deck,
    add_note,
    add_para,
    add_runs,
    add_speaker_notes,
    add_table,
    add_textbox,
    deck_text,
    hex_rgb,
    paged_title,
    paginate,
    paginate_by_height,
    report_words,
)
from pmo2vmo.render.view import InitiativeRow, ReportView, target_reached
from pmo2vmo.util.text import figure

GANTT_ITEMS_PER_SLIDE = 25
EXCEL_EPOCH = dt.date(1899, 12, 30)


def _serial(day: dt.date) -> int:
    """Excel's date serial (what a date axis counts in)."""
    return (day - EXCEL_EPOCH).days


# Figures and rows the view does not carry yet (to move into ReportView): read here, once each.
def _frame(view: ReportView) -> tuple[dt.date, int, float]:
    """The roadmap's start date, horizon (months) and capacity (people)."""
    roadmap = view.plan.roadmap
    return roadmap.start_date, roadmap.horizon_months, roadmap.capacity_people


def gantt_slides(deck: Deck, view: ReportView) -> None:
    """The roadmap as a Gantt chart (stacked bars on a date axis), a page per 25 items."""
    roadmap = view.plan.roadmap
    items = view.initiatives
    title = report_words("sections", "roadmap", "title")
    if not items:
        slide = deck.slide(title)
        add_note(slide, deck.story.roadmap_intro, top=CONTENT_TOP)
        return
    words = deck_text("gantt")
    phases = list(dict.fromkeys([p.name for p in roadmap.phases] + [i.phase for i in items]))
    start, horizon, capacity = _frame(view)
    first = _serial(start)
    last = max(_serial(add_months(start, horizon)), *(_serial(i.end) + 1 for i in items))
    pages = paginate(items, GANTT_ITEMS_PER_SLIDE)
    for page, chunk in enumerate(pages, 1):
        slide = deck.slide(paged_title(title, page, len(pages)))
        used = [p for p in phases if any(i.phase == p for i in chunk)]
        colours = [deck.series_colour(phases.index(phase)) for phase in used]
        _gantt_chart(slide, chunk, used, colours, (first, last))
        _phase_key(slide, used, colours)
        add_note(slide, words["note"].format(intro=deck.story.roadmap_intro), top=Inches(6.6))
        frame = words["capacity"].format(
            capacity=capacity, horizon=horizon, start=start.isoformat()
        )
        add_speaker_notes(slide, [frame])


def _gantt_series(
    chunk: Sequence[InitiativeRow], phases: Sequence[str]
) -> list[tuple[str, list[float | None]]]:
    """An invisible "Start" offset (date serials), then each phase's durations in days."""
    series: list[tuple[str, list[float | None]]] = [
        (deck_text("gantt", "offset"), [float(_serial(i.start)) for i in chunk])
    ]
    for phase in phases:
        series.append(
            (
                phase,
                [float((i.end - i.start).days + 1) if i.phase == phase else None for i in chunk],
            )
        )
    return series


def _gantt_chart(
    slide: Any,
    chunk: Sequence[InitiativeRow],
    phases: Sequence[str],
    colours: Sequence[RGBColor],
    span: tuple[int, int],
) -> None:
    """The stacked-bar Gantt chart of ``chunk``: offsets hidden, phases coloured, plan order from
    the top, on a date axis from ``span[0]`` to ``span[1]`` (Excel serials)."""
    data = chart_data([i.title for i in chunk], _gantt_series(chunk, phases), "General")
    chart = add_chart(slide, XL_CHART_TYPE.BAR_STACKED, data, height=Inches(5.0))
    chart.has_legend = False  # the key below names the phases, not the invisible offset
    offset = chart.plots[0].series[0]
    offset.format.fill.background()
    offset.format.line.fill.background()
    for duration, colour in zip(list(chart.plots[0].series)[1:], colours, strict=True):
        colour_series(duration, colour)
    chart.plots[0].gap_width = 40
    axis = chart.value_axis
    axis.minimum_scale, axis.maximum_scale = span
    axis.major_unit = 91.3125  # about a quarter
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = hex_rgb("D9D9D9")
    axis.tick_labels.number_format = "mmm yyyy"
    axis.tick_labels.number_format_is_linked = False
    top_down(chart)  # plan order from the top
    chart.category_axis.tick_labels.font.size = Pt(9)


def _phase_key(slide: Any, phases: Sequence[str], colours: Sequence[RGBColor]) -> None:
    """The key under the Gantt chart: a coloured square and the name of each phase shown."""
    key = add_textbox(slide, MARGIN, Inches(6.25), CONTENT_WIDTH, Inches(0.3))
    paragraph = add_para(key, deck_text("gantt", "phases"), size=10, colour=TEXT_GREY)
    for phase, colour in zip(phases, colours, strict=True):
        swatch = paragraph.add_run()
        swatch.text = "■ "
        swatch.font.size = Pt(12)
        swatch.font.color.rgb = colour
        add_runs(paragraph, f"{phase}    ", size=10, colour=TEXT_GREY)


def roadmap_table_slides(deck: Deck, view: ReportView) -> None:
    """The roadmap's items as tables: phase, dates, owner, quick win and why each is in the
    plan, in the client's words (the report's; the arithmetic is in the workbook), paged by
    height, at most ten a slide."""
    items = view.initiatives
    if not items:
        return
    words = deck_text("roadmap_items")
    why = deck.story.why
    rows = [
        [i.phase, i.title, i.start.isoformat(), i.end.isoformat(), i.owner,
         words["quick_win"] if i.quick_win else "", why.get(i.id, "")]
        for i in items
    ]  # fmt: skip
    widths = [0.9, 2.8, 1.0, 1.0, 2.0, 0.7, 3.933]
    pages = paginate_by_height(rows, widths, 9, most=ROWS_PER_SLIDE)
    for page, chunk in enumerate(pages, 1):
        slide = deck.slide(paged_title(words["title"], page, len(pages)))
        add_table(deck, slide, words["headers"], chunk, widths, size=9)
        add_speaker_notes(slide, [f"{row[1]}: {row[-1]}" for row in chunk if row[-1]])


def kpi_slides(deck: Deck, view: ReportView) -> None:
    """The KPIs the report's body shows (at most twelve, grouped by the outcome they serve) with
    baseline, target and target date, paged by height; a page names its outcome. The formulas,
    too wide for the table, are in the speaker notes; the workbook lists every KPI."""
    story = deck.story
    kpis = [(g.outcome, r) for g in story.kpi_groups for r in g.kpis]
    if not kpis:
        return
    rows = [
        [outcome if k == 0 or kpis[k - 1][0] != outcome else "", row.kpi.name, row.initiative,
         row.kpi.unit, row.baseline, row.kpi.target, row.target_date.isoformat(),
         row.kpi.cadence, row.kpi.owner_role]
        for k, (outcome, row) in enumerate(kpis)
    ]  # fmt: skip
    headers = deck_text("kpis", "headers")
    widths = [1.3, 2.2, 2.2, 0.7, 1.2, 1.6, 0.95, 0.85, 1.333]
    pages = paginate_by_height(rows, widths, 9, most=14)
    start = 0
    for page, chunk in enumerate(pages, 1):
        slide = deck.slide(paged_title(report_words("sections", "kpis", "title"), page, len(pages)))
        shown = [list(r) for r in chunk]
        if shown and not shown[0][0]:  # a page starting mid-outcome names it again
            shown[0][0] = deck_text("common", "continued", title=kpis[start][0])
        add_table(deck, slide, headers, shown, widths, size=9)
        add_speaker_notes(slide, [f"{r.kpi.name}: {r.kpi.formula}"
                                  for _, r in kpis[start : start + len(chunk)]])  # fmt: skip
        if page == len(pages) and story.kpis_note:
            add_note(slide, story.kpis_note)
        start += len(chunk)


def exit_criteria_slides(deck: Deck, view: ReportView) -> None:
    """The level each dimension should reach by the end of each phase."""
    criteria = view.exit_criteria
    if not criteria:
        return
    phases = view.phases
    words = deck_text("exit_criteria")
    common = deck_text("common")
    headers = [
        words["dimension"],
        common["current"],
        *(p.name for p in phases),
        common["target"],
        words["reached"],
    ]
    rows = [
        [f"{c.dimension} {c.name}", figure(c.current),
         *(figure(c.by_phase.get(p.id)) for p in phases), figure(c.target), target_reached(c)]
        for c in criteria
    ]  # fmt: skip
    number_width = min(1.1, 6.4 / (len(phases) + 2))
    widths = [CONTENT_WIDTH / 914400 - number_width * (len(phases) + 2) - 1.9]
    widths += [number_width] * (len(phases) + 2) + [1.9]
    pages = paginate(rows, 12)
    for page, chunk in enumerate(pages, 1):
        slide = deck.slide(paged_title(words["title"], page, len(pages)))
        add_table(deck, slide, headers, chunk, widths, size=9, numeric=range(1, len(headers) - 1))
        note = words["note"]
        if page == len(pages) and view.residual_gaps:
            still = ", ".join(f"{g.dimension} ({g.remaining:.2f})" for g in view.residual_gaps)
            note += " " + words["left_open"].format(gaps=still)
        add_note(slide, note, top=Inches(6.35))
