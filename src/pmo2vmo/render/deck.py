"""The client deck: a 16:9 PowerPoint presentation with native, editable charts (PRODUCT §8).

One organisation's plan in, a :class:`pptx.presentation.Presentation` out — title, executive
summary, operating model, radar, pillar and dimension bars, consensus and perception gaps, views by
group, comments, roadmap Gantt and tables, KPIs, phase exit criteria, and a method and data-quality
appendix. Every chart is a python-pptx chart (its data opens in Excel from PowerPoint), never a
picture of one.

Safety rules, each pinned by a test:

- all client text goes through :func:`_text` (XML-illegal control characters removed, tab and line
  feed kept) and is written as plain runs, never as fields;
- chart data is embedded with formulas, URLs and numbers-in-strings *off*, so a category such as
  ``=cmd|' /C calc'!A0`` stays text when someone clicks "Edit data";
- breakout groups with status ``suppressed`` appear only as "suppressed", never with a number;
- a dimension with no answers (score ``None``) is left out of charts, never drawn as 0.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pptx
import pptx.presentation
from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
)
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Inches, Pt

from pmo2vmo.analysis.plan import OrganisationPlan
from pmo2vmo.analysis.roadmap import PlanItem, add_months
from pmo2vmo.model.branding import COLOUR, Brand
from pmo2vmo.util.atomic import write_atomic
from pmo2vmo.util.text import XML_ILLEGAL, capital, figure

SUBTITLE = "PMO to VMO readiness assessment"
SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.5)
CONTENT_TOP = Inches(1.2)
CONTENT_WIDTH = SLIDE_WIDTH - 2 * MARGIN
CONTENT_HEIGHT = Inches(5.75)
TEXT_DARK = "1A1A1A"
TEXT_GREY = "595959"
# Okabe & Ito (2008): further series colours, distinguishable with common colour-vision deficiencies.
PALETTE = ("009E73", "CC79A7", "56B4E9", "D55E00", "E69F00", "0072B2", "000000")
ROWS_PER_SLIDE = 10
TABLE_INCHES = 5.2  # height a table's body may take below the title bar
GANTT_ITEMS_PER_SLIDE = 25
COMMENTS_SHOWN = 10
COMMENT_CHARS = 400
COMMENT_LINE_CHARS = 150  # about what a line of the comments table holds at 9 pt
COMMENT_LINES = 20  # what fits on the slide
# "No Style, Table Grid": thin black grid, no theme colours; the header is filled with the brand.
PLAIN_TABLE_STYLE = "{5940675A-B579-460E-94D1-54222C63F5DA}"
SUPPRESSED = "suppressed"
INSUFFICIENT_NOTE = (
    "No path is recommended: the answers fall below the evidence a recommendation needs "
    "(assessment/transition.yaml, evidence). Collect more answers and run again."
)
NO_DATA = "no data"
GROUP_BY_LABELS = {"role_band": "Role band", "unit": "Unit"}
EXCEL_EPOCH = dt.date(1899, 12, 30)
META_LABELS = {
    "generated": "Generated",
    "instrument": "Instrument",
    "pmo2vmo_version": "pmo2vmo version",
    "input_sha256": "Input SHA-256",
    "catalogue": "Initiative catalogue",
    "min_group_size": "Smallest group shown",
}


def _text(value: object) -> str:
    """Client or data text made safe for the deck: ``None`` → "", line ends → ``\\n``, and
    XML-illegal control characters removed (tab and line feed kept). Everything else verbatim."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return XML_ILLEGAL.sub("", text)


def _hex(rrggbb: str) -> RGBColor:
    """A colour from ``rrggbb`` hex digits."""
    colour: RGBColor = RGBColor.from_string(rrggbb.upper())  # type: ignore[no-untyped-call]
    return colour


def _rgb(colour: str) -> RGBColor:
    """A brand colour (``#rrggbb``); :class:`ValueError` names a malformed one."""
    if not COLOUR.fullmatch(colour):
        raise ValueError(f"brand colour {colour!r} is not a #rrggbb colour")
    return _hex(colour[1:])


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``: 0 black, 1 white."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _on(colour: str) -> str:
    """Dark or white text, whichever reads better on a ``colour`` background."""
    return TEXT_DARK if _luminance(colour) > 0.4 else "FFFFFF"


def _ink(colour: str) -> str:
    """``colour`` as text on white when it reads well there, else dark text."""
    return colour[1:].upper() if _luminance(colour) <= 0.4 else TEXT_DARK


def _level(level: int | None) -> str:
    return "—" if level is None else str(level)


def _serial(day: dt.date) -> int:
    """Excel's date serial (what a date axis counts in)."""
    return (day - EXCEL_EPOCH).days


# ---------------------------------------------------------------------------- chart data ---


class _SafeWorkbookWriter(CategoryWorkbookWriter):
    """python-pptx's chart-data writer with XlsxWriter's string conversions turned off, so text
    starting with ``=`` is stored as text, not as a formula, in the chart's embedded workbook."""

    @contextmanager
    def _open_worksheet(self, xlsx_file: io.BytesIO) -> Any:
        from xlsxwriter import Workbook  # type: ignore[import-untyped]  # python-pptx's writer

        options = {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        }
        workbook = Workbook(xlsx_file, options)
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class _ChartData(CategoryChartData):
    """Category chart data whose embedded workbook is written by :class:`_SafeWorkbookWriter`."""

    @cached_property
    def _workbook_writer(self) -> Any:
        return _SafeWorkbookWriter(self)  # type: ignore[no-untyped-call]


def _chart_data(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], fmt: str
) -> Any:
    data = _ChartData(number_format=fmt)  # type: ignore[no-untyped-call]
    data.categories = [_text(c) for c in categories]
    for name, values in series:
        data.add_series(_text(name), list(values))  # type: ignore[no-untyped-call]
    return data


