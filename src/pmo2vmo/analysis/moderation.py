"""Assessor moderation in the scores: the moderated level beside the self-assessed score of each
dimension, which of the two drives, and how optimistic each role band's self-assessment is.

When the moderation drives (the profile's ``drive: moderated``, the default), a moderated
dimension's ``score`` is the assessor's level, and the pillars, overall, achieved levels, gaps,
decision and roadmap follow from it; items, breakouts and perception gaps stay the respondents'
own. The optimism index of a group is the mean, over the moderated dimensions its score is shown
for, of self-assessed − moderated: above 0 the group rates itself higher than the evidence does.
It rests only on figures the report shows already, so it reveals nothing the confidentiality rule
hides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from pmo2vmo.analysis.score_engine import GroupScores, Structure, roll_up
from pmo2vmo.analysis.score_report import num
from pmo2vmo.model.moderation import Moderation
from pmo2vmo.model.results import (
    BreakoutRow,
    DimensionScore,
    ModeratedLevel,
    ModerationSummary,
    Optimism,
    PillarScore,
    Status,
)

ALL_RESPONDENTS = "All respondents"


def moderated_levels(
    structure: Structure, orgs: Sequence[str], moderations: Mapping[str, Moderation]
) -> np.ndarray:
    """The assessor's level per organisation and dimension (G × D; NaN where none)."""
    levels = np.full((len(orgs), len(structure.dim_ids)), np.nan)
    index = {d: i for i, d in enumerate(structure.dim_ids)}
    for g, org in enumerate(orgs):
        moderation = moderations.get(org)
        for dim_id, entry in (moderation.dimensions if moderation else {}).items():
            if dim_id in index:
                levels[g, index[dim_id]] = entry.level
    return levels


def drive(scores: GroupScores, structure: Structure, levels: np.ndarray) -> None:
    """Let the moderated ``levels`` drive: they replace the dimension scores they moderate, and
    the pillars and overall are rolled up again from the result."""
    scores.dimension = np.where(np.isnan(levels), scores.dimension, levels)
    scores.pillar, scores.overall = roll_up(structure, scores.dimension)


def _index(pairs: list[tuple[float, float]]) -> float:
    return round(sum(s - m for s, m in pairs) / len(pairs), 2)


def summary(
    moderation: Moderation,
    drives: bool,
    dimensions: Sequence[DimensionScore],
    breakouts: Sequence[BreakoutRow],
) -> ModerationSummary:
    """The moderation of one organisation as reports show it, with the optimism index of all
    respondents and of each role band shown."""
    levels = {d: e.level for d, e in moderation.dimensions.items()}
    optimism = []
    overall = [(d.self_assessed, levels[d.id]) for d in dimensions
               if d.id in levels and d.self_assessed is not None]  # fmt: skip
    if overall:
        optimism.append(Optimism(None, ALL_RESPONDENTS, _index(overall), len(overall)))
    for row in breakouts:
        if row.group_by != "role_band" or row.status is not Status.OK or row.group is None:
            continue
        shown = row.dimensions or {}
        pairs = [(float(v), levels[d]) for d, v in shown.items() if d in levels and v is not None]
        if pairs:
            optimism.append(Optimism(row.group_by, row.group, _index(pairs), len(pairs)))
    return ModerationSummary(
        drives=drives,
        assessor=moderation.assessor,
        date=None if moderation.date is None else moderation.date.isoformat(),
        levels=tuple(
            ModeratedLevel(d, e.level, e.rationale, tuple(e.evidence))
            for d, e in moderation.dimensions.items()
            if d in {x.id for x in dimensions}
        ),
        optimism=tuple(optimism),
    )


def self_assessed(
    structure: Structure,
    dimension: np.ndarray,
    pillars: Sequence[PillarScore],
    dims: Sequence[DimensionScore],
) -> tuple[float | None, list[PillarScore], list[DimensionScore]]:
    """The overall, pillars and dimensions as the respondents scored them (``dimension``: their
    dimension scores, D), before the assessor's levels drove — what changes since a previous
    assessment compare, so that a moderated level is never compared with a self-assessment."""
    pillar, overall = roll_up(structure, dimension[None, :])
    return (
        num(overall[0]),
        [replace(p, score=num(pillar[0, i])) for i, p in enumerate(pillars)],
        [replace(d, score=d.self_assessed) for d in dims],
    )
