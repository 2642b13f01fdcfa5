"""What the playbook notebooks show, as tested functions: inputs, pillar views, tables, findings.

The notebooks in ``playbook/`` walk one organisation's assessment in the consultant's order —
context and data quality, PMO baseline, value culture, portfolio, metrics, transition and roadmap.
Every number they show comes from here or from :mod:`pmo2vmo.api` and :mod:`pmo2vmo.render.charts`;
the notebooks only choose what to display. Rows are plain dicts for :func:`pmo2vmo.render.show.show_records`
(which escapes them), so client text never becomes markup.

This module holds the inputs (sample, parameters, organisation) and each pillar notebook's views
(:func:`show_pillar_view`: one call per view, so the four pillar notebooks share every line of
logic). The rows, charts and findings behind them live in :mod:`pmo2vmo.render.walkthrough_scores`
and :mod:`pmo2vmo.render.walkthrough_plan`, and are importable from here.

Confidentiality is inherited, never recomputed: group sizes and group scores come only from the
breakouts scoring already suppressed, and a suppressed group is labelled ``suppressed``, never given
a number.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pmo2vmo.analysis.plan import OrganisationPlan, RoadmapReport, previous_dimension_scores
from pmo2vmo.errors import Pmo2vmoError
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.render import show
from pmo2vmo.render.show import Bundle
from pmo2vmo.render.walkthrough_plan import (
    decision_findings,
    exit_criteria_table,
    gate_rows,
    kpi_rows,
    operating_model_rows,
    phase_rows,
    readiness_rows,
    roadmap_rows,
    rule_rows,
)
from pmo2vmo.render.walkthrough_scores import (
    FLAG_MEANINGS,
    PILLAR_CHARTS,
    STATUS_LABELS,
    Row,
    comments,
    coverage_by_pillar,
    dimension_rows,
    disputed_items,
    group_counts,
    item_rows,
    limiting_dimensions,
    perception_rows,
    pillar_figure,
    pillar_figures,
    pillar_findings,
    pillar_summary,
    pillar_view,
    quality_rows,
    targets,
    top_items,
)
from pmo2vmo.resources import samples_dir

__all__ = [
    "FLAG_MEANINGS",
    "PILLAR_CHARTS",
    "PILLAR_VIEWS",
    "SAMPLE",
    "STATUS_LABELS",
    "Row",
    "comments",
    "coverage_by_pillar",
    "decision_findings",
    "dimension_rows",
    "disputed_items",
    "exit_criteria_table",
    "fmt",
    "gate_rows",
    "group_counts",
    "item_rows",
    "kpi_rows",
    "limiting_dimensions",
    "operating_model_rows",
    "perception_rows",
    "phase_rows",
    "pillar_figure",
    "pillar_figures",
    "pillar_findings",
    "pillar_summary",
    "pillar_view",
    "pillar_view_outputs",
    "previous_dimension_scores",
    "quality_rows",
    "readiness_rows",
    "resolve_inputs",
    "roadmap_rows",
    "rule_rows",
    "sample_inputs",
    "select",
    "show_pillar_view",
    "targets",
    "top_items",
]

#: The bundled sample the notebooks run on by default: a solid PMO with a weak value culture and
#: weak metrics, the most instructive case.
SAMPLE = "harbor-mutual"


def fmt(value: float | None, digits: int = 2, *, signed: bool = False) -> str:
    """A figure for printing: fixed decimals (with a sign when ``signed``), ``no score`` for None."""
    if value is None:
        return "no score"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


# ------------------------------------------------------------------------------------ inputs ---


def sample_inputs() -> tuple[Path, Path]:
    """The default sample's responses file and client profile."""
    folder = samples_dir()
    return folder / f"{SAMPLE}.csv", folder / f"{SAMPLE}.yaml"


def resolve_inputs(
    responses: Path | str | None, profile: Path | str | None
) -> tuple[Path, Path | None]:
    """The responses file and profile a notebook's parameters name.

    ``responses=None`` is the bundled sample, with its profile unless ``profile`` is given. For a
    client's file, ``profile=None`` takes a profile with the same name beside it
    (``client.xlsx`` → ``client.yaml`` or ``client.yml``) if there is one, else none — never the
    sample's profile, whose targets and role bands belong to another organisation.
    """
    if responses is None:
        data, sample_profile = sample_inputs()
        return data, Path(profile) if profile is not None else sample_profile
    path = Path(responses)
    if profile is not None:
        return path, Path(profile)
    for suffix in (".yaml", ".yml"):
        beside = path.with_suffix(suffix)
        if beside.is_file() and beside != path:
            return path, beside
    return path, None