# ----------------------------------------------------------------------------- the deck ---


@dataclass
class _Deck:
    """The presentation being built, with the brand's colours resolved."""

    prs: Any
    brand: Brand
    primary: str
    accent: str

    def __post_init__(self) -> None:
        for colour in (self.primary, self.accent):
            _rgb(colour)  # a malformed colour fails here, before any slide

    @property
    def primary_rgb(self) -> RGBColor:
        return _rgb(self.primary)

    @property
    def accent_rgb(self) -> RGBColor:
        return _rgb(self.accent)

    def series_colour(self, index: int) -> RGBColor:
        colours = [self.primary, self.accent, *(f"#{c}" for c in PALETTE)]
        return _rgb(colours[index % len(colours)])

    def slide(self, title: str) -> Any:
        """A content slide: its title in a brand-coloured bar (a real title placeholder)."""
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])  # Title Only
        shape = slide.shapes.title
        shape.left, shape.top, shape.width, shape.height = 0, 0, SLIDE_WIDTH, Inches(0.95)
        shape.fill.solid()
        shape.fill.fore_color.rgb = self.primary_rgb
        frame = shape.text_frame
        frame.clear()
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        frame.margin_left = MARGIN
        _runs(frame.paragraphs[0], title, size=26, bold=True, colour=_on(self.primary))
        frame.paragraphs[0].alignment = PP_ALIGN.LEFT
        bar = slide.shapes.add_shape(
            MSO_SHAPE.RECTANGLE, 0, Inches(0.95), SLIDE_WIDTH, Inches(0.06)
        )
        bar.fill.solid()
        bar.fill.fore_color.rgb = self.accent_rgb
        bar.line.fill.background()
        return slide


def _runs(
    paragraph: Any,
    text: str | Sequence[tuple[str, bool]],
    *,
    size: float = 14,
    bold: bool = False,
    colour: str | None = TEXT_DARK,
) -> Any:
    """Append ``text`` to ``paragraph`` as plain runs (``\\n`` becomes a line break).

    ``text`` is a string or (text, bold) pieces; every piece goes through :func:`_text`.
    """
    pieces = [(text, bold)] if isinstance(text, str) else list(text)
    for piece, piece_bold in pieces:
        for i, line in enumerate(_text(piece).split("\n")):
            if i:
                paragraph.add_line_break()
            run = paragraph.add_run()
            run.text = line
            run.font.size = Pt(size)
            run.font.bold = piece_bold
            if colour is not None:
                run.font.color.rgb = _hex(colour)
    return paragraph


def _textbox(slide: Any, left: int, top: int, width: int, height: int) -> Any:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    frame.margin_left = frame.margin_right = Inches(0.05)
    return frame


def _para(
    frame: Any,
    text: str | Sequence[tuple[str, bool]],
    *,
    size: float = 14,
    bold: bool = False,
    colour: str | None = TEXT_DARK,
    space_before: float = 0,
    bullet: bool = False,
) -> Any:
    """A new paragraph at the end of ``frame`` (the first, empty one is reused)."""
    first = frame.paragraphs[0]
    paragraph = first if len(frame.paragraphs) == 1 and not first.runs else frame.add_paragraph()
    if bullet:
        text = [("•  ", False), *([(text, bold)] if isinstance(text, str) else text)]
    _runs(paragraph, text, size=size, bold=bold, colour=colour)
    if space_before:
        paragraph.space_before = Pt(space_before)
    return paragraph


def _table(
    deck: _Deck,
    slide: Any,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    left: int = MARGIN,
    top: int = CONTENT_TOP,
    size: float = 10,
    numeric: Iterable[int] = (),
) -> Any:
    """A table with a brand-coloured header row; ``widths`` in inches, numeric columns right."""
    right = set(numeric)
    width = Inches(sum(widths))
    height = Inches(0.3) * (len(rows) + 1)
    table = slide.shapes.add_table(len(rows) + 1, len(headers), left, top, width, height).table
    table._tbl.tblPr.find(qn("a:tableStyleId")).text = PLAIN_TABLE_STYLE
    for index, inches in enumerate(widths):
        table.columns[index].width = Inches(inches)
    header_text = _on(deck.primary)
    band = _hex("F2F2F2")
    for r, row in enumerate([list(headers), *[list(r) for r in rows]]):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(0.06)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            if r == 0 or r % 2:
                cell.fill.solid()
                cell.fill.fore_color.rgb = deck.primary_rgb if r == 0 else band
            paragraph = cell.text_frame.paragraphs[0]
            _runs(paragraph, value, size=size, bold=r == 0, colour=header_text if r == 0 else None)
            if c in right and r > 0:
                paragraph.alignment = PP_ALIGN.RIGHT
    return table


