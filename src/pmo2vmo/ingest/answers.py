"""Reading one answer: a level (1–5), N/A, Don't know, or blank.

Accepted, tolerant of case, spacing and curly apostrophes: ``3``, ``3.0`` (a number from Excel),
a level name (``Defined``, or a name the client profile gave the level), labels such as
``3 - Defined``, ``3. Defined``, ``Level 3`` or ``3 (Defined)``, a survey's choice text with the
level's descriptor (``3 – Defined: An approved charter…``, as ``pmo2vmo survey`` writes the
choices), ``N/A`` (not applicable) and ``Don't know``. N/A and Don't know are different findings
and neither is ever scored as 0.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.vocabulary import DONT_KNOW, NOT_APPLICABLE, normalise


class Kind(StrEnum):
    """What an answer is."""

    SCORE = "score"
    NOT_APPLICABLE = "na"
    DONT_KNOW = "dk"
    BLANK = "blank"


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
# A survey choice's text: level, name, colon, descriptor ("3 - Defined: An approved charter…").
_CHOICE = re.compile(r"^(?P<num>\d)\s*-\s*(?P<rest>.+)$")
_LABEL = re.compile(
    r"^(?:level\s*|l)?(?P<num>\d+(?:\.0+)?)\s*(?:[-:.)=]\s*|\(\s*|\s+)?(?P<name>[^\d()]*?)\s*\)?$"
)


@dataclass(frozen=True)
class Answer:
    """A parsed answer. ``value`` is set only for :attr:`Kind.SCORE`."""

    kind: Kind
    value: int | None = None


class AnswerError(ValueError):
    """An answer that cannot be read; the message says what was found and what is accepted."""


class AnswerParser:
    """Parses answers against an instrument's levels (and any names a profile gave them)."""

    def __init__(self, instrument: Instrument, extra_names: Iterable[tuple[int, str]] = ()) -> None:
        names: dict[str, int] = {}
        for level in instrument.levels:
            names[normalise(level.name)] = level.value
        for value, name in extra_names:
            names.setdefault(normalise(name), value)
        self._names = names
        self._level_list = ", ".join(level.name for level in instrument.levels)
        self._cache: dict[str, Answer] = {}

    @property
    def accepted(self) -> str:
        """What an answer may be, for messages."""
        return f"use 1–5, a level name ({self._level_list}), N/A or Don't know"

    def parse(self, raw: object) -> Answer:
        """Read one cell. Raises :class:`AnswerError` when it is not an answer."""
        if raw is None:
            return Answer(Kind.BLANK)
        if isinstance(raw, bool):
            raise AnswerError(f"{raw!r} is not an answer; {self.accepted}")
        if isinstance(raw, int | float):
            return self._number(float(raw), repr(raw))
        text = str(raw)
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        answer = self._parse_text(text)
        if len(self._cache) < 10_000:
            self._cache[text] = answer
        return answer

    def _number(self, number: float, shown: str) -> Answer:
        if number != number or number in (float("inf"), float("-inf")):
            raise AnswerError(f"{shown} is not an answer; {self.accepted}")
        if not number.is_integer():
            raise AnswerError(f"{shown} is not a whole level; answers are whole levels 1–5")
        value = int(number)
        if not 1 <= value <= 5:
            raise AnswerError(f"{shown} is out of range; {self.accepted}")
        return Answer(Kind.SCORE, value)

    def _parse_text(self, text: str) -> Answer:
        norm = normalise(text)
        if not norm:
            return Answer(Kind.BLANK)
        if norm in NOT_APPLICABLE:
            return Answer(Kind.NOT_APPLICABLE)
        if norm in DONT_KNOW:
            return Answer(Kind.DONT_KNOW)
        if norm in self._names:
            return Answer(Kind.SCORE, self._names[norm])
        shown = repr(text.strip()) if len(text) <= 60 else repr(text.strip()[:57] + "...")
        if _NUMBER.match(norm):  # a number written as text, as in CSV: "3.5" is not a whole level
            return self._number(float(norm), shown)
        choice = self._choice(norm)
        if choice is not None:
            return choice
        match = _LABEL.match(norm)
        if match:
            answer = self._number(float(match["num"]), shown)
            name = match["name"].strip(" .-:")
            if name and self._names.get(name) != answer.value:
                if name in self._names:
                    raise AnswerError(
                        f"{shown} mixes level {answer.value} with the name of level "
                        f"{self._names[name]}; {self.accepted}"
                    )
                raise AnswerError(f"{shown} is not an answer; {self.accepted}")
            return answer
        raise AnswerError(f"{shown} is not an answer; {self.accepted}")

    def _choice(self, norm: str) -> Answer | None:
        """A survey choice's text — level, one of that level's names, a colon and its descriptor
        (``3 - Defined: An approved charter…``; a name may itself hold a colon) — else None."""
        match = _CHOICE.match(norm)
        if match is None or ":" not in match["rest"]:
            return None
        value, rest = int(match["num"]), html.unescape(match["rest"])
        for name, level in self._names.items():
            if level == value and rest.startswith(name + ":") and rest[len(name) + 1 :].strip():
                return Answer(Kind.SCORE, value)
        return None
