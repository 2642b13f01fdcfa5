"""Builders for tests: an organisation's scores from dimension scores, checkable by hand; a
responses file of two organisations."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pmo2vmo.analysis.scoring import OrganisationScores, achieved_level
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.results import (
    DimensionScore,
    ItemScore,
    PerceptionGap,
    PillarScore,
    TargetSource,
)
from pmo2vmo.resources import samples_dir

RESPONDENTS = 12  # everyone answered everything: enough evidence for a recommendation


def make_org(
    instrument: Instrument,
    scores: Mapping[str, float],
    *,
    consensus: Mapping[str, float] | None = None,
    perception: Mapping[str, float] | None = None,
    name: str = "Test Org",
) -> OrganisationScores:
    """Scores of one organisation as the scorer would report them, from dimension scores.

    Each item scores its dimension's score with its dimension's consensus (0.9 unless given);
    targets are the instrument's. The answers behind the figures are not modelled: dispersion is
    None, each distribution all zero, and a perception gap names no real groups (nor their ends).
    """
    consensus = consensus or {}
    rule = instrument.meta.disagreement
    disputed = {
        d.id: rule.min_answers <= RESPONDENTS and consensus.get(d.id, 0.9) < rule.consensus_below
        for d in instrument.dimensions
    }
    dims, pillars = [], []
    overall_num = overall_den = 0.0
    for pillar in instrument.pillars:
        values = [(scores[d.id], d.weight) for d in pillar.dimensions]
        pillar_score = round(sum(v * w for v, w in values) / sum(w for _, w in values), 4)
        for d in pillar.dimensions:
            target = instrument.default_target(d.id)
            dims.append(
                DimensionScore(
                    id=d.id,
                    name=d.name,
                    pillar=pillar.id,
                    score=scores[d.id],
                    target=target,
                    target_source=TargetSource.INSTRUMENT,
                    gap=round(target - scores[d.id], 4),
                    respondents=RESPONDENTS,
                    asked=RESPONDENTS * len(d.questions),
                    answered=RESPONDENTS * len(d.questions),
                    not_applicable=0,
                    dont_know=0,
                    coverage=1.0,
                    dispersion=None,
                    consensus=consensus.get(d.id, 0.9),
                    disputed_items=tuple(q.id for q in d.questions) if disputed[d.id] else (),
                )
            )
        level = achieved_level([scores[d.id] for d in pillar.dimensions])
        pillars.append(
            PillarScore(
                id=pillar.id,
                name=pillar.name,
                score=pillar_score,
                readiness=round((pillar_score - 1) / 4 * 100, 1),
                achieved_level=level,
                achieved_level_name=None if level is None else instrument.level_name(level),
            )
        )
        overall_num += pillar_score * pillar.weight
        overall_den += pillar.weight
    gaps = [
        PerceptionGap(
            group_by="role_band",
            dimension=dim,
            high_group="High",
            high=None,
            low_group="Low",
            low=None,
            gap=gap,
            flagged=gap >= 1.5,
        )
        for dim, gap in (perception or {}).items()
    ]
    return OrganisationScores(
        organisation=name,
        respondents=RESPONDENTS,
        coverage=1.0,
        overall=round(overall_num / overall_den, 4),
        pillars=pillars,
        dimensions=dims,
        items=[
            ItemScore(
                id=q.id,
                dimension=d.id,
                score=scores[d.id],
                respondents=RESPONDENTS,
                asked=RESPONDENTS,
                answered=RESPONDENTS,
                not_applicable=0,
                dont_know=0,
                coverage=1.0,
                dispersion=None,
                consensus=consensus.get(d.id, 0.9),
                disputed=disputed[d.id],
                distribution=(0, 0, 0, 0, 0),
            )
            for d in instrument.dimensions
            for q in d.questions
        ],
        breakouts=[],
        perception_gaps=gaps,
        comments=[],
        data_quality={},
    )


def uniform(instrument: Instrument, value: float, **overrides: float) -> dict[str, float]:
    """Every dimension at ``value`` except the overrides (keys with ``_`` for ``-``)."""
    scores = {d.id: value for d in instrument.dimensions}
    scores.update({k.replace("_", "-"): v for k, v in overrides.items()})
    return scores


def two_organisations(path: Path) -> Path:
    """The Lumen Digital sample (tidy CSV) with a twin organisation, Lumen Labs, whose
    respondents (LL-…) answered the same: one file, two organisations."""
    lines = (samples_dir() / "lumen-digital.csv").read_text(encoding="utf-8").splitlines()
    twin = [line.replace("Lumen Digital", "Lumen Labs").replace("LU-", "LL-") for line in lines]
    path.write_text("\n".join([*lines, *twin[1:]]) + "\n", encoding="utf-8")
    return path
