"""The exercises of the training modules: a check per exercise and its model answer.

Each check takes the participant's ``answer`` (``...`` until they replace it) and returns
:class:`~pmo2vmo.training.feedback.Feedback`. Model answers are computed from the case and the
product itself (never typed in), and :func:`model_answer` hands them to a notebook run with
``solutions = True``. Tolerances are stated in each check's message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from pmo2vmo.training import assess, benefits, case, finance, portfolio, prioritise
from pmo2vmo.training.feedback import (
    Feedback,
    as_number,
    check_number,
    not_answered,
    passed,
    try_again,
    unanswered,
)

# ------------------------------------------------------------------ module 1: PMO and VMO ---

#: Practices and KPIs, each an execution (PMO) or a value (VMO) concern, with where it comes from.
PRACTICES: dict[str, tuple[str, str]] = {
    "Schedule variance of each project": ("execution", "seed 003: success as completion and efficiency"),
    "Benefits realised against those planned, after closure": ("value", "seeds 000, 003: value realisation beyond closure"),
    "A standard method, templates and tools": ("execution", "seed 003: PMO defines methodologies and tools"),
    "Ranking initiatives by ROI and strategic impact": ("value", "seed 000: value stream management"),
    "Budget variance at each stage gate": ("execution", "seed 001: governance and oversight of delivery"),
    "Net Promoter Score of the service delivered": ("value", "seed 003: value tracked with ROI, NPV, NPS"),
    "Allocating people across projects": ("execution", "seed 000: PMO resource management"),
    "Tracing each initiative to a strategic objective it serves": ("value", "seeds 001, 003: strategic alignment"),
    "Compliance of projects with the gate process": ("execution", "seed 003: monitoring performance and compliance"),
    "Stopping work whose expected value no longer justifies it": ("value", "seed 004: value-based portfolio decisions"),
}  # fmt: skip


def check_classification(answer: Any) -> Feedback:
    """Each practice as "execution" or "value"."""
    exercise = "Execution or value?"
    if unanswered(answer):
        return not_answered(exercise, 'a dict: each practice to "execution" or "value"')
    if not isinstance(answer, Mapping):
        return try_again(exercise, "The answer is a dict from practice to label.",
                         'copy the dict printed above and fill in "execution" or "value"')  # fmt: skip
    missing = [p for p in PRACTICES if p not in answer]
    if missing:
        return try_again(exercise, f"{len(missing)} practice(s) have no label, e.g. {missing[0]!r}.",
                         "label every practice in the list")  # fmt: skip
    odd = sorted({str(v) for v in answer.values()} - {"execution", "value"},
                 key=str.lower)  # fmt: skip
    if any(str(v).strip().lower() not in ("execution", "value") for v in answer.values()):
        return try_again(exercise, f"Labels are \"execution\" or \"value\", not {odd[0]!r}.",
                         "use one of the two labels for every practice")  # fmt: skip
    wrong = [p for p, (label, _) in PRACTICES.items()
             if str(answer[p]).strip().lower() != label]  # fmt: skip
    if not wrong:
        return passed(exercise, f"All {len(PRACTICES)} are right.")
    first = wrong[0]
    return try_again(exercise, f"{len(wrong)} of {len(PRACTICES)} are off; for example "
                     f"{first!r} is not about {answer[first]}.",
                     "ask: is success measured when the project ends (execution) or by what the "
                     f"organisation gains after (value)? See {PRACTICES[first][1]}.")  # fmt: skip


SAMPLES = ("harbor-mutual", "lumen-digital", "northwind-utilities")


@cache
def sample_paths() -> dict[str, str]:
    """The path the product recommends for each sample organisation (its own profile)."""
    out = {}
    for stem in SAMPLES:
        out[assess.plan(stem).scores.organisation] = assess.path_of(assess.plan(stem))
    return out


PATHS = ("strengthen-pmo", "integrated", "evolve", "hold")


def check_paths(answer: Any) -> Feedback:
    """Each sample organisation to the path the playbook recommends for it."""
    exercise = "Which path fits?"
    expected = sample_paths()
    if unanswered(answer):
        return not_answered(exercise, f"a dict: each organisation to one of {PATHS}")
    if not isinstance(answer, Mapping) or set(answer) != set(expected):
        return try_again(exercise, f"Give a path for exactly these: {sorted(expected)}.",
                         "copy the organisations' names from the table above")  # fmt: skip
    wrong = [org for org, path in expected.items() if str(answer[org]).strip().lower() != path]
    if not wrong:
        return passed(exercise, "All three match the playbook's recommendation.")
    org = wrong[0]
    return try_again(exercise, f"{org}: {answer[org]!r} is not what its readiness indicates.",
                     "compare its PMO baseline with its value culture, portfolio and metrics: a "
                     "weak baseline comes first; a strong baseline with weak value readiness runs "
                     "both; strong everywhere evolves")  # fmt: skip


def check_hold(answer: Any) -> Feedback:
    """The path for an organisation with no sponsor and stakeholders who disagree."""
    exercise = "No sponsor, no agreement"
    if unanswered(answer):
        return not_answered(exercise, f"one of {PATHS}")
    if str(answer).strip().lower() in ("hold", "hold and reset"):
        return passed(exercise, "Hold and reset: settle sponsorship and re-assess before "
                      "choosing a path (seed 000: executive support is the cornerstone).")  # fmt: skip
    return try_again(exercise, f"{answer!r} commits to a path the organisation does not share yet.",
                     "without a sponsor, any path stalls; without agreement, the scores are not "
                     "yet the organisation's own")  # fmt: skip


# ------------------------------------------------------------- module 2: value metrics ---


def _whole(answer: Any) -> int | None:
    """A whole number as typed (3, "3", 3.0), else None."""
    value = as_number(answer)
    return int(value) if value is not None and value == int(value) else None


def check_npv(answer: Any) -> Feedback:
    flows, rate = case.BUSINESS_CASE_FLOWS, case.DISCOUNT_RATE
    return check_number(
        "NPV of the route-optimisation platform", answer, finance.npv(rate, flows),
        tolerance=1.0, what="the NPV in money (a number)", unit="",
        hint="use npf.npv(rate, flows) with the investment as the first flow, at t = 0",
        mistakes={"use Excel's NPV, which discounts the first flow too":
                  finance.excel_npv(rate, flows),
                  "forget to discount (a plain sum)": sum(flows),
                  "give the rate as 10 instead of 0.10": float(
                      sum(f / 11**t for t, f in enumerate(flows)))},
    )  # fmt: skip


def check_irr(answer: Any) -> Feedback:
    value = finance.irr(case.BUSINESS_CASE_FLOWS).value
    assert value is not None
    return check_number("IRR of the platform", answer, value, tolerance=0.0005,
                        what="the IRR as a decimal (0.15 for 15 %)",
                        hint="npf.irr(flows); give it as a decimal, not in percent",
                        mistakes={"give it in percent": value * 100}, digits=4)  # fmt: skip


def check_two_irrs(answer: Any) -> Feedback:
    """How many IRRs the two-sign-change case has."""
    exercise = "How many IRRs?"
    roots = finance.irr(case.TWO_SIGN_CHANGES).roots
    if unanswered(answer):
        return not_answered(exercise, "a whole number")
    if _whole(answer) == len(roots):
        return passed(exercise, f"{len(roots)}: {', '.join(f'{r:.0%}' for r in roots)}. "
                      "npf.irr returns only one of them, so rank such cases by NPV.")  # fmt: skip
    return try_again(exercise, f"{answer!r} is not the number of rates where the NPV is zero.",
                     "the flows change sign twice; evaluate npf.npv at 5 %, 15 % and 25 % and "
                     "see where it crosses zero")  # fmt: skip


def check_discounted_payback(answer: Any) -> Feedback:
    value = finance.discounted_payback(case.DISCOUNT_RATE, case.BUSINESS_CASE_FLOWS)
    assert value is not None
    return check_number("Discounted payback", answer, value, tolerance=0.01,
                        what="the discounted payback in years", unit=" years",
                        hint="discount each year's flow by (1 + rate) ** t first, then find the "
                        "year the running total turns positive, interpolating inside it",
                        mistakes={"skip the discounting (simple payback)":
                                  finance.payback(case.BUSINESS_CASE_FLOWS) or 0.0})  # fmt: skip


def check_nps(answer: Any) -> Feedback:
    result = finance.nps(list(case.NPS_RATINGS))
    scored = result.promoters + result.detractors
    return check_number("NPS of key accounts", answer, result.score, tolerance=0.05,
                        what="the NPS (−100 to +100)",
                        hint="promoters 9–10, detractors 0–6, and passives (7–8) stay in the "
                        "denominator: % promoters − % detractors",
                        mistakes={"leave the passives out of the denominator":
                                  100 * (result.promoters - result.detractors) / scored,
                                  "count 7–8 as promoters":
                                  100 * (result.promoters + result.passives - result.detractors)
                                  / len(case.NPS_RATINGS)})  # fmt: skip


def check_rate_entry(answer: Any) -> Feedback:
    return check_number("A rate of 8 %", answer, 0.08, tolerance=1e-9, digits=2,
                        what="the value to pass to npf functions for 8 %",
                        hint="numpy-financial takes rates as decimals",
                        mistakes={"pass the percentage itself (that is 800 %)": 8.0})  # fmt: skip


# ------------------------------------------------------- module 3: prioritising by value ---


def check_wsjf_order(answer: Any) -> Feedback:
    exercise = "Order by WSJF"
    expected = prioritise.by_wsjf(case.BACKLOG)
    if unanswered(answer):
        return not_answered(exercise, "a list of the backlog's names, highest WSJF first")
    if not isinstance(answer, list | tuple) or sorted(map(str, answer)) != sorted(expected):
        return try_again(exercise, "Give every backlog item once, as a list of names.",
                         "start from [item.name for item in BACKLOG]")  # fmt: skip
    if list(answer) == expected:
        return passed(exercise, "Right: " + " → ".join(expected) + ".")
    at = next(i for i, (a, b) in enumerate(zip(answer, expected, strict=True)) if a != b)
    return try_again(exercise, f"Place {at + 1} should not be {answer[at]!r}.",
                     "WSJF = (business value + time criticality + risk reduction/opportunity) ÷ "
                     "job size; compute it for each item and sort, highest first")  # fmt: skip


def delay_saving() -> float:
    """The delay cost CD3's order saves against the triple constraint's."""
    compared = prioritise.compare_orders(case.BACKLOG)
    return compared["Triple constraint"][1] - compared["CD3"][1]


def check_delay_saving(answer: Any) -> Feedback:
    compared = prioritise.compare_orders(case.BACKLOG)
    saving = delay_saving()
    return check_number("What CD3 saves", answer, saving, tolerance=1.0,
                        what="the delay cost saved by CD3's order against the triple constraint's",
                        hint="prioritise.delay_cost(BACKLOG, order) for both orders; the saving "
                        "is the triple constraint's cost minus CD3's",
                        mistakes={"subtract the other way round": -saving,
                                  "use WSJF's order instead of CD3's":
                                  compared["Triple constraint"][1] - compared["WSJF"][1]})  # fmt: skip


# --------------------------------------------------------- module 4: portfolio selection ---


def check_portfolio(answer: Any) -> Feedback:
    """A set of initiatives: within budget and capacity, and as valuable as the best."""
    exercise = "Choose the portfolio"
    items = {i.name: i for i in case.CANDIDATES}
    best = portfolio.best_portfolio(case.CANDIDATES, case.BUDGET, case.CAPACITY)
    if unanswered(answer):
        return not_answered(exercise, "a list of initiative names")
    names = [str(a) for a in answer] if isinstance(answer, list | tuple | set) else None
    if names is None or any(n not in items for n in names) or len(set(names)) != len(names):
        return try_again(exercise, "Give a list of distinct names from the candidates table.",
                         "copy names exactly as the table shows them")  # fmt: skip
    cost = sum(items[n].cost for n in names)
    people = sum(items[n].people for n in names)
    value = sum(items[n].value for n in names)
    if cost > case.BUDGET or people > case.CAPACITY:
        return try_again(exercise, f"It costs {cost} of {case.BUDGET} and needs {people} of "
                         f"{case.CAPACITY} person-months: over the limit.",
                         "drop the item with the least value per unit of what overflows")  # fmt: skip
    if value >= best.value - 1e-9:
        return passed(exercise, f"Value {value:g} — the best possible within budget and capacity "
                      "(other sets may tie).")  # fmt: skip
    return try_again(exercise, f"Value {value:g}; a set worth {best.value:g} fits too.",
                     "try swapping one large item for two smaller ones; best_portfolio() solves "
                     "it exactly")  # fmt: skip


def sponsor_gap() -> float:
    """The value the loudest sponsor's order loses against the best portfolio."""
    best, _greedy, loud = portfolio.compare(case.CANDIDATES, case.BUDGET, case.CAPACITY)
    return best.value - loud.value


