"""The modules' calculators: ipywidgets over a plain function each (the function is what the
tests call; the widget only moves its inputs and shows its result)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets

from pmo2vmo.render.show import show_records
from pmo2vmo.training import case, finance, portfolio, prioritise


def _rows(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{html.escape(k)}</td><td><b>{html.escape(v)}</b></td></tr>"
                   for k, v in rows)  # fmt: skip
    return f"<table>{body}</table>"


def business_case_rows(rate: float, flows: Sequence[float]) -> list[tuple[str, str]]:
    """What the business-case calculator shows for ``rate`` and ``flows`` (its twin)."""
    result = finance.business_case(rate, flows)

    def years(value: float | None) -> str:
        return "never within the flows" if value is None else f"{value:.2f} years"

    return [
        ("NPV (numpy-financial: first flow at t = 0)", f"{result.npv:,.0f}"),
        ("NPV as Excel's NPV() gives it (first flow discounted)", f"{result.excel_npv:,.0f}"),
        ("IRR", result.irr.message),
        ("ROI (total gain − total cost) ÷ cost, undiscounted", f"{result.roi:.1%}"),
        ("Payback", years(result.payback)),
        ("Discounted payback", years(result.discounted_payback)),
    ]


def business_case_calculator() -> widgets.Widget:
    """Sliders over the platform's business case; the metrics update as they move."""
    rate = widgets.FloatSlider(value=case.DISCOUNT_RATE, min=0.0, max=0.30, step=0.01,
                               description="Rate", readout_format=".0%")  # fmt: skip
    flows = [widgets.FloatText(value=v, description=f"Year {t}")
             for t, v in enumerate(case.BUSINESS_CASE_FLOWS)]  # fmt: skip
    out = widgets.HTML()

    def update(_change: object = None) -> None:
        try:
            out.value = _rows(business_case_rows(rate.value, [f.value for f in flows]))
        except ValueError as exc:
            out.value = f"<p>{html.escape(str(exc))}</p>"

    for control in (rate, *flows):
        control.observe(update, names="value")
    update()
    return widgets.VBox([rate, *flows, out])


def nps_from_counts(promoters: int, passives: int, detractors: int) -> float:
    """NPS from the three counts (the NPS calculator's twin)."""
    return finance.nps([10] * promoters + [8] * passives + [0] * detractors).score


def nps_calculator() -> widgets.Widget:
    """Counts of promoters, passives and detractors; the NPS as they move."""
    sliders = [widgets.IntSlider(value=v, min=0, max=50, description=d)
               for v, d in ((8, "Promoters"), (6, "Passives"), (6, "Detractors"))]  # fmt: skip
    out = widgets.HTML()

    def update(_change: object = None) -> None:
        counts = [s.value for s in sliders]
        if sum(counts) == 0:
            out.value = "<p>No ratings.</p>"
            return
        out.value = (
            f"<p>NPS <b>{nps_from_counts(*counts):+.1f}</b> (passives count in the total)</p>"
        )

    for s in sliders:
        s.observe(update, names="value")
    update()
    return widgets.VBox([*sliders, out])


def orders_rows(items: Sequence[prioritise.BacklogItem]) -> list[tuple[str, str]]:
    """Each order and its delay cost (the backlog explorer's twin)."""
    return [(f"{name}: {' → '.join(order)}", f"{cost:,.0f}")
            for name, (order, cost) in prioritise.compare_orders(items).items()]  # fmt: skip


def portfolio_rows(budget: int, capacity: int) -> list[tuple[str, str]]:
    """The three selections under ``budget`` and ``capacity`` (the portfolio calculator's twin)."""
    return [(s.method, f"value {s.value:g}, cost {s.cost}, {s.people} person-months; leaves out "
             + (", ".join(s.left_out) or "nothing"))
            for s in portfolio.compare(case.CANDIDATES, budget, capacity)]  # fmt: skip


def portfolio_calculator() -> widgets.Widget:
    """Budget and capacity sliders; what each way of choosing takes and leaves out."""
    budget = widgets.IntSlider(value=case.BUDGET, min=100, max=1_600, step=50,
                               description="Budget (k)")  # fmt: skip
    capacity = widgets.IntSlider(value=case.CAPACITY, min=10, max=100, step=5,
                                 description="People (pm)")  # fmt: skip
    out = widgets.HTML()

    def update(_change: object = None) -> None:
        out.value = _rows(portfolio_rows(budget.value, capacity.value))

    budget.observe(update, names="value")
    capacity.observe(update, names="value")
    update()
    return widgets.VBox([budget, capacity, out])


def show_table(rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows of plain values as an escaped table, headed by their keys."""
    show_records(list(rows), {k: k for k in (rows[0] if rows else {})})
