"""The questionnaire for one respondent: ``pmo2vmo questionnaire --out FILE.xlsx``.

One sheet, filled top to bottom. A header block: the title in the client's colours (and logo),
labelled cells ``Respondent ID:``, ``Role:``, ``Unit:`` and ``Organisation:`` with the value in
the cell to their right, how to answer (the instrument's partial-fit rule), N/A against Don't
know, confidentiality, and a progress line ("34 of 52 answered", a plain ``COUNTA`` formula that
every spreadsheet program recalculates). Then every question, one row each, grouped under pillar
and dimension rows: the id in its own cell, the statement, the five level descriptors side by side
(wrapped, each under its level's heading), the answer cell — the row's only drop-down: the level
labels, N/A and Don't know; a number 1–5 typed there is kept after a warning — and a comment cell.
Last, ``Anything else:`` with a cell for the respondent's closing comment.

The sheet and the workbook's structure are protected without a password: only the respondent
cells, answers and comments (shaded) can be edited; rows and columns can still be resized. The
workbook reads back with :func:`pmo2vmo.ingest.responses.load_responses`
(:mod:`pmo2vmo.ingest.questionnaire`); a folder of them is one organisation.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection

from pmo2vmo.model.branding import TEXT_DARK, Brand, ink_on_white, text_on
from pmo2vmo.model.instrument import Instrument, QuestionRef
from pmo2vmo.model.profile import Profile
from pmo2vmo.render.template import (
    answer_minutes,
    how_to_answer,
    list_drop_downs,
    lists_sheet,
)
from pmo2vmo.render.workbook import text_cell
from pmo2vmo.util.atomic import write_atomic

SHEET = "Questionnaire"
LABELS = ("Respondent ID:", "Role:", "Unit:", "Organisation:")
WIDTHS = (17, 40, 26, 26, 26, 26, 26, 17, 34)
ANSWER_COL, COMMENT_COL = 8, 9  # H and I
FONT = "Calibri"
_INPUT = PatternFill("solid", fgColor="FFF8DC")  # the shade of every cell a respondent fills
_EDITABLE = Protection(locked=False)
_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Prefill:
    """What the consultant fills in before sending: the respondent's id and role."""

    respondent: str | None = None
    role: str | None = None


def _hex(colour: str) -> str:
    return colour.lstrip("#").upper()


