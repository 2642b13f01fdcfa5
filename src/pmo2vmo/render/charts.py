"""Charts as pure functions: scores, decision or roadmap in, a plotly ``Figure`` out.

No chart reads files or global state, so notebooks, reports and tests draw the same thing from the
same data. Colours come from the Okabe–Ito palette (distinguishable with the common colour-vision
deficiencies); suppressed groups are drawn as suppressed, never as zero or blank.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from pmo2vmo.analysis.roadmap import Roadmap
from pmo2vmo.analysis.scoring import OrganisationScores
from pmo2vmo.analysis.transition import Decision
from pmo2vmo.model.results import Status

# Okabe & Ito (2008), "Color Universal Design": safe for protanopia, deuteranopia, tritanopia.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
CURRENT, TARGET, PREVIOUS = PALETTE[0], PALETTE[1], "#7f7f7f"
SUPPRESSED_FILL = "#d9d9d9"
FONT = {"family": "Segoe UI, Helvetica, Arial, sans-serif", "size": 13}
LEVEL_TICKS = {"tickmode": "array", "tickvals": [1, 2, 3, 4, 5]}


def label(text: object) -> str:
    """Text for a chart, shown as written: plotly renders markup in labels, titles and hover
    text (``<a href>`` becomes a clickable link, ``<b>`` bold), so every string that comes from
    data — client names, groups, levels, titles — goes in escaped; plotly shows the entities as
    the characters they stand for."""
    return html.escape(str(text), quote=False)


def _figure(traces: Sequence[Any], title: str, height: int = 480, **layout: Any) -> go.Figure:
    """The chart: ``traces`` under the common layout (``title`` is escaped here: pass it as
    plain text) and the chart's own ``layout`` properties.

    The figure is built in one go, layout included: setting layout properties on an existing
    figure (``update_layout``, ``update_xaxes``, ``add_hline``) costs plotly 10–15 ms a call,
    ten times what the constructor takes for the same properties.
    """
    common = {
        "title": {"text": label(title), "x": 0.01, "xanchor": "left"},
        "font": FONT,
        "height": height,
        "margin": {"l": 60, "r": 30, "t": 70, "b": 50},
        "plot_bgcolor": "white",
        "legend": {"orientation": "h", "y": -0.12},
    }
    return go.Figure(data=list(traces), layout={**layout, **common})


def _rule(axis: str, at: float, text: str | None = None) -> dict[str, Any]:
    """A dashed grey line across the plot at ``at`` on ``axis`` ("x": vertical, "y":
    horizontal), as ``add_vline`` / ``add_hline`` draw it; with ``text``, its label."""
    other = "y" if axis == "x" else "x"
    shape = {"line": {"color": "#555555", "dash": "dash"}, "type": "line",
             f"{axis}0": at, f"{axis}1": at, f"{axis}ref": axis,
             f"{other}0": 0, f"{other}1": 1, f"{other}ref": f"{other} domain"}  # fmt: skip
    if text is None:
        return {"shapes": [shape]}
    note = {"showarrow": False, "text": text, other: 1, "xanchor": "right",
            f"{other}ref": f"{other} domain", axis: at, "yanchor": "bottom",
            f"{axis}ref": axis}  # fmt: skip
    return {"shapes": [shape], "annotations": [note]}


def pillar_colours(org: OrganisationScores) -> dict[str, str]:
    """A colour per pillar, in reporting order."""
    return {p.id: PALETTE[i % len(PALETTE)] for i, p in enumerate(org.pillars)}


def radar(
    org: OrganisationScores,
    targets: Mapping[str, float] | None = None,
    previous: Mapping[str, float | None] | None = None,
) -> go.Figure:
    """Dimension scores on a radar: current against target (and a previous assessment)."""
    dims = org.dimensions
    labels = [label(f"{d.name} ({d.id})") for d in dims]
    closed = [*labels, labels[0]]

    def ring(values: Sequence[float | None]) -> list[float | None]:
        return [*values, values[0]]

    traces = []
    if previous is not None:
        traces.append(go.Scatterpolar(
            r=ring([previous.get(d.id) for d in dims]), theta=closed, name="Previous",
            line={"color": PREVIOUS, "dash": "dot"},
        ))  # fmt: skip
    target = [(targets or {}).get(d.id, d.target) for d in dims]
    traces.append(go.Scatterpolar(
        r=ring(target), theta=closed, name="Target", line={"color": TARGET, "dash": "dash"},
    ))  # fmt: skip
    traces.append(go.Scatterpolar(
        r=ring([d.score for d in dims]), theta=closed, name="Current", fill="toself",
        line={"color": CURRENT}, fillcolor="rgba(0,114,178,0.18)",
    ))  # fmt: skip
    return _figure(traces, f"{org.organisation}: current against target, by dimension", 640,
                   polar={"radialaxis": {"range": [0, 5], **LEVEL_TICKS},
                          "angularaxis": {"tickfont": {"size": 10}}})  # fmt: skip


def pillar_bars(org: OrganisationScores) -> go.Figure:
    """Pillar scores with their achieved (weakest-link) level written on each bar."""
    colours = pillar_colours(org)
    bars = go.Bar(
        x=[label(p.name) for p in org.pillars],
        y=[p.score for p in org.pillars],
        marker_color=[colours[p.id] for p in org.pillars],
        text=[
            "no score" if p.score is None
            else label(f"{p.score:.2f} · achieved level {p.achieved_level} "
                       f"{p.achieved_level_name}")
            for p in org.pillars
        ],
        textposition="outside",
        hovertemplate="%{x}: %{y:.2f}<extra></extra>",
    )  # fmt: skip
    return _figure([bars], f"{org.organisation}: pillar scores and achieved levels", 420,
                   yaxis={"range": [0, 5.5], "title": {"text": "Score (1–5)"}, **LEVEL_TICKS,
                          "gridcolor": "#eeeeee"})  # fmt: skip


def dimension_bars(
    org: OrganisationScores, targets: Mapping[str, float] | None = None
) -> go.Figure:
    """Dimension scores as horizontal bars by pillar, with the target marked on each."""
    colours = pillar_colours(org)
    dims = list(reversed(org.dimensions))
    labels = [label(f"{d.name} ({d.id})") for d in dims]
    traces = []
    for pillar in org.pillars:
        mine = [d for d in dims if d.pillar == pillar.id]
        traces.append(go.Bar(
            y=[label(f"{d.name} ({d.id})") for d in mine], x=[d.score for d in mine],
            orientation="h", name=label(pillar.name), marker_color=colours[pillar.id],
            hovertemplate="%{y}: %{x:.2f}<extra></extra>",
        ))  # fmt: skip
    traces.append(go.Scatter(
        y=labels, x=[(targets or {}).get(d.id, d.target) for d in dims], mode="markers",
        name="Target", marker={"symbol": "line-ns-open", "size": 18, "color": "#000000",
                               "line": {"width": 3}},
    ))  # fmt: skip
    return _figure(traces, f"{org.organisation}: dimension scores against target", 760,
                   xaxis={"range": [0, 5], "title": {"text": "Score (1–5)"}, **LEVEL_TICKS,
                          "gridcolor": "#eeeeee"},
                   yaxis={"categoryorder": "array", "categoryarray": labels,
                          "automargin": True})  # fmt: skip


def item_heatmap(org: OrganisationScores) -> go.Figure:
    """How respondents answered each question: share of each level, N/A and Don't know."""
    columns = ["1", "2", "3", "4", "5", "N/A", "Don't know"]
    items = list(reversed(org.items))
    shares, texts = [], []
    for item in items:
        counts = [*item.distribution, item.not_applicable, item.dont_know]
        total = sum(counts) or 1
        shares.append([c / total for c in counts])
        texts.append([str(c) if c else "" for c in counts])
    heatmap = go.Heatmap(
        z=shares, x=columns, y=[i.id for i in items], text=texts, texttemplate="%{text}",
        colorscale=[[0, "#ffffff"], [1, CURRENT]], zmin=0, zmax=1,
        colorbar={"title": "Share", "tickformat": ".0%"},
        hovertemplate="%{y}, %{x}: %{z:.0%} of answers<extra></extra>",
    )  # fmt: skip
    return _figure([heatmap], f"{org.organisation}: answers per question",
                   max(500, 18 * len(items)), xaxis={"side": "top"},
                   yaxis={"tickmode": "array", "tickvals": [i.id for i in items],
                          "tickfont": {"size": 10}})  # fmt: skip


