"""Build the corpus of bad input files in ``tests/corpus/bad/`` — deterministic, byte for byte.

Run ``python tests/corpus/make_bad_files.py`` to (re)generate the committed files; the tests import
:func:`build` to check the committed corpus is what this script makes, and the helpers to make the
one file too big to commit (:func:`write_zip_bomb`). What each file must produce is in
``bad/EXPECTED.yaml``, written by hand.

Workbooks are made with openpyxl, then rewritten with fixed timestamps (openpyxl stamps the time
of saving into the zip entries and ``docProps/core.xml``) so that a rerun gives identical bytes.
Hostile workbooks are crafted by editing the XML inside a real openpyxl-made workbook.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import struct
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BAD_DIR = Path(__file__).resolve().parent / "bad"
EXPECTED = "EXPECTED.yaml"

ZIP_TIME = (2026, 1, 1, 0, 0, 0)
CORE_TIME = "2026-01-01T00:00:00Z"
SHEET = "xl/worksheets/sheet1.xml"

# Three real questions of the bundled instrument (tests check they exist) and their headers.
Q1, Q2, Q3 = "PB-GOV-01", "PB-GOV-02", "PB-GOV-03"
HEADERS = {
    Q1: f"[{Q1}] The PMO has a written, agreed mandate",
    Q2: f"[{Q2}] Projects pass through defined decision points",
    Q3: f"[{Q3}] The PMO's objectives are linked to strategy",
}
WIDE_HEADER = ["Respondent ID", "Role", "Unit", HEADERS[Q1], HEADERS[Q2], HEADERS[Q3]]
TIDY_HEADER = ["organisation", "respondent", "role", "unit", "question", "answer", "comment"]

Rows = Sequence[Sequence[Any]]


# ------------------------------------------------------------------------------------ helpers ---


def csv_bytes(rows: Rows, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    """Rows as CSV text (``\\r\\n`` line ends, as Excel writes them) in an encoding."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def wide(*answers: Sequence[Any]) -> list[list[Any]]:
    """The standard wide layout (columns A-F) with rows of (respondent, role, unit, q1, q2, q3)."""
    return [WIDE_HEADER, *[list(row) for row in answers]]


def journal_bytes(events: Sequence[dict[str, Any] | str]) -> bytes:
    """JSON lines; a ``str`` item is written verbatim (for broken lines)."""
    lines = [e if isinstance(e, str) else json.dumps(e, ensure_ascii=False) for e in events]
    return ("\n".join(lines) + "\n").encode()


def event(seq: int, respondent: str, question: str, answer: Any, **extra: Any) -> dict[str, Any]:
    """One capture-journal answer event."""
    return {
        "v": 1,
        "seq": seq,
        "ts": f"2026-03-02T10:{seq:02d}:00Z",
        "organisation": "Journal Co",
        "respondent": respondent,
        "role": "PMO analyst",
        "unit": "PMO",
        "question": question,
        "answer": answer,
        "comment": None,
        **extra,
    }


def normalise_zip(data: bytes, replace: dict[str, bytes] | None = None) -> bytes:
    """Rewrite a zip with fixed timestamps and (optionally) some members replaced."""
    replace = replace or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = replace.get(info.filename, source.read(info.filename))
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + CORE_TIME.encode(),
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, content, compresslevel=9)
    return out.getvalue()


def workbook_bytes(rows: Rows, tweak: Callable[[Any], None] | None = None) -> bytes:
    """A real openpyxl workbook whose sheet *Responses* holds ``rows``; ``tweak`` edits the sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Responses"
    for row in rows:
        ws.append(list(row))
    if tweak is not None:
        tweak(ws)
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalise_zip(buffer.getvalue())


def rewrite_member(data: bytes, name: str, edit: Callable[[bytes], bytes]) -> bytes:
    """The workbook ``data`` with member ``name`` replaced by ``edit(old content)``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        old = archive.read(name)
    return normalise_zip(data, {name: edit(old)})


def write_zip_bomb(path: Path, megabytes: int = 300) -> Path:
    """A real workbook plus a member of ``megabytes`` MB of spaces (streamed; never in memory)."""
    base = workbook_bytes(wide(["R01", "Executive", "Finance", 3, 3, 3]))
    path.write_bytes(base)
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        info = zipfile.ZipInfo("xl/media/padding.xml", date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)
    return path


