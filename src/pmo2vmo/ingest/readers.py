"""Reading client files safely: their kind sniffed, their size capped, CSV parsed into a grid of
cells, and hostile workbooks refused before they reach memory.

Text files are decoded by :mod:`~pmo2vmo.ingest.encoding`. Workbooks are checked here before
openpyxl sees them (:mod:`~pmo2vmo.ingest.xlsx` then reads them): it must be a zip, not a zip bomb,
carry no DTD, and no sheet may use more than :data:`MAX_ROWS` rows or :data:`MAX_COLS` columns —
checked by streaming every sheet's cell references, because a sheet's declared dimension can lie;
the cells of all sheets together are capped at :data:`MAX_CELLS`, because openpyxl loads every
sheet and holds each cell as an object.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmo2vmo.errors import ProblemLog
from pmo2vmo.ingest.encoding import decode_text

MAX_TEXT_BYTES = 50 * 1024 * 1024
MAX_XLSX_BYTES = 25 * 1024 * 1024
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_ROWS = 20_000
MAX_COLS = 1_000
MAX_CELLS = 2_000_000  # in all sheets of a workbook, or in a text file

Cell = str | int | float | None

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Grid:
    """The cells of one sheet or text file; ``rows[i]`` is spreadsheet row ``i + 1``."""

    rows: list[list[Cell]]
    sheet: str | None = None
    row_numbers: list[int] = field(default_factory=list)
    #: Cells whose value cannot be trusted (merged away, a formula never calculated), reported by
    #: the layout's reader when it reads them: a questionnaire's own progress formula is no flaw.
    flaws: list[Flaw] = field(default_factory=list)

    def row_number(self, index: int) -> int:
        """The 1-based row number a user sees for ``rows[index]``."""
        return self.row_numbers[index] if self.row_numbers else index + 1

    def log_flaws(self, log: ProblemLog, read: Callable[[int, int], bool] | None = None) -> None:
        """Report the flaws in cells the reader reads (``read(row, column)``, 1-based row and
        0-based column), or every flaw."""
        for flaw in self.flaws:
            cells = ((row, col) for row in flaw.rows for col in flaw.columns)
            if read is None or any(read(row, col) for row, col in cells):
                log.error(flaw.message, flaw.hint, row=flaw.row,
                          column=column_letter(flaw.columns[0]))  # fmt: skip


@dataclass(frozen=True)
class Flaw:
    """A cell (or merged range: 1-based ``rows``, 0-based ``columns``) whose value is not what
    it shows; reported at ``row``, its first."""

    rows: tuple[int, ...]
    columns: tuple[int, ...]
    message: str
    hint: str

    @property
    def row(self) -> int:
        return self.rows[0]


def column_letter(index: int) -> str:
    """0-based column index to a spreadsheet letter (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column_index(letters: bytes) -> int:
    value = 0
    for ch in letters:
        value = value * 26 + (ch - 64)
    return value


def size_limit(kind: str) -> int:
    """The largest file of this kind (``xlsx`` or any other) that is read."""
    return MAX_XLSX_BYTES if kind in ("xlsx", "xls") else MAX_TEXT_BYTES


def too_big(kind: str, size: int, log: ProblemLog) -> bool:
    """Record (and return True) when a file of this kind and size is refused unread."""
    if kind in ("xlsx", "xls") and size > MAX_XLSX_BYTES:
        log.error(
            f"the workbook is {size // 1_048_576} MB; the limit is {MAX_XLSX_BYTES // 1_048_576} MB",
            "remove pictures and unused sheets, or export the responses as CSV",
        )
        return True
    if kind not in ("xlsx", "xls") and size > MAX_TEXT_BYTES:
        log.error(
            f"the file is {size // 1_048_576} MB; the limit is {MAX_TEXT_BYTES // 1_048_576} MB",
            "split it into one file per organisation",
        )
        return True
    return False


def sniff_kind(path: Path, head: bytes) -> str:
    """``xlsx``, ``xls``, ``journal`` or ``text`` from the file's first bytes and its name."""
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        return "xls"
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        return "journal"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix.lower() == ".json" or (stripped.startswith(b"{") and b'"question"' in head):
        return "journal"
    return "text"


# --------------------------------------------------------------------------------------- text ---


def _sniff_delimiter(text: str) -> str:
    """The one of , ; tab that splits the first records into equally many fields.

    Counting delimiters in the header misleads: a semicolon file's question headers hold unquoted
    commas (``[PB-GOV-01] The PMO has a written, agreed mandate``). Among delimiters that split the
    header, the one most later records agree with wins; then the one giving the most columns.
    """
    sample = text[:65536]
    best, best_score = ",", (-1, 0)
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            records = [r for r in itertools.islice(reader, 50) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        score = (sum(1 for r in records[1:] if len(r) == width), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_text_grid(path: Path, data: bytes, log: ProblemLog) -> Grid | None:
    """Parse a CSV/TSV (delimiter sniffed among , ; tab) into a grid of strings."""
    if too_big("text", len(data), log):
        return None
    text = decode_text(data, log)
    if text is None:
        return None
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[Cell]] = []
    numbers: list[int] = []
    start = 1
    cells = 0
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                log.error(
                    f"more than {MAX_ROWS:,} rows",
                    "split the file; one organisation per file is usual",
                )
                return None
            if len(row) > MAX_COLS:
                log.error(f"more than {MAX_COLS:,} columns", "remove unused columns", row=start)
                return None
            cells += len(row)
            if cells > MAX_CELLS:
                log.error(
                    f"more than {MAX_CELLS:,} cells", "remove unused columns or split the file"
                )
                return None
            rows.append([cell for cell in row])
            numbers.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        log.error(f"not readable as CSV: {exc}", "check quoting in the file", row=reader.line_num)
        return None
    if _stray_quote(rows, numbers, delimiter, log):
        return None
    return Grid(rows=rows, row_numbers=numbers)


def _stray_quote(
    rows: list[list[Cell]], numbers: list[int], delimiter: str, log: ProblemLog
) -> bool:
    """Refuse a quoted field that spans lines and swallows what look like records.

    One unterminated ``"`` in a comment makes the rest of the file (or everything up to the next
    quote) a single field: respondents' ids, dates and answers would become one "comment". A real
    multi-line comment holds text; a line carrying nearly a record's delimiters is a record.
    """
    width = max((len(r) for r in rows[:5]), default=0)
    need = max(2, width - 2)  # a line with nearly a record's delimiters is a record
    for record, number in zip(rows, numbers, strict=True):
        for col, cell in enumerate(record):
            if not isinstance(cell, str) or "\n" not in cell:
                continue
            lines = cell.split("\n")
            swallowed = [n for n, line in enumerate(lines[1:], 1) if line.count(delimiter) >= need]
            if swallowed:
                log.error(
                    f"a quote opened in column {column_letter(col)} is never closed: the field "
                    f"runs over {len(lines)} lines and swallows {len(swallowed)} that look like "
                    f"records (up to line {number + swallowed[-1]})",
                    'close the quote, or remove the stray " from that cell, and export again',
                    row=number,
                    column=column_letter(col),
                )
                return True
    return False


# --------------------------------------------------------------------------------------- xlsx ---

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})(\d{1,7})"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d{1,7})"')
_TAG = re.compile(rb"<(?:\w+:)?(c|row)[\s>/]")


