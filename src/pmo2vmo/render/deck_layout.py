"""The deck's building blocks: slide geometry, colours, safe text, text boxes, tables and paging.

:class:`Deck` is the presentation being built, with the brand's colours checked; the functions
below add plain-text runs, paragraphs, text boxes, branded tables, notes and speaker notes to its
slides. All client text goes through :func:`safe_text` and is written as plain runs, never as
fields. The deck's wording lives in ``templates/report.yaml`` under ``deck:`` (:func:`deck_text`),
beside the report's, whose keys the deck reuses where it says the same (:func:`report_words`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.text.text import _Paragraph
from pptx.util import Inches, Pt

from pmo2vmo.model.branding import COLOUR, TEXT_DARK, Brand, text_on
from pmo2vmo.render.drawingml import append_runs, runs_markup, table_element
from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.narrative_text import report_text
from pmo2vmo.util.text import XML_ILLEGAL

SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.5)
CONTENT_TOP = Inches(1.2)
CONTENT_WIDTH = SLIDE_WIDTH - 2 * MARGIN
CONTENT_HEIGHT = Inches(5.75)
TEXT_GREY = "595959"
# Okabe & Ito (2008): further series colours, distinguishable with common colour-vision deficiencies.
PALETTE = ("009E73", "CC79A7", "56B4E9", "D55E00", "E69F00", "0072B2", "000000")
ROWS_PER_SLIDE = 10
ROW_INCHES = 0.3  # a table row's least height
TABLE_INCHES = 5.2  # height a table's body may take below the title bar
# "No Style, Table Grid": thin black grid, no theme colours; the header is filled with the brand.
PLAIN_TABLE_STYLE = "{5940675A-B579-460E-94D1-54222C63F5DA}"
TITLE_POINTS = 26  # a content slide's title
_P, _R = qn("a:p"), qn("a:r")


def deck_text(*path: str, **values: Any) -> Any:
    """The deck's wording at ``path`` under ``deck:`` in ``templates/report.yaml`` (a string, a
    list or a mapping); a string's placeholders filled with ``values`` by ``str.format``, as the
    report does, on our own strings (client text only ever arrives as a value)."""
    node: Any = report_text()["deck"]
    for key in path:
        node = node[key]
    return node.format(**values) if values else node


def report_words(*path: str) -> str:
    """The report's wording at ``path`` in ``templates/report.yaml``, where the deck says the
    same (the title; a section's title)."""
    node: Any = report_text()
    for key in path:
        node = node[key]
    return str(node)


def subtitle() -> str:
    """The assessment's name: the title slide's subtitle, the footers' and the file's title."""
    return report_words("title")


def group_label(group_by: str) -> str:
    """What a breakout is called ("Role band"), or its key when the wording has none."""
    return str(deck_text("common", "group_by").get(group_by, group_by))


def safe_text(value: object) -> str:
    """Client or data text made safe for the deck: ``None`` → "", line ends → ``\\n``, and
    XML-illegal control characters removed (tab and line feed kept). Everything else verbatim."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return XML_ILLEGAL.sub("", text)


def hex_rgb(rrggbb: str) -> RGBColor:
    """A colour from ``rrggbb`` hex digits."""
    colour: RGBColor = RGBColor.from_string(rrggbb.upper())  # type: ignore[no-untyped-call]
    return colour


def brand_rgb(colour: str) -> RGBColor:
    """A brand colour (``#rrggbb``); :class:`ValueError` names a malformed one."""
    if not COLOUR.fullmatch(colour):
        raise ValueError(f"brand colour {colour!r} is not a #rrggbb colour")
    return hex_rgb(colour[1:])


# ----------------------------------------------------------------------------- the deck ---


@dataclass
class Deck:
    """The presentation being built, with the brand's colours resolved, and the narrative it
    tells (the same one the HTML report and the workbook tell)."""

    prs: Any
    brand: Brand
    primary: str
    accent: str
    story: Narrative
    #: The first content slide's title and bar elements, copied for every later slide.
    _heading: tuple[Any, Any] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        """Check both brand colours before any slide is made."""
        for colour in (self.primary, self.accent):
            brand_rgb(colour)  # a malformed colour fails here, before any slide

    @property
    def primary_rgb(self) -> RGBColor:
        """The brand's primary colour."""
        return brand_rgb(self.primary)

    @property
    def accent_rgb(self) -> RGBColor:
        """The brand's accent colour."""
        return brand_rgb(self.accent)

    def series_colour(self, index: int) -> RGBColor:
        """The colour of chart series ``index``: primary, accent, then the palette, in turn."""
        colours = [self.primary, self.accent, *(f"#{c}" for c in PALETTE)]
        return brand_rgb(colours[index % len(colours)])

    def band(
        self, shape: Any, text: str, *, top: int, height: int, size: float, indent: int
    ) -> None:
        """Make ``shape`` (a title placeholder) a full-width band in the brand's primary colour
        holding ``text`` in bold, left-aligned, ``indent`` from the edge, centred vertically."""
        shape.left, shape.top, shape.width, shape.height = 0, top, SLIDE_WIDTH, height
        shape.fill.solid()
        shape.fill.fore_color.rgb = self.primary_rgb
        frame = shape.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        frame.margin_left = indent
        self.band_text(frame, text, size)
        frame.paragraphs[0].alignment = PP_ALIGN.LEFT

    def band_text(self, frame: Any, text: str, size: float) -> None:
        """A band's text: ``frame`` emptied (its paragraph's properties kept), then ``text`` in
        bold at ``size`` points in the colour that reads on the primary."""
        frame.clear()
        add_runs(frame.paragraphs[0], text, size=size, bold=True, colour=text_on(self.primary))

    def slide(self, title: str) -> Any:
        """A content slide: its title in a brand-coloured bar (a real title placeholder).

        The first is made through python-pptx; every later one gets copies of the first's title
        and bar elements with its own title text — the same XML (a new slide of one layout gives
        its shapes the same ids and names), at a tenth of the cost (2.4 ms a slide here)."""
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])  # Title Only
        if self._heading:
            band, bar = (deepcopy(element) for element in self._heading)
            placeholder = slide.shapes.title._element
            placeholder.getparent().replace(placeholder, band)
            slide.shapes._spTree.insert_element_before(bar, "p:extLst")
            self.band_text(slide.shapes.title.text_frame, title, TITLE_POINTS)
            return slide
        self.band(slide.shapes.title, title, top=0, height=Inches(0.95), size=TITLE_POINTS,
                  indent=MARGIN)  # fmt: skip
        bar = slide.shapes.add_shape(
            MSO_SHAPE.RECTANGLE, 0, Inches(0.95), SLIDE_WIDTH, Inches(0.06)
        )
        bar.fill.solid()
        bar.fill.fore_color.rgb = self.accent_rgb
        bar.line.fill.background()
        self._heading = (deepcopy(slide.shapes.title._element), deepcopy(bar._element))
        return slide