def check_sponsor_gap(answer: Any) -> Feedback:
    return check_number("What the loudest sponsor costs", answer, sponsor_gap(),
                        tolerance=0.5, what="the value lost (thousands) by sponsor order",
                        hint="best, greedy, loudest = portfolio.compare(case.CANDIDATES, "
                        "case.BUDGET, case.CAPACITY); then best.value − loudest.value")  # fmt: skip


# ----------------------------------------------------------- module 5: benefits realisation ---


def _names(exercise: str, answer: Any, expected: list[str], what: str, hint: str) -> Feedback:
    if unanswered(answer):
        return not_answered(exercise, what)
    given = sorted(str(a) for a in answer) if isinstance(answer, list | tuple | set) else None
    if given is not None and len(set(given)) != len(given):
        twice = sorted({g for g in given if given.count(g) > 1})
        return try_again(exercise, f"{', '.join(twice)} is listed more than once.",
                         "give each id once")  # fmt: skip
    if given == sorted(expected):
        return passed(exercise, f"Right: {', '.join(expected) or 'none'}.")
    if given is None:
        return try_again(exercise, "Give a list of benefit ids, e.g. ['B1'].", hint)
    extra = sorted(set(given) - set(expected))
    missed = sorted(set(expected) - set(given))
    parts = ([f"{', '.join(extra)} should not be there"] if extra else []) + (
        [f"{len(missed)} that belong on the list are missing"] if missed else []
    )
    return try_again(exercise, "; ".join(parts) + ".", hint)


