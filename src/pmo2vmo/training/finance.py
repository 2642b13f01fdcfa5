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

import itertools
import math
import numbers
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
    """Every rate r > -100 % where the NPV is zero: the NPV is a polynomial in x = 1 / (1 + r),
    so its real positive roots give every IRR exactly (numpy's companion-matrix roots)."""
    coefficients = np.trim_zeros(np.array(flows, dtype=float)[::-1], "f")
    if len(coefficients) < 2:
        return ()
    found = set()
    for x in np.roots(coefficients):
        if abs(x.imag) <= 1e-9 * max(1.0, abs(x.real)) and x.real > 0:
            found.add(round(float(1 / x.real - 1), 12))
    return tuple(sorted(found))


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
    if not roots:
        return IrrResult(None, (), "no IRR: no rate above -100 % makes the NPV zero")
    return IrrResult(roots[0], roots, f"IRR {roots[0]:.2%}")


def roi(gain: float, cost: float) -> float:
    """Return on investment: (gain − cost) ÷ cost, as a decimal."""
    if cost <= 0:
        raise ValueError("ROI needs a positive cost")
    return (gain - cost) / cost


def payback(flows: Sequence[float]) -> float | None:
    """Periods until the cumulative cash flow turns non-negative for good (interpolated within
    the period); None when it ends negative. ``flows[0]`` is the investment at t = 0."""
    totals = list(itertools.accumulate(float(f) for f in flows))
    if not totals or totals[-1] < 0:
        return None
    last_negative = max((t for t, total in enumerate(totals) if total < 0), default=None)
    if last_negative is None:
        return 0.0
    t = last_negative + 1  # the period in which the total crosses zero for the last time
    return last_negative + (-totals[last_negative] / float(flows[t]))


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
    if len(ratings) == 0:
        raise ValueError("NPS needs at least one rating")
    bad = [r for r in ratings
           if isinstance(r, bool) or not (isinstance(r, numbers.Integral) and 0 <= r <= 10)]  # fmt: skip
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
