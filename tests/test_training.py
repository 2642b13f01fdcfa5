"""Training: the formulas (numpy-financial's, with its pitfalls), the prioritisation and
portfolio methods, the benefits register, every exercise's check (not answered, passed, and wrong
with feedback that explains), the calculators' twins and `pmo2vmo training --out`."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo2vmo.cli import main
from pmo2vmo.training import benefits, case, exercises, finance, portfolio, prioritise, widgets
from pmo2vmo.training.feedback import Status, as_number, check_number
from pmo2vmo.training.modules import copy_modules, module_notebooks

# ------------------------------------------------------------------------------ finance ---


def test_npv_puts_the_first_flow_at_t0_and_excel_discounts_it() -> None:
    """npf.npv does not discount the first flow (80,015.03); Excel's NPV does (72,740.93)."""
    flows = [-500_000, 200_000, 300_000, 200_000]
    assert finance.npv(0.1, flows) == pytest.approx(80_015.03, abs=0.01)
    assert finance.excel_npv(0.1, flows) == pytest.approx(72_740.93, abs=0.01)
    assert finance.npv(0.1, flows) == pytest.approx(flows[0] + finance.excel_npv(0.1, flows[1:]))


def test_a_rate_in_percent_is_refused() -> None:
    """10 would mean 1,000 %: refused with the decimal to use; -100 % and NaN too."""
    with pytest.raises(finance.RateError, match=r"0\.1 for 10 %"):
        finance.npv(10, [-1, 2])
    for bad in (-1.0, math.nan):
        with pytest.raises(finance.RateError):
            finance.discounted_payback(bad, [-1, 2])
    assert finance.npv(1.0, [-1, 2]) == pytest.approx(0.0)  # 100 % is a legal rate


def test_irr_says_when_there_is_none_one_or_several() -> None:
    """All flows of one sign: no IRR; two sign changes: both roots (10 % and 20 %) and no single
    value; a plain investment: its IRR."""
    none = finance.irr([100, 100])
    assert none.value is None
    assert "same sign" in none.message
    several = finance.irr([-100, 230, -132])
    assert several.value is None
    assert several.roots == pytest.approx((0.10, 0.20), abs=1e-6)
    one = finance.irr(case.BUSINESS_CASE_FLOWS)
    assert one.value == pytest.approx(0.18825, abs=1e-4)
    assert finance.npv(one.value, case.BUSINESS_CASE_FLOWS) == pytest.approx(0, abs=1e-3)


def test_payback_interpolates_and_discounting_makes_it_later() -> None:
    """Payback 2.0 years for the platform; discounted 2.47; never when it never pays back."""
    assert finance.payback(case.BUSINESS_CASE_FLOWS) == pytest.approx(2.0)
    assert finance.payback([-100, 30, 30]) is None
    assert finance.payback([-100, 50, 100]) == pytest.approx(1.5)
    late = finance.discounted_payback(0.1, case.BUSINESS_CASE_FLOWS)
    assert late == pytest.approx(2.4675, abs=1e-4)


def test_loan_payment_is_negative_for_a_positive_loan() -> None:
    """pmt(0.05/12, 60, 10000) = -188.71."""
    assert finance.loan_payment(0.05 / 12, 60, 10_000) == pytest.approx(-188.71, abs=0.01)


def test_nps_keeps_passives_in_the_denominator() -> None:
    """Promoters 9-10, detractors 0-6, passives counted in the total; ratings outside 0-10 are
    refused."""
    result = finance.nps([10, 9, 8, 7, 6, 0])
    assert (result.promoters, result.passives, result.detractors) == (2, 2, 2)
    assert result.score == pytest.approx(0.0)
    assert finance.nps([10, 10, 8, 8]).score == pytest.approx(50.0)
    with pytest.raises(ValueError, match="0-10"):
        finance.nps([11])
    assert widgets.nps_from_counts(8, 6, 6) == pytest.approx(10.0)


def test_roi_and_realisation() -> None:
    """ROI is (gain - cost) / cost; realisation is realised / planned."""
    assert finance.roi(700_000, 500_000) == pytest.approx(0.4)
    assert finance.realisation([30, 20], [50, 50]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="positive cost"):
        finance.roi(1, 0)


