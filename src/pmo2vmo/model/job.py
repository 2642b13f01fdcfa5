"""The job protocol between the runner and the report notebook: what a run asks for, the deliverables' names and the formats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pmo2vmo.errors import InputProblem, InvalidInputError
from pmo2vmo.resources import samples_dir

if TYPE_CHECKING:
    pass


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


def load_job(path: str | Path) -> Job:
    """The job file the runner wrote."""
    import json

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
