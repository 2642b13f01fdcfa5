"""The roadmap settings (``assessment/roadmap.yaml``): defaults, phases, quick-win thresholds, and the window a plan may start in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from pmo2vmo.errors import InstrumentError, PlanningError
from pmo2vmo.model.base import StrictModel, parse_model
from pmo2vmo.resources import assessment_dir
from pmo2vmo.util.memo import digest, memoised
from pmo2vmo.util.yamlio import read_yaml

# A plan starts between these days: a typo such as 9999 or 0202 is refused, not overflowed.
EARLIEST_START = dt.date(2000, 1, 1)


LATEST_START = dt.date(2099, 12, 31)


class Phase(StrictModel):
    id: str
    name: str
    start_month: Annotated[int, Field(ge=0)]
    end_month: Annotated[int, Field(gt=0)]
    purpose: str = ""


class QuickWin(StrictModel):
    """Thresholds that make an initiative without prerequisites a quick win."""

    max_duration_months: Annotated[int, Field(ge=1)] = 2
    max_effort_person_months: Annotated[float, Field(gt=0)] = 2.0


class Lift(StrictModel):
    """How fast a dimension can rise: at most ``max_rise_per_6_months`` levels per six months,
    from ``adoption_lag_months`` after the initiative that lifts it has ended."""

    max_rise_per_6_months: Annotated[float, Field(gt=0, le=5)] = 0.5
    adoption_lag_months: Annotated[int, Field(ge=0, le=24)] = 2


class Checkpoint(StrictModel):
    """A re-assessment pulse: at ``month``, verify the exit criteria and decide go or no-go."""

    month: Annotated[int, Field(ge=1, le=120)]
    name: Annotated[str, Field(min_length=2)]
    question: Annotated[str, Field(min_length=2)]
    owner_role: Annotated[str, Field(min_length=2)]


class Precedence(StrictModel):
    """An order the plan keeps (seed 002): once ``first`` is planned, the initiatives in ``then``
    — and every initiative whose largest lift is on a dimension of ``then_pillars`` — start
    after it ends; ``archetypes`` limits the rule to some paths (empty: every path)."""

    first: str
    then: list[str] = []
    then_pillars: list[str] = []
    then_all: bool = False  # every other initiative of the path
    archetypes: list[str] = []
    reason: Annotated[str, Field(min_length=2)]


class Defaults(StrictModel):
    capacity_people: Annotated[float, Field(gt=0)] = 3.0
    horizon_months: Annotated[int, Field(ge=1, le=120)] = 18
    start_date: dt.date = dt.date(2027, 1, 4)


class RoadmapSettings(StrictModel):
    """``assessment/roadmap.yaml``: defaults, phases and quick-win thresholds."""

    type: Literal["roadmap_settings"]
    version: str
    defaults: Defaults = Defaults()
    phases: Annotated[list[Phase], Field(min_length=1)]
    quick_win: QuickWin = QuickWin()
    min_gap: Annotated[float, Field(ge=0, le=1)] = 0.1
    # Working days in a person-month, to price the plan with a profile's day rate.
    days_per_person_month: Annotated[float, Field(gt=0, le=31)] = 20
    lift: Lift = Lift()
    checkpoints: list[Checkpoint] = []
    precedence: list[Precedence] = []


def load_settings(path: Path | None = None) -> RoadmapSettings:
    """Load the roadmap settings (default: the bundled ``roadmap.yaml``)."""
    path = Path(path) if path is not None else assessment_dir() / "roadmap.yaml"
    return memoised(("settings", digest([path])), lambda: _load_settings(path))


def _load_settings(path: Path) -> RoadmapSettings:
    settings = parse_model(RoadmapSettings, path, read_yaml(path))
    months = [(p.start_month, p.end_month) for p in settings.phases]
    ends = [0] + [end for _, end in months[:-1]]
    if any(start != prev for (start, _), prev in zip(months, ends, strict=True)):
        raise InstrumentError(
            [
                f"{path}: phases: windows must follow each other from month 0 without gaps (got {months})"
            ]
        )
    return settings


def check_start(start_date: dt.date) -> None:
    """Refuse (:class:`PlanningError`) a start day outside 2000–2099."""
    if not EARLIEST_START <= start_date <= LATEST_START:
        raise PlanningError(
            f"the start date {start_date.isoformat()} is out of range; give a date between "
            f"{EARLIEST_START.isoformat()} and {LATEST_START.isoformat()}"
        )