def _pages(rows: Sequence[Any], per_page: int) -> list[Sequence[Any]]:
    """Rows split into pages (at least one, possibly empty)."""
    return [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [rows[:0]]


def _pages_by_height(
    rows: Sequence[Sequence[str]], widths: Sequence[float], size: float, most: int
) -> list[Sequence[Sequence[str]]]:
    """Table rows split into pages by their estimated height (wrapped lines at ``size`` points in
    columns ``widths`` inches wide), at most ``most`` rows a page."""
    per_inch = 15 * 9 / size  # characters a line holds, per inch of column (conservative)
    capacity = [max(1, int((w - 0.12) * per_inch)) for w in widths]

    def height(row: Sequence[str]) -> float:
        lines = max(-(-max(1, len(c)) // n) for c, n in zip(row, capacity, strict=True))
        return 0.08 + 0.16 * lines * size / 9

    pages: list[Sequence[Sequence[str]]] = []
    start, used = 0, 0.0
    for index, row in enumerate(rows):
        if index > start and (index - start == most or used + height(row) > TABLE_INCHES):
            pages.append(rows[start:index])
            start, used = index, 0.0
        used += height(row)
    pages.append(rows[start:])
    return pages


def _paged_title(title: str, page: int, pages: int) -> str:
    return title if pages == 1 else f"{title} ({page}/{pages})"


def _note(slide: Any, text: str, *, top: int = Inches(6.55)) -> None:
    """A small grey note at the foot of a slide's content area."""
    frame = _textbox(slide, MARGIN, top, CONTENT_WIDTH, Inches(0.4))
    _para(frame, text, size=10, colour=TEXT_GREY)


def _speaker_notes(slide: Any, paragraphs: Iterable[str]) -> None:
    frame = slide.notes_slide.notes_text_frame
    for text in paragraphs:
        _para(frame, text, size=12)


def _chart(
    slide: Any,
    chart_type: Any,
    data: Any,
    *,
    left: int = MARGIN,
    width: int = CONTENT_WIDTH,
    height: int = Inches(5.3),
) -> Any:
    """A native chart in the content area, legend at the bottom, no chart title (the slide's)."""
    chart = slide.shapes.add_chart(chart_type, left, CONTENT_TOP, width, height, data).chart
    chart.font.size = Pt(10)
    chart.has_title = False
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    return chart


def _colour_series(series: Any, colour: RGBColor, *, line: bool = False) -> None:
    if line:
        series.format.line.color.rgb = colour
        series.format.line.width = Pt(2.25)
        series.marker.style = XL_MARKER_STYLE.CIRCLE
        series.marker.size = 6
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = colour
        series.marker.format.line.color.rgb = colour
    else:
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = colour


def _value_labels(series: Any, fmt: str = "0.00") -> None:
    labels = series.data_labels
    labels.show_value = True
    labels.number_format = fmt
    labels.number_format_is_linked = False
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size = Pt(9)


def _level_axis(chart: Any) -> None:
    axis = chart.value_axis
    axis.minimum_scale = 0
    axis.maximum_scale = 5
    axis.major_unit = 1
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _hex("D9D9D9")
    axis.tick_labels.number_format = "0"
    axis.tick_labels.number_format_is_linked = False


def _top_down(chart: Any) -> None:
    """First category at the top of a horizontal bar chart, value axis still at the bottom.

    Reversing the categories alone moves the value axis to the top; ``c:valAx/c:crosses = max``
    (Excel's "horizontal axis crosses at maximum category") brings it back. python-pptx only
    offers ``crosses`` on the value axis, which writes the category axis' element.
    """
    chart.category_axis.reverse_order = True
    crosses = chart.value_axis._element.find(qn("c:crosses"))
    if crosses is None:  # pragma: no cover - python-pptx always writes one
        crosses = OxmlElement("c:crosses")
        chart.value_axis._element.find(qn("c:crossAx")).addnext(crosses)
    crosses.set("val", "max")


# ------------------------------------------------------------------------------- slides ---


def _title_slide(deck: _Deck, plan: OrganisationPlan, meta: Mapping[str, str]) -> list[str]:
    """Slide 1; returns problems worth reporting in the appendix (an unreadable logo)."""
    slide = deck.prs.slides.add_slide(deck.prs.slide_layouts[0])  # Title Slide
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = 0, Inches(2.0), SLIDE_WIDTH, Inches(1.6)
    title.fill.solid()
    title.fill.fore_color.rgb = deck.primary_rgb
    frame = title.text_frame
    frame.clear()
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.margin_left = Inches(0.6)
    name = _text(deck.brand.name)
    size = 40 if len(name) <= 40 else 30 if len(name) <= 70 else 22
    _runs(frame.paragraphs[0], name, size=size, bold=True, colour=_on(deck.primary))
    frame.paragraphs[0].alignment = PP_ALIGN.LEFT
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, Inches(3.6), SLIDE_WIDTH, Inches(0.08))
    bar.fill.solid()
    bar.fill.fore_color.rgb = deck.accent_rgb
    bar.line.fill.background()
    subtitle = slide.placeholders[1]
    subtitle.left, subtitle.top = Inches(0.6), Inches(3.9)
    subtitle.width, subtitle.height = Inches(12), Inches(2.0)
    frame = subtitle.text_frame
    frame.clear()
    frame.word_wrap = True
    _para(frame, SUBTITLE, size=26, bold=True, colour=_ink(deck.primary))
    organisation = plan.scores.organisation
    if _text(organisation) != _text(deck.brand.name):
        _para(frame, f"Organisation: {organisation}", size=16, colour=TEXT_GREY, space_before=6)
    line = f"{plan.scores.respondents} respondents"
    if meta.get("generated"):
        line = f"{meta['generated']} · {line}"
    _para(frame, line, size=16, colour=TEXT_GREY, space_before=6)
    for paragraph in frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
    logo = deck.brand.logo
    if logo is None:
        return []
    try:
        picture = slide.shapes.add_picture(
            io.BytesIO(logo.data), Inches(0), Inches(0.4), height=Inches(1.1)
        )
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's ways of saying "not an image"
        return [f"the logo could not be read as an image and was left out ({type(exc).__name__})"]
    most = Inches(3.5)
    if picture.width > most:
        picture.height = int(picture.height * most / picture.width)
        picture.width = most
    picture.left = SLIDE_WIDTH - MARGIN - picture.width
    picture.name = "Logo"
    return []


def _summary_slide(deck: _Deck, plan: OrganisationPlan) -> None:
    decision = plan.decision
    slide = deck.slide("Executive summary")
    frame = _textbox(slide, MARGIN, CONTENT_TOP, Inches(7.6), CONTENT_HEIGHT)
    accent = _ink(deck.accent)
    _para(frame, "Recommended path", size=12, bold=True, colour=accent)
    _para(frame, decision.path_name, size=24, bold=True, colour=_ink(deck.primary))
    if decision.archetype is not None:
        _para(frame, decision.archetype.summary, size=12, space_before=2)
    _para(frame, "Why", size=12, bold=True, colour=accent, space_before=10)
    for reason in decision.missing or decision.reasons:
        _para(frame, reason, size=12, bullet=True)
    _para(frame, "Gates", size=12, bold=True, colour=accent, space_before=10)
    for gate in decision.gates:
        state = "FIRED — put first" if gate.fired else "not fired" if gate.judged else "not judged"
        _para(
            frame, [(f"{gate.name}: {state}. ", True), (gate.reason, False)], size=12, bullet=True
        )
    if not decision.gates:
        _para(frame, "No gate is defined.", size=12, bullet=True)
    _para(frame, "Roadmap", size=12, bold=True, colour=accent, space_before=10)
    _para(frame, plan.roadmap.message, size=12, bullet=True)
    quick = [i.initiative.title for i in plan.roadmap.items if i.quick_win][:4]
    if quick:
        _para(frame, [("Quick wins: ", True), ("; ".join(quick), False)], size=12, bullet=True)

    rows = [
        [capital(v["label"]), figure(v["value"], 1), _level(v["achieved_level"])]
        for v in decision.readiness.values()
    ]
    _table(
        deck, slide, ["Readiness", "Index (0–100)", "Achieved level"], rows, [2.0, 1.2, 1.3],
        left=Inches(8.3), numeric=[1, 2],
    )  # fmt: skip
    side = _textbox(slide, Inches(8.3), Inches(3.0), Inches(4.5), Inches(3.0))
    overall = plan.scores.overall
    _para(
        side,
        [
            ("Overall score: ", True),
            (f"{figure(overall)} of 5" if overall is not None else "—", False),
        ],
        size=12,
    )
    _para(side, [("Respondents: ", True), (str(plan.scores.respondents), False)], size=12)
    _para(
        side,
        "Readiness = (pillar score − 1) ÷ 4 × 100. Achieved level: the highest level every scored "
        "dimension of the pillar reaches (weakest link).",
        size=10,
        colour=TEXT_GREY,
        space_before=8,
    )
    _speaker_notes(
        slide,
        [
            decision.archetype.explanation if decision.archetype else INSUFFICIENT_NOTE,
            *(f"Gate {g.name}: {g.explanation}" for g in decision.gates),
        ],
    )


def _operating_model_slide(deck: _Deck, plan: OrganisationPlan) -> None:
    archetype = plan.decision.archetype
    slide = deck.slide("Operating model: who does what")
    if archetype is None:
        _note(slide, f"{plan.decision.path_name}: no operating model is proposed.", top=CONTENT_TOP)
        return
    rows = [[r.function, r.pmo, r.vmo, r.note] for r in archetype.operating_model]
    for page, chunk in enumerate(_pages(rows, 12)):
        if page:
            slide = deck.slide("Operating model: who does what (continued)")
        _table(deck, slide, ["Function", "PMO", "VMO", "Note"], chunk, [3.8, 1.6, 1.6, 5.3])
    _note(slide, f"{archetype.name}: responsibility matrix (RACI) of the recommended path.")


def _scored_dimensions(plan: OrganisationPlan) -> list[dict[str, Any]]:
    return [d for d in plan.scores.dimensions if d["score"] is not None]


def _target(plan: OrganisationPlan, dimension: Mapping[str, Any]) -> float:
    """The dimension's target for the recommended path (the decision sets every dimension's)."""
    return float(plan.decision.targets[dimension["id"]][0])


def _unscored_note(plan: OrganisationPlan) -> str:
    missing = [d["id"] for d in plan.scores.dimensions if d["score"] is None]
    if not missing:
        return ""
    return f" Not scored (no answers, not 0): {', '.join(missing)}."


def _radar_slide(deck: _Deck, plan: OrganisationPlan) -> None:
    slide = deck.slide("Current against target, by dimension")
    dims = _scored_dimensions(plan)
    if not dims:
        _note(slide, "No dimension has answers yet.", top=CONTENT_TOP)
        return
    data = _chart_data(
        [d["id"] for d in dims],
        [
            ("Current", [round(d["score"], 2) for d in dims]),
            ("Target", [round(_target(plan, d), 2) for d in dims]),
        ],
        "0.00",
    )
    chart = _chart(slide, XL_CHART_TYPE.RADAR_MARKERS, data, width=Inches(8.2))
    _level_axis(chart)
    current, target = chart.plots[0].series
    _colour_series(current, deck.primary_rgb, line=True)
    _colour_series(target, deck.accent_rgb, line=True)
    target.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
    key = _textbox(slide, Inches(8.9), CONTENT_TOP, Inches(3.9), CONTENT_HEIGHT)
    _para(key, "Dimensions", size=11, bold=True)
    for d in dims:
        _para(key, [(f"{d['id']}  ", True), (d["name"], False)], size=9)
    _note(
        slide,
        "Scores 1–5; targets by precedence profile, archetype, instrument." + _unscored_note(plan),
    )


def _pillar_slide(deck: _Deck, plan: OrganisationPlan) -> None:
    slide = deck.slide("Pillar scores and achieved levels")
    pillars = plan.scores.pillars
    targets: list[float | None] = []
    for pillar in pillars:
        mine = [_target(plan, d) for d in plan.scores.dimensions if d["pillar"] == pillar["id"]]
        targets.append(round(sum(mine) / len(mine), 2) if mine else None)
    categories = [
        f"{p['name']} (no score)"
        if p["score"] is None
        else f"{p['name']} · level {p['achieved_level']} {p['achieved_level_name']}"
        for p in pillars
    ]
    data = _chart_data(
        categories,
        [
            ("Score", [None if p["score"] is None else round(p["score"], 2) for p in pillars]),
            ("Target (mean of its dimensions' targets)", targets),
        ],
        "0.00",
    )
    chart = _chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, data)
    _level_axis(chart)
    chart.plots[0].gap_width = 60
    score, target = chart.plots[0].series
    _colour_series(score, deck.primary_rgb)
    _colour_series(target, deck.accent_rgb)
    _value_labels(score)
    _value_labels(target)
    _note(
        slide,
        "Score: weighted mean of the pillar's scored dimensions (1–5). Achieved level: the highest "
        "level every scored dimension reaches (weakest link).",
    )


def _dimension_slides(deck: _Deck, plan: OrganisationPlan) -> None:
    for pillar in plan.scores.pillars:
        dims = [d for d in _scored_dimensions(plan) if d["pillar"] == pillar["id"]]
        missing = [
            d["id"]
            for d in plan.scores.dimensions
            if d["pillar"] == pillar["id"] and d["score"] is None
        ]
        slide = deck.slide(f"{pillar['name']}: dimensions by gap to target")
        if not dims:
            _note(slide, "No dimension of this pillar has answers yet.", top=CONTENT_TOP)
            continue
        gaps = {d["id"]: _target(plan, d) - d["score"] for d in dims}
        dims.sort(key=lambda d: (-round(gaps[d["id"]], 4), d["id"]))
        data = _chart_data(
            [f"{d['id']} {d['name']} (gap {gaps[d['id']]:+.2f})" for d in dims],
            [
                ("Current", [round(d["score"], 2) for d in dims]),
                ("Target", [round(_target(plan, d), 2) for d in dims]),
            ],
            "0.00",
        )
        chart = _chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, data)
        _level_axis(chart)
        _top_down(chart)  # largest gap at the top
        chart.plots[0].gap_width = 50
        current, target = chart.plots[0].series
        _colour_series(current, deck.primary_rgb)
        _colour_series(target, deck.accent_rgb)
        _value_labels(current)
        note = "Gap = target − current; only positive gaps drive the roadmap."
        if missing:
            note += f" Not scored (no answers, not 0): {', '.join(missing)}."
        _note(slide, note)


