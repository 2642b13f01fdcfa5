"""What every command shares: the common options, printing client text safely, and turning
pmo2vmo's errors into a message and an exit code without a traceback."""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from pmo2vmo.errors import (
    BatchInterrupted,
    InputProblem,
    InstrumentError,
    InvalidInputError,
    Pmo2vmoError,
    exit_code,
)
from pmo2vmo.util.text import printable

F = TypeVar("F", bound=Callable[..., Any])
MAX_SHOWN = 200

profile_option = click.option(
    "--profile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Client profile (YAML): targets, weights, excluded dimensions, min_group_size…",
)
moderation_option = click.option(
    "--moderation",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An assessor's moderation (YAML, or the Moderation sheet of `pmo2vmo template`): an "
    "evidence-based level per dimension, shown beside the self-assessed score; it drives gaps, "
    "decision and roadmap unless the profile says `drive: self_assessed`.",
)


def audience_option(default: str = "every question") -> Callable[[F], F]:
    """``--audience``: only the questions routed to one audience (``default`` says what is
    written without it)."""
    return click.option(
        "--audience",
        metavar="AUDIENCE",
        help="Only the questions routed to this audience (executive, pmo, delivery, finance, "
        f"business); default: {default}.",
    )


instrument_option = click.option(
    "--instrument",
    "instrument_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of a tailored copy of the instrument (default: the bundled one).",
)


def echo(message: str, err: bool = False) -> None:
    """Print a line with every terminal control character removed: client text (names,
    comments, file names) is printed, and must never act on the terminal."""
    click.echo(printable(message), err=err)


def echo_problems(problems: Sequence[InputProblem]) -> None:
    for problem in problems[:MAX_SHOWN]:
        label = "error" if problem.severity == "error" else "warning"
        echo(f"{label}: {problem}", err=True)
    if len(problems) > MAX_SHOWN:
        echo(f"… and {len(problems) - MAX_SHOWN} more", err=True)


def handles_bad_input(func: F) -> F:
    """Turn pmo2vmo's errors into a message on stderr and the exit code
    :data:`pmo2vmo.errors.EXIT_CODES` gives them (bad input: 2), without a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InvalidInputError as exc:
            echo_problems(exc.problems)
            count = len(exc.problems)
            echo(f"{count} problem{'s' if count != 1 else ''}; nothing was done.", err=True)
            sys.exit(exit_code(exc))
        except InstrumentError as exc:
            for line in exc.problems[:MAX_SHOWN]:
                echo(f"error: {line}", err=True)
            sys.exit(exit_code(exc))
        except BatchInterrupted as exc:
            echo(str(exc), err=True)
            sys.exit(exit_code(exc))
        except Pmo2vmoError as exc:
            echo(f"error: {exc}", err=True)
            sys.exit(exit_code(exc))
        except OSError as exc:  # reads become input problems; this is an output that failed
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            hint = (
                "free some space and run again"
                if full
                else "choose a folder you can write to (--out)"
            )
            where = f" {exc.filename}" if exc.filename else ""
            echo(f"error: cannot write{where}: {exc.strerror or exc} — {hint}; files written "
                 "before are unchanged", err=True)  # fmt: skip
            sys.exit(1 if full else 2)

    return cast(F, wrapper)