def guard_zip(data: bytes, log: ProblemLog) -> bool:
    """Refuse zip bombs, DTDs and absurd sheets before any XML is parsed into memory."""
    if too_big("xlsx", len(data), log):
        return False
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        log.error("damaged workbook: not a readable .xlsx (zip) file", "re-save it from Excel")
        return False
    with archive:
        infos = archive.infolist()
        total = sum(info.file_size for info in infos)
        if total > MAX_UNCOMPRESSED:
            log.error(
                f"the workbook expands to {total // 1_048_576} MB (a zip bomb?); refused unread",
                "send the responses as a plain workbook or CSV",
            )
            return False
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1_048_576 and ratio > MAX_RATIO:
                log.error(
                    f"{info.filename} expands {ratio:.0f}-fold (a zip bomb?); refused unread",
                    "send the responses as a plain workbook or CSV",
                )
                return False
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            log.error(
                "this zip file is not an Excel workbook", "save the responses as .xlsx or CSV"
            )
            return False
        part = ""
        try:
            for info in infos:  # every XML part: no password, no DTD
                part = info.filename
                if part.endswith((".xml", ".rels", ".vml")) and not _guard_part(archive, info, log):
                    return False
            sheets = _sheet_parts(data, archive.namelist(), log)
            if sheets is None:
                return False
            cells = [0]  # running count over all sheets, updated by _guard_sheet
            for part in sheets:
                with archive.open(part) as stream:
                    if not _guard_sheet(part, stream.read(4096), stream, log, cells):
                        return False
        # zipfile raises NotImplementedError for a compression method it does not support.
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error) as exc:
            log.error(f"damaged workbook part {part}: {exc}", "re-save it from Excel")
            return False
        return True


def _guard_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, log: ProblemLog) -> bool:
    """A part that needs no password and declares no DTD."""
    if info.flag_bits & 0x1:  # zipfile would raise: it needs a password
        log.error(
            f"the workbook part {info.filename} is encrypted (a password-protected workbook)",
            "remove the password in Excel (File > Info > Protect Workbook) and re-save",
        )
        return False
    with archive.open(info) as stream:
        head = stream.read(4096)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        log.error(
            f"the workbook part {info.filename} declares a DTD; refused unread "
            "(DTDs can expand into gigabytes)",
            "re-save the workbook from Excel; genuine Excel files carry no DTD",
        )
        return False
    return True


