"""The consultant's narrative of one organisation: what the report says before it shows tables.

:meth:`Narrative.of` turns a :class:`~pmo2vmo.render.view.ReportView` into the executive summary
— the recommendation with its confidence and what would change it, the three findings that
matter most, the decisions asked of the steering committee, the first ninety days, the
investment and the main risks — and the story of each pillar, the strengths, the comments as
themes, a client-readable reason for each initiative, the KPIs shown in the body and the
references. The HTML report, the deck and the workbook all render this one object; the figures
in its sentences come from the view, the wording from ``templates/narrative.yaml``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pmo2vmo.analysis.themes import CommentThemes, comment_themes
from pmo2vmo.model.archetypes import TransitionFile, load_transition
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.model.results import Investment, TippingPoint
from pmo2vmo.model.themes import load_themes
from pmo2vmo.render.findings import (
    READINESS_MAX,
    Facts,
    Finding,
    PillarStory,
    Strength,
    findings,
    pillar_story,
    strengths,
    why,
)
from pmo2vmo.render.narrative_text import (
    in_sentence,
    index,
    listing,
    money,
    person_months,
    say,
    score,
    share,
    words,
)
from pmo2vmo.render.risks import (
    CONFIDENCE_HIGH,
    Risk,
    gate_text,
    nearest_alternative,
    risks,
    targets,
)
from pmo2vmo.render.view import KpiRow, ReportView

FIRST_DAYS = 90  # the executive summary's first steps: what starts within this many days
CONFIDENCE_MODERATE = 0.7  # a share of re-samples choosing the same path (high: risks.py)
MAX_TIPS = 2  # tipping points the summary names: the nearest path change, then a gate
MAX_KPIS = 12  # KPIs in the body of the report; the workbook has them all


@dataclass(frozen=True)
class Step:
    """One of the first steps: an initiative starting, or a checkpoint, with its owner."""

    text: str
    date: dt.date


@dataclass(frozen=True)
class Reference:
    """A source as the references appendix lists it."""

    id: str
    text: str
    kind: str  # "article" or "model"


@dataclass(frozen=True)
class KpiGroup:
    """The body's KPIs for one outcome (the pillar their initiative serves most)."""

    outcome: str
    kpis: tuple[KpiRow, ...]


@dataclass(frozen=True)
class Narrative:
    """Everything the report says in sentences, for one organisation."""

    recommendation: str
    rationale: str
    confidence: str | None
    would_change: tuple[str, ...]
    findings: tuple[Finding, ...]
    decisions: tuple[str, ...]
    first_days: tuple[Step, ...]
    first_days_intro: str
    investment: Investment | None
    investment_text: tuple[str, ...]
    risks: tuple[Risk, ...]
    pillars: tuple[PillarStory, ...]
    strengths: tuple[Strength, ...]
    themes: CommentThemes
    why: Mapping[str, str]  # initiative id → why it is in the plan, for the client
    kpi_groups: tuple[KpiGroup, ...]
    kpis_note: str | None
    references: tuple[Reference, ...]
    roadmap_intro: str

    @classmethod
    def of(cls, view: ReportView) -> Narrative:
        instrument = load_instrument()
        texts = {q.question.id: q.question.text for q in instrument.iter_questions()}
        dims = {i.id: i.dimension for i in view.items}
        themes = comment_themes(view.comments, dims, [d.id for d in view.dimensions], load_themes())
        transition = load_transition(instrument)
        facts = Facts(view, texts, themes, frozenset(transition.critical_dimensions))
        names = path_names(transition)
        figures = _figures(view)
        decision = view.plan.decision
        recommended = decision.archetype is not None
        groups, note = _kpi_groups(view)
        return cls(
            recommendation=say("summary", "recommendation", path=decision.archetype.name)
            if decision.archetype is not None
            else say("summary", "insufficient", missing="; ".join(decision.missing)),
            rationale=_rationale(view, figures),
            confidence=_confidence(view, names),
            would_change=_tips(view, names),
            findings=findings(facts),
            decisions=_decisions(view, transition, figures) if recommended else (),
            first_days=_first_days(view),
            first_days_intro=say("summary", "first_90_days_intro",
                                 start=view.plan.roadmap.start_date.isoformat()),
            investment=view.plan.roadmap.investment,
            investment_text=_investment(view),
            risks=risks(view, transition, figures, names),
            pillars=tuple(pillar_story(facts, p) for p in view.pillars),
            strengths=strengths(facts),
            themes=themes,
            why={r.id: why(view, r) for r in view.initiatives},
            kpi_groups=groups,
            kpis_note=note,
            references=_references(instrument),
            roadmap_intro=_roadmap_intro(view),
        )  # fmt: skip


