"""A tailored, explained, scheduled roadmap from the gaps (PRODUCT §7).

1. **Targets**: the profile, else the chosen archetype, else the instrument (see
   :func:`pmo2vmo.analysis.transition.targets_for`); only positive gaps (target − score) drive the plan.
2. **Gates** first: a fired gate's initiatives head the plan, whatever the archetype — except a
   path with a fixed plan (hold and reset), whose steps, one after the other, are the whole plan
   (they settle sponsorship and re-validate the disputed findings the gates point at).
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

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pmo2vmo.analysis.design import Design, applies
from pmo2vmo.analysis.progress import CheckpointItem, Progress, checkpoints
from pmo2vmo.analysis.schedule import EPSILON, PlanItem, Scheduler, add_months, closure
from pmo2vmo.analysis.score_report import OrganisationScores
from pmo2vmo.analysis.selection import Gaps, Selection
from pmo2vmo.analysis.transition import Decision
from pmo2vmo.errors import PlanningError
from pmo2vmo.model.catalogue import Catalogue, Initiative
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.results import (
    Deferral,
    ExitCriterion,
    Investment,
    PhaseWindow,
    ResidualGap,
    Why,
    plain,
)
from pmo2vmo.model.settings import RoadmapSettings, check_start
from pmo2vmo.util.text import compact, plural

__all__ = ["EPSILON", "PlanItem", "Roadmap", "Why", "add_months", "plan"]

# The names benchmarks/bench_roadmap.py imports.
_Scheduler = Scheduler
_closure = closure


@dataclass
class Roadmap:
    """The plan for one organisation."""

    organisation: str
    archetype: str | None  # None: no path recommended (insufficient evidence), no items
    items: list[PlanItem]
    start_date: dt.date
    capacity_people: float
    horizon_months: int
    phases: list[PhaseWindow]
    exit_criteria: list[ExitCriterion]
    residual_gaps: list[ResidualGap]
    deferred: list[Deferral]
    message: str
    defining: list[str] = field(default_factory=list)  # the path's defining moves planned
    in_place: list[str] = field(default_factory=list)  # met by current maturity, not planned
    checkpoints: list[CheckpointItem] = field(default_factory=list)
    phase_criteria: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)  # the planning settings used
    titles: dict[str, str] = field(default_factory=dict)  # of the initiatives in place
    investment: Investment | None = None  # person-months by phase and their cost (plan.py)

    def to_json(self) -> dict[str, Any]:
        """The roadmap as ``roadmap --json`` shows it (beside the decision); ``items`` holds the
        initiatives and the checkpoints (kind ``checkpoint``), by start month."""
        items = [(i.start_month, 0, i.to_json()) for i in self.items]
        items += [(c.month, 1, c.to_json()) for c in self.checkpoints]
        return {
            "start_date": self.start_date.isoformat(),
            "capacity_people": self.capacity_people,
            "horizon_months": self.horizon_months,
            "settings": self.settings,
            "defining_initiatives": self.defining,
            "in_place": self.in_place,
            "phases": plain(self.phases),
            "items": [j for _, _, j in sorted(items, key=lambda t: (t[0], t[1]))],
            "phase_exit_criteria": self.phase_criteria,
            "exit_criteria": plain(self.exit_criteria),
            "residual_gaps": plain(self.residual_gaps),
            "deferred": plain(self.deferred),
            "message": self.message,
            "investment": plain(self.investment),
        }

    def monthly_load(self) -> list[float]:
        """People needed in each month of the plan."""
        months = max((i.end_month for i in self.items), default=0)
        load = [0.0] * months
        for item in self.items:
            for m in range(item.start_month, item.end_month):
                load[m] += item.initiative.load
        return load


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
    _check_arguments(capacity_people, horizon_months, start_date)
    if decision.archetype is None:  # too little evidence: no path, so no plan
        return _no_path(org, decision, start_date, capacity_people, horizon_months)
    people = plural(capacity_people, "person", "people")  # "2 people", for the messages
    archetype = decision.archetype
    gaps = Gaps.of(org, decision.targets, archetype, instrument, settings)
    called = {f for g in decision.gates if g.fired for f in g.first} | set(archetype.plan)
    design = Design.of(archetype, catalogue, settings, instrument, gaps.current, called)
    suited = [i for i in catalogue.initiatives
              if archetype.id in i.archetypes and not i.called_only]  # fmt: skip
    eligible = [i for i in suited if applies(i, gaps.current) and i.id not in design.in_place]
    has_gap = any(v > EPSILON for v in gaps.initial.values())
    _check_capacity(has_gap, decision, suited, capacity_people, people)
    scheduler = Scheduler(capacity_people, horizon_months, design.needs, design.follows)
    selection = Selection(gaps, catalogue, eligible, scheduler, people, design)
    if archetype.plan:  # a fixed plan (hold and reset): its steps and nothing else
        selection.take_fixed(archetype)
    else:
        selection.take_gates(decision.gates)
        selection.take_defining(archetype, settings.phases)
        selection.take_by_value()
    deferred = selection.deferred()
    if has_gap and not selection.items:
        raise PlanningError(
            f"no initiative that closes a gap fits within {plural(horizon_months, 'month')} at "
            f"{people} a month; lengthen the horizon or raise the capacity"
        )
    items = _dated(selection.items, settings, start_date)
    phases = _phases(items, settings, start_date, horizon_months)
    progress = Progress.of(items, gaps.current, gaps.targets, gaps.names, settings.lift)
    # A fixed plan (hold and reset) ends in its own decision checkpoint: no pulses after it.
    pulses = (
        []
        if archetype.plan or not items
        else checkpoints(settings.checkpoints, progress, phases, start_date, horizon_months)
    )
    residual = [
        ResidualGap(d, gaps.names[d], round(gaps.initial[d], 4), round(v, 4))
        for d, v in selection.remaining.items()
        if v > 0.005
    ]  # fmt: skip
    return Roadmap(
        organisation=org.organisation,
        archetype=decision.archetype.id,
        items=items,
        start_date=start_date,
        capacity_people=capacity_people,
        horizon_months=horizon_months,
        phases=phases,
        exit_criteria=progress.exit_criteria(phases, start_date, horizon_months),
        residual_gaps=residual,
        deferred=deferred,
        message=_message(has_gap, items, residual, horizon_months, people)
        + _late(progress, gaps.initial, horizon_months, settings),
        defining=[m.initiative for m in archetype.defining if m.initiative in selection.chosen],
        in_place=(done := _in_place(items, design, catalogue)),
        titles={i: catalogue.by_id[i].title for i in done},
        checkpoints=pulses,
        phase_criteria=progress.phase_criteria(phases),
        settings={
            "max_rise_per_6_months": settings.lift.max_rise_per_6_months,
            "adoption_lag_months": settings.lift.adoption_lag_months,
            "checkpoint_months": [c.month for c in settings.checkpoints],
            "min_gap": settings.min_gap,
        },
    )


def _in_place(items: list[PlanItem], design: Design, catalogue: Catalogue) -> list[str]:
    """The prerequisites the plan would need that current maturity already meets, by id (the
    path's defining moves and what gates call are planned, never in place)."""
    wanted = {p for i in items for p in i.initiative.prerequisites}
    return sorted(i for i in design.in_place & wanted if i in catalogue.by_id)


def _late(
    progress: Progress, gaps: dict[str, float], horizon: int, settings: RoadmapSettings
) -> str:
    """The targets the expected levels do not reach within the horizon, said plainly (a gap no
    initiative touches is not reached with this plan)."""
    late = [(d, progress.reached(d) if d in progress.levels else None)
            for d, gap in gaps.items() if gap > EPSILON]  # fmt: skip
    late = [(d, m) for d, m in late if m is None or m > horizon]
    if not late:
        return ""
    lift = settings.lift
    parts = [f"{d} {'not with this plan' if m is None else f'month {m}'}" for d, m in late]
    return (
        f"; at a realistic rise (at most {compact(lift.max_rise_per_6_months)} a level per six "
        f"months, from {plural(lift.adoption_lag_months, 'month')} after an initiative ends) "
        f"{plural(len(late), 'target')} {'is' if len(late) == 1 else 'are'} not reached within "
        f"{plural(horizon, 'month')} all the same: {', '.join(parts)}"
    )


def _check_arguments(capacity_people: float, horizon_months: int, start_date: dt.date) -> None:
    """PlanningError unless capacity is positive and the horizon at least a month; the start date
    checked by :func:`~pmo2vmo.model.settings.check_start`."""
    if capacity_people <= 0:
        raise PlanningError(
            f"capacity must be more than 0 people per month (got {capacity_people})"
        )
    if horizon_months < 1:
        raise PlanningError(f"the horizon must be at least 1 month (got {horizon_months})")
    check_start(start_date)


def _no_path(
    org: OrganisationScores,
    decision: Decision,
    start_date: dt.date,
    capacity_people: float,
    horizon_months: int,
) -> Roadmap:
    """The empty roadmap of an organisation with too little evidence to recommend a path."""
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


def _check_capacity(
    has_gap: bool,
    decision: Decision,
    eligible: list[Initiative],
    capacity_people: float,
    people: str,
) -> None:
    """PlanningError when something is to be planned (a gap, or a fired gate) but the capacity is
    under what the lightest eligible initiative needs."""
    fired = any(g.fired for g in decision.gates)
    smallest = min((i.load for i in eligible), default=0.0)
    if (has_gap or fired) and smallest > capacity_people + EPSILON:
        raise PlanningError(
            f"a capacity of {people} a month is less than any "
            f"initiative needs (the lightest needs {plural(smallest, 'person', 'people')}); raise "
            "capacity_people"
        )


def _dated(items: list[PlanItem], settings: RoadmapSettings, start_date: dt.date) -> list[PlanItem]:
    """The items with their dates, phase and quick-win mark set, sorted by start month (stable:
    selection order within a month)."""
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
    return sorted(items, key=lambda i: i.start_month)


def _phases(
    items: list[PlanItem], settings: RoadmapSettings, start_date: dt.date, horizon_months: int
) -> list[PhaseWindow]:
    """The phases that start within the horizon, their dates and the items starting in each."""
    return [
        PhaseWindow(
            id=p.id,
            name=p.name,
            purpose=p.purpose,
            start=add_months(start_date, p.start_month).isoformat(),
            end=(add_months(start_date, min(p.end_month, horizon_months))
                 - dt.timedelta(days=1)).isoformat(),
            start_month=p.start_month,
            end_month=min(p.end_month, horizon_months),
            items=tuple(i.initiative.id for i in items if i.phase == p.name),
        )
        for p in settings.phases
        if p.start_month < horizon_months
    ]  # fmt: skip


def _message(
    has_gap: bool,
    items: list[PlanItem],
    residual: list[ResidualGap],
    horizon_months: int,
    people: str,
) -> str:
    """The roadmap in one sentence: what it closes, or what stays open."""
    if not has_gap and items:
        return (
            "every dimension is at or above its target; only the path's defining moves and what "
            f"a fired gate puts first are planned: {', '.join(i.initiative.id for i in items)}"
        )
    if not has_gap:
        return "every dimension is at or above its target: no initiative is needed"
    if residual:
        return (
            f"{plural(len(items), 'initiative')}; {plural(len(residual), 'dimension gap')} "
            f"{'stays' if len(residual) == 1 else 'stay'} partly open within "
            f"{plural(horizon_months, 'month')} at {people} a month"
        )
    return (  # what their lifts cover; when the levels get there is the realistic-rise part
        f"{plural(len(items), 'initiative')} {'closes' if len(items) == 1 else 'close'} every "
        f"gap within {plural(horizon_months, 'month')}"
    )
