"""Every exception of pmo2vmo, the problem records that bad input produces, and exit codes.

One root exception, :class:`Pmo2vmoError`. Input that cannot be used raises
:class:`InvalidInputError`, which carries *every* problem found in one pass (lazy validation), each
an :class:`InputProblem` that keeps file, sheet, row, column and question id as attributes.
:data:`EXIT_CODES` maps each error class to the command line's exit code (:func:`exit_code`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with (or worth flagging in) an input file.

    ``row`` is the 1-based row number as a spreadsheet or text editor shows it; ``column`` is the
    column's header or letter as the user sees it.
    """

    file: str
    message: str
    hint: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    question: str | None = None
    severity: Severity = "error"

    def location(self) -> str:
        """Where the problem is, most general first: file, sheet, row, column, question."""
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.question and (not self.column or self.question not in self.column):
            parts.append(f"question {self.question}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        """The problem as JSON-ready data."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "question": self.question,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class Pmo2vmoError(Exception):
    """Root of every error pmo2vmo raises on purpose."""


class InvalidInputError(Pmo2vmoError):
    """Input that cannot be used; ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: Iterable[InputProblem]) -> None:
        self.problems: list[InputProblem] = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the input"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class InstrumentError(Pmo2vmoError):
    """The instrument, a profile or another data file in ``assessment/`` is invalid.

    ``problems`` lists each as ``file: key: message`` text.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class ProblemLog:
    """Collects problems while a file is read, so that all are reported at once."""

    file: str
    sheet: str | None = None
    problems: list[InputProblem] = field(default_factory=list)

    def error(
        self,
        message: str,
        hint: str = "",
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        question: str | None = None,
    ) -> None:
        """Record an error at a location (the log's sheet unless ``sheet`` is given)."""
        self._add(
            InputProblem(self.file, message, hint, sheet or self.sheet, row, column, question)
        )

    def warning(
        self,
        message: str,
        hint: str = "",
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        question: str | None = None,
    ) -> None:
        """Record a data-quality warning at a location."""
        self._add(
            InputProblem(
                self.file, message, hint, sheet or self.sheet, row, column, question, "warning"
            )
        )

    def _add(self, problem: InputProblem) -> None:
        self.problems.append(problem)

    @property
    def errors(self) -> list[InputProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[InputProblem]:
        return [p for p in self.problems if p.severity == "warning"]


class NotReadable(Pmo2vmoError):
    """A named file that cannot be used; ``reason`` is a sentence without the path."""

    def __init__(self, reason: str, hint: str = "") -> None:
        self.reason = reason
        self.hint = hint
        super().__init__(reason + (f" — {hint}" if hint else ""))


class BatchInterrupted(Pmo2vmoError):
    """The batch was interrupted; what finished is in the manifest."""


class RunError(Pmo2vmoError):
    """The report notebook failed for an organisation."""


class ZygoteError(Pmo2vmoError):
    """The warm process could not fork a kernel."""


class PlanningError(Pmo2vmoError):
    """Settings under which no sensible plan exists (capacity or horizon too small)."""


class NotOneOrganisation(Pmo2vmoError):
    """A batch client's file that does not hold exactly one organisation (``organisations``)."""

    def __init__(self, organisations: Iterable[str]) -> None:
        self.organisations: list[str] = list(organisations)
        super().__init__(
            f"the file holds {len(self.organisations)} organisations "
            f"({', '.join(self.organisations)}); a batch takes one client per file — split it, "
            "or use `pmo2vmo run` on it"
        )


class WorkshopError(Pmo2vmoError):
    """A workshop or training session that cannot start as asked (a busy port, a journal folder
    in the wrong place or holding other files, a training folder already used)."""


# The command line's exit code for each error (the most specific class that matches wins):
# 2 — the input or the usage is wrong, nothing was done; 1 — work was tried and failed;
# 130 — interrupted (as a shell reports Ctrl-C).
EXIT_CODES: dict[type[BaseException], int] = {
    InvalidInputError: 2,
    InstrumentError: 2,
    PlanningError: 2,
    NotOneOrganisation: 2,
    WorkshopError: 2,
    NotReadable: 2,
    RunError: 1,
    ZygoteError: 1,
    BatchInterrupted: 130,
    Pmo2vmoError: 1,
}


def exit_code(error: BaseException) -> int:
    """The exit code for ``error``: that of its nearest class in :data:`EXIT_CODES`, else 1."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1
