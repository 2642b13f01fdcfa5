"""Scheduling the roadmap: calendar months, the scheduled item (:class:`PlanItem`), the scheduler
that places initiatives month by month under a capacity limit, and prerequisite order.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pmo2vmo.model.catalogue import Catalogue, Initiative, Kpi
from pmo2vmo.model.results import Why

EPSILON = 1e-9


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
    owner: str = ""  # the owner as the path names its roles (the catalogue's owner_role else)
    kpi_owners: tuple[str, ...] = ()  # its KPIs' owners, likewise (empty: the catalogue's)

    def kpis(self) -> list[Kpi]:
        """Its KPIs, owned as the path names its roles."""
        kpis = self.initiative.kpis
        if len(self.kpi_owners) != len(kpis):
            return list(kpis)
        pairs = zip(kpis, self.kpi_owners, strict=True)
        return [k.model_copy(update={"owner_role": owner}) for k, owner in pairs]

    def target_date(self, kpi: Kpi) -> dt.date:
        """When one of its KPIs' targets should be met: its end plus the KPI's months to adopt."""
        return add_months(self.end, kpi.due_after_months)

    @property
    def end_month(self) -> int:
        """The month after its last (months counted from the plan's start, from 0)."""
        return self.start_month + self.initiative.duration

    def to_json(self) -> dict[str, Any]:
        """The item as ``roadmap --json`` shows it."""
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
            "why": self.kind.value,
            "quick_win": self.quick_win,
            "owner_role": ini.owner_role,
            "owner": self.owner or ini.owner_role,
            "kind": "initiative",
            "deliverables": list(ini.deliverables),
            "kpis": [
                {**k.model_dump(), "target_date": self.target_date(k).isoformat()}
                for k in self.kpis()
            ],
            "source": ini.source,
        }


class Scheduler:
    """Places initiatives month by month under a capacity limit."""

    def __init__(
        self,
        capacity: float,
        horizon: int,
        needs: Mapping[str, Sequence[str]] | None = None,
        follows: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        """An empty schedule of ``horizon`` months, ``capacity`` people a month; ``needs`` the
        prerequisites per initiative as the plan reads them (default: the catalogue's),
        ``follows`` what an initiative starts after, when it is planned (precedence)."""
        self.capacity = capacity
        self.horizon = horizon
        self.load = [0.0] * horizon
        self.ends: dict[str, int] = {}
        self.needs = needs
        self.follows = follows or {}

    def prerequisites(self, ini: Initiative) -> Sequence[str]:
        """What must end before ``ini`` starts."""
        return ini.prerequisites if self.needs is None else self.needs.get(ini.id, ())

    def place(self, ini: Initiative, after: int = 0) -> int | None:
        """The first feasible start month from ``after`` on, once its prerequisites (and what it
        follows, when planned) have ended, or None when it cannot end within the horizon."""
        earliest = max((self.ends[p] for p in self.prerequisites(ini)), default=after)
        planned = [self.ends[p] for p in self.follows.get(ini.id, ()) if p in self.ends]
        earliest = max(earliest, after, *planned)
        for start in range(earliest, self.horizon - ini.duration + 1):
            window = self.load[start : start + ini.duration]
            if all(used + ini.load <= self.capacity + EPSILON for used in window):
                return start
        return None

    def commit(self, ini: Initiative, start: int) -> None:
        """Book ``ini`` from month ``start``: its load in every month it runs, and its end."""
        for m in range(start, start + ini.duration):
            self.load[m] += ini.load
        self.ends[ini.id] = start + ini.duration

    def copy(self) -> Scheduler:
        """An independent copy, to try a placement without changing this schedule."""
        other = Scheduler(self.capacity, self.horizon, self.needs, self.follows)
        other.load = list(self.load)
        other.ends = dict(self.ends)
        return other


def closure(
    ini: Initiative,
    catalogue: Catalogue,
    chosen: set[str],
    needs: Mapping[str, Sequence[str]] | None = None,
) -> list[Initiative]:
    """``ini`` preceded by its not-yet-chosen prerequisites (``needs``: as the plan reads them,
    default the catalogue's), deepest first (a topological order)."""
    order: list[Initiative] = []
    seen: set[str] = set()

    def visit(item: Initiative) -> None:
        """Add ``item``'s unchosen prerequisites, each after its own, in id order."""
        wanted = item.prerequisites if needs is None else needs.get(item.id, ())
        for pre in sorted(wanted):
            if pre not in chosen and pre not in seen:
                seen.add(pre)
                visit(catalogue.by_id[pre])
                order.append(catalogue.by_id[pre])

    visit(ini)
    return [*order, ini]