# ---------------------------------------------------------------------- prioritisation ---


def test_wsjf_and_cd3_follow_their_definitions() -> None:
    """WSJF = (value + time criticality + risk/opportunity) / job size; CD3 = delay per week /
    weeks; sizes off the relative scale are refused."""
    item = case.BACKLOG[0]
    assert item.wsjf == pytest.approx((8 + 13 + 5) / 5)
    assert item.cd3 == pytest.approx(40_000 / 4)
    with pytest.raises(ValueError, match="relative scale"):
        prioritise.BacklogItem("x", 4, 1, 1, 1, 1.0, 1.0, 1.0)


def test_cd3_order_minimises_delay_cost_over_every_order() -> None:
    """For one team doing items one after another, CD3's order has the least delay cost of all
    720 orders; the triple constraint's costs more."""
    items = case.BACKLOG
    costs = [prioritise.delay_cost(items, order)
             for order in itertools.permutations(i.name for i in items)]  # fmt: skip
    compared = prioritise.compare_orders(items)
    assert compared["CD3"][1] == pytest.approx(min(costs))
    assert compared["Triple constraint"][1] > compared["CD3"][1]
    with pytest.raises(ValueError, match="every item"):
        prioritise.delay_cost(items, ["Emissions reporting"])


# ----------------------------------------------------------------------------- portfolio ---


def _brute_force(items: tuple[portfolio.Initiative, ...], budget: int, capacity: int) -> float:
    best = 0.0
    for n in range(len(items) + 1):
        for chosen in itertools.combinations(items, n):
            if sum(i.cost for i in chosen) <= budget and sum(i.people for i in chosen) <= capacity:
                best = max(best, sum(i.value for i in chosen))
    return best


@pytest.mark.parametrize(("budget", "capacity"), [(900, 60), (500, 40), (1_600, 100), (0, 10)])
def test_the_exact_portfolio_has_the_brute_force_value(budget: int, capacity: int) -> None:
    """The dynamic program's total value equals the best over every subset (sets may tie)."""
    best = portfolio.best_portfolio(case.CANDIDATES, budget, capacity)
    assert best.value == pytest.approx(_brute_force(case.CANDIDATES, budget, capacity))
    assert best.cost <= budget
    assert best.people <= capacity


def test_greedy_and_the_loudest_sponsor_fall_short_here() -> None:
    """In the case, greedy by ratio loses 50k of value and sponsor order 620k; each says what it
    leaves out."""
    best, greedy, loud = portfolio.compare(case.CANDIDATES, case.BUDGET, case.CAPACITY)
    assert best.value - greedy.value == pytest.approx(50)
    assert best.value - loud.value == pytest.approx(620)
    assert "Dynamic pricing" in loud.left_out
    assert set(greedy.chosen) | set(greedy.left_out) == {i.name for i in case.CANDIDATES}


# ------------------------------------------------------------------------------ benefits ---


def test_benefits_register_owner_plan_and_lateness() -> None:
    """A benefit with no owner is found; the plan ramps to the target; benefits short of plan at
    the review are late (one never measured among them)."""
    assert benefits.without_owner(case.BENEFITS) == ["B3"]
    b1 = case.BENEFITS[0]
    assert b1.planned(3) == 0
    assert b1.planned(12) == pytest.approx(30)
    assert b1.planned(8) == pytest.approx(30 * 5 / 9)
    assert benefits.behind_plan(case.BENEFITS, case.MEASURED, 12) == ["B1", "B3", "B4"]
    table = benefits.tracking(case.BENEFITS, case.MEASURED, 15)
    assert table["planned"].is_monotonic_increasing
    assert table["realised"].iloc[-1] < table["planned"].iloc[-1]


# ------------------------------------------------------------------------------ feedback ---


def test_numbers_are_read_as_participants_type_them() -> None:
    """Numbers, "12.5%" and "80,015" read; text and booleans do not."""
    assert as_number("12.5%") == pytest.approx(0.125)
    assert as_number("80,015") == pytest.approx(80_015)
    assert as_number(True) is None
    assert as_number("abc") is None


