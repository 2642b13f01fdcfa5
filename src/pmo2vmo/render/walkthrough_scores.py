"""The views of one organisation's scores the walk-through notebooks show: groups, coverage,
items, data quality, comments, and each pillar's dimensions, charts, summary and findings.

Rows are plain dicts, or the scoring records themselves, for
:func:`pmo2vmo.render.show.show_records` (which escapes them), so client text never becomes
markup. Confidentiality is inherited, never recomputed: group sizes and group scores come only
from the breakouts scoring already suppressed, and a suppressed group is labelled
``suppressed``, never given a number. Everything here is importable from
:mod:`pmo2vmo.render.walkthrough`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal

import plotly.graph_objects as go

from pmo2vmo.analysis.plan import OrganisationPlan
from pmo2vmo.analysis.scoring import OrganisationScores
from pmo2vmo.errors import Pmo2vmoError
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.results import DimensionScore, ItemScore, PerceptionGap, PillarScore
from pmo2vmo.render import charts
from pmo2vmo.util.text import plural

Row = dict[str, Any]

#: How a breakout status reads in a table.
STATUS_LABELS = {"ok": "shown", "suppressed": "suppressed", "no_data": "no data"}

#: What each data-quality flag means (PRODUCT §4).
FLAG_MEANINGS = {
    "straight_lining": "gave the same level to every question they scored (straight-lining)",
    "partial": "answered only part of the questionnaire (partial response)",
    "no_role": "gave no role, so they count in no role band",
}


def _round(value: float | None, digits: int = 4) -> float | None:
    """A share rounded for display; None stays None."""
    return None if value is None else round(value, digits)


# ---------------------------------------------------------------------- context, data quality ---


def group_counts(scores: OrganisationScores, group_by: str) -> list[Row]:
    """Respondents per role band or unit, from the suppressed breakouts only.

    A suppressed group shows ``suppressed`` where its count would be, a group nobody answered for
    shows ``no data``; only groups scoring showed are counted.
    """
    rows = []
    for b in scores.breakouts:
        if b.group_by != group_by:
            continue
        rows.append(
            {
                "group": scores.group_name(b, short=True),
                "status": STATUS_LABELS.get(b.status, b.status.value),
                "respondents": b.respondents if b.shown else STATUS_LABELS.get(b.status),
                "score": b.score if b.shown else None,
            }
        )
    return rows


def _pillar_parts(
    scores: OrganisationScores, pillar_id: str
) -> tuple[PillarScore, list[DimensionScore], list[ItemScore]]:
    """One pillar's row, its dimensions and its items; an error naming the scored pillars."""
    for pillar in scores.pillars:
        if pillar.id == pillar_id:
            dims = [d for d in scores.dimensions if d.pillar == pillar_id]
            ids = {d.id for d in dims}
            items = [i for i in scores.items if i.dimension in ids]
            return pillar, dims, items
    known = ", ".join(p.id for p in scores.pillars)
    raise Pmo2vmoError(f"pillar {pillar_id!r} was not scored; scored pillars: {known}")


def _coverage_row(
    label: str, name: str, respondents: int, dims: Sequence[DimensionScore], questions: int
) -> Row:
    """Scored, N/A, Don't know, blank answers and coverage over ``dims``."""
    answered = sum(d.answered for d in dims)
    na = sum(d.not_applicable for d in dims)
    dk = sum(d.dont_know for d in dims)
    expected = respondents * questions - na
    return {
        "id": label,
        "name": name,
        "questions": questions,
        "scored": answered,
        "not_applicable": na,
        "dont_know": dk,
        "blank": max(0, expected - answered - dk),
        "coverage": _round(answered / expected) if expected > 0 else None,
        "dont_know_share": _round(dk / expected) if expected > 0 else None,
    }


def coverage_by_pillar(scores: OrganisationScores) -> list[Row]:
    """Per pillar and in total: scored answers, N/A, Don't know, blanks and coverage.

    Coverage = scored ÷ (respondents × questions − N/A), as for items and dimensions (PRODUCT §5):
    N/A shrinks what is expected, Don't know does not — nobody could see it, which is a finding.
    """
    rows = []
    for pillar in scores.pillars:
        _, dims, items = _pillar_parts(scores, pillar.id)
        rows.append(_coverage_row(pillar.id, pillar.name, scores.respondents, dims, len(items)))
    rows.append(
        _coverage_row(
            "All", "All pillars", scores.respondents, scores.dimensions, len(scores.items)
        )
    )
    return rows


