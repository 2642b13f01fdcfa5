"""Value metrics for the training modules — the formulas from numpy-financial (1.0.0), with its
pitfalls handled and said out loud.

- :func:`npv` is numpy-financial's: the first cash flow is at t = 0 and is *not* discounted.
  Excel's ``NPV`` discounts the first flow too; :func:`excel_npv` gives that variant so both can be
  shown side by side (``npv(r, [c0, c1…]) == c0 + excel_npv(r, [c1…])``).
- :func:`irr` says when there is no IRR (every flow of one sign: numpy-financial returns NaN) and
  when there are several (more than one sign change can give several roots; numpy-financial returns
  one of them): :class:`IrrResult` carries every root found in (-99 %, 1,000 %) and a sentence.
- :func:`loan_payment` wraps ``pmt``, which is negative for a positive loan (money leaves you).
- Rates are decimals: 0.10 is 10 %. A rate above 1 is refused (:class:`RateError`), since 10 would
  mean 1,000 %.
- NPS: promoters answer 9–10, detractors 0–6; passives (7–8) count in the denominator.

Sources: numpy-financial 1.0.0's documentation; Reichheld, "The One Number You Need to Grow"
(Harvard Business Review, 2003) for NPS; the ROI and payback definitions of PMI's *Standard for
Portfolio Management* (4th ed.) and *Managing Benefits* (APMG, 2nd ed.).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy_financial as npf

from pmo2vmo.errors import Pmo2vmoError


class RateError(Pmo2vmoError, ValueError):
    """A rate given in percent where a decimal is expected (or one below -100 %)."""


def check_rate(rate: float, name: str = "rate") -> float:
    """``rate`` as a decimal, refused when it reads as a percentage (above 1) or below -100 %."""
    if not math.isfinite(rate):
        raise RateError(f"the {name} {rate!r} is not a number")
    if rate > 1:
        raise RateError(f"the {name} {rate:g} reads as {rate * 100:,.0f} %: give rates as "
                        f"decimals, e.g. {rate / 100:g} for {rate:g} %")  # fmt: skip
    if rate <= -1:
        raise RateError(f"the {name} {rate:g} is -100 % or less")
    return rate


def npv(rate: float, flows: Sequence[float]) -> float:
    """Net present value with the first flow at t = 0, undiscounted (numpy-financial)."""
    return float(npf.npv(check_rate(rate), list(flows)))


def excel_npv(rate: float, flows: Sequence[float]) -> float:
    """Excel's NPV: every flow discounted, the first one by one period."""
    rate = check_rate(rate)
    return float(npf.npv(rate, list(flows)) / (1 + rate))


@dataclass(frozen=True)
class IrrResult:
    """The internal rate of return, with what a reader must know about it."""

    value: float | None  # None: no IRR exists, or several do (see ``roots``)
    roots: tuple[float, ...]
    message: str


def _roots(flows: Sequence[float]) -> tuple[float, ...]:
    """Every rate in (-0.99, 10) where the NPV changes sign (scanned, then refined by bisection)."""
    grid = np.concatenate([np.linspace(-0.99, 1, 400), np.linspace(1, 10, 200)[1:]])
    values = np.array([npf.npv(r, list(flows)) for r in grid])
    found = []
    for i in range(len(grid) - 1):
        a, b = grid[i], grid[i + 1]
        fa, fb = values[i], values[i + 1]
        if fa == 0:
            found.append(float(a))
        elif fa * fb < 0:
            for _ in range(80):
                mid = (a + b) / 2
                fm = npf.npv(mid, list(flows))
                a, b, fa = (a, mid, fa) if fa * fm <= 0 else (mid, b, fm)
            found.append(round(float((a + b) / 2), 10))
    return tuple(sorted(set(found)))


