"""The client report's sections, one builder each, in reading order; their wording from YAML.

Each ``*_section`` function turns part of one organisation's
:class:`~pmo2vmo.render.view.ReportView` into a :class:`~pmo2vmo.render.report_model.Section`;
:func:`build_sections` returns all ten in the order the client reads them. Every figure and row
comes from the view (the rows the deck and the workbook show too); the sections only format and lay
them out, reading nothing but wording — names, reasons, explanations — from the plan itself.
Wording lives in ``templates/report.yaml`` (:func:`report_text`); its placeholders are filled with
``str.format`` on our own strings, and client text only ever arrives as a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmo2vmo.analysis.plan import OrganisationPlan
from pmo2vmo.model.archetypes import RACI_COLUMNS
from pmo2vmo.model.results import Status
from pmo2vmo.render import charts, report_story
from pmo2vmo.render.narrative import Narrative, path_names
from pmo2vmo.render.narrative_text import report_text
from pmo2vmo.render.report_model import Block, Chart, Section, Table, Text
from pmo2vmo.render.view import ReportView, target_reached
from pmo2vmo.util.text import capital, figure

SUPPRESSED = Status.SUPPRESSED  # kept for importers; compare with ``Status`` members

Figures = Mapping[str, Any]  # chart id → plotly figure, from charts.figures


def _intro(key: str, **values: Any) -> Text:
    """A section's introduction, its placeholders filled with ``values``."""
    text = report_text()["sections"][key]
    return Text(tuple(p.format(**values) for p in text["intro"]))


def _title(key: str) -> str:
    """A section's title."""
    title: str = report_text()["sections"][key]["title"]
    return title


# ----------------------------------------- figures the view does not carry (read, not made) ---


# ------------------------------------------------------------------------ executive summary ---


def _headline(view: ReportView) -> Table:
    """Respondents, the overall score, the readiness indices and the size of the plan."""
    return Table(
        "Headline figures",
        ("Measure", "Value"),
        (
            ("Respondents", view.respondents),
            ("Overall score (1–5)", figure(view.overall)),
            *((capital(label) + " (0–100)", figure(value, 1))
              for label, value in [(v.label, v.value) for v in view.readiness.values()]),
            ("Initiatives planned", len(view.initiatives)),
        ),
    )  # fmt: skip


# ------------------------------------------------------------------------------ the scores ---


def position_section(view: ReportView, figs: Figures) -> Section:
    """Where the organisation stands: the headline figures, the radar, the readiness indices."""
    return Section("position", _title("position"), (
        _intro("position"), _headline(view), Chart("radar", figs["radar"]),
        Chart("readiness", figs["readiness"]),
    ))  # fmt: skip


def pillars_section(view: ReportView, figs: Figures, *, min_gap: float) -> Section:
    """Pillars and dimensions: charts, then every dimension against its target."""
    dim_rows: tuple[tuple[str, ...], ...] = tuple(
        (d.pillar, d.label, figure(d.score), figure(d.target), d.target_source.value,
         figure(d.gap), figure(d.coverage), figure(d.consensus), figure(d.change))
        for d in view.dimensions
    )  # fmt: skip
    pillar_rows = tuple(
        (p.name, figure(p.score), "—" if p.achieved_level is None else p.achieved_level,
         figure(p.target), figure(p.readiness, 1))
        for p in view.pillars
    )  # fmt: skip
    header: tuple[str, ...] = ("Pillar", "Dimension", "Score", "Target", "Target from", "Gap",
                               "Coverage", "Consensus", "Change since last")  # fmt: skip
    if view.moderation is not None:  # the self-assessed score and the assessor's level beside it
        header = (*header[:3], "Self-assessed", "Moderated", *header[3:])
        dim_rows = tuple(
            (*row[:3], figure(d.self_assessed), figure(d.moderated), *row[3:])
            for row, d in zip(dim_rows, view.dimensions, strict=True)
        )
    return Section("pillars", _title("pillars"), (
        _intro("pillars", min_gap=min_gap),
        Chart("pillars", figs["pillars"]),
        Table("Pillars", ("Pillar", "Score", "Achieved level",
                          "Target (mean of its dimensions' targets)", "Readiness (0–100)"),
              pillar_rows, numeric=(1, 2, 3, 4)),
        Chart("dimensions", figs["dimensions"]),
        Table("Dimensions", header, dim_rows,
              numeric=tuple(i for i, h in enumerate(header) if i >= 2 and h != "Target from")),
        *_moderation(view),
    ))  # fmt: skip