def item_rows(items: Sequence[ItemScore], instrument: Instrument) -> list[Row]:
    """Items (their JSON fields) with their question text and an ``answers`` summary (count per
    level)."""
    out = []
    for item in items:
        ref = instrument.questions.get(item.id)
        dist = item.distribution
        out.append(
            {
                **item.to_json(),
                "text": ref.question.text if ref else "",
                "answers": " · ".join(f"{lvl}: {n}" for lvl, n in enumerate(dist, start=1)),
            }
        )
    return out


def _count(item: ItemScore, by: Literal["dont_know", "not_applicable"]) -> int:
    """An item's Don't know or N/A answers."""
    return item.dont_know if by == "dont_know" else item.not_applicable


def top_items(
    scores: OrganisationScores,
    instrument: Instrument,
    by: Literal["dont_know", "not_applicable", "weakest", "strongest"],
    n: int = 10,
    pillar_id: str | None = None,
) -> list[Row]:
    """The ``n`` items with the most Don't know or N/A answers, or the weakest or strongest
    scores (ties by id), optionally within one pillar. Items with nothing to show are left out."""
    items = _pillar_parts(scores, pillar_id)[2] if pillar_id else scores.items
    if by == "dont_know" or by == "not_applicable":
        chosen = sorted((i for i in items if _count(i, by)), key=lambda i: (-_count(i, by), i.id))
    else:
        sign = 1 if by == "weakest" else -1
        scored = [(i.score, i) for i in items if i.score is not None]
        chosen = [i for _, i in sorted(scored, key=lambda si: (sign * si[0], si[1].id))]
    return item_rows(chosen[: max(0, n)], instrument)


def quality_rows(scores: OrganisationScores) -> list[Row]:
    """Each data-quality flag: how many respondents carry it (no one is named) and what it means."""
    return [
        {
            "flag": name,
            "respondents": count
            if (count := scores.data_quality.get(name, 0)) is not None
            else scores.quality_text(name),  # a group under the minimum: not counted exactly
            "meaning": meaning,
        }
        for name, meaning in FLAG_MEANINGS.items()
    ]


def disputed_items(
    scores: OrganisationScores, instrument: Instrument, pillar_id: str | None = None
) -> list[Row]:
    """Items on which stakeholders disagree (consensus below the instrument's threshold)."""
    items = _pillar_parts(scores, pillar_id)[2] if pillar_id else scores.items
    return item_rows([i for i in items if i.disputed], instrument)


def comments(scores: OrganisationScores, pillar_id: str | None = None) -> list[Row]:
    """Comments on one pillar's questions, or (``pillar_id=None``) the general comments that are
    about no question. Never with author, role or time: scoring keeps none, and withholds every
    comment when the organisation has fewer respondents than the minimum group size."""
    if pillar_id is None:
        return [{"question": None, "text": c.text} for c in scores.comments if not c.question]
    ids = {i.id for i in _pillar_parts(scores, pillar_id)[2]}
    return [{"question": c.question, "text": c.text} for c in scores.comments
            if c.question in ids]  # fmt: skip


# ------------------------------------------------------------------------------ pillar views ---


def pillar_view(scores: OrganisationScores, pillar_id: str) -> OrganisationScores:
    """The organisation's scores restricted to one pillar: its dimensions, items, perception gaps
    and comments (breakouts are kept whole; charts read only the dimensions listed)."""
    pillar, dims, items = _pillar_parts(scores, pillar_id)
    ids = {d.id for d in dims}
    qids = {i.id for i in items}
    return dataclasses.replace(
        scores,
        overall=pillar.score,
        pillars=[pillar],
        dimensions=dims,
        items=items,
        perception_gaps=[g for g in scores.perception_gaps if g.dimension in ids],
        comments=[c for c in scores.comments if c.question in qids],
    )


def targets(plan: OrganisationPlan) -> dict[str, float]:
    """Target per dimension after the transition decision (profile, archetype, instrument)."""
    return plan.decision.target_levels


