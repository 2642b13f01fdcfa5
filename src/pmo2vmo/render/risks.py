"""The main risks of a plan, in the words of the executive summary: fired gates, a decision that
could tip, disputes, thin evidence, change saturation, targets after the horizon and views the
confidentiality rules cannot show — each with what the plan does about it.

A gate's wording (its risk, its decisions) comes from ``transition.yaml``; the rest from
``templates/narrative.yaml``. Groups are never named here beyond the suppressed rows' own labels
("Finance", "4 further groups"), which the report's groups table shows too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pmo2vmo.model.archetypes import OPS, Gate, TransitionFile, leaves
from pmo2vmo.model.results import Confidence
from pmo2vmo.render.narrative_text import in_sentence, listing, say, score, share, words
from pmo2vmo.render.view import ReportView

CONFIDENCE_HIGH = 0.9  # a share of re-samples choosing the same path: under it, the path could tip
THIN_COVERAGE = 0.75  # a dimension's coverage under this is thin evidence
CHANGE_DIMENSION = "VC-CHG"  # readiness for change, against which change saturation is judged
SATURATION = 4  # initiatives running at once from which change saturation is a risk
SATURATION_GAP = 0.5  # ... while readiness for change is at least half a level short of target


@dataclass(frozen=True)
class Risk:
    title: str
    text: str
    mitigation: str


def disputed(view: ReportView, gate: Gate) -> str:
    """The practices on which ``gate``'s perception-gap conditions hold, named."""
    widest: dict[str, float] = {}
    for g in view.perception_gaps:
        widest[g.dimension] = max(widest.get(g.dimension, 0.0), g.gap)
    held = set()
    for c in leaves(gate.conditions):
        kind, _, dim = c.metric.partition(".")
        if kind == "perception_gap" and dim in widest and OPS[c.op](widest[dim], c.value):
            held.add(dim)
    return listing(sorted(dim_name(view, d) for d in held))


def gate_text(view: ReportView, gate: Gate, text: str, figures: Mapping[str, Any]) -> str:
    """A fired gate's decision or risk, its {disputed} the practices that gate found apart."""
    return text.format(**{**figures, "disputed": disputed(view, gate)})


def nearest_alternative(confidence: Confidence, chosen: str) -> str:
    """The path other than ``chosen`` the most re-samples choose ("" if none does)."""
    others = {k: v for k, v in confidence.alternatives.items() if k != chosen and v > 0}
    return max(others, key=lambda k: (others[k], k)) if others else ""


def dim_name(view: ReportView, dim_id: str) -> str:
    """A dimension's name inside a sentence, by its id."""
    return in_sentence(next((d.name for d in view.dimensions if d.id == dim_id), dim_id))


def risks(
    view: ReportView, spec: TransitionFile, figures: Mapping[str, object], names: Mapping[str, str]
) -> tuple[Risk, ...]:
    """The main risks: fired gates, a decision that could tip, disputes, thin evidence, change
    saturation, targets after the horizon and views that cannot be shown."""
    decision = view.plan.decision
    out: list[Risk] = []
    transition = {g.id: g for g in spec.gates}
    titles = {r.id: r.title for r in view.initiatives}
    for g in decision.gates:
        gate = transition.get(g.id)
        if g.fired and gate is not None and gate.risk:
            steps = listing([titles[i] for i in g.first if i in titles]) or g.name
            out.append(Risk(g.name, gate_text(view, gate, gate.risk, figures),
                            say("risks", "gate", "mitigation", steps=steps)))  # fmt: skip
    c = decision.confidence
    if c is not None and decision.archetype is not None and c.confidence < CONFIDENCE_HIGH:
        alternative = nearest_alternative(c, decision.archetype.id)
        out.append(_risk("confidence", share=share(c.confidence), path=decision.archetype.name,
                         alternative=names.get(alternative, alternative)))  # fmt: skip
    disputed = [i.id for i in view.disputed]
    if disputed and not any(g.fired for g in decision.gates):
        out.append(_risk("disputed", count=len(disputed), questions=", ".join(disputed[:6])))
    thin = [
        dim_name(view, d.id)
        for d in view.dimensions
        if d.coverage is not None and d.coverage < THIN_COVERAGE
    ]
    if thin:
        out.append(_risk("coverage", dimensions=listing(thin[:4]), threshold=share(THIN_COVERAGE)))
    out += _saturation(view)
    out += _late(view)
    hidden = [g for g in view.suppressed if g.group_by == "role_band"]
    count = sum(g.groups for g in hidden)
    if count:
        listed = listing([g.name for g in hidden])
        out.append(Risk(words("risks", "hidden", "title"),
                        say("risks", "hidden", "text" if count > 1 else "text_one", count=count,
                            groups=listed), say("risks", "hidden", "mitigation")))  # fmt: skip
    return tuple(out)


def _risk(key: str, **values: object) -> Risk:
    return Risk(words("risks", key, "title"), say("risks", key, "text", **values),
                say("risks", key, "mitigation"))  # fmt: skip


def _saturation(view: ReportView) -> list[Risk]:
    """Many initiatives at once while readiness for change lags its target."""
    change = next((d for d in view.dimensions if d.id == CHANGE_DIMENSION), None)
    items = view.plan.roadmap.items
    if change is None or change.gap is None or change.gap < SATURATION_GAP or not items:
        return []
    months = range(max(i.end_month for i in items))
    running = [sum(1 for i in items if i.start_month <= m < i.end_month) for m in months]
    peak = max(running)
    if peak < SATURATION:
        return []
    month = running.index(peak)
    when = next((p.name for p in view.phases if p.start_month <= month < p.end_month), "")
    return [_risk("saturation", count=peak, when=when, score=score(change.score),
                  target=score(change.target))]  # fmt: skip


def targets(view: ReportView) -> tuple[int, int, int]:
    """The dimensions with a gap worth planning for, and how many of them the plan's expected
    levels reach within the horizon and after it (the rest: not with this plan)."""
    min_gap = float(view.plan.roadmap.settings.get("min_gap", 0.0))
    gaps = {d.id for d in view.dimensions if d.gap is not None and d.gap >= min_gap}
    rows = {r.dimension: r for r in view.exit_criteria if r.dimension in gaps}
    within = sum(1 for r in rows.values() if r.reached_by and r.within_horizon)
    after = sum(1 for r in rows.values() if r.reached_by and not r.within_horizon)
    return len(gaps), within, after


def _late(view: ReportView) -> list[Risk]:
    total, within, after = targets(view)
    never = total - within - after
    if not view.initiatives or within == total:
        return []
    key = "text" if after and never else "text_after" if after else "text_never"
    return [Risk(words("risks", "late", "title"),
                 say("risks", "late", key, late=after, never=never, total=total,
                     horizon=view.plan.roadmap.horizon_months),
                 say("risks", "late", "mitigation"))]  # fmt: skip