# ----------------------------------------------------------------------- recommendation ---


def _figures(view: ReportView) -> dict[str, Any]:
    """The placeholders a path's rationale and decisions may use."""
    r = view.readiness
    pmo = view.by_gap(r["pmo_baseline"].pillar) if "pmo_baseline" in r else []
    return {
        "readiness": {k: index(v.value) for k, v in r.items()},
        "score": {d.id: score(d.score) for d in view.dimensions},
        "name": {d.id: d.name for d in view.dimensions},
        "weakest_pmo": in_sentence(pmo[0].name) if pmo else "",
        "scale": READINESS_MAX,
        "mobilise": _mobilise(view),
        "first_checkpoint": next((c.date.isoformat() for c in view.plan.roadmap.checkpoints), ""),
        "disputed": "",  # each gate's own: gate_text
    }


def _rationale(view: ReportView, figures: Mapping[str, object]) -> str:
    archetype = view.plan.decision.archetype
    if archetype is None:
        return ""
    if archetype.rationale is None:
        return archetype.summary
    return archetype.rationale.format(**figures)


def _confidence(view: ReportView, names: Mapping[str, str]) -> str | None:
    c = view.plan.decision.confidence
    if c is None or view.plan.decision.archetype is None:
        return None
    alternative = nearest_alternative(c, view.plan.decision.archetype.id)
    level = (
        "high"
        if c.confidence >= CONFIDENCE_HIGH
        else "moderate"
        if c.confidence >= CONFIDENCE_MODERATE
        else "low"
    )
    return say("summary", "confidence", level, share=share(c.confidence),
               alternative=names.get(alternative, alternative))  # fmt: skip


def path_names(transition: TransitionFile | None = None) -> dict[str, str]:
    """Every path's name by its id (of the bundled transition data unless given)."""
    spec = transition if transition is not None else load_transition(load_instrument())
    return {a.id: a.name for a in spec.archetypes}


def _tips(view: ReportView, names: Mapping[str, str]) -> tuple[str, ...]:
    """The nearest figures that would change the path, then the gates, in a sentence each."""
    c = view.plan.decision.confidence
    if c is None or view.plan.decision.archetype is None:
        return ()
    chosen = view.plan.decision.archetype.id
    out = []
    path_tips = sorted((t for t in c.tipping_points if t.path != chosen), key=_distance)
    gate_tips = sorted((t for t in c.tipping_points if t.path == chosen), key=_distance)
    gates = {g.id: g.name for g in view.plan.decision.gates}
    for t in path_tips[: MAX_TIPS - 1]:
        out.append(say("summary", "tip_path", label=t.label[:1].upper() + t.label[1:],
                       move=_move(t), path=names.get(t.path, t.path)))  # fmt: skip
    fixed = bool(view.plan.decision.archetype.plan)  # a fixed plan takes no gate's steps
    for t in [] if fixed else gate_tips[: max(0, MAX_TIPS - len(out))]:
        changed = t.gates_fired or t.gates_silenced
        if not changed:
            continue
        out.append(say("summary", "tip_gate", label=t.label[:1].upper() + t.label[1:],
                       move=_move(t), gate=gates.get(changed[0], changed[0]),
                       effect=words("summary", "fires" if t.gates_fired else "silences")))  # fmt: skip
    if not out:
        out.append(words("summary", "nothing_close"))
    return tuple(out)


