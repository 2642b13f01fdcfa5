"""A tailored, explained, scheduled roadmap from the gaps (PRODUCT §7).

1. **Targets**: the profile, else the chosen archetype, else the instrument (see
   :func:`pmo2vmo.analysis.transition.targets_for`); only positive gaps (target − score) drive the plan.
2. **Gates** first: a fired gate's initiatives head the plan, whatever the archetype.
3. **Greedy selection** among the initiatives suited to the archetype: an initiative's value is
   what it still closes — Σ over its dimensions of weight × min(remaining gap, its lift) — divided
   by its effort; the best is taken (ties by id), its prerequisites come with it ("prerequisite of
   …"), the remaining gaps shrink, and so on until the gaps are closed or nothing more fits the
   horizon. A weak organisation gets a plan, not the catalogue.
4. **Scheduling** in selection order (prerequisites precede their dependants): each initiative
   starts at the first month after its prerequisites end where its load (effort ÷ duration people
   a month) fits under the capacity in every month it runs. Phases are month windows (data);
   quick wins are marked by thresholds (data).
5. **Exit criteria** per phase: the level each dimension should reach once what finished by the
   end of the phase has lifted it — the checkpoint for a re-assessment.

Everything is deterministic: same scores and settings, same roadmap.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from pmo2vmo.analysis.scoring import OrganisationScores
from pmo2vmo.analysis.transition import Decision
from pmo2vmo.errors import PlanningError
from pmo2vmo.model.catalogue import Catalogue, Initiative
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.settings import RoadmapSettings, check_start
from pmo2vmo.util.text import compact, plural

EPSILON = 1e-9
Why = Literal["gate", "gap", "prerequisite"]


def add_months(start: dt.date, months: int) -> dt.date:
    """``start`` moved by whole calendar months (day clipped to the month's length)."""
    month = start.month - 1 + months
    year = start.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass
class PlanItem:
    """One scheduled initiative and why it is there."""

    initiative: Initiative
    reason: str
    kind: Why
    start_month: int = 0
    phase: str = ""
    start: dt.date = dt.date.min
    end: dt.date = dt.date.min
    quick_win: bool = False
    closes: dict[str, float] = field(default_factory=dict)

    @property
    def end_month(self) -> int:
        return self.start_month + self.initiative.duration

    def to_json(self) -> dict[str, Any]:
        ini = self.initiative
        return {
            "id": ini.id,
            "title": ini.title,
            "phase": self.phase,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "start_month": self.start_month,
            "duration": ini.duration,
            "effort": ini.effort,
            "load": round(ini.load, 3),
            "prerequisites": list(ini.prerequisites),
            "dimensions": list(ini.lifts),
            "closes": self.closes,
            "reason": self.reason,
            "why": self.kind,
            "quick_win": self.quick_win,
            "owner_role": ini.owner_role,
            "deliverables": list(ini.deliverables),
            "kpis": [k.model_dump() for k in ini.kpis],
            "source": ini.source,
        }


@dataclass
class Roadmap:
    """The plan for one organisation."""

    organisation: str
    archetype: str | None  # None: no path recommended (insufficient evidence), no items
    items: list[PlanItem]
    start_date: dt.date
    capacity_people: float
    horizon_months: int
    phases: list[dict[str, Any]]
    exit_criteria: list[dict[str, Any]]
    residual_gaps: list[dict[str, Any]]
    deferred: list[dict[str, Any]]
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "start_date": self.start_date.isoformat(),
            "capacity_people": self.capacity_people,
            "horizon_months": self.horizon_months,
            "phases": self.phases,
            "items": [i.to_json() for i in self.items],
            "exit_criteria": self.exit_criteria,
            "residual_gaps": self.residual_gaps,
            "deferred": self.deferred,
            "message": self.message,
        }

    def monthly_load(self) -> list[float]:
        """People needed in each month of the plan."""
        months = max((i.end_month for i in self.items), default=0)
        load = [0.0] * months
        for item in self.items:
            for m in range(item.start_month, item.end_month):
                load[m] += item.initiative.load
        return load