def select(report: RoadmapReport, organisation: str | None = None) -> OrganisationPlan:
    """The plan of ``organisation`` (by name), or of the first organisation when ``None``."""
    if not report.organisations:
        raise Pmo2vmoError("the responses hold no organisation")
    if organisation is None:
        return report.organisations[0]
    for plan in report.organisations:
        if plan.scores.organisation == organisation:
            return plan
    names = ", ".join(repr(p.scores.organisation) for p in report.organisations)
    raise Pmo2vmoError(
        f"organisation {organisation!r} is not in the responses; they hold {names} — set "
        "`organisation` to one of these names, or to None for the first"
    )


# ------------------------------------------------------------------- a pillar notebook's views ---

#: What a view shows, in order: a line of text (printed) or a MIME bundle (displayed).
Output = str | Bundle

DIMENSION_COLUMNS = {
    "id": "Dimension",
    "name": "Name",
    "score": "Score",
    "target": "Target",
    "target_source": "Target from",
    "gap": "Gap",
    "coverage": "Coverage",
    "consensus": "Consensus",
    "disputed": "Disputed items",
}
QUESTION_COLUMNS = {
    "id": "Question",
    "text": "Statement",
    "score": "Score",
    "answers": "Answers per level",
    "dont_know": "Don't know",
    "not_applicable": "N/A",
}
DISPUTED_COLUMNS = {
    "id": "Question",
    "text": "Statement",
    "score": "Score",
    "consensus": "Consensus",
    "answers": "Answers per level",
}
PERCEPTION_COLUMNS = {
    "dimension": "Dimension",
    "group_by": "Between",
    "high_group": "Highest group",
    "high": "High",
    "low_group": "Lowest group",
    "low": "Low",
    "gap": "Gap",
    "flagged": "Flagged",
}


def _summary_view(
    plan: OrganisationPlan, pillar_id: str, instrument: Instrument, top_n: int
) -> list[Output]:
    """The pillar at a glance: score, readiness, level, gaps, weakest links, then the findings."""
    s = pillar_summary(plan, pillar_id, instrument)
    out: list[Output] = [
        (
            f"{s['name']}: score {fmt(s['score'])}, readiness {fmt(s['readiness'], 1)} of 100, "
            f"achieved level {s['achieved_level']} {s['achieved_level_name']}"
        ),
        f"Dimensions below target: {s['below_target']} of {s['dimensions']}",
        f"Weakest links (below the next level): {', '.join(s['limiting']) or 'none'}",
    ]
    if s["delta"] is not None:
        out.append(f"Change since the previous assessment: {fmt(s['delta'], signed=True)}")
    findings = pillar_findings(plan, pillar_id, instrument)
    out.append(show.text_bundle(findings, heading="What stands out"))
    return out


def _dimensions_view(
    plan: OrganisationPlan, pillar_id: str, instrument: Instrument, top_n: int
) -> list[Output]:
    """The dimensions against target: the chart, a line per dimension, then the table."""
    columns = dict(DIMENSION_COLUMNS)
    if plan.scores.deltas is not None:
        columns["delta"] = "Change"
    rows = dimension_rows(plan, pillar_id)
    out: list[Output] = [
        show.figure_bundle(pillar_figure(plan, pillar_id, instrument, "dimensions"))
    ]
    out += [
        f"{row['id']}: score {fmt(row['score'])}, target {row['target']:g} "
        f"({row['target_source']}), gap {fmt(row['gap'], signed=True)}"
        for row in rows
    ]
    caption = "Dimensions (gap = target − score; positive gaps drive the roadmap)"
    out.append(show.records_bundle(rows, columns, caption=caption))
    return out