def _sheet_parts(data: bytes, names: list[str], log: ProblemLog) -> list[str] | None:
    """Every part openpyxl will load as a worksheet, found as it finds them: the workbook part
    named by ``[Content_Types].xml``, then its relationships. A sheet stored outside
    ``xl/worksheets/`` is still a sheet, and still capped. ``None`` (an error logged) when the
    workbook cannot be followed or holds no worksheet."""
    import warnings

    from openpyxl.reader.excel import ExcelReader, _find_workbook_part
    from openpyxl.reader.workbook import WorkbookParser

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of what it drops; so do we, below
            reader = ExcelReader(io.BytesIO(data))
            try:
                reader.read_manifest()
                part = _find_workbook_part(reader.package).PartName[1:]
                parser = WorkbookParser(reader.archive, part)
                parser.parse()
                targets = [
                    rel.target
                    for _sheet, rel in parser.find_sheets()
                    if rel.target in reader.valid_files and "chartsheet" not in rel.Type
                ]
            finally:
                reader.archive.close()
    except Exception as exc:  # openpyxl raises many types for damaged files
        detail = " ".join(str(exc).split())[:160]
        log.error(f"damaged workbook ({type(exc).__name__}: {detail})", "re-save it from Excel")
        return None
    sheets = sorted(
        {*targets, *(n for n in names if n.startswith("xl/worksheets/")
                     and n.endswith(".xml"))}
    )  # fmt: skip
    if not targets:
        log.error("the workbook has no worksheet", "save the responses as a workbook with a "
                  "Responses sheet, or as CSV")  # fmt: skip
        return None
    return sheets


def _guard_sheet(part: str, head: bytes, stream: Any, log: ProblemLog, cells: list[int]) -> bool:
    """Check a sheet's declared dimension, then stream its cells to cap real extents.

    Cell and row elements are counted as well as their references, because a reference is
    optional: openpyxl places a ``<c>`` or ``<row>`` without one after the previous. ``cells[0]``
    carries the count of cells over all sheets of the workbook.
    """
    name = part.rsplit("/", 1)[-1]
    match = _DIMENSION.search(head)
    if match and match.group(3) and match.group(4):
        cols, rows = _column_index(match.group(3)), int(match.group(4))
        if rows > MAX_ROWS or cols > MAX_COLS:
            ref = match.group(0).split(b'"')[1].decode()
            log.error(
                f"{name} declares a used range of {ref} ({rows:,} rows × {cols:,} columns); "
                f"refused unread (limit {MAX_ROWS:,} rows, {MAX_COLS:,} columns)",
                "delete the stray cells far from the data (Ctrl+End shows the last used cell)",
            )
            return False
    tail = b""
    chunk = head
    rows = 0
    while chunk:
        buf = tail + chunk
        # Count each element once: those wholly in the tail were counted with the last chunk.
        tags, seen = _TAG.findall(buf), _TAG.findall(tail)
        cells[0] += tags.count(b"c") - seen.count(b"c")
        rows += tags.count(b"row") - seen.count(b"row")
        if cells[0] > MAX_CELLS or rows > MAX_ROWS:
            what = (
                f"{name} has more than {MAX_ROWS:,} rows"
                if rows > MAX_ROWS
                else f"the workbook's sheets hold more than {MAX_CELLS:,} cells"
            )
            log.error(
                f"{what}; refused unread",
                "delete unused rows and sheets, or export the responses as CSV",
            )
            return False
        for cell in _CELL_REF.finditer(buf):
            col, row = _column_index(cell.group(1)), int(cell.group(2))
            if row > MAX_ROWS or col > MAX_COLS:
                ref = cell.group(1).decode() + cell.group(2).decode()
                log.error(
                    f"{name} has a cell at {ref}, far beyond any survey's data; refused "
                    f"(limit {MAX_ROWS:,} rows, {MAX_COLS:,} columns)",
                    "delete the stray cells far from the data (Ctrl+End shows the last used cell)",
                )
                return False
        for row_ref in _ROW_REF.finditer(buf):
            if int(row_ref.group(1)) > MAX_ROWS:
                log.error(
                    f"{name} has a row numbered {int(row_ref.group(1)):,}; refused "
                    f"(limit {MAX_ROWS:,} rows)",
                    "delete the stray rows far below the data",
                )
                return False
        tail = buf[-200:]
        chunk = stream.read(1 << 20)
    return True


def sheets_of(data: bytes) -> list[str]:
    """The worksheet parts of a workbook that :func:`guard_zip` passed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    return _sheet_parts(data, names, ProblemLog("")) or []