class _Scheduler:
    """Places initiatives month by month under a capacity limit."""

    def __init__(self, capacity: float, horizon: int) -> None:
        self.capacity = capacity
        self.horizon = horizon
        self.load = [0.0] * horizon
        self.ends: dict[str, int] = {}

    def place(self, ini: Initiative) -> int | None:
        """The first feasible start month, or None when it cannot end within the horizon."""
        earliest = max((self.ends[p] for p in ini.prerequisites), default=0)
        for start in range(earliest, self.horizon - ini.duration + 1):
            window = self.load[start : start + ini.duration]
            if all(used + ini.load <= self.capacity + EPSILON for used in window):
                return start
        return None

    def commit(self, ini: Initiative, start: int) -> None:
        for m in range(start, start + ini.duration):
            self.load[m] += ini.load
        self.ends[ini.id] = start + ini.duration

    def copy(self) -> _Scheduler:
        other = _Scheduler(self.capacity, self.horizon)
        other.load = list(self.load)
        other.ends = dict(self.ends)
        return other


def _closure(ini: Initiative, catalogue: Catalogue, chosen: set[str]) -> list[Initiative]:
    """``ini`` preceded by its not-yet-chosen prerequisites, deepest first (a topological order)."""
    order: list[Initiative] = []
    seen: set[str] = set()

    def visit(item: Initiative) -> None:
        for pre in sorted(item.prerequisites):
            if pre not in chosen and pre not in seen:
                seen.add(pre)
                visit(catalogue.by_id[pre])
                order.append(catalogue.by_id[pre])

    visit(ini)
    return [*order, ini]


