"""The client report's sections, one builder each, in reading order; their wording from YAML.

Each ``*_section`` function turns part of one organisation's plan into a
:class:`~pmo2vmo.render.report_model.Section`; :func:`build_sections` returns all ten in the order
the client reads them. Wording lives in ``templates/report.yaml`` (:func:`report_text`); its
placeholders are filled with ``str.format`` on our own strings, and client text only ever arrives
as a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pmo2vmo.analysis.plan import OrganisationPlan
from pmo2vmo.model.results import Status
from pmo2vmo.render import charts
from pmo2vmo.render.report_model import Block, Chart, Section, Table, Text
from pmo2vmo.resources import data_dir
from pmo2vmo.util.text import capital, figure
from pmo2vmo.util.yamlio import read_yaml

SUPPRESSED = Status.SUPPRESSED  # kept for importers; compare with ``Status`` members

Figures = Mapping[str, Any]  # chart id → plotly figure, from charts.figures


@cache
def report_text() -> dict[str, Any]:
    """The wording of the report (``templates/report.yaml``)."""

    data: dict[str, Any] = read_yaml(data_dir("templates") / "report.yaml")
    return data


def _intro(key: str, **values: Any) -> Text:
    """A section's introduction, its placeholders filled with ``values``."""
    text = report_text()["sections"][key]
    return Text(tuple(p.format(**values) for p in text["intro"]))


def _title(key: str) -> str:
    """A section's title."""
    title: str = report_text()["sections"][key]["title"]
    return title


# ------------------------------------------------------------------------ executive summary ---


def _recommendation(plan: OrganisationPlan) -> Text:
    """The recommended path (or the evidence missing for one), then what each gate found."""
    decision = plan.decision
    summary_words = report_text()["sections"]["summary"]
    if decision.archetype is None:
        lines = [summary_words["insufficient"].format(missing="; ".join(decision.missing))]
    else:
        lines = [
            summary_words["recommendation"].format(archetype=decision.archetype.name),
            summary_words["why"].format(reasons="; ".join(decision.reasons)),
        ]
    for gate in decision.gates:
        key = "gate_fired" if gate.fired else "gate_clear" if gate.judged else "gate_unjudged"
        lines.append(summary_words[key].format(gate=gate.name, reason=gate.reason))
    return Text(tuple(lines), heading="Recommendation")


def _headline(plan: OrganisationPlan) -> Table:
    """Respondents, the overall score, the readiness indices and the size of the plan."""
    org, decision = plan.scores, plan.decision
    return Table(
        "Headline figures",
        ("Measure", "Value"),
        (
            ("Respondents", org.respondents),
            ("Overall score (1–5)", figure(org.overall)),
            *((capital(v.label) + " (0–100)", figure(v.value, 0))
              for v in decision.readiness.values()),
            ("Initiatives planned", len(plan.roadmap.items)),
        ),
    )  # fmt: skip


def _biggest_gaps(plan: OrganisationPlan, min_gap: float) -> Table:
    """The five dimensions furthest below target (by at least ``min_gap``)."""
    targets = plan.decision.target_levels
    scored = [(d, targets[d.id] - d.score) for d in plan.scores.dimensions if d.score is not None]
    gaps = sorted(
        ((d, gap) for d, gap in scored if gap >= min_gap), key=lambda dg: (-dg[1], dg[0].id)
    )
    return Table(
        "Largest gaps to target",
        ("Dimension", "Score", "Target", "Gap"),
        tuple((f"{d.name} ({d.id})", figure(d.score), figure(targets[d.id]), figure(gap))
              for d, gap in gaps[:5]),
        numeric=(1, 2, 3),
    )  # fmt: skip


def summary_section(
    plan: OrganisationPlan, figs: Figures, *, questions: int, min_gap: float
) -> Section:
    """The executive summary: recommendation, headline figures, readiness, largest gaps."""
    return Section("summary", _title("summary"), (
        _intro("summary", respondents=plan.scores.respondents, questions=questions),
        _recommendation(plan),
        _headline(plan),
        Chart("readiness", figs["readiness"]),
        _biggest_gaps(plan, min_gap),
    ))  # fmt: skip


# ------------------------------------------------------------------------------ the scores ---


def position_section(figs: Figures) -> Section:
    """Where the organisation stands: the radar."""
    return Section("position", _title("position"), (
        _intro("position"), Chart("radar", figs["radar"]),
    ))  # fmt: skip


