"""Feedback on a participant's answer: passed, not answered yet, or what is wrong and a hint.

Every check returns a :class:`Feedback`; a notebook shows it as escaped HTML (green, amber or red)
and as plain text. A check never says only "wrong": it says what was expected or where the
answer goes astray, and how to find the right one. Numbers are compared within a stated
tolerance.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    PASSED = "passed"
    NOT_ANSWERED = "not answered yet"
    TRY_AGAIN = "try again"


_COLOURS = {Status.PASSED: "#1b5e20", Status.NOT_ANSWERED: "#8a6d00", Status.TRY_AGAIN: "#b00020"}
_MARKS = {Status.PASSED: "✓", Status.NOT_ANSWERED: "…", Status.TRY_AGAIN: "✗"}


@dataclass(frozen=True)
class Feedback:
    """A check's verdict on one exercise."""

    exercise: str
    status: Status
    message: str
    hint: str = ""

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    def __str__(self) -> str:
        text = f"{_MARKS[self.status]} {self.exercise}: {self.status.value}. {self.message}"
        return text + (f" Hint: {self.hint}" if self.hint else "")

    def _repr_html_(self) -> str:
        hint = f"<br><i>Hint:</i> {html.escape(self.hint)}" if self.hint else ""
        return (f'<div class="p2v-feedback" style="border-left:4px solid {_COLOURS[self.status]};'
                f'padding:0.3em 0.8em"><b>{_MARKS[self.status]} {html.escape(self.exercise)}: '
                f"{self.status.value}.</b> {html.escape(self.message)}{hint}</div>")  # fmt: skip

    def __repr__(self) -> str:
        return str(self)


def unanswered(answer: object) -> bool:
    """Whether the placeholder (``...``) is still there."""
    return answer is Ellipsis


def not_answered(exercise: str, what: str) -> Feedback:
    """The feedback for an answer still left as ``...``."""
    return Feedback(exercise, Status.NOT_ANSWERED,
                    f"Replace the ... in `answer = ...` with {what}, then run the cell again.")  # fmt: skip


def passed(exercise: str, message: str) -> Feedback:
    return Feedback(exercise, Status.PASSED, message)


def try_again(exercise: str, message: str, hint: str) -> Feedback:
    return Feedback(exercise, Status.TRY_AGAIN, message, hint)


def as_number(answer: object) -> float | None:
    """A participant's number (an int, a float, a numpy or Decimal number, or text like "12.5%"
    or "80,015"), or None."""
    if isinstance(answer, bool) or answer is None:
        return None
    if isinstance(answer, str):
        text = answer.strip().replace(",", "").replace("€", "").replace("$", "").replace("£", "")
        scale = 0.01 if text.endswith("%") else 1.0
        try:
            value = float(text.rstrip("%")) * scale
        except (ValueError, OverflowError):
            return None
        return value if math.isfinite(value) else None
    try:
        value = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def check_number(
    exercise: str,
    answer: object,
    expected: float,
    *,
    tolerance: float,
    what: str,
    hint: str,
    unit: str = "",
    mistakes: dict[str, float] | None = None,
    digits: int = 2,
) -> Feedback:
    """Compare a number within ``tolerance`` (absolute); ``mistakes`` maps a known wrong method
    to the value it gives, so the feedback can name the mistake made."""
    if unanswered(answer):
        return not_answered(exercise, what)
    value = as_number(answer)
    if value is None:
        return try_again(exercise, f"{answer!r} is not a number.", f"give {what} as a number")
    shown = (
        f"{value:,.{digits}f}{unit}" if tolerance >= 10**-digits else f"{value:.12g}{unit}"
    )  # never rounded onto the right answer
    if abs(value - expected) <= tolerance:
        return passed(exercise, f"{shown} is right (within ±{tolerance:g}{unit}).")
    for mistake, wrong in (mistakes or {}).items():  # matched loosely: rounded as people do
        if abs(value - wrong) <= max(tolerance, 0.001 * abs(wrong)):
            return try_again(exercise, f"{shown} is what you get if you {mistake}.", hint)
    direction = "high" if value > expected else "low"
    return try_again(exercise, f"{shown} is too {direction}.", hint)
