"""Charts: pure functions from scores, decision and roadmap to plotly figures."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import pytest

from pmo2vmo.analysis.plan import OrganisationPlan, roadmap_files
from pmo2vmo.model.profile import Profile
from pmo2vmo.render import charts


@pytest.fixture(scope="module")
def plans(samples: dict[str, tuple[Path, Profile]]) -> dict[str, OrganisationPlan]:
    out = {}
    for slug, (data, _) in samples.items():
        report = roadmap_files([data], profile=data.with_suffix(".yaml"))
        out[slug] = report.organisations[0]
    return out


def test_every_chart_is_a_titled_figure(plans: dict[str, OrganisationPlan]) -> None:
    """figures() returns one titled plotly Figure per view, roadmap and readiness included."""
    plan = plans["harbor-mutual"]
    figs = charts.figures(plan.scores, plan.decision, plan.roadmap)
    assert set(figs) == {"radar", "pillars", "dimensions", "items", "consensus",
                         "perception_role_band", "perception_unit", "readiness", "roadmap"}  # fmt: skip
    for name, fig in figs.items():
        assert isinstance(fig, go.Figure), name
        assert plan.scores.organisation in fig.layout.title.text, name
        assert fig.data, name


def test_radar_draws_current_target_and_previous(plans: dict[str, OrganisationPlan]) -> None:
    """The radar closes its rings and shows previous scores only when given."""
    org = plans["lumen-digital"].scores
    fig = charts.radar(org)
    assert [t.name for t in fig.data] == ["Target", "Current"]
    current = fig.data[1]
    assert len(current.r) == len(org.dimensions) + 1
    assert current.r[0] == current.r[-1]
    previous = {d.id: 2.0 for d in org.dimensions}
    assert charts.radar(org, previous=previous).data[0].name == "Previous"


def test_suppressed_groups_are_drawn_as_suppressed(plans: dict[str, OrganisationPlan]) -> None:
    """A suppressed role band has no values in the heatmap and is labelled suppressed."""
    org = plans["northwind-utilities"].scores
    fig = charts.perception_gaps(org, "role_band")
    heat = fig.data[0]
    suppressed = [i for i, label in enumerate(heat.x) if label.endswith("(suppressed)")]
    assert suppressed, heat.x
    for row_z, row_text in zip(heat.z, heat.text, strict=True):
        for i in suppressed:
            assert row_z[i] is None
            assert row_text[i] == "suppressed"


def test_gantt_spans_each_item_from_start_to_end(plans: dict[str, OrganisationPlan]) -> None:
    """Each roadmap bar starts on the item's start date and lasts until the day after its end."""
    roadmap = plans["northwind-utilities"].roadmap
    fig = charts.roadmap_gantt(roadmap)
    bars = sum(len(t.y) for t in fig.data)
    assert bars == len(roadmap.items)
    first = roadmap.items[0]
    trace = next(t for t in fig.data if t.name == first.phase)
    index = [row[0] for row in trace.customdata].index(first.initiative.id)
    assert trace.base[index] == first.start.isoformat()
    days = trace.x[index] / 86_400_000
    assert days == (first.end - first.start).days + 1


def test_charts_are_deterministic(plans: dict[str, OrganisationPlan]) -> None:
    """The same data gives the same figure JSON."""
    plan = plans["harbor-mutual"]
    first = {k: f.to_json() for k, f in charts.figures(plan.scores, plan.decision).items()}
    second = {k: f.to_json() for k, f in charts.figures(plan.scores, plan.decision).items()}
    assert first == second


def test_palette_is_the_colour_blind_safe_one(plans: dict[str, OrganisationPlan]) -> None:
    """Pillar colours come from the Okabe–Ito palette, one distinct colour each."""
    colours = charts.pillar_colours(plans["lumen-digital"].scores)
    assert len(set(colours.values())) == len(colours)
    assert set(colours.values()) <= set(charts.PALETTE)