def consensus_view(org: OrganisationScores, threshold: float = 0.6) -> go.Figure:
    """Each question's score against its consensus; disputed questions stand out."""
    scored = [i for i in org.items if i.score is not None and i.consensus is not None]
    traces = []
    for disputed, name, colour in ((False, "Agreement", CURRENT), (True, "Disputed", PALETTE[5])):
        mine = [i for i in scored if i.disputed is disputed]
        traces.append(go.Scatter(
            x=[i.score for i in mine], y=[i.consensus for i in mine], mode="markers",
            name=name, text=[i.id for i in mine],
            marker={"color": colour, "size": 10, "symbol": "diamond" if disputed else "circle"},
            hovertemplate="%{text}: score %{x:.2f}, consensus %{y:.2f}<extra></extra>",
        ))  # fmt: skip
    return _figure(traces, f"{org.organisation}: do stakeholders agree?", 460,
                   **_rule("y", threshold, f"disputed below {threshold:g}"),
                   xaxis={"range": [1, 5], "title": {"text": "Score (1–5)"}, **LEVEL_TICKS,
                          "gridcolor": "#eeeeee"},
                   yaxis={"range": [0, 1.05],
                          "title": {"text": "Consensus (Tastle & Wierman, 0–1)"},
                          "gridcolor": "#eeeeee"})  # fmt: skip