def _moderation(view: ReportView) -> tuple[Block, ...]:
    """The assessor's levels beside the self-assessed scores, and the optimism index."""
    moderation = view.moderation
    if moderation is None:
        return ()
    words = report_text()["sections"]["pillars"]
    key = "moderation_drives" if moderation.drives else "moderation_shown"
    by = f" — {moderation.assessor}" if moderation.assessor else ""
    when = f", {moderation.date}" if moderation.date else ""
    return (
        Text((words[key].format(count=len(view.moderated)),), heading=f"Assessor moderation{by}{when}"),
        Table("Moderated dimensions", ("Dimension", "Self-assessed", "Moderated",
                                       "Self-assessed − moderated", "Rationale", "Evidence"),
              tuple((m.label, figure(m.self_assessed), figure(m.moderated),
                     figure(m.difference, signed=True), m.rationale, "; ".join(m.evidence))
                    for m in view.moderated), numeric=(1, 2, 3)),
        Text((words["optimism"],)),
        Table("Optimism index", ("Group", "Optimism index", "Dimensions compared"),
              tuple((o.group, figure(o.index, signed=True), o.dimensions)
                    for o in moderation.optimism), numeric=(1, 2)),
    )  # fmt: skip


def items_section(view: ReportView, figs: Figures) -> Section:
    """The answers per question, and the questions stakeholders dispute."""
    return Section("items", _title("items"), (
        _intro("items"),
        Chart("items", figs["items"]),
        Table("Disputed questions", ("Question", "Score", "Consensus", "Answers"),
              tuple((i.id, figure(i.score), figure(i.consensus), i.answered)
                    for i in view.disputed), numeric=(1, 2, 3)),
    ))  # fmt: skip


def consensus_section(view: ReportView, figs: Figures, *, min_group_size: int) -> Section:
    """Consensus and perception gaps, and every group with its status (suppressed or shown)."""
    group_rows = tuple(
        (g.grouped_by, g.name, g.status.value.replace("_", " "),
         g.respondents if g.shown else "",
         figure(g.score) if g.shown else "",
         *(figure(v) if g.shown else "" for v in g.pillars))
        for g in view.groups
    )  # fmt: skip
    pillars = tuple(p.name for p in view.pillars)
    flagged, notable = view.notable_gaps()
    names = {d.id: d.label for d in view.dimensions}
    gap_rows = tuple(
        (g.group_by.replace("_", " "), names.get(g.dimension, g.dimension), g.high_group,
         figure(g.high), g.low_group, figure(g.low), figure(g.gap))
        for g in notable
    )  # fmt: skip
    return Section("consensus", _title("consensus"), (
        _intro("consensus", min_group_size=min_group_size),
        Chart("consensus", figs["consensus"]),
        Chart("perception_role_band", figs["perception_role_band"]),
        Chart("perception_unit", figs["perception_unit"]),
        Table("Perception gaps flagged" if flagged else "Widest perception gaps",
              ("Grouped by", "Dimension", "Higher group", "Higher", "Lower group", "Lower",
               "Gap"), gap_rows, numeric=(3, 5, 6)),
        Table("Groups", ("Grouped by", "Group", "Status", "Respondents", "Score", *pillars),
              group_rows, numeric=tuple(range(3, 5 + len(pillars)))),
    ))  # fmt: skip


# ------------------------------------------------------------------ the decision and plan ---