def pillars_section(plan: OrganisationPlan, figs: Figures, *, min_gap: float) -> Section:
    """Pillars and dimensions: charts, then every dimension against its target."""
    org, decision = plan.scores, plan.decision
    targets = decision.target_levels
    dim_rows = tuple(
        (d.pillar, f"{d.name} ({d.id})", figure(d.score), figure(targets[d.id]),
         decision.targets[d.id][1].value,
         figure(None if d.score is None else targets[d.id] - d.score),
         figure(d.coverage), figure(d.consensus),
         figure(org.deltas.dimensions.get(d.id)) if org.deltas is not None else "—")
        for d in org.dimensions
    )  # fmt: skip
    return Section("pillars", _title("pillars"), (
        _intro("pillars", min_gap=min_gap),
        Chart("pillars", figs["pillars"]),
        Chart("dimensions", figs["dimensions"]),
        Table("Dimensions", ("Pillar", "Dimension", "Score", "Target", "Target from", "Gap",
                             "Coverage", "Consensus", "Change since last"), dim_rows,
              numeric=(2, 3, 5, 6, 7, 8)),
    ))  # fmt: skip


def items_section(plan: OrganisationPlan, figs: Figures) -> Section:
    """The answers per question, and the questions stakeholders dispute."""
    disputed = [i for i in plan.scores.items if i.disputed]
    return Section("items", _title("items"), (
        _intro("items"),
        Chart("items", figs["items"]),
        Table("Disputed questions", ("Question", "Score", "Consensus", "Answers"),
              tuple((i.id, figure(i.score), figure(i.consensus), i.answered)
                    for i in disputed), numeric=(1, 2, 3)),
    ))  # fmt: skip


def consensus_section(plan: OrganisationPlan, figs: Figures, *, min_group_size: int) -> Section:
    """Consensus and perception gaps, and every group with its status (suppressed or shown)."""
    org = plan.scores
    breakout_rows = tuple(
        (b.group_by.replace("_", " "), org.group_name(b, short=True),
         b.status.value.replace("_", " "),
         b.respondents if b.shown else "",
         figure(b.score) if b.shown else "")
        for b in org.breakouts
    )  # fmt: skip
    return Section("consensus", _title("consensus"), (
        _intro("consensus", min_group_size=min_group_size),
        Chart("consensus", figs["consensus"]),
        Chart("perception_role_band", figs["perception_role_band"]),
        Chart("perception_unit", figs["perception_unit"]),
        Table("Groups", ("Grouped by", "Group", "Status", "Respondents", "Score"),
              breakout_rows, numeric=(3, 4)),
    ))  # fmt: skip


# ------------------------------------------------------------------ the decision and plan ---


def transition_section(plan: OrganisationPlan) -> Section:
    """The transition decision: gates, the rules in order and the chosen operating model — or,
    without enough evidence, what is missing."""
    decision = plan.decision
    archetype = decision.archetype
    gates = Table(
        "Gates",
        ("Gate", "Fired", "Figures"),
        tuple((g.name, "yes" if g.fired else "no", g.reason) for g in decision.gates),
    )
    if archetype is None:
        return Section("transition", _title("transition"), (
            _intro("transition_insufficient"),
            Text(tuple(capital(m) + "." for m in decision.missing), heading="Evidence missing"),
            gates,
        ))  # fmt: skip
    rules = tuple(
        (r.archetype, "yes" if r.matched else "no", "; ".join(t for _, t in r.conditions))
        for r in decision.rules
    )
    return Section("transition", _title("transition"), (
        _intro("transition", summary=archetype.summary, explanation=archetype.explanation),
        gates,
        Table("Rules, in order (the first that matches decides)",
              ("Path", "Matched", "Figures"), rules),
        Table("Operating model: who is accountable", ("Function", "PMO", "VMO", "Note"),
              tuple((r.function, r.pmo, r.vmo, r.note) for r in archetype.operating_model)),
    ))  # fmt: skip


def _roadmap_tables(plan: OrganisationPlan) -> list[Block]:
    """The initiatives, the phase exit criteria and (if any) the gaps left open."""
    roadmap = plan.roadmap
    item_rows = tuple(
        (i.phase, i.initiative.title, i.start.isoformat(), i.end.isoformat(),
         i.initiative.owner_role, f"{i.initiative.effort:g}", "★" if i.quick_win else "",
         i.reason)
        for i in roadmap.items
    )  # fmt: skip
    phases = [p.id for p in roadmap.phases]
    exit_rows = tuple(
        (f"{row.name} ({row.dimension})", figure(row.current),
         *(figure(row.by_phase.get(p)) for p in phases), figure(row.target))
        for row in roadmap.exit_criteria
    )  # fmt: skip
    blocks: list[Block] = [
        Table("Initiatives", ("Phase", "Initiative", "Start", "End", "Owner",
                              "Person-months", "Quick win", "Why"), item_rows, numeric=(5,)),
        Table("Phase exit criteria: the level each dimension should reach by the end of the "
              "phase", ("Dimension", "Now", *(p.name for p in roadmap.phases), "Target"),
              exit_rows, numeric=tuple(range(1, len(phases) + 3))),
    ]  # fmt: skip
    if roadmap.residual_gaps:
        blocks.append(Table(
            "Gaps still open at the end of the horizon", ("Dimension", "Gap", "Still open"),
            tuple((f"{g.name} ({g.dimension})", figure(g.gap), figure(g.remaining))
                  for g in roadmap.residual_gaps), numeric=(1, 2),
        ))  # fmt: skip
    return blocks