def check_unowned(answer: Any) -> Feedback:
    return _names(
        "Benefits with no owner",
        answer,
        benefits.without_owner(case.BENEFITS),
        "a list of benefit ids",
        "look at the owner column of the register",
    )


def check_behind(answer: Any) -> Feedback:
    expected = benefits.behind_plan(case.BENEFITS, case.MEASURED, case.REVIEW_MONTH)
    return _names(f"Behind plan at month {case.REVIEW_MONTH}", answer, expected,
                  "a list of benefit ids",
                  "compare each benefit's latest measure with its planned gain at the review "
                  "month; a benefit never measured is behind too")  # fmt: skip


# ------------------------------------------------------ module 6: an assessment end to end ---


def largest_gap() -> str:
    dims = [d for d in assess.plan().scores.dimensions if d.gap is not None]
    return max(dims, key=lambda d: (d.gap or 0.0, d.id)).id


def check_largest_gap(answer: Any) -> Feedback:
    exercise = "The largest gap"
    expected = largest_gap()
    dims = {d.id: d for d in assess.plan().scores.dimensions}
    if unanswered(answer):
        return not_answered(exercise, 'a dimension id such as "PB-GOV"')
    given = str(answer).strip().upper()
    if given == expected:
        return passed(exercise, f"{expected}: {dims[expected].name}, gap {dims[expected].gap:.2f}.")
    if given not in dims:
        return try_again(exercise, f"{answer!r} is not a dimension id.",
                         "ids look like PB-SPO; they are in the gaps table")  # fmt: skip
    return try_again(exercise, f"{given} has a gap of {dims[given].gap or 0:.2f}; one is larger.",
                     "gap = target − score; sort the table by gap")  # fmt: skip