def test_a_known_mistake_is_named() -> None:
    """An answer matching a known wrong method says which mistake it is."""
    fb = check_number("x", 8, 0.08, tolerance=1e-9, what="a rate", hint="decimals",
                      mistakes={"pass the percentage itself": 8.0})  # fmt: skip
    assert fb.status is Status.TRY_AGAIN
    assert "percentage itself" in fb.message
    assert "decimals" in fb.hint
    assert "<b>" in fb._repr_html_()


CHECKS = {name[len("check_"):]: getattr(exercises, name) for name in dir(exercises)
          if name.startswith("check_")
          and getattr(exercises, name).__module__ == exercises.__name__}  # fmt: skip


def test_every_exercise_has_a_check_and_a_model_answer() -> None:
    """Each check has a model answer and each model answer a check."""
    assert set(CHECKS) == set(exercises.SOLUTIONS)


@pytest.mark.parametrize("key", sorted(exercises.SOLUTIONS))
def test_each_check_waits_passes_and_explains(key: str) -> None:
    """`...` is "not answered yet"; the model answer passes; a wrong answer gets a reason and a
    hint, never a bare "wrong"."""
    check = CHECKS[key]
    assert check(...).status is Status.NOT_ANSWERED
    assert check(exercises.model_answer(key)).passed, check(exercises.model_answer(key))
    wrong = WRONG[key]
    fb = check(wrong)
    assert fb.status is Status.TRY_AGAIN, fb
    assert len(fb.message) > 15
    assert fb.hint


WRONG = {
    "classification": {p: "execution" for p in exercises.PRACTICES},
    "paths": {org: "evolve" for org in exercises.sample_paths()},
    "hold": "evolve",
    "npv": finance.excel_npv(case.DISCOUNT_RATE, case.BUSINESS_CASE_FLOWS),
    "irr": 18.82,
    "two_irrs": 1,
    "discounted_payback": 2.0,
    "nps": 100 * (7 - 5) / 12,
    "rate_entry": 8,
    "wsjf_order": list(reversed(prioritise.by_wsjf(case.BACKLOG))),
    "delay_saving": 0,
    "portfolio": ["Dynamic pricing", "Fleet telematics", "Customs e-filing", "Emissions reporting"],
    "sponsor_gap": 0,
    "unowned": ["B1"],
    "behind": ["B1"],
    "largest_gap": "PB-GOV",
    "path_changes": True,
    "capacity_effect": 0,
}


def test_wrong_answers_name_the_mistake() -> None:
    """Excel's NPV, percent IRR, passives left out and an over-budget portfolio are each named."""
    assert "Excel" in exercises.check_npv(WRONG["npv"]).message
    assert "percent" in exercises.check_irr(WRONG["irr"]).message
    assert "passives" in exercises.check_nps(WRONG["nps"]).message
    assert "over the limit" in exercises.check_portfolio(WRONG["portfolio"]).message
    assert "B1 should not be there" in exercises.check_unowned(["B1", "B3"]).message


# --------------------------------------------------------------------------- calculators ---


def test_calculators_show_what_their_twins_compute() -> None:
    """Each widget shows its plain function's result for its starting values."""
    rows = dict(widgets.business_case_rows(case.DISCOUNT_RATE, case.BUSINESS_CASE_FLOWS))
    assert rows["NPV (numpy-financial: first flow at t = 0)"] == "80,015"
    shown = widgets.business_case_calculator().children[-1].value
    assert "80,015" in shown
    assert "72,741" in shown
    assert "value 1950" in dict(widgets.portfolio_rows(900, 60))["best (exact)"]
    assert "value 1950" in widgets.portfolio_calculator().children[-1].value
    assert "+10.0" in widgets.nps_calculator().children[-1].value
    assert len(widgets.orders_rows(case.BACKLOG)) == 3


# ------------------------------------------------------------------------------- copying ---


