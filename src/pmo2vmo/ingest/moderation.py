"""Reading an assessor's moderation (:mod:`pmo2vmo.model.moderation`): a YAML file, or a workbook's
Moderation sheet as ``pmo2vmo template`` writes it. Every problem is reported at once, naming the
file, and for a workbook the sheet, row and column; no file is written while reading.

The sheet: labelled cells ``Organisation:``, ``Assessor:`` and ``Date:`` (value to their right)
above a header row starting ``Dimension ID``, then one row per dimension with its level (1–5,
one decimal), rationale and evidence (one item per line). Rows without a level are skipped.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pmo2vmo.errors import InstrumentError, ProblemLog
from pmo2vmo.ingest.xlsx import open_workbook, refused
from pmo2vmo.model.base import parse_model, validation_messages
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.moderation import ModeratedDimension, Moderation
from pmo2vmo.util.safeio import read_bounded
from pmo2vmo.util.text import clip
from pmo2vmo.util.yamlio import read_yaml

__all__ = ["MODERATION_COLUMNS", "SHEET", "load_moderation"]

MAX_MODERATION_BYTES = 5 * 1024 * 1024
SHEET = "Moderation"
#: The header row of the sheet; the first cell marks it.
MODERATION_COLUMNS = ("Dimension ID", "Dimension", "Self-assessed", "Level (1–5)", "Rationale",
                      "Evidence (one per line)")  # fmt: skip
_LABELS = {"organisation:": "organisation", "assessor:": "assessor", "date:": "date"}


def load_moderation(path: Path | str, instrument: Instrument) -> Moderation:
    """The moderation in ``path`` (``.xlsx``: its Moderation sheet; else YAML), its dimensions
    checked against ``instrument`` (tailored to the client); :class:`InstrumentError` lists every
    problem."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        moderation = _from_workbook(path)
    else:
        data = read_yaml(path, MAX_MODERATION_BYTES)
        moderation = parse_model(Moderation, path, {} if data is None else data)
    known = instrument.dimension_index
    problems = [
        f"{path}: dimensions: {clip(d, 40)}: not a dimension of instrument "
        f"{instrument.id} {instrument.version} (or excluded by the profile)"
        for d in moderation.dimensions
        if d not in known
    ]
    if problems:
        raise InstrumentError(problems)
    return moderation


def _from_workbook(path: Path) -> Moderation:
    """The Moderation sheet of a workbook, validated row by row."""
    name = str(path)
    try:
        data = read_bounded(path, MAX_MODERATION_BYTES)
    except Exception as exc:  # NotReadable and OS errors alike
        raise InstrumentError([f"{name}: {exc}"]) from None
    log = ProblemLog(name)
    rows = _sheet_rows(data, log)
    if rows is None:
        raise InstrumentError([f"{p.location()}: {p.message}" for p in log.errors])
    head: dict[str, Any] = {}
    dimensions: dict[str, Any] = {}
    problems: list[str] = []
    header = next((i for i, r in enumerate(rows) if _text(r, 0) == MODERATION_COLUMNS[0]), None)
    if header is None:
        missing = f"{name}: sheet {SHEET}: no header row starting {MODERATION_COLUMNS[0]!r}"
        raise InstrumentError([missing])
    for row in rows[:header]:
        key = _LABELS.get(_text(row, 0).casefold())
        if key and _text(row, 1):
            head[key] = row[1] if key == "date" and isinstance(row[1], dt.date) else _text(row, 1)
    for number, row in enumerate(rows[header + 1 :], start=header + 2):
        dim_id, level = _text(row, 0), row[3] if len(row) > 3 else None
        if not dim_id or level in (None, ""):
            continue
        entry = {
            "level": level,
            "rationale": _text(row, 4),
            "evidence": [e.strip() for e in _text(row, 5).splitlines() if e.strip()],
        }
        try:
            ModeratedDimension.model_validate(entry)
        except ValidationError as exc:
            for line in validation_messages(name, exc, entry):
                field, message = line[len(name) + 2 :].split(": ", 1)
                column = {"level": "Level (1–5)", "rationale": "Rationale"}.get(
                    field.split(".")[0], "Evidence (one per line)"
                )
                problems.append(f"{name}: sheet {SHEET}, row {number}, column {column} "
                                f"({clip(dim_id, 40)}): {message}")  # fmt: skip
            continue
        if dim_id in dimensions:
            problems.append(f"{name}: sheet {SHEET}, row {number}: {clip(dim_id, 40)} is moderated "
                            "twice")  # fmt: skip
        dimensions[dim_id] = entry
    if problems:
        raise InstrumentError(problems)
    if not dimensions:
        raise InstrumentError([f"{name}: sheet {SHEET}: no dimension has a level"])
    return parse_model(Moderation, path, {**head, "dimensions": dimensions})


def _text(row: list[Any], i: int) -> str:
    value = row[i] if i < len(row) else None
    return "" if value is None else str(value).strip()


def _sheet_rows(data: bytes, log: ProblemLog) -> list[list[Any]] | None:
    """The values of the Moderation sheet, once the workbook passed the zip guard."""
    workbook = open_workbook(data, log, read_only=True)
    if workbook is None:
        return None
    try:  # read_only parses lazily: the rows are read inside the guard too
        if SHEET not in workbook.sheetnames:
            log.error(f"the workbook has no {SHEET} sheet", "use the sheet `pmo2vmo template` "
                      "writes")  # fmt: skip
            return None
        rows = [list(r) for r in workbook[SHEET].iter_rows(values_only=True, max_row=500)]
        workbook.close()
    except Exception as exc:  # openpyxl and its XML parser raise many types for damaged files
        refused(exc, log)
        return None
    return rows