def add_runs(
    paragraph: Any,
    text: str | Sequence[tuple[str, bool]],
    *,
    size: float = 14,
    bold: bool = False,
    colour: str | None = TEXT_DARK,
) -> Any:
    """Append ``text`` to ``paragraph`` as plain runs (``\\n`` becomes a line break).

    ``text`` is a string or (text, bold) pieces; every piece goes through :func:`safe_text`.
    """
    pieces = [(text, bold)] if isinstance(text, str) else list(text)
    safe = [(safe_text(piece), piece_bold) for piece, piece_bold in pieces]
    shade = None if colour is None else str(hex_rgb(colour))
    append_runs(paragraph._p, runs_markup(safe, int(Pt(size).centipoints), shade))
    return paragraph


def add_textbox(slide: Any, left: int, top: int, width: int, height: int) -> Any:
    """A word-wrapped text box on ``slide`` (EMU position and size); its text frame."""
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    frame.margin_left = frame.margin_right = Inches(0.05)
    return frame


def add_para(
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
    body = frame._txBody  # its a:p elements found directly: frame.paragraphs is an XPath query
    paragraphs = body.findall(_P)
    if len(paragraphs) == 1 and paragraphs[0].find(_R) is None:
        paragraph = _Paragraph(paragraphs[0], frame)
    else:
        paragraph = _Paragraph(body.add_p(), frame)
    if bullet:
        text = [("•  ", False), *([(text, bold)] if isinstance(text, str) else text)]
    add_runs(paragraph, text, size=size, bold=bold, colour=colour)
    if space_before:
        paragraph.space_before = Pt(space_before)
    return paragraph


def add_table(
    deck: Deck,
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
    body = [[safe_text(v) for v in row] for row in [headers, *rows]]
    columns = [Inches(w) for w in widths]
    height = Inches(ROW_INCHES) * (len(rows) + 1)
    # A 1 × 1 table python-pptx makes cheaply, whose a:tbl is then replaced by the whole table.
    frame = slide.shapes.add_table(1, 1, left, top, sum(columns), height)
    old = frame.table._tbl
    old.getparent().replace(
        old,
        table_element(
            body,
            columns,
            row_height=Inches(ROW_INCHES),
            style_id=PLAIN_TABLE_STYLE,
            centipoints=int(Pt(size).centipoints),
            margins=(Inches(0.06), Inches(0.03)),
            header=(str(deck.primary_rgb), str(hex_rgb(text_on(deck.primary)))),
            band="F2F2F2",
            right=frozenset(numeric),
        ),
    )
    table = frame.table
    return table


def paginate(rows: Sequence[Any], per_page: int) -> list[Sequence[Any]]:
    """Rows split into pages (at least one, possibly empty)."""
    return [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [rows[:0]]


def row_inches(row: Sequence[str], widths: Sequence[float], size: float) -> float:
    """A table row's estimated height in inches: its tallest cell's wrapped lines at ``size``
    points in columns ``widths`` inches wide (conservative), plus margins; never under the
    rows' least height."""
    per_inch = 15 * 9 / size  # characters a line holds, per inch of column (conservative)
    capacity = [max(1, int((w - 0.12) * per_inch)) for w in widths]
    lines = max(
        sum(-(-max(1, len(part)) // n) for part in safe_text(c).split("\n"))
        for c, n in zip(row, capacity, strict=True)
    )
    return max(ROW_INCHES, 0.08 + 0.16 * lines * size / 9)


def paginate_by_height(
    rows: Sequence[Sequence[str]], widths: Sequence[float], size: float, most: int
) -> list[Sequence[Sequence[str]]]:
    """Table rows split into pages by their estimated height (:func:`row_inches`), at most
    ``most`` rows a page."""
    pages: list[Sequence[Sequence[str]]] = []
    start, used = 0, 0.0
    for index, row in enumerate(rows):
        height = row_inches(row, widths, size)
        if index > start and (index - start == most or used + height > TABLE_INCHES):
            pages.append(rows[start:index])
            start, used = index, 0.0
        used += height
    pages.append(rows[start:])
    return pages


def paged_title(title: str, page: int, pages: int) -> str:
    """``title``, with ``(page/pages)`` after it when there is more than one page."""
    return title if pages == 1 else f"{title} ({page}/{pages})"


def add_note(slide: Any, text: str, *, top: int = Inches(6.55)) -> None:
    """A small grey note at the foot of a slide's content area."""
    frame = add_textbox(slide, MARGIN, top, CONTENT_WIDTH, Inches(0.4))
    add_para(frame, text, size=10, colour=TEXT_GREY)


def add_speaker_notes(slide: Any, paragraphs: Iterable[str]) -> None:
    """Append ``paragraphs`` to the slide's speaker notes, one paragraph each."""
    frame = slide.notes_slide.notes_text_frame
    for text in paragraphs:
        add_para(frame, text, size=12)
