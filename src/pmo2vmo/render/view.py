"""The report's view model: every row the HTML report, the deck and the report workbook show.

One organisation's plan becomes, once, the rows the three renderers lay out — dimensions with
their target, source, gap and change; pillars with the mean of their dimensions' targets; groups
with what their status lets them show; the disputed questions; the initiatives, exit criteria and
gaps left open; KPIs; comments; the method figures. Values stay numbers here (``None`` where there
is none); each renderer only formats them — the HTML and the deck with
:func:`~pmo2vmo.util.text.figure`, the workbook as numbers with a number format — so that the
same figure reads the same everywhere (``tests/test_agreement.py`` checks it). No renderer
computes a figure of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields

from pmo2vmo.analysis.plan import OrganisationPlan
from pmo2vmo.model.catalogue import Kpi
from pmo2vmo.model.results import (
    Comment,
    DimensionScore,
    ExitCriterion,
    ItemScore,
    ModerationSummary,
    PerceptionGap,
    PhaseWindow,
    Readiness,
    ResidualGap,
    Status,
    TargetSource,
    Why,
)

#: What a KPI's baseline reads when none is known in advance: it is measured in the Mobilise phase.
MEASURE_IN_MOBILISE = "measure in Mobilise"


@dataclass(frozen=True, slots=True)
class DimensionRow(DimensionScore):
    """A dimension as every renderer shows it: its score record (with the decision's target,
    source and gap, as apply_targets set them) and its change since the previous assessment."""

    change: float | None = None  # None: no previous assessment given, or no number in it

    @property
    def label(self) -> str:
        """ "Name (ID)", as tables name a dimension."""
        return f"{self.name} ({self.id})"


@dataclass(frozen=True)
class ModerationRow:
    """A moderated dimension: the respondents' score, the assessor's level, the difference
    (self-assessed − moderated: above 0, the respondents rate it higher), why and on what."""

    id: str
    label: str
    self_assessed: float | None
    moderated: float
    difference: float | None
    rationale: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class PillarRow:
    """A pillar: its score and achieved level against the mean of its dimensions' targets."""

    id: str
    name: str
    score: float | None
    target: float | None  # mean of its dimensions' targets, rounded to 2 decimals
    readiness: float | None
    achieved_level: int | None
    achieved_level_name: str | None
    change: float | None


@dataclass(frozen=True)
class GroupRow:
    """A breakout group; a group that is not shown carries no figure at all."""

    group_by: str  # "role_band" or "unit"
    name: str  # its name, or "3 further groups" for a folded row
    description: str  # its name, or what a folded row stands for ("3 further groups suppressed: …")
    status: Status
    respondents: int | None
    score: float | None
    pillars: tuple[float | None, ...]  # in pillar order; all None unless shown
    groups: int = 1  # how many groups the row stands for (a folded row: several)

    @property
    def shown(self) -> bool:
        return self.status is Status.OK

    @property
    def grouped_by(self) -> str:
        """ "role band" or "unit"."""
        return self.group_by.replace("_", " ")


@dataclass(frozen=True)
class InitiativeRow:
    """A planned initiative as the roadmap tables show it."""

    phase: str
    id: str
    title: str
    start: dt.date
    end: dt.date
    duration: int  # months
    owner: str
    effort: float  # person-months
    load: float  # people a month
    prerequisites: tuple[str, ...]
    quick_win: bool
    reason: str
    why: Why
    dimensions: tuple[str, ...]


@dataclass(frozen=True)
class KpiRow:
    """One KPI of a planned initiative, with the date its target should be met by: the
    initiative's planned end plus the KPI's ``due_after_months``."""

    initiative_id: str
    initiative: str  # its title
    kpi: Kpi
    target_date: dt.date

    @property
    def baseline(self) -> str:
        """Its baseline, or "measure in Mobilise" when none is known before the plan starts."""
        return self.kpi.baseline if self.kpi.baseline is not None else MEASURE_IN_MOBILISE


