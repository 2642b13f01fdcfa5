"""What the plan can be expected to achieve, month by month (issue 15): realistic lift, the exit
criteria of each phase and the checkpoints that verify them.

**Realistic lift.** An initiative's lift does not arrive the day it ends. From
``adoption_lag_months`` after it ends, what it closes of a dimension's gap becomes *reachable*;
the expected level then rises towards the reachable level by at most ``max_rise_per_6_months``
levels per six months (``roadmap.yaml``'s ``lift``). Exit criteria are the expected levels at the
end of each phase; a target the expected level does not reach within the horizon is reported with
the month it is expected (or as not reached by this plan, when the planned initiatives cannot lift
it that far).

**Checkpoints** (``roadmap.yaml``'s ``checkpoints``): re-assessment pulses within the horizon, each
with the expected levels to verify and a go/no-go question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pmo2vmo.analysis.schedule import PlanItem, add_months
from pmo2vmo.model.results import ExitCriterion, PhaseWindow
from pmo2vmo.model.settings import Checkpoint, Lift

LATEST_MONTH = 240  # how far a target's month is looked for beyond the horizon
DONE = 0.005  # a target within this of the expected level counts as reached (2-decimal figures)


def trajectory(
    items: Sequence[PlanItem], start: float, target: float, dim: str, lift: Lift
) -> list[float]:
    """The expected level of ``dim`` at the start of every month 0…:data:`LATEST_MONTH`."""
    rate = lift.max_rise_per_6_months / 6
    arrivals = sorted((i.end_month + lift.adoption_lag_months, i.closes.get(dim, 0.0))
                      for i in items if i.closes.get(dim, 0.0) > 0)  # fmt: skip
    levels = [start]
    reachable, k = start, 0
    for month in range(1, LATEST_MONTH + 1):
        while k < len(arrivals) and arrivals[k][0] < month:  # it rises during its first month
            reachable = min(target, reachable + arrivals[k][1])
            k += 1
        levels.append(min(reachable, levels[-1] + rate))
    return levels


@dataclass(frozen=True)
class Progress:
    """The expected levels of every dimension the plan touches."""

    levels: dict[str, list[float]]  # dimension -> expected level per month
    current: dict[str, float]
    targets: dict[str, float]
    names: dict[str, str]

    @classmethod
    def of(
        cls,
        items: Sequence[PlanItem],
        current: Mapping[str, float | None],
        targets: Mapping[str, float],
        names: Mapping[str, str],
        lift: Lift,
    ) -> Progress:
        """The expected levels of the dimensions ``items`` close gaps of, in instrument order."""
        touched = [d for d in current if current[d] is not None
                   and any(i.closes.get(d, 0.0) > 0 for i in items)]  # fmt: skip
        levels = {
            d: trajectory(items, float(current[d] or 0), targets[d], d, lift) for d in touched
        }
        return cls(
            levels,
            {d: float(current[d] or 0) for d in touched},
            {d: targets[d] for d in touched},
            dict(names),
        )

    def at(self, month: int) -> dict[str, float]:
        """The expected level of each dimension at ``month`` (2 decimals)."""
        return {d: round(v[min(month, LATEST_MONTH)], 2) for d, v in self.levels.items()}

    def reached(self, dim: str) -> int | None:
        """The month the expected level reaches the target; None when this plan cannot."""
        target = self.targets[dim]
        return next((m for m, v in enumerate(self.levels[dim]) if v >= target - DONE), None)

    def exit_criteria(
        self, phases: Sequence[PhaseWindow], start_date: dt.date, horizon: int
    ) -> list[ExitCriterion]:
        """Per dimension: the level expected at the end of each phase, and when its target is
        reached (the month, and whether within the horizon)."""
        rows = []
        for dim in self.levels:
            month = self.reached(dim)
            rows.append(ExitCriterion(
                dim, self.names[dim], round(self.current[dim], 2), self.targets[dim],
                {p.id: self.at(p.end_month)[dim] for p in phases},
                reached_month=month,
                reached_by=None if month is None else add_months(start_date, month).isoformat(),
                within_horizon=month is not None and month <= horizon,
            ))  # fmt: skip
        return rows

    def phase_criteria(self, phases: Sequence[PhaseWindow]) -> list[dict[str, Any]]:
        """Per phase: its end and the level each touched dimension is expected to reach by then."""
        return [{"phase": p.id, "end": p.end, "levels": self.at(p.end_month)} for p in phases]


@dataclass(frozen=True)
class CheckpointItem:
    """A re-assessment pulse in the plan: when, who, what to verify and the go/no-go question."""

    id: str
    name: str
    month: int
    date: dt.date
    phase: str
    owner: str
    question: str
    verify: dict[str, float]  # dimension -> expected level by then

    def to_json(self) -> dict[str, Any]:
        """The checkpoint as an item of ``roadmap --json`` (kind ``checkpoint``)."""
        return {
            "id": self.id, "title": self.name, "phase": self.phase,
            "start": self.date.isoformat(), "end": self.date.isoformat(),
            "start_month": self.month, "duration": 0, "effort": 0, "load": 0,
            "prerequisites": [], "dimensions": list(self.verify), "closes": {},
            "reason": self.question, "why": "checkpoint", "quick_win": False,
            "owner_role": self.owner, "owner": self.owner, "kind": "checkpoint",
            "question": self.question, "verify": self.verify,
            "deliverables": ["Re-assessment of the dimensions to verify", "Go/no-go decision"],
            "kpis": [], "source": "002_7367db74e9a24540.txt - assess, then act step by step",
        }  # fmt: skip


def checkpoints(
    pulses: Sequence[Checkpoint],
    progress: Progress,
    phases: Sequence[PhaseWindow],
    start_date: dt.date,
    horizon: int,
) -> list[CheckpointItem]:
    """The checkpoints that fall within the horizon, each with the levels to verify: the
    dimensions expected to have moved by then."""
    out = []
    for pulse in pulses:
        if pulse.month > horizon:
            continue
        phase = next((p.name for p in phases if p.start_month <= pulse.month < p.end_month),
                     phases[-1].name if phases else "")  # fmt: skip
        out.append(CheckpointItem(
            f"checkpoint-month-{pulse.month}", pulse.name, pulse.month,
            add_months(start_date, pulse.month), phase, pulse.owner_role, pulse.question,
            {d: v for d, v in progress.at(pulse.month).items()
             if v > round(progress.current[d], 2) + DONE},
        ))  # fmt: skip
    return out