def _tip_figure(metric: str, value: float) -> str:
    return f"{round(value, 1):g}" if metric.startswith("readiness.") else score(value)


def _move(tip: TippingPoint) -> str:
    """ "falling below 50 (now 69.4)", "reaching 1.5 (now 0)"."""
    key = "rises" if tip.change > 0 else "falls"
    return say("summary", key, threshold=_tip_figure(tip.metric, tip.threshold),
               current=_tip_figure(tip.metric, tip.current))  # fmt: skip


#: How far a metric can move, to compare tipping points on different scales.
SPANS = {"readiness": 100.0, "dimension": 4.0, "pillar": 4.0, "perception_gap": 4.0,
         "overall": 4.0, "consensus": 1.0}  # fmt: skip


def _distance(tip: TippingPoint) -> tuple[float, str]:
    """A tipping point's change as a share of its metric's range (consensus 0–1, readiness
    0–100, scores and gaps 4 levels): the nearest first, whatever the scale."""
    span = 1.0 if tip.metric.endswith(".consensus") else SPANS.get(tip.metric.split(".")[0], 4.0)
    return (abs(tip.change) / span, tip.metric)


# ------------------------------------------------------------------ decisions and steps ---


def _mobilise(view: ReportView) -> str:
    """What approving the first phase commits: its person-months (and cost) — the whole plan
    for a path with a fixed plan (hold and reset), which is approved as one."""
    inv = view.plan.roadmap.investment
    archetype = view.plan.decision.archetype
    if inv is None or not inv.phases:
        return say("summary", "no_mobilise")
    fixed = archetype is not None and bool(archetype.plan)
    months = inv.person_months if fixed else inv.phases[0].person_months
    cost = inv.cost if fixed else inv.phases[0].cost
    if cost is not None and inv.currency is not None:
        return say("summary", "mobilise_priced", person_months=person_months(months),
                   cost=money(cost, inv.currency))  # fmt: skip
    return say("summary", "mobilise_unpriced", person_months=person_months(months))


def _decisions(
    view: ReportView, spec: TransitionFile, figures: Mapping[str, object]
) -> tuple[str, ...]:
    """The fired gates' decisions, then the path's (a gate's takes the place of the path's with
    the same id), their placeholders filled."""
    decision = view.plan.decision
    transition = {g.id: g for g in spec.gates}
    gated = [
        (transition[g.id], d)
        for g in decision.gates
        if g.fired and g.id in transition
        for d in transition[g.id].decisions
    ]
    taken = {d.id for _, d in gated}
    path = decision.archetype.decisions if decision.archetype is not None else []
    out = [gate_text(view, gate, d.text, figures) for gate, d in gated]
    for d in path:
        if d.id in taken or ("{first_checkpoint}" in d.text and not figures["first_checkpoint"]):
            continue
        out.append(d.text.format(**figures))
    return tuple(out)


def _first_days(view: ReportView) -> tuple[Step, ...]:
    """What starts within the first ninety days, and the checkpoints within them."""
    roadmap = view.plan.roadmap
    until = roadmap.start_date + dt.timedelta(days=FIRST_DAYS)
    steps = [
        Step(say("summary", "step", title=r.title, owner=r.owner, start=r.start.isoformat(),
                 end=r.end.isoformat()), r.start)
        for r in view.initiatives
        if r.start <= until
    ]  # fmt: skip
    steps += [
        Step(say("summary", "checkpoint", title=c.name, owner=c.owner, date=c.date.isoformat()), c.date)
        for c in roadmap.checkpoints
        if c.date <= until
    ]  # fmt: skip
    return tuple(sorted(steps, key=lambda s: s.date))