def _consensus_slide(deck: _Deck, plan: OrganisationPlan) -> None:
    scores = plan.scores
    slide = deck.slide("Consensus and perception gaps")
    frame = _textbox(slide, MARGIN, CONTENT_TOP, Inches(5.6), Inches(0.4))
    _para(frame, "Where stakeholders agree least", size=13, bold=True)
    lowest = sorted(
        (d for d in scores.dimensions if d["consensus"] is not None),
        key=lambda d: (d["consensus"], d["id"]),
    )[:6]
    rows = [
        [f"{d['id']} {d['name']}", figure(d["score"]), figure(d["consensus"]),
         ", ".join(d["disputed_items"]) or "—"]
        for d in lowest
    ]  # fmt: skip
    _table(
        deck, slide, ["Dimension", "Score", "Consensus", "Disputed items"], rows,
        [2.6, 0.7, 0.9, 1.4], top=CONTENT_TOP + Inches(0.45), size=9, numeric=[1, 2],
    )  # fmt: skip
    flagged = [g for g in scores.perception_gaps if g["flagged"]]
    shown = flagged[:8] if flagged else scores.perception_gaps[:5]
    frame = _textbox(slide, Inches(6.5), CONTENT_TOP, Inches(6.3), Inches(0.4))
    heading = "Perception gaps between groups" + ("" if flagged else " (none flagged; largest)")
    _para(frame, heading, size=13, bold=True)
    names = {d["id"]: d["name"] for d in scores.dimensions}
    rows = [
        [GROUP_BY_LABELS.get(g["group_by"], g["group_by"]), f"{g['dimension']} {names.get(g['dimension'], '')}",
         f"{g['high_group']} {figure(g['high'])}", f"{g['low_group']} {figure(g['low'])}", figure(g["gap"])]
        for g in shown
    ]  # fmt: skip
    if rows:
        _table(
            deck, slide, ["Breakout", "Dimension", "Higher", "Lower", "Gap"], rows,
            [1.0, 2.0, 1.35, 1.35, 0.6], left=Inches(6.5), top=CONTENT_TOP + Inches(0.45),
            size=9, numeric=[4],
        )  # fmt: skip
    else:
        _para(frame, "No two groups large enough to compare.", size=11, colour=TEXT_GREY)
    _note(
        slide,
        "Consensus: Tastle & Wierman (2007), 1 = all agree, 0 = split between the extremes; "
        "disagreement is a finding. Gaps compare only groups large enough to be shown.",
    )


