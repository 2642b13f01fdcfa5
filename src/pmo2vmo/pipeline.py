"""The library calls behind the command line: each ``pmo2vmo`` command is one function here.

They take plain arguments (paths, options) so that notebooks, the batch runner and the CLI share
one code path, and so that CLI tests can patch them and check the exact keywords passed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmo2vmo.errors import InputProblem, InvalidInputError
from pmo2vmo.instrument import Instrument, load_instrument
from pmo2vmo.profile import Profile, load_profile
from pmo2vmo.resources import samples_dir
from pmo2vmo.responses import ResponseSet, inspect_file, load_responses
from pmo2vmo.scoring import ScoreReport, score
from pmo2vmo.template import write_template
from pmo2vmo.workbook import write_scores_workbook


def _setup(
    profile: Path | str | None, instrument_dir: Path | str | None
) -> tuple[Instrument, Profile | None]:
    instrument = load_instrument(Path(instrument_dir) if instrument_dir else None)
    loaded = load_profile(profile) if profile else None
    if loaded is not None:
        instrument.tailored(loaded)  # raises InstrumentError naming unknown ids
    return instrument, loaded


def describe_instrument(
    *, profile: Path | str | None = None, instrument_dir: Path | str | None = None
) -> Instrument:
    """The instrument, tailored by the profile when one is given."""
    instrument, loaded = _setup(profile, instrument_dir)
    return instrument.tailored(loaded) if loaded else instrument


def make_template(
    out: Path | str,
    *,
    profile: Path | str | None = None,
    instrument_dir: Path | str | None = None,
) -> Path:
    """Write the response workbook for respondents to fill in."""
    instrument, loaded = _setup(profile, instrument_dir)
    return write_template(out, instrument, loaded)


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
    instrument, loaded = _setup(profile, instrument_dir)
    checks = []
    for path in paths:
        responses, problems = inspect_file(path, instrument, loaded)
        checks.append(FileCheck(str(path), responses, problems))
    return checks


def load_previous(path: Path | str) -> dict[str, Any]:
    """An earlier ``score --json`` output, checked enough to compute deltas from it."""
    path = Path(path)
    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InvalidInputError([InputProblem(name, "file not found")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(
            [InputProblem(name, f"not JSON: {exc}", "pass the output of `pmo2vmo score --json`")]
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("organisations"), list):
        raise InvalidInputError(
            [InputProblem(name, "not a `pmo2vmo score --json` output (no organisations list)")]
        )
    return data


def score_files(
    paths: Sequence[Path | str],
    *,
    profile: Path | str | None = None,
    previous: Path | str | None = None,
    instrument_dir: Path | str | None = None,
) -> ScoreReport:
    """Read, validate and score the files; raises :class:`InvalidInputError` on bad input."""
    instrument, loaded = _setup(profile, instrument_dir)
    prior = load_previous(previous) if previous else None
    responses = load_responses(paths, instrument, loaded)
    return score(responses, instrument, loaded, prior)


@dataclass
class DemoResult:
    """What the demo produced."""

    reports: list[ScoreReport]
    workbook: Path


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
    """Score the bundled sample organisations and write a scores workbook into ``out``."""
    out = Path(out)
    reports = [score_files([data], profile=profile) for data, profile in sample_files()]
    workbook = write_scores_workbook(reports, out / "sample-scores.xlsx")
    return DemoResult(reports=reports, workbook=workbook)