def _investment(view: ReportView) -> tuple[str, ...]:
    inv = view.plan.roadmap.investment
    if inv is None or not inv.phases:
        return ()
    roadmap = view.plan.roadmap
    priced = inv.cost is not None and inv.currency is not None
    phases = [
        say("summary", "phase_priced", phase=p.name, person_months=f"{p.person_months:g}",
            cost=money(p.cost, inv.currency))
        if priced and p.cost is not None and inv.currency is not None
        else say("summary", "phase", phase=p.name, person_months=f"{p.person_months:g}")
        for p in inv.phases
    ]  # fmt: skip
    out = [say("summary", "investment", person_months=person_months(inv.person_months),
               months=roadmap.horizon_months, capacity=f"{roadmap.capacity_people:g}",
               phases=listing(phases))]  # fmt: skip
    if priced and inv.cost is not None and inv.currency is not None and inv.day_rate is not None:
        out.append(say("summary", "investment_priced", day_rate=money(inv.day_rate, inv.currency),
                       days=f"{inv.days_per_person_month:g}", cost=money(inv.cost, inv.currency)))  # fmt: skip
    else:
        out.append(words("summary", "investment_unpriced"))
    return tuple(out)


# ------------------------------------------------------------------ KPIs, roadmap, sources ---


def _kpi_groups(view: ReportView) -> tuple[tuple[KpiGroup, ...], str | None]:
    """At most twelve KPIs for the body — each initiative's first, in plan order, then their
    second ones — grouped by the pillar their initiative lifts most."""
    by_initiative: dict[str, list[KpiRow]] = {}
    first = set(view.plan.roadmap.defining) | {
        i for g in view.plan.decision.gates if g.fired for i in g.first
    }
    for row in sorted(view.kpis, key=lambda r: r.initiative_id not in first):  # stable
        by_initiative.setdefault(row.initiative_id, []).append(row)
    chosen: list[KpiRow] = []
    for rank in range(max((len(v) for v in by_initiative.values()), default=0)):
        for rows in by_initiative.values():
            if rank < len(rows) and len(chosen) < MAX_KPIS:
                chosen.append(rows[rank])
    pillar_of = {d.id: d.pillar for d in view.dimensions}
    names = {p.id: p.name for p in view.pillars}
    closes = {i.initiative.id: i.initiative.lifts for i in view.plan.roadmap.items}
    groups: dict[str, list[KpiRow]] = {}
    for row in chosen:
        lifts = closes.get(row.initiative_id, {})
        top = max(lifts, key=lambda d: (lifts[d], d)) if lifts else ""
        groups.setdefault(names.get(pillar_of.get(top, ""), ""), []).append(row)
    order = [p.name for p in view.pillars]
    out = tuple(
        KpiGroup(name, tuple(groups[name]))
        for name in sorted(groups, key=lambda n: order.index(n) if n in order else len(order))
    )
    note = (
        say("kpis", "more", shown=len(chosen), total=len(view.kpis))
        if len(view.kpis) > len(chosen)
        else None
    )
    return out, note


def _roadmap_intro(view: ReportView) -> str:
    roadmap = view.plan.roadmap
    if not view.initiatives:
        return say("roadmap", "intro_none", message=roadmap.message.rstrip("."))
    total, reached, _ = targets(view)
    values = {"count": len(view.initiatives), "horizon": roadmap.horizon_months,
              "capacity": f"{roadmap.capacity_people:g}", "start": roadmap.start_date.isoformat(),
              "reached": reached, "total": total}  # fmt: skip
    return say("roadmap", "intro_all" if reached == total else "intro", **values)


def _references(instrument: Instrument) -> tuple[Reference, ...]:
    """Every source the instrument, the paths and the plan draw on: seed articles by title and
    publisher, public models by name, publisher and edition."""
    out = []
    for s in instrument.meta.sources:
        if s.kind == "article":
            by = f" {s.publisher}." if s.publisher else ""
            out.append(Reference(s.id, f"{s.title}.{by} Article.", s.kind))
        else:
            by = f" {s.publisher}." if s.publisher and s.publisher not in s.title else ""
            edition = f" {s.edition}." if s.edition and s.edition not in s.title else ""
            out.append(Reference(s.id, f"{s.title}.{by}{edition}", s.kind))
    return tuple(out)


__all__ = ["FIRST_DAYS", "KpiGroup", "Narrative", "Reference", "Risk", "Step"]