def dimension_rows(plan: OrganisationPlan, pillar_id: str | None = None) -> list[Row]:
    """Dimensions (of one pillar, or all) against the targets that drive the roadmap.

    ``gap`` = target − score (positive: below target); ``target_source`` says which target applied.
    ``delta`` is the change since the previous assessment when one was given; ``self_assessed``
    and ``moderated`` stand beside the score when an assessor's moderation was given.
    """
    scores = plan.scores
    dims = _pillar_parts(scores, pillar_id)[1] if pillar_id else scores.dimensions
    out = []
    for d in dims:  # target, source and gap as analysis.plan.apply_targets set them
        row: Row = {
            "id": d.id,
            "name": d.name,
            "pillar": d.pillar,
            "score": d.score,
            "target": d.target,
            "target_source": d.target_source.value,
            "gap": d.gap,
            "coverage": d.coverage,
            "consensus": d.consensus,
            "disputed": len(d.disputed_items),
        }
        if scores.deltas is not None:
            row["delta"] = scores.deltas.dimensions.get(d.id)
        if scores.moderation is not None:
            row["self_assessed"], row["moderated"] = d.self_assessed, d.moderated
        out.append(row)
    return out


def limiting_dimensions(
    scores: OrganisationScores, pillar_id: str, tolerance: float = 0.0
) -> list[DimensionScore]:
    """The dimensions that keep the pillar's achieved level where it is (the weakest links):
    those scoring below the next level − tolerance, weakest first. Empty at level 5 or unscored."""
    pillar, dims, _ = _pillar_parts(scores, pillar_id)
    level = pillar.achieved_level
    if level is None or level >= 5:
        return []
    bar = round(level + 1 - tolerance, 4)
    below = [(d.score, d) for d in dims if d.score is not None and round(d.score, 4) < bar]
    return [d for _, d in sorted(below, key=lambda sd: (sd[0], sd[1].id))]


def perception_rows(
    scores: OrganisationScores, pillar_id: str | None = None
) -> list[PerceptionGap]:
    """Perception gaps between shown groups (largest first), optionally for one pillar."""
    if pillar_id is None:
        return list(scores.perception_gaps)
    ids = {d.id for d in _pillar_parts(scores, pillar_id)[1]}
    return [g for g in scores.perception_gaps if g.dimension in ids]


def _retitle(fig: go.Figure, organisation: str, pillar_name: str) -> go.Figure:
    """The chart's title with the pillar's name after the organisation's."""
    title = fig.layout.title.text or ""
    prefix = f"{organisation}: "
    if title.startswith(prefix):
        fig.update_layout(title_text=f"{organisation} · {pillar_name}: {title[len(prefix) :]}")
    return fig


#: The charts of a pillar, in the order the notebooks show them.
PILLAR_CHARTS = ("dimensions", "items", "consensus", "perception_role_band", "perception_unit")


def _pillar_chart(
    plan: OrganisationPlan, view: OrganisationScores, instrument: Instrument, name: str
) -> go.Figure:
    """One chart of a pillar's view (``name`` one of :data:`PILLAR_CHARTS`), not yet retitled."""
    if name == "dimensions":
        colour = charts.pillar_colours(plan.scores)[view.pillars[0].id]
        bars = charts.dimension_bars(view, targets(plan))
        bars.update_traces(marker_color=colour, selector={"type": "bar"})
        return bars
    if name == "items":
        return charts.item_heatmap(view)
    if name == "consensus":
        return charts.consensus_view(view, instrument.meta.disagreement.consensus_below)
    if name in ("perception_role_band", "perception_unit"):
        return charts.perception_gaps(view, name.removeprefix("perception_"))
    raise Pmo2vmoError(f"no pillar chart {name!r}; charts: {', '.join(PILLAR_CHARTS)}")


def pillar_figure(
    plan: OrganisationPlan, pillar_id: str, instrument: Instrument, name: str
) -> go.Figure:
    """One chart of one pillar (see :func:`pillar_figures`), titled with the pillar."""
    view = pillar_view(plan.scores, pillar_id)
    fig = _pillar_chart(plan, view, instrument, name)
    return _retitle(fig, plan.scores.organisation, view.pillars[0].name)


def pillar_figures(
    plan: OrganisationPlan, pillar_id: str, instrument: Instrument
) -> dict[str, go.Figure]:
    """The charts of one pillar: dimensions against target, answers per question, consensus and
    perception gaps by role band and by unit — titled with the pillar, in the pillar's colour."""
    return {name: pillar_figure(plan, pillar_id, instrument, name) for name in PILLAR_CHARTS}