def path_changes() -> bool:
    return assess.path_of(assess.plan()) != assess.path_of(assess.plan(ambitious=True))


def check_path_changes(answer: Any) -> Feedback:
    exercise = "Do higher targets change the path?"
    if unanswered(answer):
        return not_answered(exercise, "True or False")
    if not isinstance(answer, bool):
        return try_again(exercise, "Answer True or False.", "compare the two decisions' ids")
    if answer == path_changes():
        return passed(exercise, "Right. The path follows readiness — where the organisation is — "
                      "while targets set how far it must go: the gaps (and the exit criteria "
                      "they set) change, the path " + ("does too here." if answer else
                                                       "does not."))  # fmt: skip
    return try_again(exercise, "Look again at the two decisions.",
                     "print assess.path_of(assess.plan()) and "
                     "assess.path_of(assess.plan(ambitious=True))")  # fmt: skip


def capacity_effect() -> int:
    return len(assess.plan(capacity=6).roadmap.items) - len(assess.plan(capacity=2).roadmap.items)


def check_capacity_effect(answer: Any) -> Feedback:
    exercise = "What three times the people buys"
    if unanswered(answer):
        return not_answered(exercise, "a whole number of initiatives")
    expected = capacity_effect()
    if _whole(answer) == expected:
        return passed(exercise, f"{expected} more initiatives fit within the same horizon.")
    return try_again(
        exercise,
        f"{answer!r} is not the difference in initiatives planned.",
        "len(assess.plan(capacity=6).roadmap.items) − len(assess.plan(capacity=2).roadmap.items)",
    )


