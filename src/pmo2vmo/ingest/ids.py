"""Question ids found in the forms survey tools turn them into.

An id is written ``PB-GOV-01``. On the way back from a survey tool it may read:

- ``PB_GOV_01`` (Qualtrics turns ``-`` into ``_`` in data export tags), or ``pb-gov-01``;
- ``PBGOV01`` (LimeSurvey codes are letters and digits only), or ``pbgov01``;
- ``PBGOV[01]`` (a LimeSurvey subquestion: ``CODE[SUBCODE]`` whose parts together spell the id);
- any of these inside a longer header: ``[PB-GOV-01] The PMO's objectives…``,
  ``PBGOV01. The PMO's objectives…``, ``PB_GOV_01_TEXT``, ``PBGOV01[comment]``.

The hyphenated form is an id whether or not the instrument knows it, so a mistyped id is reported;
the others are ids only when they spell one the instrument knows (this version's or an earlier
version's), so headers such as ``Survey2024`` or ``utm_src_01`` are never taken for questions. A
compact id runs to the end of a word: LimeSurvey's timing column ``PBGOV01Time`` is no question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Three parts separated by "-" or "_": PB-GOV-01, PB_GOV_01, pb-gov_01.
SEPARATED = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2,4})[-_]([A-Za-z]{2,4})[-_](\d{2})(?![0-9])")
# LimeSurvey's CODE[SUBCODE] (codes are letters and digits only).
_BRACKETED = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9]{0,39})\[([A-Za-z0-9]{1,40})\]")
# Letters then two digits, no separators, a word of its own: PBGOV01.
_COMPACT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{4,8}\d{2})(?![A-Za-z0-9])")
_SEEN_MAX = 50_000  # distinct texts remembered per matcher (a file's cells are capped anyway)


def compact(question_id: str) -> str:
    """An id with only its letters and digits, upper-cased: ``PB-GOV-01`` → ``PBGOV01`` (the
    form a LimeSurvey question code takes)."""
    return re.sub(r"[^A-Za-z0-9]", "", question_id).upper()


@dataclass(frozen=True)
class Found:
    """An id found in a text: where it is (``start``, ``end``) and the id it spells."""

    start: int
    end: int
    token: str


class IdMatcher:
    """Finds question ids in header texts, in every form above, against the ids ``known``."""

    def __init__(self, known: Iterable[str]) -> None:
        """``known``: the ids, this version's first (the first to claim a compact form keeps it)."""
        self._keys: dict[str, str] = {}
        for question_id in known:
            self._keys.setdefault(compact(question_id), question_id.upper())
        self._ids = set(self._keys.values())
        # A file repeats its texts (a tidy file names its question on every row; a header is
        # looked at by several readers): each distinct text is searched once per file.
        self._seen: dict[str, tuple[Found, ...]] = {}

    def find(self, text: str) -> tuple[Found, ...]:
        """Every id in ``text``, in order of place; overlapping matches keep the first form
        tried (bracketed, separated, compact)."""
        known = self._seen.get(text)
        if known is None:
            known = self._find(text)
            if len(self._seen) < _SEEN_MAX:
                self._seen[text] = known
        return known

    def _find(self, text: str) -> tuple[Found, ...]:
        """:meth:`find`'s search itself, every time."""
        found: list[Found] = []

        def free(start: int, end: int) -> bool:
            return all(end <= f.start or start >= f.end for f in found)

        for match in _BRACKETED.finditer(text):
            token = self._keys.get(compact(match[1] + match[2]))
            if token is not None:
                found.append(Found(match.start(), match.end(), token))
        for match in SEPARATED.finditer(text):
            token = "-".join(match.groups()).upper()
            if "_" in match[0] and token not in self._ids:
                continue  # PB_GOV_01 only when it spells an id: utm_src_01 is no question
            if free(match.start(), match.end()):
                found.append(Found(match.start(), match.end(), token))
        for match in _COMPACT.finditer(text):
            token = self._keys.get(match[1].upper())
            if token is not None and free(match.start(), match.end()):
                found.append(Found(match.start(), match.end(), token))
        return tuple(sorted(found, key=lambda f: f.start))

    def tokens(self, text: str) -> list[str]:
        """The ids in ``text``, upper-cased in their canonical form (``PB-GOV-01``), in order."""
        return [f.token for f in self.find(text)]

    def names_id(self, text: str) -> bool:
        """Whether ``text`` holds an id."""
        return bool(self.find(text))

    def names_known_id(self, text: str) -> bool:
        """Whether ``text`` holds an id the instrument knows."""
        return any(f.token in self._ids for f in self.find(text))

    def without_ids(self, text: str) -> str:
        """``text`` with its ids taken out (what is left says whether it is a comment column)."""
        for found in reversed(self.find(text)):
            text = text[: found.start] + text[found.end :]
        return text
