"""A benefits register, tracked beyond project closure.

Each benefit has an owner (a business manager, not the project manager), a baseline, a target
and a month by which the target should be reached; measurements are recorded month by month,
also after the project closed. This follows *Managing Benefits* (APMG, 2nd ed.): benefits are
owned in the business, measured against a baseline, and realised after delivery — which is the
VMO's job, not the project's (seeds 000 and 003: tracking value beyond project closure).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go


@dataclass(frozen=True)
class Benefit:
    """One benefit in the register."""

    id: str
    description: str
    owner: str | None
    unit: str
    baseline: float
    target: float
    start_month: int  # the month the benefit starts to build up (1 = the first)
    target_month: int  # the month by which the target should be reached

    def planned(self, month: int) -> float:
        """The planned gain over the baseline by ``month`` (a straight ramp to the target)."""
        if month < self.start_month:
            return 0.0
        span = max(1, self.target_month - self.start_month + 1)
        done = min(1.0, (month - self.start_month + 1) / span)
        return (self.target - self.baseline) * done


def register(benefits: Sequence[Benefit]) -> pd.DataFrame:
    """The register as a table."""
    return pd.DataFrame([b.__dict__ for b in benefits])


def without_owner(benefits: Sequence[Benefit]) -> list[str]:
    """The benefits nobody owns (no one will be there to realise them after closure)."""
    return [b.id for b in benefits if not (b.owner or "").strip()]


def tracking(benefits: Sequence[Benefit], measured: Mapping[str, Mapping[int, float]],
             months: int) -> pd.DataFrame:  # fmt: skip
    """Month by month, planned and realised gain over the baseline, in money-free units summed
    as shares of each benefit's target gain (so benefits in different units can be added)."""
    rows = []
    for month in range(1, months + 1):
        planned = realised = 0.0
        for b in benefits:
            gain = b.target - b.baseline
            if gain == 0:
                continue
            planned += b.planned(month) / gain
            values = {m: v for m, v in measured.get(b.id, {}).items() if m <= month}
            if values:
                realised += (values[max(values)] - b.baseline) / gain
        rows.append({"month": month, "planned": planned, "realised": realised})
    return pd.DataFrame(rows)


def burn_up(benefits: Sequence[Benefit], measured: Mapping[str, Mapping[int, float]], months: int,
            closure_month: int | None = None) -> go.Figure:  # fmt: skip
    """The benefits burn-up: realised against planned, in benefits' worth of target gain."""
    table = tracking(benefits, measured, months)
    fig = go.Figure([
        go.Scatter(x=table["month"], y=table["planned"], name="Planned", line={"dash": "dash"}),
        go.Scatter(x=table["month"], y=table["realised"], name="Realised", mode="lines+markers"),
    ])  # fmt: skip
    if closure_month is not None:
        fig.add_vline(x=closure_month, line_dash="dot",
                      annotation_text="project closed")  # fmt: skip
    fig.update_layout(title={"text": "Benefits burn-up (1.0 = one benefit's full target gain)"},
                      xaxis={"title": "month"}, yaxis={"title": "benefits realised"},
                      template="simple_white", height=400)  # fmt: skip
    return fig


def behind_plan(benefits: Sequence[Benefit], measured: Mapping[str, Mapping[int, float]],
                month: int, tolerance: float = 0.1) -> list[str]:  # fmt: skip
    """Benefits whose latest measure by ``month`` is more than ``tolerance`` of their target gain
    behind plan (or never measured while something was planned)."""
    late = []
    for b in benefits:
        gain = b.target - b.baseline
        planned = b.planned(month)
        values = {m: v for m, v in measured.get(b.id, {}).items() if m <= month}
        realised = (values[max(values)] - b.baseline) if values else 0.0
        if gain and (planned - realised) / gain > tolerance:
            late.append(b.id)
    return late