# ---------------------------------------------------------------------------- solutions ---

SOLUTIONS: dict[str, Callable[[], Any]] = {
    "classification": lambda: {p: label for p, (label, _) in PRACTICES.items()},
    "paths": lambda: dict(sample_paths()),
    "hold": lambda: "hold",
    "npv": lambda: finance.npv(case.DISCOUNT_RATE, case.BUSINESS_CASE_FLOWS),
    "irr": lambda: finance.irr(case.BUSINESS_CASE_FLOWS).value,
    "two_irrs": lambda: len(finance.irr(case.TWO_SIGN_CHANGES).roots),
    "discounted_payback": lambda: finance.discounted_payback(case.DISCOUNT_RATE,
                                                             case.BUSINESS_CASE_FLOWS),
    "nps": lambda: finance.nps(list(case.NPS_RATINGS)).score,
    "rate_entry": lambda: 0.08,
    "wsjf_order": lambda: prioritise.by_wsjf(case.BACKLOG),
    "delay_saving": delay_saving,
    "portfolio": lambda: list(portfolio.best_portfolio(case.CANDIDATES, case.BUDGET,
                                                       case.CAPACITY).chosen),
    "sponsor_gap": sponsor_gap,
    "unowned": lambda: benefits.without_owner(case.BENEFITS),
    "behind": lambda: benefits.behind_plan(case.BENEFITS, case.MEASURED, case.REVIEW_MONTH),
    "largest_gap": largest_gap,
    "path_changes": path_changes,
    "capacity_effect": capacity_effect,
}  # fmt: skip


def model_answer(exercise: str) -> Any:
    """The model answer of ``exercise`` (a key of :data:`SOLUTIONS`)."""
    return SOLUTIONS[exercise]()