def test_training_copies_the_modules_without_overwriting(tmp_path: Path) -> None:
    """`pmo2vmo training --out DIR` copies the six modules and the agenda; the facilitator notes
    only when asked; a second copy into the same folder is refused, exit 2, nothing changed."""
    assert len(module_notebooks()) == 6
    runner = CliRunner()
    result = runner.invoke(main, ["training", "--out", str(tmp_path / "session")])
    assert result.exit_code == 0, result.output
    copied = sorted(p.name for p in (tmp_path / "session").iterdir())
    assert copied == sorted([p.name for p in module_notebooks()] + ["README.md"])
    assert "jupyter lab" in result.output
    before = (tmp_path / "session" / "README.md").stat().st_mtime_ns
    result = runner.invoke(main, ["training", "--out", str(tmp_path / "session")])
    assert result.exit_code == 2
    assert "already exist" in result.output
    assert (tmp_path / "session" / "README.md").stat().st_mtime_ns == before
    notes = copy_modules(tmp_path / "trainer", facilitator_notes=True)
    assert len([p for p in notes if p.parent.name == "facilitator"]) == 6


# -------------------------------------------------------------------- review edge cases ---


def test_payback_is_when_the_total_turns_positive_for_good() -> None:
    """A leading zero, a total that dips again, and one that ends negative are each handled."""
    assert finance.payback([0, -100, 150]) == pytest.approx(1 + 100 / 150)
    assert finance.payback([100, -200, 150]) == pytest.approx(1 + 100 / 150)
    assert finance.payback([-100, 150, -200]) is None
    assert finance.payback([-100, 150, -100, 10]) is None
    assert finance.payback([10, 20]) == 0.0


def test_irr_finds_close_and_far_roots_exactly() -> None:
    """Roots 0.17 points apart, and one at -99.5 % beside 200 %, are all reported."""
    a, b = 1.09893, 1.10059
    close = finance.irr([-1, a + b, -(a * b)])
    assert close.value is None
    assert close.roots == pytest.approx((a - 1, b - 1), abs=1e-9)
    far = finance.irr([-1, 3.005, -0.015])
    assert far.roots == pytest.approx((-0.995, 2.0), abs=1e-9)


def test_odd_answers_get_feedback_not_a_crash() -> None:
    """numpy numbers count as numbers; huge numbers, None and dicts get feedback; duplicates and
    unknown labels are named; a rounded figure never contradicts the verdict."""
    import numpy as np

    assert exercises.check_capacity_effect(np.int64(exercises.capacity_effect())).passed
    assert exercises.check_npv(np.float32(80_015.03)).passed
    for odd in (10**400, None, {"a": 1}, float("nan")):
        assert exercises.check_npv(odd).status is Status.TRY_AGAIN
    assert "listed more than once" in exercises.check_unowned(["B3", "B3"]).message
    assert (
        "not 'maybe'"
        in exercises.check_classification({p: "maybe" for p in exercises.PRACTICES}).message
    )
    assert "0.081" in exercises.check_rate_entry(0.081).message
    assert exercises.check_hold("Hold and reset").passed
    assert finance.nps(np.array([10, 9, 3])).score == pytest.approx(100 / 3)
    with pytest.raises(ValueError, match="0-10"):
        finance.nps([True, 10])


def test_portfolio_inputs_are_checked() -> None:
    """Negative costs and duplicate names are refused; greedy never takes a negative value."""
    with pytest.raises(ValueError, match="negative"):
        portfolio.Initiative("x", 1, -1, 1, 1)
    twins = (portfolio.Initiative("x", 1, 1, 1, 1), portfolio.Initiative("x", 2, 1, 1, 1))
    with pytest.raises(ValueError, match="own name"):
        portfolio.best_portfolio(twins, 5, 5)
    items = (portfolio.Initiative("good", 100, 10, 1, 2), portfolio.Initiative("bad", -50, 1, 1, 1))
    assert portfolio.greedy_by_ratio(items, 100, 10).chosen == ("good",)
    assert portfolio.loudest_sponsor_first(items, 100, 10).chosen == ("good",)


def test_copying_never_writes_through_a_link_or_leaves_a_partial_copy(tmp_path: Path) -> None:
    """A dangling link in OUT is a taken name; a file where the facilitator folder goes is an
    error with nothing left behind."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").symlink_to(tmp_path / "elsewhere.md")
    with pytest.raises(Exception, match="already exist"):
        copy_modules(out)
    assert not (tmp_path / "elsewhere.md").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "facilitator").write_text("not a folder")
    with pytest.raises(Exception, match="cannot copy"):
        copy_modules(other, facilitator_notes=True)
    assert sorted(p.name for p in other.iterdir()) == ["facilitator"]
