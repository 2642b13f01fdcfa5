"""Which initiatives the roadmap takes, and why: the gaps to close (:class:`Gaps`), then a
:class:`Selection` that takes what fired gates put first and, greedily, what closes most per unit
of effort, each with its prerequisites, scheduled as it is taken (steps 2 and 3 of
:mod:`pmo2vmo.analysis.roadmap`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pmo2vmo.analysis.design import Design
from pmo2vmo.analysis.schedule import EPSILON, PlanItem, Scheduler, closure
from pmo2vmo.analysis.score_report import OrganisationScores
from pmo2vmo.analysis.transition import GateResult
from pmo2vmo.errors import PlanningError
from pmo2vmo.model.archetypes import Archetype
from pmo2vmo.model.catalogue import Catalogue, Initiative
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.results import Deferral, TargetSource, Why
from pmo2vmo.model.settings import Phase, RoadmapSettings
from pmo2vmo.util.text import compact, plural


@dataclass(frozen=True)
class Gaps:
    """What the plan is to close, per dimension: its weight, name, score, target and gap."""

    weights: dict[str, float]  # dimension × pillar weight × the archetype's pillar emphasis
    names: dict[str, str]  # every dimension of the instrument
    current: dict[str, float | None]  # the organisation's scores, in its order
    targets: dict[str, float]  # of the scored dimensions
    initial: dict[str, float]  # target − score where at least the minimum gap, else 0

    @classmethod
    def of(
        cls,
        org: OrganisationScores,
        targets: Mapping[str, tuple[float, TargetSource]],
        archetype: Archetype,
        instrument: Instrument,
        settings: RoadmapSettings,
    ) -> Gaps:
        """The gaps of ``org`` against ``targets`` (a decision's: target and source per
        dimension), weighted with the emphasis of the ``archetype`` chosen."""
        dims = {d.id: d for d in org.dimensions}
        emphasis = archetype.emphasis
        weights = {
            d.id: d.weight * p.weight * emphasis.get(p.id, 1.0)
            for p in instrument.pillars
            for d in p.dimensions
            if d.id in dims
        }
        current = {k: d.score for k, d in dims.items()}
        wanted = {k: targets[k][0] for k, s in current.items() if s is not None}
        initial = {}
        for k, s in current.items():
            gap = wanted[k] - s if s is not None else 0.0
            initial[k] = gap if gap >= settings.min_gap else 0.0
        names = {d.id: d.name for d in instrument.dimensions}
        return cls(weights, names, current, wanted, initial)


def closes(ini: Initiative, gaps: dict[str, float]) -> dict[str, float]:
    """What ``ini`` would close of each gap still open: min(gap, its lift)."""
    return {d: min(gaps[d], lift) for d, lift in ini.lifts.items() if gaps.get(d, 0.0) > EPSILON}


class Selection:
    """The initiatives taken so far, in order and scheduled, and the gaps they leave open."""

    def __init__(
        self,
        gaps: Gaps,
        catalogue: Catalogue,
        eligible: Sequence[Initiative],
        scheduler: Scheduler,
        people: str,
        design: Design | None = None,
    ) -> None:
        """An empty selection among ``eligible`` (``people``: the capacity, for messages;
        ``design``: the path's reading of the catalogue, see :mod:`~pmo2vmo.analysis.design`)."""
        self.design = design
        self.gaps = gaps
        self.catalogue = catalogue
        self.eligible = eligible
        self.scheduler = scheduler
        self.people = people
        self.remaining = dict(gaps.initial)
        self.items: list[PlanItem] = []
        self.chosen: set[str] = set()
        self.rejected: list[str] = []  # did not fit, in the order they were tried
        self.unplaced: list[str] = []  # defining moves that did not fit

    def _closure(self, ini: Initiative) -> list[Initiative]:
        """``ini`` with the prerequisites it still needs, as the design reads them."""
        needs = None if self.design is None else self.design.needs
        return closure(ini, self.catalogue, self.chosen, needs)

    def group_value(self, group: list[Initiative]) -> tuple[float, float]:
        """What a group closes, in weighted levels, taking its members in order; and what its
        last member (the initiative its prerequisites come with) still closes after them."""
        gaps = dict(self.remaining)
        weights = self.gaps.weights
        total = own = 0.0
        for ini in group:
            own = 0.0
            for d, amount in closes(ini, gaps).items():
                own += weights[d] * amount
                gaps[d] -= amount
            total += own
        return total, own

    def describe(self, ini: Initiative, closed: dict[str, float]) -> str:
        """What ``ini`` closes, dimension by dimension (most weighted first), for its reason."""
        g = self.gaps
        parts = []
        for d in sorted(closed, key=lambda d: (-g.weights[d] * closed[d], d)):
            still = (
                f" ({compact(self.remaining[d])} still open)"
                if self.remaining[d] < g.initial[d] - EPSILON
                else ""
            )
            parts.append(
                f"{g.names[d]} ({d}): score {compact(g.current[d] or 0)}, target "
                f"{compact(g.targets[d])}, gap {compact(g.initial[d])}{still}, "
                f"lifts it by up to {compact(ini.lifts[d])}"
            )
        return "; ".join(parts)

    def add(self, group: list[Initiative], kinds: list[tuple[Why, str]], after: int = 0) -> bool:
        """Schedule a group (prerequisites, then the initiative), none of it starting before
        month ``after``, or leave the plan unchanged."""
        trial = self.scheduler.copy()
        starts = []
        for ini in group:
            start = trial.place(ini, after)
            if start is None:
                return False
            trial.commit(ini, start)
            starts.append(start)
        for ini, start, (kind, reason) in zip(group, starts, kinds, strict=True):
            closed = closes(ini, self.remaining)
            text = self.describe(ini, closed)
            if kind is Why.GAP:
                reason = f"closes {text}"
            elif text:
                reason = f"{reason}; also closes {text}"
            reason += self._order_note(ini)
            for d, amount in closed.items():
                self.remaining[d] = max(0.0, self.remaining[d] - amount)
            self.scheduler.commit(ini, start)
            self.chosen.add(ini.id)
            rounded = {d: round(v, 4) for d, v in closed.items()}
            owner = self.design.owners.get(ini.id, "") if self.design else ""
            kpi_owners = self.design.kpi_owners.get(ini.id, ()) if self.design else ()
            self.items.append(PlanItem(ini, reason, kind, start_month=start, closes=rounded,
                                       owner=owner, kpi_owners=kpi_owners))  # fmt: skip
        return True

    def _order_note(self, ini: Initiative) -> str:
        """Why ``ini`` waits for what it follows (precedence), when that is planned."""
        if self.design is None:
            return ""
        notes = [
            f"after {first} ({self.design.follow_reasons[(first, ini.id)]})"
            for first in sorted(self.design.follows.get(ini.id, ()))
            if first in self.chosen
        ]
        return "; " + "; ".join(notes) if notes else ""

    def take_defining(self, archetype: Archetype, phases: Sequence[Phase]) -> None:
        """Take the path's defining moves in order, each (with its prerequisites) from the start
        of its phase; one that does not fit is listed in :attr:`unplaced`."""
        starts = {p.id: (p.start_month, p.name) for p in phases}
        in_place = self.design.in_place if self.design else frozenset()
        for move in archetype.defining:
            known = move.initiative in self.catalogue.by_id  # checked at load for a real plan
            if not known or move.initiative in self.chosen or move.initiative in in_place:
                continue
            group = self._closure(self.catalogue.by_id[move.initiative])
            month, phase = starts[move.phase]
            kinds: list[tuple[Why, str]] = [
                (Why.PREREQUISITE, f"prerequisite of {move.initiative}") for _ in group[:-1]
            ]
            kinds.append((Why.PATH, f"defining move of the {archetype.name} path ({phase})"))
            if not self.add(group, kinds, month):
                self.unplaced.append(move.initiative)

    def take_gates(self, gates: Sequence[GateResult]) -> None:
        """Take what each fired gate puts first, whatever the archetype; PlanningError when one
        does not fit."""
        for gate in gates:
            if not gate.fired:
                continue
            for ini_id in gate.first:
                if ini_id in self.chosen:
                    continue
                group = self._closure(self.catalogue.by_id[ini_id])
                kinds: list[tuple[Why, str]] = [
                    (Why.PREREQUISITE, f"prerequisite of {ini_id}") for _ in group[:-1]
                ]
                kinds.append((Why.GATE, f"gate {gate.id} fired: {gate.reason}"))
                if not self.add(group, kinds):
                    ini = self.catalogue.by_id[ini_id]
                    raise PlanningError(
                        f"{ini_id} (needed first: {gate.name.lower()}) needs "
                        f"{plural(ini.load, 'person', 'people')} a month for "
                        f"{plural(ini.duration, 'month')}, which does not fit a "
                        f"capacity of {self.people} within "
                        f"{plural(self.scheduler.horizon, 'month')}"
                    )

    def take_fixed(self, archetype: Archetype) -> None:
        """Take exactly the archetype's fixed plan, in order — each step starting once the one
        before has ended — with prerequisites; PlanningError when an initiative is unknown or
        does not fit."""
        after = 0
        for ini_id in archetype.plan:
            if ini_id in self.chosen:
                continue
            if ini_id not in self.catalogue.by_id:
                raise PlanningError(f"the plan of {archetype.id} names unknown initiative {ini_id}")
            group = self._closure(self.catalogue.by_id[ini_id])
            kinds: list[tuple[Why, str]] = [
                (Why.PREREQUISITE, f"prerequisite of {ini_id}") for _ in group[:-1]
            ]
            kinds.append((Why.PATH, f"step of the {archetype.name.lower()} plan"))
            if self.add(group, kinds, after):
                after = self.scheduler.ends[ini_id]
            else:
                raise PlanningError(
                    f"{ini_id} (step of the {archetype.name.lower()} plan) does not fit a capacity "
                    f"of {self.people} within {plural(self.scheduler.horizon, 'month')}"
                )

    def take_by_value(self) -> None:
        """Greedy selection by what each initiative still closes per unit of effort, until no
        candidate is left; one that does not fit is rejected and the next best tried."""
        while (best := self._best()) is not None:
            best_id, group = best
            kinds: list[tuple[Why, str]] = [
                (Why.PREREQUISITE, f"prerequisite of {best_id}") for _ in group[:-1]
            ]
            kinds.append((Why.GAP, ""))
            if not self.add(group, kinds):
                self.rejected.append(best_id)

    def _best(self) -> tuple[str, list[Initiative]] | None:
        """The eligible initiative that closes most per unit of effort (ties by id), with the
        prerequisites not yet chosen that come along: value and effort are those of the group.
        None when no initiative closes anything its prerequisites do not already close."""
        candidates = []
        for ini in self.eligible:
            if ini.id in self.chosen or ini.id in self.rejected or not closes(ini, self.remaining):
                continue
            group = self._closure(ini)
            worth, own = self.group_value(group)
            if own > EPSILON:  # not when its prerequisites already close all it would
                candidates.append((worth / sum(g.effort for g in group), ini.id, group))
        if not candidates:
            return None
        _, best_id, group = min(candidates, key=lambda c: (-c[0], c[1]))  # ties by id
        return best_id, group

    def deferred(self) -> list[Deferral]:
        """What did not fit, listed only while a gap it would close is still open."""
        horizon = plural(self.scheduler.horizon, "month")
        return [
            Deferral(ini.id, ini.title,
                     f"would close {self.describe(ini, gap)} but does not fit {self.people} a "
                     f"month within {horizon}")
            for ini in (self.catalogue.by_id[i] for i in self.rejected)
            if (gap := closes(ini, self.remaining))
        ] + [
            Deferral(i, self.catalogue.by_id[i].title,
                     f"a defining move of the path, but it does not fit {self.people} a month "
                     f"within {horizon}: lengthen the horizon or raise the capacity")
            for i in self.unplaced
        ]  # fmt: skip