def irr(flows: Sequence[float]) -> IrrResult:
    """The IRR, or why there is no single one."""
    signs = {np.sign(f) for f in flows if f != 0}
    if len(signs) < 2:
        return IrrResult(None, (), "no IRR: every cash flow has the same sign, so no rate makes "
                         "the NPV zero (numpy-financial returns NaN)")  # fmt: skip
    roots = _roots(flows)
    if len(roots) > 1:
        shown = ", ".join(f"{r:.1%}" for r in roots)
        return IrrResult(None, roots, f"several IRRs ({shown}): the cash flows change sign more "
                         "than once, so IRR cannot rank this case; use the NPV at your discount "
                         "rate instead")  # fmt: skip
    value = float(npf.irr(list(flows)))
    if not math.isfinite(value):
        return IrrResult(None, roots, "no IRR found between -99 % and 1,000 %")
    return IrrResult(value, roots or (value,), f"IRR {value:.2%}")


def roi(gain: float, cost: float) -> float:
    """Return on investment: (gain − cost) ÷ cost, as a decimal."""
    if cost <= 0:
        raise ValueError("ROI needs a positive cost")
    return (gain - cost) / cost


def payback(flows: Sequence[float]) -> float | None:
    """Periods until the cumulative cash flow turns non-negative (interpolated within the
    period); None when it never does. ``flows[0]`` is the investment at t = 0."""
    total = 0.0
    for t, flow in enumerate(flows):
        before = total
        total += flow
        if t > 0 and total >= 0 > before:
            return t - 1 + (-before / flow)
        if t == 0 and total >= 0:
            return 0.0
    return None


def discounted_payback(rate: float, flows: Sequence[float]) -> float | None:
    """Payback on flows discounted at ``rate`` (t = 0 undiscounted, as :func:`npv`)."""
    rate = check_rate(rate)
    return payback([f / (1 + rate) ** t for t, f in enumerate(flows)])


def loan_payment(rate_per_period: float, periods: int, principal: float) -> float:
    """The payment per period of a loan, as numpy-financial gives it: negative for a positive
    principal (the payment leaves you)."""
    return float(npf.pmt(check_rate(rate_per_period), periods, principal))


@dataclass(frozen=True)
class Nps:
    """A Net Promoter Score and its parts."""

    score: float  # -100 … +100
    promoters: int
    passives: int
    detractors: int


def nps(ratings: Sequence[int]) -> Nps:
    """NPS from 0–10 ratings: % promoters (9–10) − % detractors (0–6); passives stay in the
    denominator."""
    if not ratings:
        raise ValueError("NPS needs at least one rating")
    bad = [r for r in ratings if not (isinstance(r, int) and 0 <= r <= 10)]
    if bad:
        raise ValueError(f"ratings are whole numbers 0-10, not {bad[:3]}")
    promoters = sum(1 for r in ratings if r >= 9)
    detractors = sum(1 for r in ratings if r <= 6)
    passives = len(ratings) - promoters - detractors
    return Nps(100 * (promoters - detractors) / len(ratings), promoters, passives, detractors)


def realisation(realised: Sequence[float], planned: Sequence[float]) -> float:
    """Benefits realised as a share of those planned to date (1.0: on plan)."""
    plan = float(sum(planned))
    if plan <= 0:
        raise ValueError("nothing was planned to date")
    return float(sum(realised)) / plan


@dataclass(frozen=True)
class BusinessCase:
    """The value metrics of one business case (every figure the calculator shows)."""

    npv: float
    excel_npv: float
    irr: IrrResult
    roi: float
    payback: float | None
    discounted_payback: float | None


def business_case(rate: float, flows: Sequence[float]) -> BusinessCase:
    """Every metric of a business case with the investment at t = 0 (the calculator's twin)."""
    invested = -sum(f for f in flows if f < 0)
    gained = sum(f for f in flows if f > 0)
    return BusinessCase(
        npv=npv(rate, flows), excel_npv=excel_npv(rate, flows), irr=irr(flows),
        roi=roi(gained, invested) if invested > 0 else math.nan, payback=payback(flows),
        discounted_payback=discounted_payback(rate, flows),
    )  # fmt: skip