def _insert_after_declaration(xml: bytes, text: bytes) -> bytes:
    end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    return xml[:end] + text + xml[end:]


BILLION_LAUGHS = (
    b'<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>"
)


# -------------------------------------------------------------------------------------- cases ---


def _merged(ws: Any) -> None:
    ws.merge_cells("D3:E3")


def _formula(ws: Any) -> None:
    ws["E3"] = "=D3+1"


def _dtd(xml: bytes) -> bytes:
    xml = _insert_after_declaration(xml, BILLION_LAUGHS)
    return xml.replace(b"<v>0</v>", b"<v>&lol9;</v>", 1)


def _dtd_late(xml: bytes) -> bytes:
    # A DTD after 8 KB of comment: past the first bytes any quick scan might look at.
    return _insert_after_declaration(xml, b"<!--" + b" " * 8192 + b"-->" + BILLION_LAUGHS)


def _absurd_dimension(xml: bytes) -> bytes:
    return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml)


def _lying_dimension(xml: bytes) -> bytes:
    xml = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', xml)
    far = b'<row r="100000"><c r="AAA100000" t="n"><v>1</v></c></row>'
    return xml.replace(b"</sheetData>", far + b"</sheetData>")


def _rows_without_numbers(xml: bytes) -> bytes:
    # 20,001 rows with no r attribute: no cell reference to check, yet the sheet is too long.
    rows = b"<row><c><v>1</v></c></row>" * 20_001
    return xml.replace(b"</sheetData>", rows + b"</sheetData>")


def _padded(xml: bytes) -> bytes:
    # 20 MB of spaces after the root element: valid XML, compressed a thousandfold.
    return xml + b" " * (20 << 20)