def _questions_view(
    plan: OrganisationPlan, pillar_id: str, instrument: Instrument, top_n: int
) -> list[Output]:
    """How each question was answered: the heatmap, then the ``top_n`` weakest questions."""
    weakest = top_items(plan.scores, instrument, "weakest", top_n, pillar_id=pillar_id)
    return [
        show.figure_bundle(pillar_figure(plan, pillar_id, instrument, "items")),
        show.records_bundle(
            weakest, QUESTION_COLUMNS, caption=f"Weakest questions of the pillar (up to {top_n})"
        ),
    ]


def _disputed_view(
    plan: OrganisationPlan, pillar_id: str, instrument: Instrument, top_n: int
) -> list[Output]:
    """Where stakeholders disagree: the consensus chart, then the disputed questions."""
    disputed = disputed_items(plan.scores, instrument, pillar_id)
    ids = f" — {', '.join(r['id'] for r in disputed)}" if disputed else ""
    out: list[Output] = [
        show.figure_bundle(pillar_figure(plan, pillar_id, instrument, "consensus")),
        f"Disputed questions in this pillar: {len(disputed)}{ids}",
    ]
    if disputed:
        out.append(show.records_bundle(disputed, DISPUTED_COLUMNS, caption="Disputed questions"))
    return out


def _perception_view(
    plan: OrganisationPlan, pillar_id: str, instrument: Instrument, top_n: int
) -> list[Output]:
    """Perception gaps: the charts by role band and unit, the flagged gaps, the ``top_n`` largest."""
    out: list[Output] = [
        show.figure_bundle(pillar_figure(plan, pillar_id, instrument, name))
        for name in ("perception_role_band", "perception_unit")
    ]
    gaps = perception_rows(plan.scores, pillar_id)
    flagged = [g for g in gaps if g.flagged]
    out.append(f"Perception gaps flagged in this pillar: {len(flagged)}")
    out += [
        f"  {g.dimension} by {g.group_by}: {g.high_group} {g.high:.2f} vs "
        f"{g.low_group} {g.low:.2f}, gap {g.gap:.2f}"
        for g in flagged
    ]
    if gaps:
        caption = f"Largest gaps between shown groups (up to {top_n})"
        out.append(show.records_bundle(gaps[:top_n], PERCEPTION_COLUMNS, caption=caption))
    return out


def _comments_view(
    plan: OrganisationPlan, pillar_id: str, instrument: Instrument, top_n: int
) -> list[Output]:
    """The comments on the pillar's questions, or why they are withheld."""
    scores = plan.scores
    notes = comments(scores, pillar_id)
    out: list[Output] = [f"Comments on this pillar: {len(notes)}"]
    if scores.respondents < scores.min_group_size:
        out.append("Comments are withheld: fewer respondents than the minimum group size.")
    if notes:
        out.append(show.records_bundle(notes, {"question": "Question", "text": "Comment"}))
    return out


#: Each view of a pillar notebook, in the notebooks' order.
PILLAR_VIEWS: dict[str, Callable[[OrganisationPlan, str, Instrument, int], list[Output]]] = {
    "summary": _summary_view,
    "dimensions": _dimensions_view,
    "questions": _questions_view,
    "disputed": _disputed_view,
    "perception": _perception_view,
    "comments": _comments_view,
}


def pillar_view_outputs(
    plan: OrganisationPlan,
    pillar_id: str,
    view: str,
    instrument: Instrument,
    *,
    top_n: int = 10,
) -> list[Output]:
    """What one view of a pillar shows, in order: lines of text and MIME bundles (charts, escaped
    tables and text). ``top_n`` bounds the weakest questions and the perception gaps listed."""
    if view not in PILLAR_VIEWS:
        raise Pmo2vmoError(f"no pillar view {view!r}; views: {', '.join(PILLAR_VIEWS)}")
    return PILLAR_VIEWS[view](plan, pillar_id, instrument, top_n)


def show_pillar_view(
    plan: OrganisationPlan,
    pillar_id: str,
    view: str,
    instrument: Instrument,
    *,
    top_n: int = 10,
) -> None:
    """Display one view of a pillar notebook (see :data:`PILLAR_VIEWS`): lines are printed,
    charts and tables displayed, in order."""
    for output in pillar_view_outputs(plan, pillar_id, view, instrument, top_n=top_n):
        if isinstance(output, str):
            print(output)
        else:
            show.show_bundle(output)
