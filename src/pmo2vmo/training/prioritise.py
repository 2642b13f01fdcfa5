"""Prioritising by value: cost of delay, WSJF and CD3 against the triple constraint alone.

- **WSJF** as SAFe defines it: cost of delay = user-business value + time criticality + risk
  reduction / opportunity enablement, each scored relatively on the modified Fibonacci scale
  (1, 2, 3, 5, 8, 13, 20); WSJF = cost of delay ÷ job size (same scale). Highest first.
- **CD3** (Reinertsen, *The Principles of Product Development Flow*, 2009): cost of delay per
  week (money) ÷ duration (weeks). Highest first. It orders work; it does not decide whether an
  investment is worth making.
- **Triple constraint alone**: what a PMO without value data does — smallest job first (least
  schedule risk, quickest "on time"), then cheapest.

:func:`delay_cost` prices an order: each item waits until the items before it finish, and costs its
cost of delay per week for every week until it is done. The same backlog under the three orders
shows what ignoring value costs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

FIBONACCI = (1, 2, 3, 5, 8, 13, 20)


@dataclass(frozen=True)
class BacklogItem:
    """One piece of work competing for the same team."""

    name: str
    business_value: int  # relative, on FIBONACCI
    time_criticality: int
    risk_opportunity: int  # risk reduction / opportunity enablement
    job_size: int  # relative, on FIBONACCI
    delay_per_week: float  # money lost for each week it is not done
    weeks: float  # duration when the team works on it alone
    cost: float  # what it costs to do

    def __post_init__(self) -> None:
        for name in ("business_value", "time_criticality", "risk_opportunity", "job_size"):
            if getattr(self, name) not in FIBONACCI:
                raise ValueError(f"{self.name}: {name} {getattr(self, name)!r} is not on the "
                                 f"relative scale {FIBONACCI}")  # fmt: skip
        if self.weeks <= 0:
            raise ValueError(f"{self.name}: weeks must be positive")

    @property
    def cost_of_delay(self) -> int:
        """SAFe's relative cost of delay."""
        return self.business_value + self.time_criticality + self.risk_opportunity

    @property
    def wsjf(self) -> float:
        return self.cost_of_delay / self.job_size

    @property
    def cd3(self) -> float:
        return self.delay_per_week / self.weeks


def _ordered(
    items: Sequence[BacklogItem], key: Callable[[BacklogItem], tuple[float, ...]]
) -> list[str]:
    return [i.name for i in sorted(items, key=key)]


def by_wsjf(items: Sequence[BacklogItem]) -> list[str]:
    """Highest WSJF first (ties: the smaller job first)."""
    return _ordered(items, lambda i: (-i.wsjf, i.job_size))


def by_cd3(items: Sequence[BacklogItem]) -> list[str]:
    """Highest CD3 first (ties: the shorter job)."""
    return _ordered(items, lambda i: (-i.cd3, i.weeks))


def by_triple_constraint(items: Sequence[BacklogItem]) -> list[str]:
    """What the triple constraint alone suggests: shortest first, then cheapest."""
    return _ordered(items, lambda i: (i.weeks, i.cost))


def delay_cost(items: Sequence[BacklogItem], order: Sequence[str]) -> float:
    """The money lost to delay when the team does ``order`` one item after another."""
    index = {i.name: i for i in items}
    if sorted(order) != sorted(index):
        raise ValueError("the order must name every item exactly once")
    done, total = 0.0, 0.0
    for name in order:
        item = index[name]
        done += item.weeks
        total += item.delay_per_week * done
    return total


def compare_orders(items: Sequence[BacklogItem]) -> dict[str, tuple[list[str], float]]:
    """The three orders and the delay cost of each."""
    orders = {"WSJF": by_wsjf(items), "CD3": by_cd3(items),
              "Triple constraint": by_triple_constraint(items)}  # fmt: skip
    return {name: (order, delay_cost(items, order)) for name, order in orders.items()}


def orders_chart(items: Sequence[BacklogItem]) -> go.Figure:
    """The delay cost of each order, as bars."""
    compared = compare_orders(items)
    fig = go.Figure(go.Bar(x=list(compared), y=[cost for _, cost in compared.values()],
                           text=[f"{cost:,.0f}" for _, cost in compared.values()],
                           marker={"color": ["#0072B2", "#009E73", "#D55E00"]}))  # fmt: skip
    fig.update_layout(title={"text": "Cost of delay of each order"}, yaxis={"title": "money lost"},
                      template="simple_white", height=380)  # fmt: skip
    return fig
