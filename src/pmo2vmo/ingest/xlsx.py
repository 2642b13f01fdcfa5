"""The responses sheet of a workbook read into a grid of cells, once it passed the guard.

The guard (:func:`~pmo2vmo.ingest.readers.guard_zip`) runs first; then the sheet is picked (the
Responses sheet, else the first naming questions), its values read as text or numbers, and merged
cells and formulas without a saved result reported.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

from pmo2vmo.errors import ProblemLog
from pmo2vmo.ingest.ids import IdMatcher
from pmo2vmo.ingest.readers import (
    MAX_COLS,
    MAX_ROWS,
    Cell,
    Flaw,
    Grid,
    guard_zip,
    sheets_of,
)


def _cell_value(value: Any) -> Cell:
    """An openpyxl value as a cell: booleans as TRUE/FALSE, dates and times in ISO form."""
    if value is None or isinstance(value, str | int | float):
        if isinstance(value, bool):
            return str(value).upper()
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _pick_sheet(workbook: Any, matcher: IdMatcher) -> Any:
    """The Responses sheet, else the first sheet naming questions in its first rows, else the first."""
    for ws in workbook.worksheets:
        if ws.title.strip().casefold() == "responses":
            return ws
    for ws in workbook.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=3, values_only=True):
            for value in row:
                if isinstance(value, str) and matcher.names_known_id(value):
                    return ws
    return workbook.worksheets[0]


def refused(exc: Exception, log: ProblemLog) -> None:
    """Log why openpyxl could not read a workbook: a DTD or entities (defusedxml's refusal, which
    openpyxl wraps), else the damage it found."""
    cause: BaseException | None = exc
    while cause is not None and "Forbidden" not in type(cause).__name__:
        cause = cause.__cause__ or cause.__context__
    if cause is not None:
        log.error("the workbook declares a DTD or entities; refused", "re-save it from Excel")
    else:
        detail = " ".join(str(exc).split())[:160]
        log.error(f"damaged workbook ({type(exc).__name__}: {detail})",
                  "re-save it from Excel as .xlsx")  # fmt: skip


def open_workbook(data: bytes, log: ProblemLog, *, read_only: bool = False) -> Any | None:
    """A workbook's bytes opened with openpyxl (values, not formulas) once :func:`guard_zip` has
    passed them, with defusedxml in force; None (and the reason logged) otherwise."""
    if not guard_zip(data, log):
        return None
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        log.error("defusedxml is not installed; refusing to parse a workbook without it")
        return None
    try:
        # A file object, not the path: openpyxl refuses names not ending .xlsx, and exports come
        # misnamed (report.xls, data.csv); the content was checked to be a workbook above.
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=read_only)
    except Exception as exc:  # openpyxl raises many types for damaged files
        refused(exc, log)
        return None


def read_xlsx_grid(data: bytes, log: ProblemLog, matcher: IdMatcher) -> Grid | None:
    """Read the responses sheet of a workbook (its bytes), once :func:`guard_zip` has passed it."""
    workbook = open_workbook(data, log)
    if workbook is None:
        return None
    import openpyxl

    if not workbook.worksheets:
        log.error("the workbook has no worksheet", "save the responses as a workbook with a "
                  "Responses sheet, or as CSV")  # fmt: skip
        return None
    ws = _pick_sheet(workbook, matcher)
    log.sheet = ws.title
    if ws.max_row > MAX_ROWS or ws.max_column > MAX_COLS:  # defence in depth; _guard_sheet caps it
        log.error(f"the sheet's used range is {ws.dimensions}; too large", "delete stray cells")
        return None
    rows: list[list[Cell]] = [
        [_cell_value(v) for v in row] for row in ws.iter_rows(values_only=True)
    ]
    flaws = [
        Flaw(tuple(range(merged.min_row, merged.max_row + 1)),
             tuple(range(merged.min_col - 1, merged.max_col)),
             f"cells {merged.coord} are merged; only {merged.start_cell.coordinate} keeps its "
             "value", "unmerge them and fill in every cell")
        for merged in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
    ]  # fmt: skip
    if _has_formulas(data, sheets_of(data)):
        formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False)[ws.title]
        flaws += [
            Flaw((cell.row,), (cell.column - 1,), f"cell {cell.coordinate} holds a formula "
                 f"({str(cell.value)[:40]}) with no saved result",
                 "open the file in Excel and save it, or paste the values in place")
            for row in formulas.iter_rows() for cell in row
            if cell.data_type == "f" and rows[cell.row - 1][cell.column - 1] is None
        ]  # fmt: skip
    return Grid(rows=rows, sheet=ws.title, flaws=flaws)


def _has_formulas(data: bytes, sheets: list[str]) -> bool:
    """Whether any worksheet of the workbook contains a formula element (a cheap byte scan)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sheets:
            with archive.open(name) as stream:
                tail = b""
                while chunk := stream.read(1 << 20):
                    if re.search(rb"<(?:\w+:)?f[\s>/]", tail + chunk):
                        return True
                    tail = chunk[-16:]
    return False
