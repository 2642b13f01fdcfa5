"""The library calls behind the command line: each ``pmo2vmo`` command is one function here.

They take plain arguments (paths, options) so that notebooks, the batch runner and the CLI share
one code path, and so that CLI tests can patch them and check the exact keywords passed. The top
of the package: it may import every layer below (see the README's layout).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pmo2vmo.analysis.plan import (
    OrganisationPlan,
    RoadmapReport,
    describe_instrument,
    instrument_and_profile,
    load_previous,
    previous_dimension_scores,
    roadmap_files,
    score_files,
)
from pmo2vmo.analysis.scoring import ScoreReport
from pmo2vmo.errors import InputProblem
from pmo2vmo.ingest.responses import ResponseSet, inspect_file
from pmo2vmo.model.branding import brand_for
from pmo2vmo.render.questionnaire import Prefill, build_questionnaire, write_questionnaire
from pmo2vmo.render.survey_files import survey_definition, write_survey
from pmo2vmo.render.template import write_template
from pmo2vmo.render.workbook import write_scores_workbook
from pmo2vmo.resources import samples_dir

if TYPE_CHECKING:
    from pmo2vmo.execute.run import Outcome

__all__ = [
    "DemoResult",
    "FileCheck",
    "OrganisationPlan",
    "RoadmapReport",
    "describe_instrument",
    "instrument_and_profile",
    "load_previous",
    "make_questionnaire",
    "make_survey",
    "make_template",
    "previous_dimension_scores",
    "roadmap_files",
    "run_demo",
    "sample_files",
    "score_files",
    "validate_files",
]


def make_template(
    out: Path | str,
    *,
    profile: Path | str | None = None,
    instrument_dir: Path | str | None = None,
    audience: str | None = None,
) -> Path:
    """Write the response workbook for respondents to fill in (only ``audience``'s questions
    when given)."""
    instrument, loaded = instrument_and_profile(profile, instrument_dir)
    return write_template(out, instrument, loaded, audience)


def make_questionnaire(
    out: Path | str,
    *,
    profile: Path | str | None = None,
    instrument_dir: Path | str | None = None,
    audience: str | None = None,
    respondent: str | None = None,
    role: str | None = None,
) -> Path:
    """Write the questionnaire one respondent fills in (only ``audience``'s questions when
    given; the respondent's id and role pre-filled when given), in the client's branding."""
    instrument, loaded = instrument_and_profile(profile, instrument_dir)
    brand = brand_for(loaded, (loaded.organisation_name if loaded else None) or "", profile)
    workbook = build_questionnaire(
        instrument, loaded, brand=brand, audience=audience, prefill=Prefill(respondent, role)
    )
    return write_questionnaire(out, workbook)


def make_survey(
    out: Path | str,
    fmt: str,
    *,
    profile: Path | str | None = None,
    instrument_dir: Path | str | None = None,
    audience: str | None = None,
) -> Path:
    """Write a survey definition a survey tool imports (``fmt``: ``qualtrics-txt`` or
    ``limesurvey-tsv``), only ``audience``'s questions when given."""
    instrument, loaded = instrument_and_profile(profile, instrument_dir)
    return write_survey(out, survey_definition(fmt, instrument, loaded, audience))


@dataclass
class FileCheck:
    """What ``validate`` found in one file."""

    path: str
    responses: ResponseSet | None
    problems: list[InputProblem]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def validate_files(
    paths: Sequence[Path | str],
    *,
    profile: Path | str | None = None,
    instrument_dir: Path | str | None = None,
) -> list[FileCheck]:
    """Check each file independently and report every problem and warning in it."""
    instrument, loaded = instrument_and_profile(profile, instrument_dir)
    checks = []
    for path in paths:
        responses, problems = inspect_file(path, instrument, loaded)
        checks.append(FileCheck(str(path), responses, problems))
    return checks


@dataclass
class DemoResult:
    """What the demo produced."""

    reports: list[ScoreReport]
    workbook: Path
    outcomes: list[Outcome] = field(default_factory=list)  # one per organisation


def sample_files() -> list[tuple[Path, Path]]:
    """The bundled sample organisations: (responses file, client profile) pairs."""
    folder = samples_dir()
    pairs = []
    for profile in sorted(folder.glob("*.yaml")):
        data = [p for p in folder.glob(f"{profile.stem}.*") if p.suffix in {".csv", ".xlsx"}]
        if data:
            pairs.append((data[0], profile))
    return pairs


def run_demo(out: Path | str = "pmo2vmo-demo") -> DemoResult:
    """Score the bundled sample organisations, write their scores workbook, and the full client
    report (HTML, notebook, workbook, deck) of Harbor Mutual into ``out``."""
    from pmo2vmo.execute.run import run_report  # lazy: papermill and jupyter are slow to load

    out = Path(out)
    reports = [score_files([data], profile=profile) for data, profile in sample_files()]
    workbook = write_scores_workbook(reports, out / "sample-scores.xlsx")
    folder = samples_dir()
    outcomes = run_report(folder / "harbor-mutual.csv", out, profile=folder / "harbor-mutual.yaml")
    return DemoResult(reports=reports, workbook=workbook, outcomes=list(outcomes))