def _breakout_rows(plan: OrganisationPlan) -> list[list[str]]:
    """One row per breakout group; a suppressed group shows "suppressed" and no number at all."""
    pillars = [p["id"] for p in plan.scores.pillars]
    rows = []
    for b in plan.scores.breakouts:
        label = GROUP_BY_LABELS.get(b["group_by"], b["group_by"])
        if b["status"] == "ok":
            values = [str(b["respondents"]), figure(b["score"])]
            values += [figure((b["pillars"] or {}).get(p)) for p in pillars]
        else:
            word = SUPPRESSED if b["status"] == SUPPRESSED else NO_DATA
            values = [word] * (2 + len(pillars))
        rows.append([label, plan.scores.group_name(b, short=True), *values])
    return rows


def _breakout_slides(deck: _Deck, plan: OrganisationPlan) -> None:
    rows = _breakout_rows(plan)
    headers = [
        "Breakout",
        "Group",
        "Respondents",
        "Overall",
        *(p["name"] for p in plan.scores.pillars),
    ]
    widths = [
        1.1,
        2.2,
        1.2,
        1.1,
        *([6.6 / max(1, len(plan.scores.pillars))] * len(plan.scores.pillars)),
    ]
    pages = _pages(rows, ROWS_PER_SLIDE)
    for page, chunk in enumerate(pages, 1):
        slide = deck.slide(_paged_title("Views by group", page, len(pages)))
        if chunk:
            _table(deck, slide, headers, chunk, widths, numeric=range(2, len(headers)))
        else:
            _note(slide, "No breakout groups.", top=CONTENT_TOP)
        _note(
            slide,
            "Groups smaller than the minimum group size, and siblings that would reveal them, are "
            "suppressed: shown as “suppressed”, never with a number. “No data”: nobody in the group "
            "answered.",
        )


