"""Choosing a portfolio under a budget and a capacity: the exact answer and two common habits.

- :func:`best_portfolio`: an exact 0/1 knapsack with two constraints (money and people), as a
  small dynamic program over whole units (budget in thousands, capacity in person-months). Several
  sets can reach the same total value; checks compare the total, not the set.
- :func:`greedy_by_ratio`: take initiatives by value per unit of money until nothing more fits —
  quick, often good, sometimes not (it cannot trade one large item for two smaller better ones).
- :func:`loudest_sponsor_first`: take initiatives in order of their sponsor's seniority — what
  happens without a value-based model (seed 004: value-based portfolio decisions; PMI's *Standard
  for Portfolio Management*, 4th ed.).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Initiative:
    """A candidate for the portfolio."""

    name: str
    value: float  # e.g. NPV in thousands
    cost: int  # in whole budget units (thousands)
    people: int  # person-months
    sponsor_rank: int  # 1 = the most senior (loudest) sponsor

    def __post_init__(self) -> None:
        if self.cost < 0 or self.people < 0:
            raise ValueError(f"{self.name}: cost and people cannot be negative")


@dataclass(frozen=True)
class Selection:
    """A chosen set and what it adds up to."""

    method: str
    chosen: tuple[str, ...]
    value: float
    cost: int
    people: int
    left_out: tuple[str, ...]


def _selection(method: str, items: Sequence[Initiative], chosen: Iterable[str]) -> Selection:
    names = set(chosen)
    picked = [i for i in items if i.name in names]
    return Selection(method, tuple(i.name for i in picked), sum(i.value for i in picked),
                     sum(i.cost for i in picked), sum(i.people for i in picked),
                     tuple(i.name for i in items if i.name not in names))  # fmt: skip


def best_portfolio(items: Sequence[Initiative], budget: int, capacity: int) -> Selection:
    """The highest total value within ``budget`` and ``capacity`` (exact)."""
    if budget < 0 or capacity < 0:
        raise ValueError("budget and capacity cannot be negative")
    _distinct(items)
    # best[b][c] = (value, chosen) using items so far within b money and c people
    best: list[list[tuple[float, frozenset[str]]]] = [
        [(0.0, frozenset()) for _ in range(capacity + 1)] for _ in range(budget + 1)
    ]
    for item in items:
        if item.value <= 0:
            continue
        for b in range(budget, item.cost - 1, -1):
            for c in range(capacity, item.people - 1, -1):
                value, chosen = best[b - item.cost][c - item.people]
                if value + item.value > best[b][c][0] + 1e-9:
                    best[b][c] = (value + item.value, chosen | {item.name})
    return _selection("best (exact)", items, best[budget][capacity][1])


def _distinct(items: Sequence[Initiative]) -> None:
    names = [i.name for i in items]
    if len(set(names)) != len(names):
        raise ValueError("each initiative needs its own name")


def _fill(method: str, items: Sequence[Initiative], order: Sequence[Initiative], budget: int,
          capacity: int) -> Selection:  # fmt: skip
    _distinct(items)
    money, people, chosen = budget, capacity, []
    for item in order:
        if item.value > 0 and item.cost <= money and item.people <= people:
            chosen.append(item.name)
            money -= item.cost
            people -= item.people
    return _selection(method, items, chosen)


def greedy_by_ratio(items: Sequence[Initiative], budget: int, capacity: int) -> Selection:
    """Highest value per unit of money first, each taken if it still fits."""
    order = sorted(items, key=lambda i: (-i.value / max(i.cost, 1), i.name))
    return _fill("greedy by value per money", items, order, budget, capacity)


def loudest_sponsor_first(items: Sequence[Initiative], budget: int, capacity: int) -> Selection:
    """The most senior sponsor's initiative first, each taken if it still fits."""
    order = sorted(items, key=lambda i: (i.sponsor_rank, i.name))
    return _fill("loudest sponsor first", items, order, budget, capacity)


def compare(items: Sequence[Initiative], budget: int, capacity: int) -> list[Selection]:
    """The three ways, best first."""
    return [best_portfolio(items, budget, capacity), greedy_by_ratio(items, budget, capacity),
            loudest_sponsor_first(items, budget, capacity)]  # fmt: skip
