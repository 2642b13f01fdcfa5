"""The views of the transition decision and the roadmap the walk-through notebooks show.

Readiness, gates, rules and the operating model; phases, initiatives, KPIs and exit criteria; and
the decision and plan in a few sentences. Rows are plain dicts for
:func:`pmo2vmo.render.show.show_records`. Everything here is importable from
:mod:`pmo2vmo.render.walkthrough`.
"""

from __future__ import annotations

from pmo2vmo.analysis.plan import OrganisationPlan
from pmo2vmo.analysis.roadmap import Roadmap
from pmo2vmo.analysis.transition import Decision
from pmo2vmo.model.archetypes import RACI_COLUMNS
from pmo2vmo.render.walkthrough_scores import Row
from pmo2vmo.util.text import plural

# --------------------------------------------------------------------- transition, roadmap ---


def readiness_rows(decision: Decision) -> list[Row]:
    """The four readiness indices (0–100) with the pillar score and achieved level behind each."""
    return [
        {"key": k, "label": v.label, "readiness": v.value, "pillar": v.pillar,
         "score": v.score, "achieved_level": v.achieved_level}
        for k, v in decision.readiness.items()
    ]  # fmt: skip


def gate_rows(decision: Decision) -> list[Row]:
    """Every gate, fired or not, with the figures behind it and what it puts first."""
    return [
        {"id": g.id, "name": g.name, "fired": "fired" if g.fired else "not fired" if g.judged else "not judged",
         "reason": g.reason, "first": ", ".join(g.first)}
        for g in decision.gates
    ]  # fmt: skip


def rule_rows(decision: Decision) -> list[Row]:
    """The archetype rules in order, as evaluated (first match wins; later rules are not read)."""
    return [
        {
            "order": n,
            "archetype": r.archetype,
            "matched": "matched" if r.matched else "no",
            "conditions": "; ".join(f"{'✓' if met else '✗'} {text}" for met, text in r.conditions),
        }
        for n, r in enumerate(decision.rules, start=1)
    ]


def operating_model_rows(decision: Decision) -> list[Row]:
    """The chosen archetype's responsibility matrix: who owns each function, PMO or VMO."""
    if decision.archetype is None:
        return []
    return [
        {
            "function": r.function,
            **dict(zip(RACI_COLUMNS.values(), r.letters(), strict=True)),
            "note": r.note,
        }
        for r in decision.archetype.operating_model
    ]


def phase_rows(roadmap: Roadmap) -> list[Row]:
    """Phases with their dates, purpose, and the initiatives and effort that start in each."""
    effort = {p.name: 0.0 for p in roadmap.phases}
    for item in roadmap.items:
        effort[item.phase] = effort.get(item.phase, 0.0) + item.initiative.effort
    return [
        {"phase": p.name, "start": p.start, "end": p.end, "purpose": p.purpose,
         "initiatives": len(p.items), "effort": round(effort.get(p.name, 0.0), 2)}
        for p in roadmap.phases
    ]  # fmt: skip


def roadmap_rows(roadmap: Roadmap) -> list[Row]:
    """The plan as a table, in start order, every item with the reason it is there."""
    return [
        {
            "id": i.initiative.id,
            "title": i.initiative.title,
            "phase": i.phase,
            "start": i.start.isoformat(),
            "end": i.end.isoformat(),
            "effort": i.initiative.effort,
            "owner": i.owner or i.initiative.owner_role,
            "why": i.kind.value,
            "quick_win": "★" if i.quick_win else "",
            "reason": i.reason,
        }
        for i in roadmap.items
    ]


def kpi_rows(roadmap: Roadmap) -> list[Row]:
    """The KPIs to track from day one: each KPI of the planned initiatives once, in plan order,
    with the initiatives it shows working."""
    rows: dict[tuple[str, str], Row] = {}
    for item in roadmap.items:
        for k in item.kpis():
            key = (k.name, k.formula)
            if key not in rows:
                rows[key] = {**k.model_dump(), "initiatives": []}
            rows[key]["initiatives"].append(item.initiative.id)
    return [{**r, "initiatives": ", ".join(r["initiatives"])} for r in rows.values()]


def exit_criteria_table(roadmap: Roadmap) -> tuple[dict[str, str], list[Row]]:
    """Phase exit criteria as (columns, rows): per dimension the level expected at the end of
    each phase — the checkpoints for a re-assessment."""
    columns = {"dimension": "Dimension", "name": "Name", "current": "Now", "target": "Target"}
    columns.update({p.id: f"End of {p.name}" for p in roadmap.phases})
    rows = [
        {"dimension": c.dimension, "name": c.name, "current": c.current,
         "target": c.target, **c.by_phase}
        for c in roadmap.exit_criteria
    ]  # fmt: skip
    return columns, rows


def confidence_findings(d: Decision, nearest: int = 2) -> list[str]:
    """How sure the decision is, in a sentence, and the nearest tipping points."""
    c = d.confidence
    if c is None or d.archetype is None:
        return []
    others = [f"{p} {share:.0%}" for p, share in c.alternatives.items() if p != d.archetype.id]
    out = [
        f"Confidence: {c.confidence:.0%} of {c.resamples} resamples of the respondents choose this "
        "path" + (f" (others: {', '.join(others)})." if others else ".")
    ]
    out += [f"Tipping point: {t.text}." for t in c.tipping_points[:nearest]]
    return out


def decision_findings(plan: OrganisationPlan) -> list[str]:
    """The transition decision and the plan in a few sentences, every figure from the data."""
    d, r = plan.decision, plan.roadmap
    if d.archetype is None:
        out = [f"{d.path_name}: {'; '.join(d.missing)}."]
    else:
        out = [f"Recommended path: {d.archetype.name} — {d.archetype.summary}"]
        why = "; ".join(d.reasons)
        out.append(f"{'Fallback' if d.fallback else 'Rule matched'}: {why}.")
        out.extend(confidence_findings(d))
    fired = [g for g in d.gates if g.fired]
    if fired:
        for g in fired:
            out.append(f"Gate fired — {g.name}: {g.reason}. First: {', '.join(g.first)}.")
    elif d.gates:
        out.append(f"No gate fired ({'; '.join(g.reason for g in d.gates)}).")
    effort = sum(i.initiative.effort for i in r.items)
    quick = sum(1 for i in r.items if i.quick_win)
    out.append(
        f"Roadmap: {r.message}. Total effort {effort:g} person-months at "
        f"{r.capacity_people:g} people a month from {r.start_date.isoformat()}; "
        f"{plural(quick, 'quick win')}."
    )
    if r.deferred:
        out.append(f"Deferred for lack of capacity or time: {', '.join(x.id for x in r.deferred)}.")
    return out