@dataclass(frozen=True)
class ReportView:
    """Everything the renderers show for one organisation, computed once from its plan."""

    plan: OrganisationPlan
    respondents: int
    overall: float | None
    readiness: Mapping[str, Readiness]  # the decision's indices (0–100, 1 decimal), by key
    previous_found: bool  # a previous assessment was given and holds this organisation
    dimensions: tuple[DimensionRow, ...]
    pillars: tuple[PillarRow, ...]
    items: tuple[ItemScore, ...]  # every question's figures
    data_quality: Mapping[str, int | None]  # respondents per flag (None: too few to show)
    groups: tuple[GroupRow, ...]
    perception_gaps: tuple[PerceptionGap, ...]
    disputed: tuple[ItemScore, ...]
    initiatives: tuple[InitiativeRow, ...]
    phases: tuple[PhaseWindow, ...]
    exit_criteria: tuple[ExitCriterion, ...]
    residual_gaps: tuple[ResidualGap, ...]
    kpis: tuple[KpiRow, ...]
    comments: tuple[Comment, ...]
    coverage: float | None  # answered ÷ (respondents × questions − N/A)
    answered: int
    not_applicable: int
    dont_know: int
    suppressed: tuple[GroupRow, ...]  # every suppressed group (not "no data" ones)
    moderation: ModerationSummary | None = None  # the assessor's moderation, when given
    moderated: tuple[ModerationRow, ...] = ()  # its dimensions, in instrument order

    @classmethod
    def of(cls, plan: OrganisationPlan) -> ReportView:
        """The view of ``plan`` (its dimensions carry the decision's targets: apply_targets)."""
        org = plan.scores
        dims = tuple(_dimension(plan, d) for d in org.dimensions)
        groups = tuple(_group(plan, i) for i in range(len(org.breakouts)))
        roadmap = plan.roadmap
        initiatives = tuple(
            InitiativeRow(
                phase=i.phase, id=i.initiative.id, title=i.initiative.title, start=i.start,
                end=i.end, duration=i.initiative.duration, owner=i.owner or i.initiative.owner_role,
                effort=i.initiative.effort, load=i.initiative.load,
                prerequisites=tuple(i.initiative.prerequisites), quick_win=i.quick_win, reason=i.reason, why=i.kind,
                dimensions=tuple(i.initiative.lifts),
            )
            for i in roadmap.items
        )  # fmt: skip
        return cls(
            plan=plan,
            respondents=org.respondents,
            overall=org.overall,
            readiness=dict(plan.decision.readiness),
            previous_found=org.deltas is not None and org.deltas.previous_found,
            dimensions=dims,
            pillars=tuple(_pillars(plan, dims)),
            items=tuple(org.items),
            data_quality=dict(org.data_quality),
            groups=groups,
            perception_gaps=tuple(org.perception_gaps),
            disputed=tuple(i for i in org.items if i.disputed),
            initiatives=initiatives,
            phases=tuple(roadmap.phases),
            exit_criteria=tuple(roadmap.exit_criteria),
            residual_gaps=tuple(roadmap.residual_gaps),
            kpis=tuple(
                KpiRow(i.initiative.id, i.initiative.title, k, i.target_date(k))
                for i in roadmap.items
                for k in i.kpis()
            ),
            comments=tuple(org.comments),
            coverage=org.coverage,
            answered=sum(i.answered for i in org.items),
            not_applicable=sum(i.not_applicable for i in org.items),
            dont_know=sum(i.dont_know for i in org.items),
            suppressed=tuple(g for g in groups if g.status is Status.SUPPRESSED),
            moderation=org.moderation,
            moderated=_moderated(org.moderation, dims),
        )

    @property
    def scored_dimensions(self) -> tuple[DimensionRow, ...]:
        """The dimensions with a score (charts leave the others out, never draw them as 0)."""
        return tuple(d for d in self.dimensions if d.score is not None)

    def unscored(self, pillar: str | None = None) -> list[str]:
        """The ids of the dimensions without a score (of ``pillar`` only, when given)."""
        return [d.id for d in self.dimensions
                if d.score is None and pillar in (None, d.pillar)]  # fmt: skip

    def largest_gaps(self, min_gap: float, count: int = 5) -> list[DimensionRow]:
        """The ``count`` dimensions furthest below target, by at least ``min_gap``."""
        gaps = [d for d in self.dimensions if d.gap is not None and d.gap >= min_gap]
        return sorted(gaps, key=lambda d: (-(d.gap or 0.0), d.id))[:count]

    def by_gap(self, pillar: str) -> list[DimensionRow]:
        """A pillar's scored dimensions, largest gap first (ties by id)."""
        dims = [d for d in self.scored_dimensions if d.pillar == pillar]
        return sorted(dims, key=lambda d: (-round(d.gap or 0.0, 4), d.id))

    def least_agreed(self, count: int = 6) -> list[DimensionRow]:
        """The ``count`` dimensions with the lowest consensus (ties by id)."""
        agreed = [d for d in self.dimensions if d.consensus is not None]
        return sorted(agreed, key=lambda d: (d.consensus or 0.0, d.id))[:count]

    def notable_gaps(self) -> tuple[bool, tuple[PerceptionGap, ...]]:
        """The perception gaps worth showing: the flagged ones (widest first), else the five
        widest; and whether they are the flagged ones."""
        flagged = tuple(g for g in self.perception_gaps if g.flagged)
        return (True, flagged) if flagged else (False, self.perception_gaps[:5])

    def target_sources(self) -> dict[TargetSource, int]:
        """How many dimensions take their target from each source."""
        counts: dict[TargetSource, int] = {}
        for d in self.dimensions:
            counts[d.target_source] = counts.get(d.target_source, 0) + 1
        return counts


