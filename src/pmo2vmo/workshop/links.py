"""Who may answer as whom: the workshop's secret, signed participant links and the invitee list.

A link carries the respondent, role and unit in its query string with a signature: an HMAC-SHA256
of the three under a key derived from the laptop's workshop secret and the journal folder. Editing
any of them (to open or overwrite another participant's answers) breaks the signature, and the
participant page refuses the link. The secret is created once per user
(``~/.config/pmo2vmo/workshop.key``, mode 0600, or under ``$XDG_CONFIG_HOME``), so links stay valid
when the server is restarted during a session; a key per journal folder means links to one
workshop do not open another.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from pmo2vmo.errors import InputProblem, InvalidInputError, NotReadable, ProblemLog
from pmo2vmo.ingest.readers import read_text_grid
from pmo2vmo.ingest.records import cell_text
from pmo2vmo.render.workbook import safe_cell
from pmo2vmo.util.atomic import write_text_atomic
from pmo2vmo.util.safeio import read_bounded

MAX_INVITEES_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Invitee:
    """A participant invited to the workshop."""

    respondent: str
    role: str
    unit: str | None = None


def _config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "pmo2vmo"


def workshop_key(journal_dir: Path) -> bytes:
    """The signing key of the workshop whose journals go to ``journal_dir``."""
    path = _config_dir() / "workshop.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another workshop created it a moment ago
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    master = bytes.fromhex(path.read_text().strip())
    folder = str(Path(journal_dir).resolve()).encode()
    return hmac.new(master, b"pmo2vmo-workshop\0" + folder, hashlib.sha256).digest()


def default_token(key: bytes) -> str:
    """The server's token when none is given: stable for one workshop, so links survive a
    restart."""
    return hmac.new(key, b"token", hashlib.sha256).hexdigest()[:32]


def signature(key: bytes, respondent: str, role: str, unit: str | None) -> str:
    """The signature of one participant's identity."""
    message = json.dumps([respondent, role, unit or ""], ensure_ascii=False).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def link_query(key: bytes, invitee: Invitee, token: str) -> str:
    """The query string of an invitee's link."""
    fields = {"token": token, "respondent": invitee.respondent, "role": invitee.role}
    if invitee.unit:
        fields["unit"] = invitee.unit
    fields["sig"] = signature(key, invitee.respondent, invitee.role, invitee.unit)
    return urlencode(fields)


def verified(key: bytes, query: str) -> Invitee | None:
    """The participant a link's query string names, if its signature holds; else None."""
    fields: Mapping[str, list[str]] = parse_qs(query, keep_blank_values=True)

    def one(name: str) -> str | None:
        values = fields.get(name) or []
        return values[0] if len(values) == 1 else None

    respondent, role, sig = one("respondent"), one("role"), one("sig")
    unit = one("unit") or None
    if not respondent or not role or not sig or len(fields.get("unit") or []) > 1:
        return None
    if not hmac.compare_digest(sig.encode(), signature(key, respondent, role, unit).encode()):
        return None
    return Invitee(respondent, role, unit)


# ----------------------------------------------------------------------------- invitees ---


def _column(header: Sequence[str], name: str) -> int | None:
    folded = [h.strip().casefold() for h in header]
    return folded.index(name) if name in folded else None


def read_invitees(path: Path) -> list[Invitee]:
    """The invitee list (CSV: ``respondent``, ``role``, optional ``unit``); every problem at once,
    as :class:`InvalidInputError`, naming the file, row and column."""
    name = path.name
    problems: list[InputProblem] = []
    try:
        data = read_bounded(path, MAX_INVITEES_BYTES)
    except NotReadable as exc:
        raise InvalidInputError([InputProblem(name, exc.reason, exc.hint)]) from None
    except OSError as exc:
        raise InvalidInputError([InputProblem(name, f"cannot be read: {exc.strerror}")]) from None
    log = ProblemLog(file=name)
    grid = read_text_grid(path, data, log)  # the readers' CSV: encodings, BOM, delimiter, caps
    if grid is None:
        raise InvalidInputError(log.errors)
    rows = [[cell_text(c) or "" for c in row] for row in grid.rows]
    header = rows[0] if rows else []
    at = {col: _column(header, col) for col in ("respondent", "role", "unit")}
    for col in ("respondent", "role"):
        if at[col] is None:
            problems.append(InputProblem(name, f"no {col!r} column", "columns: respondent, "
                                         "role and, optionally, unit", row=1))  # fmt: skip
    if problems:
        raise InvalidInputError(problems)
    invitees: list[Invitee] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows[1:], start=1):
        number = grid.row_number(index)
        cells = {col: (row[i].strip() if i is not None and i < len(row) else "")
                 for col, i in at.items()}  # fmt: skip
        if not any(cells.values()):
            continue
        for col in ("respondent", "role"):
            if not cells[col]:
                problems.append(InputProblem(name, f"{col} is empty", row=number, column=col))
        rid = cells["respondent"]
        if rid and rid in seen:
            problems.append(InputProblem(name, f"respondent {rid!r} is also on row {seen[rid]}",
                                         "each invitee once", row=number,
                                         column="respondent"))  # fmt: skip
        seen.setdefault(rid, number)
        invitees.append(Invitee(rid, cells["role"], cells["unit"] or None))
    if not invitees and not problems:
        problems.append(InputProblem(name, "lists no invitee", "one row per participant"))
    if problems:
        raise InvalidInputError(problems)
    return invitees


def write_links(
    path: Path, base_url: str, key: bytes, token: str, invitees: Sequence[Invitee]
) -> None:
    """One row per invitee — ``respondent``, ``role``, ``url`` — written whole or not at all."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["respondent", "role", "url"])
    for invitee in invitees:
        writer.writerow([safe_cell(invitee.respondent), safe_cell(invitee.role),
                         f"{base_url}?{link_query(key, invitee, token)}"])  # fmt: skip
    write_text_atomic(path, out.getvalue())
