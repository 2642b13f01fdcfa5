"""The job protocol between the runner and the report notebook: what a run asks for, the deliverables' names and the formats."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pmo2vmo.errors import (
    InputProblem,
    InstrumentError,
    InvalidInputError,
    NotOneOrganisation,
    PlanningError,
)
from pmo2vmo.resources import samples_dir
from pmo2vmo.util.atomic import write_text_atomic


@dataclass(frozen=True)
class Job:
    """What one run of the report notebook works on (written as JSON by :mod:`pmo2vmo.execute.run`)."""

    responses: str
    profile: str | None = None
    previous: str | None = None
    moderation: str | None = None
    organisation_index: int = 0
    output_dir: str | None = None
    formats: tuple[str, ...] = ()
    nonce: str = ""
    generated: str | None = None
    one_organisation: bool = False  # a batch's: a file of more (or no) organisations is refused


def load_job(path: str | Path) -> Job:
    """The job file the runner wrote."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    data["formats"] = tuple(data.get("formats", ()))
    return Job(**data)


def job_from_parameters(
    job: str | Path | None = None,
    *,
    responses: str | Path | None = None,
    profile: str | Path | None = None,
    previous: str | Path | None = None,
    moderation: str | Path | None = None,
    organisation_index: int = 0,
    output_dir: str | Path | None = None,
    formats: str = "",
    generated: str | None = None,
) -> Job:
    """The report notebook's parameters as a :class:`Job`: the runner's job file when given,
    else the parameters, with the bundled sample (Harbor Mutual) as the default input."""

    if job is not None:
        return load_job(job)
    if responses is None:
        responses = samples_dir() / "harbor-mutual.csv"
        profile = profile or samples_dir() / "harbor-mutual.yaml"
    return Job(
        responses=str(responses),
        profile=None if profile is None else str(profile),
        previous=None if previous is None else str(previous),
        moderation=None if moderation is None else str(moderation),
        organisation_index=organisation_index,
        output_dir=None if output_dir is None else str(output_dir),
        formats=tuple(f.strip() for f in formats.split(",") if f.strip()),
        generated=generated,
    )


FORMATS = ("html", "ipynb", "xlsx", "pptx", "pdf")  # every deliverable, in canonical order
DEFAULT_FORMATS = ("html", "ipynb", "xlsx", "pptx")  # what run and batch write unless told


REPORT_NOTEBOOK = "10-client-report.ipynb"


NAMES = {"html": "report.html", "ipynb": "report.ipynb", "xlsx": "scores.xlsx", "pptx": "deck.pptx",
         "pdf": "report.pdf"}  # fmt: skip


SCORES = "scores.json"  # the organisation's scores alone, written by the notebook for the batch

REFUSED = "refused.json"  # why the notebook refused the job's input, for the runner to report

# The errors that mean the job's input (responses, profile, moderation, settings) is at fault,
# not the notebook: the runner reports them as such rather than as a failing cell.
REFUSALS = (InvalidInputError, InstrumentError, PlanningError, NotOneOrganisation)


def refusal(error: BaseException) -> str:
    """One line on why an input was refused (one of :data:`REFUSALS`): every problem of an
    invalid input up to twenty, then how many more."""
    if isinstance(error, InvalidInputError):
        shown = "; ".join(str(p) for p in error.problems[:20])
        more = len(error.problems) - 20
        return f"invalid input: {shown}" + (f"; … and {more} more" if more > 0 else "")
    if isinstance(error, (InstrumentError, PlanningError)):
        return f"invalid profile or settings: {error}"
    return str(error)


def record_refusal(job: Job, error: BaseException) -> None:
    """Write why ``job``'s input was refused into its output folder, with its nonce (a stale
    file of an earlier run is never taken for this one's); nothing without an output folder."""
    if job.output_dir is not None and job.nonce:
        text = json.dumps({"nonce": job.nonce, "error": refusal(error)}, ensure_ascii=False)
        write_text_atomic(Path(job.output_dir) / REFUSED, text)


def read_refusal(folder: Path, nonce: str) -> str | None:
    """The refusal the notebook recorded in ``folder`` for the run with ``nonce``, or None."""
    try:
        data = json.loads((folder / REFUSED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("nonce") != nonce:
        return None
    error = data.get("error")
    return error if isinstance(error, str) else None


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"html,xlsx"`` → ``("html", "xlsx")``, in canonical order; unknown formats are an error."""
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = {f.strip().lower() for f in items if f.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise InvalidInputError([InputProblem(
            "--formats", f"unknown format(s) {', '.join(unknown)}" if unknown else "no format",
            f"choose from {', '.join(FORMATS)}",
        )])  # fmt: skip
    return tuple(f for f in FORMATS if f in wanted)