def perception_gaps(org: OrganisationScores, group_by: str = "role_band") -> go.Figure:
    """Dimension scores per group; suppressed groups and dimensions are marked, never drawn."""
    rows = [b for b in org.breakouts if b.group_by == group_by]
    dims = [d.id for d in org.dimensions]
    groups = [label(org.group_name(b, short=True)) for b in rows]
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for dim in dims:
        z_row, t_row = [], []
        for b in rows:
            value = (b.dimensions or {}).get(dim)
            z_row.append(value)
            if b.status is Status.SUPPRESSED or (
                b.shown and value is None and dim in b.suppressed_dimensions
            ):
                t_row.append("suppressed")
            elif value is None:
                t_row.append("no data")
            else:
                t_row.append(f"{value:.1f}")
        z.append(z_row)
        text.append(t_row)
    heatmap = go.Heatmap(
        z=z, x=[f"{g} (suppressed)" if b.status is Status.SUPPRESSED else g
                for g, b in zip(groups, rows, strict=True)],
        y=[label(d) for d in dims], text=text, texttemplate="%{text}", zmin=1, zmax=5,
        colorscale=[[0, PALETTE[5]], [0.5, "#ffffff"], [1, CURRENT]],
        colorbar={"title": "Score"}, hoverongaps=False,
    )  # fmt: skip
    noun = "role band" if group_by == "role_band" else group_by
    return _figure([heatmap], f"{org.organisation}: how each {noun} sees it",
                   max(480, 24 * len(dims)),
                   yaxis={"autorange": "reversed", "tickmode": "array",
                          "tickvals": [label(d) for d in dims]})  # fmt: skip


def readiness_bars(decision: Decision, thresholds: Sequence[float] = (50,)) -> go.Figure:
    """Readiness indices (0–100) with their achieved levels."""
    items = list(decision.readiness.values())
    bars = go.Bar(
        x=[v.value for v in items], y=[label(v.label) for v in items], orientation="h",
        marker_color=[PALETTE[i] for i in range(len(items))],
        text=[f"{v.value:.1f} · level {v.achieved_level}" if v.value is not None
              else "no score" for v in items],
        textposition="outside", hovertemplate="%{y}: %{x:.1f}<extra></extra>",
    )  # fmt: skip
    shapes = [shape for t in thresholds for shape in _rule("x", t)["shapes"]]
    return _figure([bars], f"{decision.organisation}: readiness — {decision.path_name}", 360,
                   shapes=shapes,
                   xaxis={"range": [0, 110], "title": {"text": "Readiness (0–100)"},
                          "gridcolor": "#eeeeee"},
                   yaxis={"autorange": "reversed"})  # fmt: skip


def roadmap_gantt(roadmap: Roadmap) -> go.Figure:
    """The roadmap as a Gantt chart, one bar per initiative, coloured by phase."""
    phases = list(dict.fromkeys(label(p.name) for p in roadmap.phases))
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(phases)}
    traces = []
    items = roadmap.items
    labels = [label(f"{i.initiative.title}{' ★' if i.quick_win else ''}") for i in items]
    for phase in phases:
        mine = [(text, i) for text, i in zip(labels, items, strict=True) if label(i.phase) == phase]
        if not mine:
            continue
        traces.append(go.Bar(
            y=[text for text, _ in mine],
            x=[_ms(i.end + dt.timedelta(days=1)) - _ms(i.start) for _, i in mine],
            base=[i.start.isoformat() for _, i in mine], orientation="h", name=phase,
            marker_color=colours[phase],
            customdata=[[label(i.initiative.id), i.start.isoformat(), i.end.isoformat(),
                         i.initiative.effort] for _, i in mine],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]} to %{customdata[2]}"
                          "<br>%{customdata[3]} person-months<extra></extra>",
        ))  # fmt: skip
    title = f"{roadmap.organisation}: roadmap by phase (★ quick win)"
    return _figure(traces, title, max(360, 28 * len(items) + 140), barmode="overlay",
                   xaxis={"type": "date", "title": {"text": ""}, "gridcolor": "#eeeeee"},
                   yaxis={"categoryorder": "array", "categoryarray": list(reversed(labels)),
                          "automargin": True})  # fmt: skip


def _ms(day: dt.date) -> float:
    """Milliseconds since the epoch: plotly's unit for date-axis bar lengths."""
    return (day - dt.date(1970, 1, 1)).total_seconds() * 1000


def figures(
    org: OrganisationScores,
    decision: Decision | None = None,
    roadmap: Roadmap | None = None,
    previous: Mapping[str, float | None] | None = None,
) -> dict[str, go.Figure]:
    """Every chart for one organisation, by name (what reports and notebooks show); the radar
    shows ``previous`` dimension scores too when given."""
    targets = decision.target_levels if decision else None
    out: dict[str, Any] = {
        "radar": radar(org, targets, previous),
        "pillars": pillar_bars(org),
        "dimensions": dimension_bars(org, targets),
        "items": item_heatmap(org),
        "consensus": consensus_view(org),
        "perception_role_band": perception_gaps(org, "role_band"),
        "perception_unit": perception_gaps(org, "unit"),
    }
    if decision is not None:
        out["readiness"] = readiness_bars(decision)
    if roadmap is not None and roadmap.items:
        out["roadmap"] = roadmap_gantt(roadmap)
    return out
