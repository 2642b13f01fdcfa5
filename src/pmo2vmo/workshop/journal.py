"""Writing a participant session's capture journal so that nothing is ever lost.

A journal folder holds one ``.jsonl`` file per participant session and nothing else: no header, no
lock file. Each change is one complete JSON line (PRODUCT §4: ``v``, ``seq``, ``ts``,
``organisation``, ``respondent``, ``role``, ``unit``, ``question``, ``answer``, ``comment``)
written with a single ``os.write`` on an ``O_APPEND`` descriptor and then ``fsync``-ed; the folder
is synced when a session creates its file, so the file's name survives a power cut too. One file per
writer means no two processes ever append to the same file (``flock`` is advisory and none of it
holds on network file systems).

An event carries the question's whole state — its current answer and its current comment — so the
latest event of a question is all a reader needs (:mod:`pmo2vmo.ingest.journal` replays them).
``seq`` keeps rising across a participant's sessions: a new session starts after the highest
``seq`` their earlier journals hold.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmo2vmo.ingest.journal import who_and_what

SUFFIX = ".jsonl"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")

Answer = int | str | None  # a level 1-5, "N/A", "Don't know", or None (unanswered)


def safe_name(respondent: str) -> str:
    """A file-name stem for a respondent id: letters, digits, ``-`` and ``_`` only, never hidden,
    at most 48 characters; an id changed on the way carries a short hash of itself, so two ids
    that sanitise alike (``a/b``, ``a b``) never share a name."""
    stem = _UNSAFE.sub("_", respondent).strip("_")[:40] or "participant"
    if stem != respondent:
        stem += "-" + hashlib.sha256(respondent.encode()).hexdigest()[:6]
    return stem


@dataclass(frozen=True)
class QuestionState:
    """A question as a participant last left it."""

    answer: Answer
    comment: str | None


def _journals_of(folder: Path, respondent: str) -> list[Path]:
    """A participant's journals in the folder, in name order (their sessions, oldest first)."""
    prefix = safe_name(respondent) + "--"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(prefix) and p.suffix == SUFFIX)


def _events(path: Path) -> list[dict[str, Any]]:
    """The complete events of one journal (an interrupted last line, even one cut inside a
    character, is passed over)."""
    out = []
    for line in path.read_bytes().split(b"\n"):
        try:
            event = json.loads(line.decode("utf-8"))
        except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
            continue
        if isinstance(event, dict) and isinstance(event.get("seq"), int):
            out.append(event)
    return out


def restore(folder: Path, respondent: str) -> tuple[dict[str, QuestionState], int]:
    """A participant's questions as their journals leave them, and the highest ``seq`` written.

    The same rule and the same ids as :mod:`pmo2vmo.ingest.journal`: per question, the latest
    (``seq``, file, line) event wins.
    Reading writes nothing.
    """
    respondent = respondent.strip()
    latest: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}
    top = 0
    for order, path in enumerate(_journals_of(folder, respondent)):
        for line, event in enumerate(_events(path)):
            who, qid = who_and_what(event)
            if who != respondent:
                continue
            place = (int(event["seq"]), order, line)
            top = max(top, place[0])
            if qid not in latest or place >= latest[qid][0]:
                latest[qid] = (place, event)
    states = {
        qid: QuestionState(event.get("answer"), event.get("comment"))
        for qid, (_, event) in latest.items()
    }
    return states, top


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SessionJournal:
    """The journal of one participant session: created on its first event, appended to after.

    Each event's ``seq`` is one above the highest the participant's journals hold when it is
    written (re-read from the folder each time), so a resumed session's answers win over the old
    ones, and with two sessions of one participant open at once (phone and laptop) the later
    change wins. A write that does not reach the disk whole is cut back off the file, so the next
    line never lands glued to half a line.
    """

    def __init__(
        self,
        folder: Path | str,
        respondent: str,
        *,
        role: str | None = None,
        unit: str | None = None,
        organisation: str | None = None,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.folder = Path(folder)
        self.respondent = respondent = respondent.strip()
        self.role = role
        self.unit = unit
        self.organisation = organisation
        self._clock = clock
        _, self.seq = restore(self.folder, respondent)
        stamp = clock().strftime("%Y%m%dT%H%M%S%fZ")
        self.path = self.folder / f"{safe_name(respondent)}--{stamp}-{secrets.token_hex(3)}{SUFFIX}"
        self._fd: int | None = None

    def _open(self) -> int:
        """Create the session's file (and the folder), syncing the folder so the name is durable."""
        created = not self.folder.exists()
        self.folder.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.path, flags, 0o600)
        for synced in (self.folder, self.folder.parent) if created else (self.folder,):
            directory = os.open(synced, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        return fd

    def write(self, question: str, answer: Answer, comment: str | None) -> dict[str, Any]:
        """Append the question's state as one line and make it durable; the event written."""
        if self._fd is None:
            self._fd = self._open()
        self.seq = max(self.seq, restore(self.folder, self.respondent)[1]) + 1
        event = {
            "v": 1,
            "seq": self.seq,
            "ts": self._clock().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "organisation": self.organisation,
            "respondent": self.respondent,
            "role": self.role,
            "unit": self.unit,
            "question": question,
            "answer": answer,
            "comment": comment or None,
        }
        line = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        size = os.fstat(self._fd).st_size
        try:
            written = os.write(self._fd, line)
            if written != len(line):
                raise OSError(errno.ENOSPC, f"only {written} of {len(line)} bytes were written")
            os.fsync(self._fd)
        except OSError:
            os.ftruncate(self._fd, size)  # no half line left for the next one to join
            self.seq -= 1
            raise
        return event

    def close(self) -> None:
        """Close the file (every line is already on disk)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