def transition_section(view: ReportView) -> Section:
    """The transition decision: gates, the rules in order and the chosen operating model — or,
    without enough evidence, what is missing."""
    decision = view.plan.decision
    archetype = decision.archetype
    gates = Text(
        tuple(f"{g.name}: {g.explanation}" for g in decision.gates if g.fired),
        heading=report_text()["story"]["first_steps"],
    )
    if archetype is None:
        return Section("transition", _title("transition"), (
            _intro("transition_insufficient"),
            Text(tuple(capital(m) + "." for m in decision.missing), heading="Evidence missing"),
        ))  # fmt: skip
    return Section("transition", _title("transition"), (
        _intro("transition", summary=archetype.summary, explanation=archetype.explanation),
        *((gates,) if gates.paragraphs else ()),
        Table("Operating model: who is responsible (R), accountable (A), consulted (C), informed (I)",
              ("Function", *RACI_COLUMNS.values(), "Note"),
              tuple((r.function, *r.letters(), r.note) for r in archetype.operating_model)),
    ))  # fmt: skip


def _roadmap_tables(view: ReportView, story: Narrative) -> list[Block]:
    """The initiatives, the phase exit criteria and (if any) the gaps left open."""
    item_rows = tuple(
        (i.phase, i.title, i.start.isoformat(), i.end.isoformat(), i.owner, f"{i.effort:g}",
         "★" if i.quick_win else "", story.why.get(i.id, ""))
        for i in view.initiatives
    )  # fmt: skip
    phases = view.phases
    exit_rows = tuple(
        (f"{row.name} ({row.dimension})", figure(row.current),
         *(figure(row.by_phase.get(p.id)) for p in phases), figure(row.target),
         target_reached(row))
        for row in view.exit_criteria
    )  # fmt: skip
    roadmap = view.plan.roadmap
    lift = view.plan.roadmap.settings
    blocks: list[Block] = [
        Table("Initiatives", ("Phase", "Initiative", "Start", "End", "Owner",
                              "Person-months", "Quick win", "Why"), item_rows, numeric=(5,)),
        Table("Phase exit criteria: the level each dimension is expected to reach by the end of "
              f"the phase, rising at most {lift.get('max_rise_per_6_months', 0.5):g} a level per "
              f"six months from {lift.get('adoption_lag_months', 2)} months after an initiative "
              "ends", ("Dimension", "Now", *(p.name for p in phases), "Target",
                       "Target reached"), exit_rows,
              numeric=tuple(range(1, len(phases) + 3))),
    ]  # fmt: skip
    if roadmap.checkpoints:
        names = {d.id: d.label for d in view.dimensions}
        blocks.append(Table(
            "Checkpoints: re-assessment pulses and the go/no-go decision", (
                "Date", "Checkpoint", "Owner", "Question", "Verify (expected level)"),
            tuple((c.date.isoformat(), c.name, c.owner, c.question,
                   "; ".join(f"{names.get(d, d)} {figure(v)}" for d, v in c.verify.items()))
                  for c in roadmap.checkpoints),
        ))  # fmt: skip
    if roadmap.in_place:
        done = ", ".join(roadmap.titles.get(i, i) for i in roadmap.in_place)
        words = report_text()["sections"]["roadmap"]["in_place"]
        blocks.append(Text((words.format(initiatives=done),)))
    if view.residual_gaps:
        blocks.append(Table(
            "Gaps left at the end of the horizon", ("Dimension", "Gap", "Left open"),
            tuple((f"{g.name} ({g.dimension})", figure(g.gap), figure(g.remaining))
                  for g in view.residual_gaps), numeric=(1, 2),
        ))  # fmt: skip
    return blocks


def roadmap_section(view: ReportView, figs: Figures, story: Narrative) -> Section:
    """The roadmap: its chart (when there is one), initiatives, exit criteria, gaps left open."""
    blocks: list[Block] = [_intro("roadmap", message=story.roadmap_intro)]
    if "roadmap" in figs:
        blocks.append(Chart("roadmap", figs["roadmap"]))
    blocks += _roadmap_tables(view, story)
    blocks += report_story.investment_table(story)
    return Section("roadmap", _title("roadmap"), tuple(blocks))