def roadmap_section(plan: OrganisationPlan, figs: Figures) -> Section:
    """The roadmap: its chart (when there is one), initiatives, exit criteria, gaps left open."""
    roadmap = plan.roadmap
    blocks: list[Block] = [
        _intro("roadmap", message=roadmap.message, capacity=f"{roadmap.capacity_people:g}",
               start=roadmap.start_date.isoformat(), horizon=roadmap.horizon_months),
    ]  # fmt: skip
    if "roadmap" in figs:
        blocks.append(Chart("roadmap", figs["roadmap"]))
    blocks += _roadmap_tables(plan)
    return Section("roadmap", _title("roadmap"), tuple(blocks))


def kpis_section(plan: OrganisationPlan) -> Section:
    """The KPIs of every planned initiative."""
    kpi_rows = tuple(
        (i.initiative.title, k.name, k.formula, k.unit, k.direction, k.cadence, k.owner_role)
        for i in plan.roadmap.items
        for k in i.initiative.kpis
    )
    return Section("kpis", _title("kpis"), (
        _intro("kpis"),
        Table("KPIs", ("Initiative", "KPI", "Formula", "Unit", "Direction", "Cadence", "Owner"),
              kpi_rows),
    ))  # fmt: skip


# ----------------------------------------------------------------- voices and the appendix ---


def voices_section(plan: OrganisationPlan) -> Section:
    """The respondents' comments, without author."""
    return Section("voices", _title("voices"), (
        _intro("voices"),
        Table("Comments", ("Question", "Comment"),
              tuple((c.question or "general", c.text) for c in plan.scores.comments)),
    ))  # fmt: skip


def _method(plan: OrganisationPlan, meta: Mapping[str, str], min_group_size: int) -> Table:
    """How the figures were made: answers counted, groups suppressed, data quality, provenance."""
    org = plan.scores
    suppressed = [f"{b.group_by.replace('_', ' ')}: {org.group_name(b)}" for b in org.breakouts
                  if b.status is Status.SUPPRESSED]  # fmt: skip
    answered = sum(i.answered for i in org.items)
    na = sum(i.not_applicable for i in org.items)
    dk = sum(i.dont_know for i in org.items)
    return Table("Method", ("Item", "Value"), (
        ("Respondents", org.respondents),
        ("Answers on the 1–5 scale", answered),
        ("Not applicable", na),
        ("Don't know", dk),
        # One figure with the deck and the evidence check: answered ÷ (respondents − N/A).
        ("Coverage of expected answers", "—" if org.coverage is None else f"{org.coverage:.0%}"),
        ("Smallest group shown", min_group_size),
        ("Suppressed groups", ", ".join(suppressed) or "none"),
        *((f"Data quality: {k.replace('_', ' ')}", org.quality_text(k)) for k in org.data_quality),
        ("Instrument", meta.get("instrument", "")),
        ("pmo2vmo version", meta.get("pmo2vmo_version", "")),
        ("Input SHA-256", meta.get("input_sha256", "")),
        ("Generated", meta.get("generated", "")),
    ))  # fmt: skip


def appendix_section(
    plan: OrganisationPlan, meta: Mapping[str, str], *, min_group_size: int
) -> Section:
    """The appendix: the method table and the data-quality warnings."""
    warnings = plan.scores.warnings
    return Section("appendix", _title("appendix"), (
        _intro("appendix"),
        _method(plan, meta, min_group_size),
        Text(tuple(warnings), heading="Data-quality warnings") if warnings
        else Text(("No data-quality warnings.",)),
    ))  # fmt: skip


def build_sections(
    plan: OrganisationPlan,
    meta: Mapping[str, str],
    *,
    questions: int,
    min_group_size: int,
    min_gap: float,
    previous: Mapping[str, float | None] | None,
) -> tuple[Section, ...]:
    """Every section of the client report, in reading order."""
    figs = charts.figures(plan.scores, plan.decision, plan.roadmap, previous)
    return (
        summary_section(plan, figs, questions=questions, min_gap=min_gap),
        position_section(figs),
        pillars_section(plan, figs, min_gap=min_gap),
        items_section(plan, figs),
        consensus_section(plan, figs, min_group_size=min_group_size),
        transition_section(plan),
        roadmap_section(plan, figs),
        kpis_section(plan),
        voices_section(plan),
        appendix_section(plan, meta, min_group_size=min_group_size),
    )