def _comment_rows(plan: OrganisationPlan) -> tuple[list[list[str]], int]:
    """The comments to show and how many distinct ones are left out.

    Identical texts are merged (with how many gave them); general comments come first, then those
    on the dimensions with the largest gaps, at most two per dimension before any third; as many
    as fit on the slide.
    """
    gaps = {d["id"]: _target(plan, d) - d["score"] for d in _scored_dimensions(plan)}
    dimension_of = {i["id"]: i["dimension"] for i in plan.scores.items}

    def order(question: str) -> tuple[int, float]:
        if not question:
            return 0, 0.0
        return 1, -gaps.get(dimension_of.get(question, ""), 0.0)

    merged: dict[str, list[Any]] = {}  # text -> [question, times]
    for comment in plan.scores.comments:
        text = _text(comment.get("text")).strip()
        if text:
            merged.setdefault(text, [comment.get("question") or "", 0])[1] += 1
    ordered = sorted(merged.items(), key=lambda entry: order(entry[1][0]))  # stable
    first, rest = [], []
    per_dimension: dict[str, int] = {}
    for entry in ordered:
        question = entry[1][0]
        dimension = dimension_of.get(question, question)
        taken = per_dimension.get(dimension, 0)
        if not question or taken < 2:
            per_dimension[dimension] = taken + 1
            first.append(entry)
        else:
            rest.append(entry)
    chosen: list[tuple[str, list[Any]]] = []
    lines = 0
    for entry in first + rest:
        lines += -(-min(len(entry[0]), COMMENT_CHARS) // COMMENT_LINE_CHARS)
        if len(chosen) == COMMENTS_SHOWN or (chosen and lines > COMMENT_LINES):
            break
        chosen.append(entry)
    chosen.sort(key=ordered.index)
    rows = []
    for text, (question, times) in chosen:
        if len(text) > COMMENT_CHARS:
            text = text[: COMMENT_CHARS - 1] + "…"
        rows.append([question or "General", text, str(times)])
    return rows, len(ordered) - len(rows)


def _comments_slide(deck: _Deck, plan: OrganisationPlan) -> None:
    slide = deck.slide("What respondents said")
    rows, left_out = _comment_rows(plan)
    if rows:
        _table(
            deck, slide, ["Question", "Comment", "Given by"], rows, [1.3, 10.0, 1.0],
            size=9, numeric=[2],
        )  # fmt: skip
    if plan.scores.comments_withheld:
        note = "Comments are withheld: too few respondents to keep their authors anonymous."
    elif not rows:
        note = "No comments were given."
    else:
        note = (
            "Comments appear without author, role or time; general ones first, then by gap. "
            "Given by: how many respondents wrote the same."
        )
        if left_out:
            note += f" {left_out} more in the scores workbook."
    _note(slide, note)


def _gantt_slides(deck: _Deck, plan: OrganisationPlan) -> None:
    roadmap = plan.roadmap
    items = roadmap.items
    if not items:
        slide = deck.slide("Roadmap")
        _note(slide, roadmap.message, top=CONTENT_TOP)
        return
    phases = list(dict.fromkeys([p["name"] for p in roadmap.phases] + [i.phase for i in items]))
    first = _serial(roadmap.start_date)
    horizon_end = add_months(roadmap.start_date, roadmap.horizon_months)
    last = max(_serial(horizon_end), *(_serial(i.end) + 1 for i in items))
    pages = _pages(items, GANTT_ITEMS_PER_SLIDE)
    for page, chunk in enumerate(pages, 1):
        slide = deck.slide(_paged_title("Roadmap", page, len(pages)))
        series: list[tuple[str, list[float | None]]] = [
            ("Start", [float(_serial(i.start)) for i in chunk])
        ]
        used = [p for p in phases if any(i.phase == p for i in chunk)]
        for phase in used:
            series.append(
                (
                    phase,
                    [
                        float((i.end - i.start).days + 1) if i.phase == phase else None
                        for i in chunk
                    ],
                )
            )
        data = _chart_data([i.initiative.title for i in chunk], series, "General")
        chart = _chart(slide, XL_CHART_TYPE.BAR_STACKED, data, height=Inches(5.0))
        chart.has_legend = False  # the key below names the phases, not the invisible offset
        offset = chart.plots[0].series[0]
        offset.format.fill.background()
        offset.format.line.fill.background()
        colours = [deck.series_colour(phases.index(phase)) for phase in used]
        for duration, colour in zip(list(chart.plots[0].series)[1:], colours, strict=True):
            _colour_series(duration, colour)
        key = _textbox(slide, MARGIN, Inches(6.25), CONTENT_WIDTH, Inches(0.3))
        paragraph = _para(key, "Phases:  ", size=10, colour=TEXT_GREY)
        for phase, colour in zip(used, colours, strict=True):
            swatch = paragraph.add_run()
            swatch.text = "■ "
            swatch.font.size = Pt(12)
            swatch.font.color.rgb = colour
            _runs(paragraph, f"{phase}    ", size=10, colour=TEXT_GREY)
        chart.plots[0].gap_width = 40
        axis = chart.value_axis
        axis.minimum_scale = first
        axis.maximum_scale = last
        axis.major_unit = 91.3125  # about a quarter
        axis.has_major_gridlines = True
        axis.major_gridlines.format.line.color.rgb = _hex("D9D9D9")
        axis.tick_labels.number_format = "mmm yyyy"
        axis.tick_labels.number_format_is_linked = False
        _top_down(chart)  # plan order from the top
        chart.category_axis.tick_labels.font.size = Pt(9)
        _note(slide, f"{roadmap.message}; dates in the tables that follow.", top=Inches(6.6))
        _speaker_notes(
            slide,
            [
                (
                    f"Capacity {roadmap.capacity_people:g} people a month; horizon "
                    f"{roadmap.horizon_months} months from {roadmap.start_date.isoformat()}."
                ),
                *(f"Deferred: {d['title']}: {d['reason']}" for d in roadmap.deferred),
            ],
        )


def _why(item: PlanItem) -> str:
    """A short reason for the roadmap table (the full one is in the speaker notes)."""
    closes = ", ".join(item.closes)
    if item.kind == "gate":
        head = item.reason.split(":", 1)[0]
    elif item.kind == "prerequisite":
        head = item.reason.split(";", 1)[0]
    else:
        head = ""
    if closes:
        head = f"{head}; closes {closes}" if head else f"closes {closes}"
    return head


def _roadmap_table_slides(deck: _Deck, plan: OrganisationPlan) -> None:
    items = plan.roadmap.items
    if not items:
        return
    pages = _pages(items, ROWS_PER_SLIDE)
    for page, chunk in enumerate(pages, 1):
        slide = deck.slide(_paged_title("Roadmap items", page, len(pages)))
        rows = [
            [i.phase, i.initiative.title, i.start.isoformat(), i.end.isoformat(),
             i.initiative.owner_role, "yes" if i.quick_win else "", _why(i)]
            for i in chunk
        ]  # fmt: skip
        headers = ["Phase", "Initiative", "Start", "End", "Owner", "Quick win", "Why"]
        _table(deck, slide, headers, rows, [0.9, 3.2, 1.0, 1.0, 2.5, 0.8, 2.93], size=9)
        _speaker_notes(slide, [f"{i.initiative.title}: {i.reason}" for i in chunk])


def _kpi_slides(deck: _Deck, plan: OrganisationPlan) -> None:
    rows = [
        [item.initiative.title if k == 0 else "", kpi.name, kpi.formula, kpi.unit,
         kpi.direction, kpi.cadence, kpi.owner_role]
        for item in plan.roadmap.items
        for k, kpi in enumerate(item.initiative.kpis)
    ]  # fmt: skip
    if not rows:
        return
    headers = ["Initiative", "KPI", "Formula", "Unit", "Direction", "Cadence", "Owner"]
    widths = [2.2, 2.2, 3.6, 0.9, 0.9, 1.0, 1.53]
    pages = _pages_by_height(rows, widths, 9, most=14)
    start = 0
    for page, chunk in enumerate(pages, 1):
        slide = deck.slide(_paged_title("KPIs to track", page, len(pages)))
        shown = [list(r) for r in chunk]
        if shown and not shown[0][0]:  # a page starting mid-initiative names it again
            title = next(r[0] for r in reversed(rows[: start + 1]) if r[0])
            shown[0][0] = f"{title} (cont.)"
        _table(deck, slide, headers, shown, widths, size=9)
        start += len(chunk)


def _exit_criteria_slides(deck: _Deck, plan: OrganisationPlan) -> None:
    roadmap = plan.roadmap
    criteria = roadmap.exit_criteria
    if not criteria:
        return
    phases = roadmap.phases
    headers = ["Dimension", "Current", *(p["name"] for p in phases), "Target"]
    rows = [
        [f"{c['dimension']} {c['name']}", figure(c["current"]),
         *(figure(c["by_phase"].get(p["id"])) for p in phases), figure(c["target"])]
        for c in criteria
    ]  # fmt: skip
    number_width = min(1.3, 7.8 / (len(phases) + 2))
    widths = [CONTENT_WIDTH / 914400 - number_width * (len(phases) + 2)]
    widths += [number_width] * (len(phases) + 2)
    pages = _pages(rows, 12)
    for page, chunk in enumerate(pages, 1):
        slide = deck.slide(_paged_title("Phase exit criteria", page, len(pages)))
        _table(deck, slide, headers, chunk, widths, size=9, numeric=range(1, len(headers)))
        note = "Level each dimension should reach by the end of the phase: the checkpoint for a re-assessment."
        if page == len(pages) and roadmap.residual_gaps:
            still = ", ".join(
                f"{g['dimension']} ({g['remaining']:.2f})" for g in roadmap.residual_gaps
            )
            note += f" Still open at the end of the horizon: {still}."
        _note(slide, note, top=Inches(6.35))


def _method_slide(
    deck: _Deck, plan: OrganisationPlan, meta: Mapping[str, str], problems: Sequence[str]
) -> None:
    scores = plan.scores
    slide = deck.slide("Method and data quality")
    left = _textbox(slide, MARGIN, CONTENT_TOP, Inches(6.0), CONTENT_HEIGHT)
    _para(left, "Responses", size=13, bold=True)
    answered = sum(i["answered"] for i in scores.items)
    na = sum(i["not_applicable"] for i in scores.items)
    dk = sum(i["dont_know"] for i in scores.items)
    _para(left, f"Respondents: {scores.respondents}", size=11, bullet=True)
    _para(left, f"Scored answers: {answered}; N/A: {na}; Don't know: {dk}", size=11, bullet=True)
    coverage = "—" if scores.coverage is None else f"{scores.coverage:.0%}"
    _para(
        left,
        f"Coverage: {coverage} of expected answers (answered ÷ (respondents − N/A))",
        size=11,
        bullet=True,
    )
    flags = ", ".join(
        f"{k.replace('_', ' ')} {scores.quality_text(k)}" for k in scores.data_quality
    )
    _para(left, f"Data-quality flags (respondents): {flags or 'none'}", size=11, bullet=True)
    unscored = [d["id"] for d in scores.dimensions if d["score"] is None]
    if unscored:
        _para(
            left, f"Not scored (no answers, never 0): {', '.join(unscored)}", size=11, bullet=True
        )
    _para(left, "Warnings", size=13, bold=True, space_before=8)
    for warning in [*scores.warnings, *problems] or ["none"]:
        _para(left, warning, size=11, bullet=True)

    right = _textbox(slide, Inches(6.9), CONTENT_TOP, Inches(5.9), CONTENT_HEIGHT)
    _para(right, "Confidentiality", size=13, bold=True)
    suppressed: dict[str, list[str]] = {}
    for b in scores.breakouts:
        if b["status"] == SUPPRESSED:
            label = GROUP_BY_LABELS.get(b["group_by"], b["group_by"]).lower()
            suppressed.setdefault(label, []).append(scores.group_name(b))
    if suppressed:
        for label, groups in suppressed.items():
            text = f"Suppressed {label} groups: {'; '.join(groups)}"
            _para(right, text, size=11, bullet=True)
    else:
        _para(right, "No group is suppressed.", size=11, bullet=True)
    _para(right, "Comments are shown without author, role or time.", size=11, bullet=True)
    _para(right, "Scoring", size=13, bold=True, space_before=8)
    sources: dict[str, int] = {}
    for dim in scores.dimensions:
        source = plan.decision.targets[dim["id"]][1]
        sources[source] = sources.get(source, 0) + 1
    _para(
        right,
        "Item = mean of answers (N/A and Don't know excluded); dimension, pillar and overall = "
        "weighted means of what is scored.",
        size=11,
        bullet=True,
    )
    targets = ", ".join(f"{n} from the {s}" for s, n in sources.items())
    _para(right, f"Targets: {targets}", size=11, bullet=True)
    _para(right, "Provenance", size=13, bold=True, space_before=8)
    for key, value in [*((k, meta[k]) for k in META_LABELS if k in meta),
                       *((k, v) for k, v in meta.items() if k not in META_LABELS)]:  # fmt: skip
        label = META_LABELS.get(key, key)
        _para(right, [(f"{label}: ", True), (value, False)], size=10, bullet=True)


def _footers(deck: _Deck, meta: Mapping[str, str]) -> None:
    """Client, subtitle and page number on every slide but the title (plain text, no fields)."""
    slides = list(deck.prs.slides)
    name = " ".join(_text(deck.brand.name).split("\n"))  # one line
    left = f"{name} · {SUBTITLE}"
    if meta.get("generated"):
        left += f" · {meta['generated']}"
    for number, slide in enumerate(slides[1:], 2):
        frame = _textbox(slide, MARGIN, Inches(7.05), Inches(10.5), Inches(0.3))
        _para(frame, left, size=9, colour=TEXT_GREY)
        frame = _textbox(
            slide, SLIDE_WIDTH - MARGIN - Inches(1.5), Inches(7.05), Inches(1.5), Inches(0.3)
        )
        paragraph = _para(frame, f"{number} / {len(slides)}", size=9, colour=TEXT_GREY)
        paragraph.alignment = PP_ALIGN.RIGHT


SLIDES: tuple[Callable[[_Deck, OrganisationPlan], None], ...] = (
    _summary_slide,
    _operating_model_slide,
    _radar_slide,
    _pillar_slide,
    _dimension_slides,
    _consensus_slide,
    _breakout_slides,
    _comments_slide,
    _gantt_slides,
    _roadmap_table_slides,
    _kpi_slides,
    _exit_criteria_slides,
)


def build_deck(
    plan: OrganisationPlan, brand: Brand, meta: Mapping[str, str]
) -> pptx.presentation.Presentation:
    """The client deck for one organisation, in memory (see the module doc for its slides)."""
    prs = pptx.Presentation()
    prs.slide_width = SLIDE_WIDTH
    prs.slide_height = SLIDE_HEIGHT
    deck = _Deck(prs, brand, brand.primary.lower(), brand.accent.lower())
    problems = _title_slide(deck, plan, meta)
    for add in SLIDES:
        add(deck, plan)
    _method_slide(deck, plan, meta, problems)
    _footers(deck, meta)
    props = prs.core_properties
    props.title = _text(f"{brand.name}: {SUBTITLE}")[:255]
    props.subject = SUBTITLE
    props.author = "pmo2vmo"
    props.last_modified_by = "pmo2vmo"
    return prs


def write_deck(
    plan: OrganisationPlan, brand: Brand, meta: Mapping[str, str], path: Path | str
) -> Path:
    """Build the deck and write it to ``path`` atomically (the old file or the new, never half)."""
    prs = build_deck(plan, brand, meta)
    return write_atomic(path, lambda tmp: prs.save(str(tmp)))


__all__ = ["build_deck", "write_deck"]