def kpis_section(story: Narrative) -> Section:
    """At most twelve KPIs of planned initiatives, grouped by outcome: what each measures, its
    baseline ("measure in Mobilise" when none is known), target, target date and owner (the
    workbook lists every KPI)."""
    blocks: list[Block] = [_intro("kpis")]
    for group in story.kpi_groups:
        blocks.append(Table(group.outcome, ("KPI", "Initiative", "Baseline", "Target",
                                            "Target date", "Cadence", "Owner"),
                            tuple((r.kpi.name, r.initiative, r.baseline, r.kpi.target,
                                   r.target_date.isoformat(), r.kpi.cadence, r.kpi.owner_role)
                                  for r in group.kpis)))  # fmt: skip
    if story.kpis_note:
        blocks.append(Text((story.kpis_note,)))
    return Section("kpis", _title("kpis"), tuple(blocks))


# ----------------------------------------------------------------- voices and the appendix ---


_WEIGHTING = {
    "per_respondent": "one each",
    "equal_per_band": "each role band shown the same, whatever its size (bands too small to "
                      "show weigh as one band together)",
}  # fmt: skip


def _method(view: ReportView, meta: Mapping[str, str], min_group_size: int) -> Table:
    """How the figures were made: answers counted, groups suppressed, data quality, provenance."""
    org = view.plan.scores  # the data-quality flags and their wording
    return Table("Method", ("Item", "Value"), (
        ("Respondents", view.respondents),
        ("Answers on the 1–5 scale", view.answered),
        ("Not applicable", view.not_applicable),
        ("Don't know", view.dont_know),
        # One figure with the deck and the evidence check: answered ÷ (respondents − N/A).
        ("Coverage of expected answers", "—" if view.coverage is None else f"{view.coverage:.0%}"),
        ("Respondents count", _WEIGHTING.get(org.respondent_weighting, org.respondent_weighting)),
        ("Smallest group shown", min_group_size),
        ("Suppressed groups", ", ".join([f"{g.grouped_by}: {g.description}" for g in view.suppressed]) or "none"),
        *((f"Data quality: {k.replace('_', ' ')}", org.quality_text(k)) for k in org.data_quality),
        ("Instrument", meta.get("instrument", "")),
        ("pmo2vmo version", meta.get("pmo2vmo_version", "")),
        ("Input SHA-256", meta.get("input_sha256", "")),
        ("Generated", meta.get("generated", "")),
    ))  # fmt: skip


def _decided(view: ReportView) -> tuple[Block, ...]:
    """How the path was decided, with the figures: each gate, then each path tested in turn."""
    decision = view.plan.decision
    words = report_text()["story"]
    gates = Table(words["gates_table"], ("Step", "Called for", "Figures"),
                  tuple((g.name, "yes" if g.fired else "no", g.reason) for g in decision.gates))  # fmt: skip
    if not decision.rules:
        return (gates,)
    names = path_names()
    rules = tuple(
        (names.get(r.archetype, r.archetype), "yes" if r.matched else "no",
         "; ".join(t for _, t in r.conditions))
        for r in decision.rules
    )  # fmt: skip
    return (gates, Table(words["rules_table"], ("Path", "Chosen", "Figures"), rules))


def appendix_section(view: ReportView, meta: Mapping[str, str], *, min_group_size: int) -> Section:
    """The appendix: the method table, how the path was decided and the data-quality warnings."""
    warnings = view.plan.scores.warnings
    return Section("appendix", _title("appendix"), (
        _intro("appendix"),
        _method(view, meta, min_group_size),
        *_decided(view),
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
    view: ReportView | None = None,
    story: Narrative | None = None,
) -> tuple[Section, ...]:
    """Every section of the client report, in reading order, from the view of ``plan`` and its
    narrative (made here unless the caller has them already)."""
    view = ReportView.of(plan) if view is None else view
    story = Narrative.of(view) if story is None else story
    figs = charts.figures(plan.scores, plan.decision, plan.roadmap, previous)
    return (
        report_story.summary_section(story),
        report_story.findings_section(
            story, _intro("summary", respondents=view.respondents, questions=questions)
        ),
        report_story.strengths_section(story),
        position_section(view, figs),
        pillars_section(view, figs, min_gap=min_gap),
        items_section(view, figs),
        consensus_section(view, figs, min_group_size=min_group_size),
        transition_section(view),
        roadmap_section(view, figs, story),
        kpis_section(story),
        report_story.voices_section(view, story),
        appendix_section(view, meta, min_group_size=min_group_size),
        report_story.references_section(story),
    )