def plan(
    org: OrganisationScores,
    decision: Decision,
    catalogue: Catalogue,
    instrument: Instrument,
    settings: RoadmapSettings,
    *,
    capacity_people: float,
    horizon_months: int,
    start_date: dt.date,
) -> Roadmap:
    """Select, schedule and explain the initiatives that close this organisation's gaps."""
    if capacity_people <= 0:
        raise PlanningError(
            f"capacity must be more than 0 people per month (got {capacity_people})"
        )
    if horizon_months < 1:
        raise PlanningError(f"the horizon must be at least 1 month (got {horizon_months})")
    check_start(start_date)
    if decision.archetype is None:  # too little evidence: no path, so no plan
        return Roadmap(
            organisation=org.organisation,
            archetype=None,
            items=[],
            start_date=start_date,
            capacity_people=capacity_people,
            horizon_months=horizon_months,
            phases=[],
            exit_criteria=[],
            residual_gaps=[],
            deferred=[],
            message="no roadmap: too little evidence to recommend a path ("
            + "; ".join(decision.missing)
            + ")",
        )
    people = plural(capacity_people, "person", "people")  # "2 people", for the messages
    dims = {d["id"]: d for d in org.dimensions}
    emphasis = decision.archetype.emphasis
    weights = {
        d.id: d.weight * p.weight * emphasis.get(p.id, 1.0)
        for p in instrument.pillars
        for d in p.dimensions
        if d.id in dims
    }
    names = {d.id: d.name for d in instrument.dimensions}
    current = {k: d["score"] for k, d in dims.items()}
    remaining = {}
    for k, s in current.items():
        gap = decision.targets[k][0] - s if s is not None else 0.0
        remaining[k] = gap if gap >= settings.min_gap else 0.0
    initial_gap = dict(remaining)
    eligible = [i for i in catalogue.initiatives if decision.archetype.id in i.archetypes]
    scheduler = _Scheduler(capacity_people, horizon_months)
    items: list[PlanItem] = []
    chosen: set[str] = set()

    def closes(ini: Initiative, gaps: dict[str, float]) -> dict[str, float]:
        return {
            d: min(gaps[d], lift) for d, lift in ini.lifts.items() if gaps.get(d, 0.0) > EPSILON
        }

    def group_value(group: list[Initiative]) -> tuple[float, float]:
        """What a group closes, in weighted levels, taking its members in order; and what its
        last member (the initiative its prerequisites come with) still closes after them."""
        gaps = dict(remaining)
        total = own = 0.0
        for ini in group:
            own = 0.0
            for d, amount in closes(ini, gaps).items():
                own += weights[d] * amount
                gaps[d] -= amount
            total += own
        return total, own

    def describe(ini: Initiative, closed: dict[str, float]) -> str:
        parts = []
        for d in sorted(closed, key=lambda d: (-weights[d] * closed[d], d)):
            still = (
                f" ({compact(remaining[d])} still open)"
                if remaining[d] < initial_gap[d] - EPSILON
                else ""
            )
            parts.append(
                f"{names[d]} ({d}): score {compact(current[d] or 0)}, target "
                f"{compact(decision.targets[d][0])}, gap {compact(initial_gap[d])}{still}, "
                f"lifts it by up to {compact(ini.lifts[d])}"
            )
        return "; ".join(parts)

    def add(group: list[Initiative], kinds: list[tuple[Why, str]]) -> bool:
        """Schedule a group (prerequisites, then the initiative) or leave the plan unchanged."""
        trial = scheduler.copy()
        starts = []
        for ini in group:
            start = trial.place(ini)
            if start is None:
                return False
            trial.commit(ini, start)
            starts.append(start)
        for ini, start, (kind, reason) in zip(group, starts, kinds, strict=True):
            closed = closes(ini, remaining)
            text = describe(ini, closed)
            if kind == "gap":
                reason = f"closes {text}"
            elif text:
                reason = f"{reason}; also closes {text}"
            for d, amount in closed.items():
                remaining[d] = max(0.0, remaining[d] - amount)
            scheduler.commit(ini, start)
            chosen.add(ini.id)
            rounded = {d: round(v, 4) for d, v in closed.items()}
            items.append(PlanItem(ini, reason, kind, start_month=start, closes=rounded))
        return True

    has_gap = any(v > EPSILON for v in initial_gap.values())
    fired = any(g.fired for g in decision.gates)
    smallest = min((i.load for i in eligible), default=0.0)
    if (has_gap or fired) and smallest > capacity_people + EPSILON:
        raise PlanningError(
            f"a capacity of {people} a month is less than any "
            f"initiative needs (the lightest needs {plural(smallest, 'person', 'people')}); raise "
            "capacity_people"
        )

    # Gates first, whatever the archetype.
    for gate in decision.gates:
        if not gate.fired:
            continue
        for ini_id in gate.first:
            if ini_id in chosen:
                continue
            group = _closure(catalogue.by_id[ini_id], catalogue, chosen)
            kinds: list[tuple[Why, str]] = [
                ("prerequisite", f"prerequisite of {ini_id}") for _ in group[:-1]
            ]
            kinds.append(("gate", f"gate {gate.id} fired: {gate.reason}"))
            if not add(group, kinds):
                raise PlanningError(
                    f"{ini_id} (needed first: {gate.name.lower()}) needs "
                    f"{plural(catalogue.by_id[ini_id].load, 'person', 'people')} a month for "
                    f"{plural(catalogue.by_id[ini_id].duration, 'month')}, which does not fit a "
                    f"capacity of {people} within "
                    f"{plural(horizon_months, 'month')}"
                )

    # Greedy selection by what each initiative still closes per unit of effort. When it needs
    # prerequisites not yet chosen, they come along: value and effort are those of the group.
    rejected: list[str] = []  # did not fit, in the order they were tried
    while True:
        candidates = []
        for ini in eligible:
            if ini.id in chosen or ini.id in rejected or not closes(ini, remaining):
                continue
            group = _closure(ini, catalogue, chosen)
            worth, own = group_value(group)
            if own > EPSILON:  # not when its prerequisites already close all it would
                candidates.append((worth / sum(g.effort for g in group), ini.id, group))
        if not candidates:
            break
        _, best_id, group = min(candidates, key=lambda c: (-c[0], c[1]))  # ties by id
        kinds = [("prerequisite", f"prerequisite of {best_id}") for _ in group[:-1]]
        kinds.append(("gap", ""))
        if not add(group, kinds):
            rejected.append(best_id)

    # An initiative that did not fit stays listed only while a gap it would close is still open.
    deferred = [
        {"id": ini.id, "title": ini.title,
         "reason": f"would close {describe(ini, gap)} but does not fit {people} a month within "
                   f"{plural(horizon_months, 'month')}"}
        for ini in (catalogue.by_id[i] for i in rejected)
        if (gap := closes(ini, remaining))
    ]  # fmt: skip
    if has_gap and not items:
        raise PlanningError(
            f"no initiative that closes a gap fits within {plural(horizon_months, 'month')} at "
            f"{people} a month; lengthen the horizon or raise the capacity"
        )

    # Dates, phases, quick wins.
    qw = settings.quick_win
    for item in items:
        ini = item.initiative
        item.start = add_months(start_date, item.start_month)
        item.end = add_months(start_date, item.end_month) - dt.timedelta(days=1)
        item.phase = next(
            (p.name for p in settings.phases if p.start_month <= item.start_month < p.end_month),
            settings.phases[-1].name,
        )
        item.quick_win = (
            not ini.prerequisites
            and ini.duration <= qw.max_duration_months
            and ini.effort <= qw.max_effort_person_months
        )
    items.sort(key=lambda i: i.start_month)  # stable: selection order within a month

    phases = [
        {
            "id": p.id,
            "name": p.name,
            "purpose": p.purpose,
            "start": add_months(start_date, p.start_month).isoformat(),
            "end": (add_months(start_date, min(p.end_month, horizon_months))
                    - dt.timedelta(days=1)).isoformat(),
            "start_month": p.start_month,
            "end_month": min(p.end_month, horizon_months),
            "items": [i.initiative.id for i in items if i.phase == p.name],
        }
        for p in settings.phases
        if p.start_month < horizon_months
    ]  # fmt: skip
    exit_criteria = _exit_criteria(items, current, decision, phases, names)
    residual = [
        {"dimension": d, "name": names[d], "gap": round(initial_gap[d], 4),
         "remaining": round(v, 4)}
        for d, v in remaining.items()
        if v > 0.005
    ]  # fmt: skip
    if not has_gap and items:
        message = (
            "every dimension is at or above its target; only what a fired gate puts first is "
            f"planned: {', '.join(i.initiative.id for i in items)}"
        )
    elif not has_gap:
        message = "every dimension is at or above its target: no initiative is needed"
    elif residual:
        message = (
            f"{plural(len(items), 'initiative')}; {plural(len(residual), 'dimension gap')} "
            f"{'stays' if len(residual) == 1 else 'stay'} partly open within "
            f"{plural(horizon_months, 'month')} at {people} a month"
        )
    else:
        message = (
            f"{plural(len(items), 'initiative')} {'closes' if len(items) == 1 else 'close'} every "
            f"gap within {plural(horizon_months, 'month')}"
        )
    return Roadmap(
        organisation=org.organisation,
        archetype=decision.archetype.id,
        items=items,
        start_date=start_date,
        capacity_people=capacity_people,
        horizon_months=horizon_months,
        phases=phases,
        exit_criteria=exit_criteria,
        residual_gaps=residual,
        deferred=deferred,
        message=message,
    )


def _exit_criteria(
    items: list[PlanItem],
    current: dict[str, float | None],
    decision: Decision,
    phases: list[dict[str, Any]],
    names: dict[str, str],
) -> list[dict[str, Any]]:
    """Per dimension touched by the plan: the level expected at the end of each phase."""
    touched = sorted({d for i in items for d in i.closes}, key=list(current).index)
    rows = []
    for dim in touched:
        score = current[dim]
        if score is None:
            continue
        target = decision.targets[dim][0]
        by_phase = {}
        for phase in phases:
            lifted = sum(i.closes.get(dim, 0.0) for i in items if i.end_month <= phase["end_month"])
            by_phase[phase["id"]] = (
                round(min(target, score + lifted), 2) if lifted else round(score, 2)
            )
        rows.append({"dimension": dim, "name": names[dim], "current": round(score, 2),
                     "target": target, "by_phase": by_phase})  # fmt: skip
    return rows