def _tint(colour: str, share: float = 0.85) -> str:
    """A colour mixed with white (``share`` of white), for the dimension rows."""
    rgb = [int(_hex(colour)[i : i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{round(c + (255 - c) * share):02X}" for c in rgb)


def _height(text: str, width: float, size: int = 10) -> float:
    """The points ``text`` takes wrapped in a column ``width`` characters wide, in ``size``-point
    type (a column's width counts digits of 11-point type; text runs narrower, measured here in
    LibreOffice with its Calibri substitute, with a margin for wider fonts)."""
    per_line = max(int(width * 1.3 * 10 / size), 8)
    lines = sum(max(len(textwrap.wrap(part, per_line)), 1) for part in text.split("\n"))
    return lines * size * 1.3 + 6


def _fit_row(ws: Any, row: int, texts: dict[int, tuple[str, int]]) -> None:
    """Set a row's height to its tallest wrapped cell (text and type size by column):
    spreadsheet programs do not grow a row to its wrapped text when they open a file."""
    tallest = max(_height(text, WIDTHS[col - 1], size) for col, (text, size) in texts.items())
    ws.row_dimensions[row].height = max(tallest, 18)


class _Sheet:
    """Writes the questionnaire sheet row by row."""

    def __init__(self, ws: Any, brand: Brand) -> None:
        self.ws, self.brand = ws, brand
        self.row = 0
        self.progress_row = 0
        self.labels: dict[str, int] = {}  # the row of each labelled cell

    def next(self) -> int:
        self.row += 1
        return self.row

    def cell(self, col: int, value: Any, **style: Any) -> Any:
        cell = text_cell(self.ws.cell(row=self.row, column=col), value)
        cell.font = style.pop("font", Font(name=FONT, size=10))
        for key, val in style.items():
            setattr(cell, key, val)
        return cell

    def editable(self, col: int, value: Any = None) -> Any:
        """A cell the respondent fills: shaded, boxed, unlocked."""
        return self.cell(col, value, fill=_INPUT, border=_BOX, protection=_EDITABLE,
                         alignment=_WRAP)  # fmt: skip

    def band(self, text: str, fill: str, colour: str, size: int, height: float) -> None:
        """A full-width row: a pillar's or dimension's heading."""
        self.next()
        for col in range(1, len(WIDTHS) + 1):
            self.cell(col, None, fill=PatternFill("solid", fgColor=fill))
        self.cell(1, text, font=Font(name=FONT, bold=True, size=size, color=colour),
                  fill=PatternFill("solid", fgColor=fill),
                  alignment=Alignment(vertical="center"))  # fmt: skip
        self.ws.row_dimensions[self.row].height = height

    def note(self, label: str, text: str) -> None:
        """A labelled line of guidance, the text spanning the rest of the row."""
        self.next()
        self.cell(1, label, font=Font(name=FONT, bold=True, size=10), alignment=_WRAP)
        self.cell(2, text, alignment=_WRAP)
        self.ws.merge_cells(start_row=self.row, start_column=2, end_row=self.row,
                            end_column=len(WIDTHS))  # fmt: skip
        tallest = max(_height(label, WIDTHS[0]), _height(text, sum(WIDTHS[1:])))
        self.ws.row_dimensions[self.row].height = max(tallest, 18)


def _header(sheet: _Sheet, instrument: Instrument, profile: Profile, prefill: Prefill,
            asked: int, audience: str | None) -> None:  # fmt: skip
    """The title, the respondent's cells, how to answer and the progress line."""
    brand = sheet.brand
    sheet.next()
    sheet.cell(1, f"PMO-to-VMO readiness assessment — {brand.name}" if brand.name
               else "PMO-to-VMO readiness assessment",
               font=Font(name=FONT, bold=True, size=16, color=ink_on_white(brand.primary)))  # fmt: skip
    sheet.ws.row_dimensions[1].height = 30
    sheet.next()
    who = "" if audience is None else f"for {instrument.audience_name(audience)} · "
    minutes = answer_minutes(asked)
    sheet.cell(1, f"Questionnaire {who}{asked} questions · about {minutes} minutes · "
               f"instrument {instrument.id} {instrument.version}",
               font=Font(name=FONT, italic=True, size=10, color="595959"))  # fmt: skip
    sheet.next()
    values = (prefill.respondent, prefill.role, None, profile.organisation_name)
    hints = (
        "Any text that tells you apart from the others (e.g. your initials); never in a report.",
        f"Used to compare groups; no group under {profile.min_group_size} people is ever shown.",
        "Your business unit or department, if you were asked for it.",
        "",
    )
    for label, value, hint in zip(LABELS, values, hints, strict=True):
        sheet.labels[label] = sheet.next()
        sheet.cell(1, label, font=Font(name=FONT, bold=True, size=10))
        sheet.editable(2, value)
        sheet.cell(3, hint, font=Font(name=FONT, italic=True, size=9, color="595959"))
    sheet.next()
    for label, text in how_to_answer(instrument, profile, " in Your answer"):
        sheet.note(label, text)
    sheet.next()
    sheet.progress_row = sheet.row
    sheet.cell(1, "Progress:", font=Font(name=FONT, bold=True, size=10))
    sheet.next()


def _table_head(sheet: _Sheet, instrument: Instrument) -> None:
    """The table's heading row, repeated on every printed page."""
    sheet.next()
    heads = ["Id", "Question", *(f"{lv.value} - {lv.name}" for lv in instrument.levels),
             "Your answer", "Comment (optional)"]  # fmt: skip
    fill = PatternFill("solid", fgColor=_hex(sheet.brand.primary))
    for col, text in enumerate(heads, start=1):
        sheet.cell(col, text, font=Font(name=FONT, bold=True, size=10,
                                        color=text_on(sheet.brand.primary)),
                   fill=fill, alignment=Alignment(wrap_text=True, vertical="center"),
                   border=_BOX)  # fmt: skip
    sheet.ws.row_dimensions[sheet.row].height = 30


def _question(sheet: _Sheet, ref: QuestionRef) -> None:
    """One question's row: id, statement, five descriptors, answer and comment."""
    sheet.next()
    q = ref.question
    sheet.cell(1, q.id, font=Font(name=FONT, bold=True, size=10), alignment=_WRAP, border=_BOX)
    sheet.cell(2, " ".join(q.text.split()), alignment=_WRAP, border=_BOX)
    texts = {2: (q.text, 10)}
    for offset, text in enumerate(q.descriptor_list()):
        sheet.cell(3 + offset, text, alignment=_WRAP, border=_BOX,
                   font=Font(name=FONT, size=9))  # fmt: skip
        texts[3 + offset] = (text, 9)
    sheet.editable(ANSWER_COL)
    sheet.editable(COMMENT_COL)
    _fit_row(sheet.ws, sheet.row, texts)


def _body(sheet: _Sheet, instrument: Instrument, refs: list[QuestionRef]) -> list[int]:
    """Pillar and dimension rows, then their questions; the rows holding questions."""
    rows: list[int] = []
    pillar = dimension = None
    light = _tint(sheet.brand.accent)
    for ref in refs:
        if ref.pillar.id != pillar:
            pillar = ref.pillar.id
            sheet.band(
                ref.pillar.name, _hex(sheet.brand.primary), text_on(sheet.brand.primary), 12, 22
            )
        if ref.dimension.id != dimension:
            dimension = ref.dimension.id
            sheet.band(f"{ref.dimension.id} · {ref.dimension.name}", light, TEXT_DARK, 10, 18)
        _question(sheet, ref)
        rows.append(sheet.row)
    return rows


CLOSING = "Anything else:"


def _closing(sheet: _Sheet) -> None:
    """After the questions: a cell for anything else the respondent wants to say."""
    sheet.next()
    sheet.next()
    sheet.cell(1, CLOSING, font=Font(name=FONT, bold=True, size=10), alignment=_WRAP)
    sheet.editable(2)
    sheet.cell(3, "Anything else about how your organisation manages value (optional). Then "
               "save the file and send it back.", alignment=_WRAP,
               font=Font(name=FONT, italic=True, size=9, color="595959"))  # fmt: skip
    sheet.ws.row_dimensions[sheet.row].height = 90


def _validation(ws: Any, instrument: Instrument, rows: list[int], roles: list[str],
                role_row: int) -> None:  # fmt: skip
    """The answer drop-down on the answer cells (a warning, not a refusal, for anything else, so
    a number 1–5 can be typed) and the profile's roles suggested in the Role cell."""
    letter = get_column_letter(ANSWER_COL)
    answers, role_list = list_drop_downs(
        instrument, roles, errorStyle="warning", errorTitle="Not one of the choices",
        error="Choose a level, N/A or Don't know from the list. A number from 1 to 5 is fine "
        "too: keep it.",
    )  # fmt: skip
    start = previous = rows[0]
    for row in [*rows[1:], 0]:  # contiguous runs of question rows as ranges
        if row != previous + 1:
            answers.add(f"{letter}{start}:{letter}{previous}")
            start = row
        previous = row
    ws.add_data_validation(answers)
    if role_list is not None:
        role_list.add(f"B{role_row}")
        ws.add_data_validation(role_list)


def _logo(ws: Any, brand: Brand) -> None:
    """The client's logo at the top right, 40 pixels high."""
    if brand.logo is None:
        return
    from openpyxl.drawing.image import Image

    image = Image(io.BytesIO(brand.logo.data))
    scale = 40 / max(image.height, 1)
    image.width, image.height = image.width * scale, 40
    ws.add_image(image, f"{get_column_letter(COMMENT_COL)}1")


def _page_setup(ws: Any, head_row: int, last_row: int) -> None:
    """Landscape, one page wide, the table's heading repeated on every page, frozen id and
    question columns, and protection with rows and columns still resizable."""
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "C1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{head_row}:{head_row}"
    ws.print_area = f"A1:{get_column_letter(len(WIDTHS))}{last_row}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "Page &P of &N"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # allowed: widen a column to read
    ws.protection.formatRows = False


def build_questionnaire(
    instrument: Instrument,
    profile: Profile | None = None,
    *,
    brand: Brand,
    audience: str | None = None,
    prefill: Prefill = Prefill(),
) -> Workbook:
    """The questionnaire as an openpyxl ``Workbook`` (not yet saved): every question, or only
    those routed to ``audience``."""
    profile = profile or Profile()
    instrument = instrument.tailored(profile)
    refs = instrument.asked_of(audience)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    sheet = _Sheet(ws, brand)
    _header(sheet, instrument, profile, prefill, len(refs), audience)
    _table_head(sheet, instrument)
    head_row = sheet.row
    rows = _body(sheet, instrument, refs)
    _closing(sheet)
    letter = get_column_letter(ANSWER_COL)
    progress = ws.cell(row=sheet.progress_row, column=2,
                       value=f'=COUNTA({letter}{rows[0]}:{letter}{rows[-1]})&" of {len(rows)} '
                       'answered"')  # fmt: skip
    progress.font = Font(name=FONT, bold=True, size=11, color=ink_on_white(brand.primary))
    roles = lists_sheet(wb, instrument, profile)
    wb["Lists"].protection.sheet = True
    _validation(ws, instrument, rows, roles, role_row=sheet.labels["Role:"])
    _logo(ws, brand)
    _page_setup(ws, head_row, sheet.row)
    wb.security = WorkbookProtection(lockStructure=True)
    return wb


def write_questionnaire(path: Path | str, workbook: Workbook) -> Path:
    """Save the questionnaire to ``path`` atomically and return the path."""
    return write_atomic(path, workbook.save)