def _dimension(plan: OrganisationPlan, d: DimensionScore) -> DimensionRow:
    """One dimension's row: its score record as it stands, and its change since the previous
    assessment."""
    deltas = plan.scores.deltas
    change = deltas.dimensions.get(d.id) if deltas is not None else None
    return DimensionRow(**{f.name: getattr(d, f.name) for f in fields(d)}, change=change)


def _moderated(
    moderation: ModerationSummary | None, dims: tuple[DimensionRow, ...]
) -> tuple[ModerationRow, ...]:
    """The moderated dimensions as rows, in instrument order."""
    if moderation is None:
        return ()
    levels = {m.dimension: m for m in moderation.levels}
    return tuple(
        ModerationRow(
            d.id, d.label, d.self_assessed, levels[d.id].level,
            None if d.self_assessed is None else round(d.self_assessed - levels[d.id].level, 2),
            levels[d.id].rationale, levels[d.id].evidence,
        )
        for d in dims
        if d.id in levels
    )  # fmt: skip


def _pillars(plan: OrganisationPlan, dims: tuple[DimensionRow, ...]) -> list[PillarRow]:
    """Each pillar with the mean of its dimensions' targets (2 decimals)."""
    org = plan.scores
    rows = []
    for p in org.pillars:
        mine = [d.target for d in dims if d.pillar == p.id]
        rows.append(PillarRow(
            id=p.id, name=p.name, score=p.score,
            target=round(sum(mine) / len(mine), 2) if mine else None,
            readiness=p.readiness, achieved_level=p.achieved_level,
            achieved_level_name=p.achieved_level_name,
            change=org.deltas.pillars.get(p.id) if org.deltas is not None else None,
        ))  # fmt: skip
    return rows


def _group(plan: OrganisationPlan, index: int) -> GroupRow:
    """Breakout row ``index``: a shown group's figures, nothing for any other."""
    org = plan.scores
    b = org.breakouts[index]
    pillars = [p.id for p in org.pillars]
    shown = b.status is Status.OK
    return GroupRow(
        group_by=b.group_by,
        name=org.group_name(b, short=True),
        description=org.group_name(b),
        groups=b.groups,
        status=b.status,
        respondents=b.respondents if shown else None,
        score=b.score if shown else None,
        pillars=tuple((b.pillars or {}).get(p) if shown else None for p in pillars),
    )


def target_reached(row: ExitCriterion) -> str:
    """When a dimension's target is expected to be reached, as every renderer says it: the date,
    marked when it falls after the horizon, or "not with this plan"."""
    if row.reached_by is None:
        return "not with this plan"
    return row.reached_by + ("" if row.within_horizon else " (after the horizon)")