def _damaged(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _corrupt_member(data: bytes) -> bytes:
    """Scramble the compressed bytes of the sheet: the zip directory is intact, inflating fails."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    out = bytearray(data)
    for index in range(start + 4, start + info.compress_size - 4):
        out[index] ^= 0x55
    return bytes(out)


def _understated_size(data: bytes) -> bytes:
    """Make the zip directory claim the (padded, 20 MB) sheet inflates to 1 KB."""
    end_record = data.rfind(b"PK\x05\x06")  # its field 16 is where the central directory starts
    (at,) = struct.unpack_from("<I", data, end_record + 16)
    out = bytearray(data)
    while out[at : at + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", out, at + 28)
        if out[at + 46 : at + 46 + name_len] == SHEET.encode():
            struct.pack_into("<I", out, at + 24, 1024)
        at += 46 + name_len + extra_len + comment_len
    return bytes(out)


def _not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        info = zipfile.ZipInfo("responses.csv", date_time=ZIP_TIME)
        archive.writestr(info, csv_bytes(wide(["R01", "Executive", "Finance", 3, 3, 3])))
    return out.getvalue()


def _junk() -> bytes:
    return random.Random(20260101).randbytes(2048)


def _good_book() -> bytes:
    return workbook_bytes(
        wide(["R01", "Executive", "Finance", 3, 4, 2], ["R02", "PMO analyst", "PMO", 2, 3, 3])
    )


CASES: dict[str, Callable[[], bytes]] = {
    # --- answers
    "value_out_of_range.csv": lambda: csv_bytes(
        wide(["R01", "Executive", "Finance", 3, 4, 2], ["R02", "PMO analyst", "PMO", 7, 3, 3])
    ),
    "value_unreadable.csv": lambda: csv_bytes(
        wide(["R01", "Executive", "Finance", 3, "often", 2], ["R02", "PMO analyst", "PMO", 2, 3, 3])
    ),
    "value_not_whole.csv": lambda: csv_bytes(
        wide(["R01", "Executive", "Finance", 3, 4, 2], ["R02", "PMO analyst", "PMO", 2, 3, "3.5"])
    ),
    "value_name_disagrees.csv": lambda: csv_bytes(
        wide(["R01", "Executive", "Finance", "3 - Managed", 4, 2])
    ),
    "three_bad_cells.csv": lambda: csv_bytes(
        wide(
            ["R01", "Executive", "Finance", "7", 4, 2],
            ["R02", "PMO analyst", "PMO", 2, "often", 3],
            ["R03", "Project manager", "IT", 2, 3, "3.5"],
        )
    ),
    "bad_values.xlsx": lambda: workbook_bytes(
        wide(
            ["R01", "Executive", "Finance", 3.5, 4, 2],
            ["R02", "PMO analyst", "PMO", 2, 0, "Sometimes"],
        )
    ),
    "qualtrics_bad_value.csv": lambda: csv_bytes(
        [
            ["ResponseId", "Q_Role", Q1, Q2, Q3],
            ["Response ID", "Your role", HEADERS[Q1], HEADERS[Q2], HEADERS[Q3]],
            [
                '{"ImportId":"_recordId"}',
                '{"ImportId":"QID1"}',
                '{"ImportId":"QID2"}',
                '{"ImportId":"QID3"}',
                '{"ImportId":"QID4"}',
            ],
            ["R_1aa", "Executive", 3, 3, 4],
            ["R_2bb", "PMO analyst", 2, 6, 3],
        ]
    ),
    "multiline_comment_bad_value.csv": lambda: csv_bytes(
        [
            [*WIDE_HEADER, "Comments"],
            ["R01", "Executive", "Finance", 3, 4, 2, "Two lines\nof comment"],
            ["R02", "PMO analyst", "PMO", 2, 9, 3, ""],
        ]
    ),
    # --- headers
    "unknown_question_header.csv": lambda: csv_bytes(
        [
            [*WIDE_HEADER, "[ZZ-ZZZ-99] A question from another survey"],
            ["R01", "Executive", "Finance", 3, 4, 2, 3],
        ]
    ),
    "duplicate_question_columns.csv": lambda: csv_bytes(
        [
            [*WIDE_HEADER, f"[{Q1}] asked twice"],
            ["R01", "Executive", "Finance", 3, 4, 2, 3],
        ]
    ),
    "duplicate_metadata_headers.csv": lambda: csv_bytes(
        [
            ["Respondent ID", "Role", "Unit", "Role", HEADERS[Q1], HEADERS[Q2]],
            ["R01", "Executive", "Finance", "Sponsor", 3, 4],
        ]
    ),
    "no_question_columns.csv": lambda: csv_bytes(
        [["Respondent ID", "Role", "Unit", "Q1", "Q2"], ["R01", "Executive", "Finance", 3, 4]]
    ),
    "header_only.csv": lambda: csv_bytes([WIDE_HEADER]),
    # --- respondents
    "duplicate_respondents.csv": lambda: csv_bytes(
        wide(
            ["R01", "Executive", "Finance", 3, 4, 2],
            ["R02", "PMO analyst", "PMO", 2, 3, 3],
            ["R01", "Executive", "Finance", 4, 4, 4],
        )
    ),
    "respondent_id_empty.csv": lambda: csv_bytes(
        wide(["R01", "Executive", "Finance", 3, 4, 2], ["", "PMO analyst", "PMO", 2, 3, 3])
    ),
    "everything_wrong.csv": lambda: csv_bytes(
        [
            [*WIDE_HEADER, "[ZZ-ZZZ-99] Unknown", f"[{Q2}] again"],
            ["R01", "Executive", "Finance", 3, 4, 2, 1, 1],
            ["R02", "PMO analyst", "PMO", "often", 3, 3, 1, 1],
            ["R01", "Executive", "Finance", 3, 4, 2, 1, 1],
            ["R03", "Project manager", "IT", 2, 3, "Level 6", 1, 1],
        ]
    ),
    # --- tidy long form
    "tidy_unknown_question.csv": lambda: csv_bytes(
        [
            TIDY_HEADER,
            ["Tidy Co", "R01", "Executive", "Finance", Q1, "3", ""],
            ["Tidy Co", "R01", "Executive", "Finance", "PB-GOV-99", "3", ""],
            ["Tidy Co", "R01", "Executive", "Finance", "How mature are we?", "3", ""],
        ]
    ),
    "tidy_two_roles.csv": lambda: csv_bytes(
        [
            TIDY_HEADER,
            ["Tidy Co", "R01", "Executive", "Finance", Q1, "3", ""],
            ["Tidy Co", "R01", "Project manager", "Finance", Q2, "4", ""],
        ]
    ),
    "tidy_duplicate_answer.csv": lambda: csv_bytes(
        [
            TIDY_HEADER,
            ["Tidy Co", "R01", "Executive", "Finance", Q1, "3", ""],
            ["Tidy Co", "R01", "Executive", "Finance", Q2, "4", ""],
            ["Tidy Co", "R01", "Executive", "Finance", Q1, "2", ""],
        ]
    ),
    "tidy_bad_answer.csv": lambda: csv_bytes(
        [
            TIDY_HEADER,
            ["Tidy Co", "R01", "Executive", "Finance", Q1, "3 - Managed", ""],
            ["Tidy Co", "R01", "Executive", "Finance", Q2, "0", ""],
        ]
    ),
    "tidy_no_respondent_column.csv": lambda: csv_bytes(
        [["organisation", "question", "answer"], ["Tidy Co", Q1, "3"]]
    ),
    # --- capture journal
    "journal_bad_line.jsonl": lambda: journal_bytes(
        [
            event(1, "R01", Q1, 3),
            '{"v": 1, "seq": 2, "respondent": "R01", "question": ',
            event(3, "R01", Q2, 4),
        ]
    ),
    "journal_unknown_question.jsonl": lambda: journal_bytes(
        [event(1, "R01", Q1, 3), event(2, "R01", "PB-GOV-99", 4)]
    ),
    "journal_bad_events.jsonl": lambda: journal_bytes(
        [
            event(1, "R01", Q1, 3),
            event(2, "R01", Q2, 4, colour="blue"),
            event(3, "R01", Q2, 4, v=2),
            {**event(4, "R01", Q2, 4), "seq": "four"},
            event(5, "", Q2, 4),
            event(6, "R01", Q3, "often"),
            "[1, 2, 3]",
        ]
    ),
    # --- empty and unreadable text
    "empty.csv": lambda: b"",
    "whitespace_only.csv": lambda: b"  \r\n\t\r\n   \r\n",
    "only_delimiters.csv": lambda: b",,,\r\n,,,\r\n",
    "binary_junk.csv": _junk,
    "bad_encoding.csv": lambda: (
        csv_bytes(wide(["R01", "Executive", "Finance", 3, 4, 2]))
        + b"R02,Chef de projet \x81\x8d,PMO,2,3,3\r\n"
    ),
    "broken_utf16.csv": lambda: b"\xff\xfe" + "Respondent ID,".encode("utf-16-le") + b"\x00",
    "too_many_columns.csv": lambda: csv_bytes([[f"C{i}" for i in range(1001)]]),
    # --- not workbooks
    "legacy.xls": lambda: bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504),
    "zip_not_workbook.xlsx": _not_a_workbook,
    "damaged_zip.xlsx": lambda: _damaged(_good_book()),
    "corrupt_member.xlsx": lambda: _corrupt_member(_good_book()),
    # --- workbooks with problems of their own
    "merged_cells.xlsx": lambda: workbook_bytes(
        wide(["R01", "Executive", "Finance", 3, 4, 2], ["R02", "PMO analyst", "PMO", 2, None, 3]),
        _merged,
    ),
    "formula_uncached.xlsx": lambda: workbook_bytes(
        wide(["R01", "Executive", "Finance", 3, 4, 2], ["R02", "PMO analyst", "PMO", 2, None, 3]),
        _formula,
    ),
    # --- hostile workbooks
    "dtd_entities.xlsx": lambda: rewrite_member(
        workbook_bytes(wide(["R01", "Executive", "Finance", 0, 4, 2])), SHEET, _dtd
    ),
    "dtd_after_comment.xlsx": lambda: rewrite_member(_good_book(), SHEET, _dtd_late),
    "absurd_dimension.xlsx": lambda: rewrite_member(_good_book(), SHEET, _absurd_dimension),
    "lying_dimension.xlsx": lambda: rewrite_member(_good_book(), SHEET, _lying_dimension),
    "rows_without_numbers.xlsx": lambda: rewrite_member(_good_book(), SHEET, _rows_without_numbers),
    "zip_ratio_bomb.xlsx": lambda: rewrite_member(_good_book(), SHEET, _padded),
    "zip_understated_size.xlsx": lambda: _understated_size(
        rewrite_member(_good_book(), SHEET, _padded)
    ),
}


def build(folder: Path = BAD_DIR) -> list[Path]:
    """Write every case into ``folder`` and return the paths written (EXPECTED.yaml is not made)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in CASES.items():
        path = folder / name
        path.write_bytes(make())
        written.append(path)
    return written


if __name__ == "__main__":
    for written in build():
        print(f"{written.stat().st_size:>8,}  {written.relative_to(BAD_DIR.parent.parent.parent)}")