def pillar_summary(plan: OrganisationPlan, pillar_id: str, instrument: Instrument) -> Row:
    """The key figures of one pillar, for a notebook to print."""
    scores = plan.scores
    pillar, _, items = _pillar_parts(scores, pillar_id)
    rows = dimension_rows(plan, pillar_id)
    below = [r for r in rows if r["gap"] is not None and r["gap"] > 0]
    largest = max(below, key=lambda r: (r["gap"], r["id"]), default=None)
    delta = None
    if scores.deltas is not None:
        delta = scores.deltas.pillars.get(pillar_id)
    tolerance = instrument.meta.achieved_level_tolerance
    return {
        "id": pillar_id,
        "name": pillar.name,
        "score": pillar.score,
        "readiness": pillar.readiness,
        "achieved_level": pillar.achieved_level,
        "achieved_level_name": pillar.achieved_level_name,
        "dimensions": len(rows),
        "below_target": len(below),
        "largest_gap": largest,
        "limiting": [d.id for d in limiting_dimensions(scores, pillar_id, tolerance)],
        "disputed": [i.id for i in items if i.disputed],
        "delta": delta,
    }


def pillar_findings(plan: OrganisationPlan, pillar_id: str, instrument: Instrument) -> list[str]:
    """What a consultant would say first about one pillar, as plain sentences from the figures."""
    s = pillar_summary(plan, pillar_id, instrument)
    scores = plan.scores
    names = {d.id: d.name for d in scores.dimensions}
    out = []
    if s["score"] is None:
        return [f"{s['name']}: nothing was scored, so there is no finding to discuss."]
    level = s["achieved_level"]
    text = (
        f"{s['name']} scores {s['score']:.2f} on average (readiness {s['readiness']:.1f} of 100); "
        f"its achieved level is {level} {s['achieved_level_name']}: every dimension reaches at "
        "least that level."
    )
    if s["limiting"] and level is not None and level < 5:
        weakest = ", ".join(f"{names[d]} ({d})" for d in s["limiting"])
        text += (
            f" Holding it below level {level + 1} {instrument.level_name(level + 1)}: {weakest}."
        )
    out.append(text)
    if s["largest_gap"] is None:
        out.append(f"All {plural(s['dimensions'], 'dimension')} are at or above their targets.")
    else:
        g = s["largest_gap"]
        out.append(
            f"{s['below_target']} of {plural(s['dimensions'], 'dimension')} are below target; the "
            f"largest gap is {g['name']} ({g['id']}): score {g['score']:.2f} against "
            f"{g['target']:g} ({g['target_source']} target), gap {g['gap']:.2f}."
        )
    if s["disputed"]:
        out.append(
            f"Stakeholders disagree on {plural(len(s['disputed']), 'item')}: "
            f"{', '.join(s['disputed'])} — discuss them before trusting the average."
        )
    else:
        out.append("No item of this pillar is disputed: stakeholders broadly agree.")
    flagged = [p for p in perception_rows(scores, pillar_id) if p.flagged]
    if flagged:
        p = flagged[0]
        label = "role bands" if p.group_by == "role_band" else "units"
        out.append(
            f"Largest perception gap between {label}: {names[p.dimension]} ({p.dimension}), "
            f"{p.high_group} {p.high:.2f} against {p.low_group} {p.low:.2f} "
            f"(gap {p.gap:.2f}); {plural(len(flagged), 'flagged gap')} in this pillar."
        )
    out += _moderation_findings(scores, pillar_id, names)
    if s["delta"] is not None:
        out.append(f"Since the previous assessment the pillar moved by {s['delta']:+.2f}.")
    return out


def _moderation_findings(
    scores: OrganisationScores, pillar_id: str, names: dict[str, str]
) -> list[str]:
    """The assessor's levels of the pillar's dimensions beside the self-assessed scores."""
    moderation = scores.moderation
    if moderation is None:
        return []
    dims = {d.id: d for d in scores.dimensions if d.pillar == pillar_id}
    out = []
    for m in moderation.levels:
        d = dims.get(m.dimension)
        if d is None:
            continue
        own = "not scored" if d.self_assessed is None else f"{d.self_assessed:.2f}"
        drives = "it drives" if moderation.drives else "the self-assessed score drives"
        out.append(f"The assessor moderated {names[m.dimension]} ({m.dimension}) to {m.level:g} "
                   f"(self-assessed {own}; {drives}): {m.rationale}")  # fmt: skip
    return out
