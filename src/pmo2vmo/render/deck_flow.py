"""Slides of running text: paragraphs and tables laid out top to bottom, continued on further
slides titled "… (cont.)" when they do not fit.

The narrative slides (executive summary, decisions, findings, each pillar's story, references)
hold sentences of any length. :func:`flow` estimates each paragraph's and table row's height
from its length, the column's width and the font size — conservatively, as
:func:`~pmo2vmo.render.deck_layout.paginate_by_height` does for tables — and starts a new slide
before anything would run past the content area: every slide's text fits its shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pptx.util import Emu, Inches

from pmo2vmo.model.branding import TEXT_DARK
from pmo2vmo.render.deck_layout import (
    CONTENT_HEIGHT,
    CONTENT_TOP,
    CONTENT_WIDTH,
    MARGIN,
    Deck,
    add_para,
    add_table,
    add_textbox,
    deck_text,
    row_inches,
    safe_text,
)

CHARS_PER_INCH_AT_1PT = 135  # characters a line holds per inch of width, times the point size
LINE = 1.2  # a line's height as a multiple of its point size (single spacing)
FRAME_MARGINS = 0.12  # a text box's top and bottom insets, and a little air (inches)
TABLE_GAP = 0.15  # space below a table (inches)
BOTTOM = CONTENT_TOP + CONTENT_HEIGHT  # where the content area ends (EMU)


@dataclass(frozen=True)
class Para:
    """A paragraph: plain text or (text, bold) pieces, its size, weight and colour; a heading
    stays on the slide of the paragraph after it."""

    text: str | Sequence[tuple[str, bool]]
    size: float = 12
    bold: bool = False
    colour: str | None = TEXT_DARK
    bullet: bool = False
    space_before: float = 0
    heading: bool = False


@dataclass(frozen=True)
class Grid:
    """A table: headers, rows and column widths (inches); split between slides by rows, the
    header repeated."""

    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float]
    size: float = 10
    numeric: Sequence[int] = field(default_factory=tuple)


def _plain(text: str | Sequence[tuple[str, bool]]) -> str:
    return safe_text(text) if isinstance(text, str) else "".join(safe_text(t) for t, _ in text)


def para_inches(para: Para, width: float) -> float:
    """A paragraph's estimated height in inches in a column ``width`` inches wide."""
    per_line = max(1, int((width - 0.1) * CHARS_PER_INCH_AT_1PT / para.size))
    text = ("•  " if para.bullet else "") + _plain(para.text)
    lines = sum(max(1, -(-len(line) // per_line)) for line in text.split("\n"))
    return lines * para.size * LINE / 72 + para.space_before / 72


def grid_inches(grid: Grid, rows: Sequence[Sequence[str]]) -> float:
    """A table's estimated height in inches with ``rows`` below its header."""
    head = row_inches(grid.headers, grid.widths, grid.size)
    return head + sum(row_inches(r, grid.widths, grid.size) for r in rows)


@dataclass
class _Cursor:
    """Where the next block goes: the slide, how far down, and the text box being filled."""

    deck: Deck
    title: str
    left: int
    width: int
    bottom: int
    slides: list[Any]
    top: int
    frame: Any = None
    frame_top: int = 0

    @property
    def inches(self) -> float:
        return float(Emu(self.width).inches)

    def room(self) -> float:
        """Inches left on this slide for the next block (a new text box takes its insets)."""
        inset = 0.0 if self.frame is not None else FRAME_MARGINS
        return float(Emu(self.bottom - self.top).inches) - inset

    def empty(self) -> bool:
        return self.top <= CONTENT_TOP and self.frame is None

    def next_slide(self) -> None:
        """A continuation slide: the same title with "(cont.)", from the top of the content."""
        title = deck_text("common", "continued", title=self.title)
        self.slides.append(self.deck.slide(title))
        self.top, self.frame = CONTENT_TOP, None

    def write(self, para: Para, height: float) -> None:
        """``para`` into the current text box (a new one if a table came between)."""
        if self.frame is None:
            self.frame_top = self.top
            self.frame = add_textbox(self.slides[-1], self.left, self.top, self.width, Inches(1))
            self.top += Inches(FRAME_MARGINS)
        add_para(self.frame, para.text, size=para.size, bold=para.bold, colour=para.colour,
                 bullet=para.bullet, space_before=para.space_before)  # fmt: skip
        self.top += Inches(height)
        self.frame._parent.height = Emu(self.top - self.frame_top)  # the box holds its text


def flow(
    deck: Deck,
    slide: Any,
    title: str,
    blocks: Sequence[Para | Grid],
    *,
    left: int = MARGIN,
    top: int = CONTENT_TOP,
    width: int = CONTENT_WIDTH,
    bottom: int = BOTTOM,
) -> list[Any]:
    """Lay ``blocks`` out on ``slide`` from ``top`` down, in a column ``width`` wide at ``left``;
    what does not fit above ``bottom`` goes on new slides titled ``title`` (cont.). Returns
    every slide used, ``slide`` first."""
    at = _Cursor(deck, title, left, width, bottom, [slide], top)
    for index, block in enumerate(blocks):
        if isinstance(block, Grid):
            _grid(at, block)
            continue
        height = para_inches(block, at.inches)
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if block.heading and following is not None:
            height_next = (
                para_inches(following, at.inches)
                if isinstance(following, Para)
                else grid_inches(following, following.rows[:1])
            )
            if height + height_next > at.room() and not at.empty():
                at.next_slide()
        if height > at.room() and not at.empty():
            at.next_slide()
        at.write(block, height)
    return at.slides


def _grid(at: _Cursor, grid: Grid) -> None:
    """``grid`` at the cursor, its rows split over as many slides as they need."""
    rows = list(grid.rows)
    while True:
        fits = 0
        for count in range(1, len(rows) + 1):
            if grid_inches(grid, rows[:count]) > float(Emu(at.bottom - at.top).inches):
                break
            fits = count
        if fits == 0 and rows and not at.empty():
            at.next_slide()
            continue
        fits = max(fits, 1 if rows else 0)
        chunk, rows = rows[:fits], rows[fits:]
        add_table(at.deck, at.slides[-1], grid.headers, chunk, grid.widths, left=at.left,
                  top=at.top, size=grid.size, numeric=grid.numeric)  # fmt: skip
        at.top += Inches(grid_inches(grid, chunk) + TABLE_GAP)
        at.frame = None
        if not rows:
            return
        at.next_slide()
