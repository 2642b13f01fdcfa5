"""What a roadmap asks for: person-months by phase and, with a day rate, what they cost.

An initiative's effort is spread evenly over the months it runs, so a phase is charged for the
work done within its window (an initiative that starts late in Mobilise and runs into Build is
paid for partly in each). With the profile's ``day_rate`` and ``currency`` the person-months are
priced at ``roadmap.yaml``'s ``days_per_person_month`` working days each; without them the
investment stays in person-months, never a made-up price.
"""

from __future__ import annotations

from collections.abc import Sequence

from pmo2vmo.analysis.schedule import PlanItem
from pmo2vmo.model.results import Investment, PhaseInvestment, PhaseWindow


def investment(
    items: Sequence[PlanItem],
    phases: Sequence[PhaseWindow],
    *,
    days_per_person_month: float,
    day_rate: float | None = None,
    currency: str | None = None,
) -> Investment:
    """The person-months of ``items`` in each phase window, and their cost when priced."""
    priced = day_rate is not None and currency is not None
    spent = dict.fromkeys((p.id for p in phases), 0.0)
    for item in items:
        months = max(item.initiative.duration, 1)
        monthly = item.initiative.effort / months
        for month in range(item.start_month, item.start_month + months):
            phase = next((p for p in phases if p.start_month <= month < p.end_month), None)
            if phase is not None:
                spent[phase.id] += monthly

    def cost(person_months: float) -> float | None:
        if not priced:
            return None
        assert day_rate is not None
        return float(round(person_months * days_per_person_month * day_rate))

    rows = tuple(
        PhaseInvestment(p.id, p.name, round(spent[p.id], 1), cost(round(spent[p.id], 1)))
        for p in phases
        if spent[p.id] > 0
    )
    total = round(sum(r.person_months for r in rows), 1)
    return Investment(
        phases=rows,
        person_months=total,
        cost=cost(total),
        day_rate=day_rate if priced else None,
        currency=currency if priced else None,
        days_per_person_month=days_per_person_month,
    )
