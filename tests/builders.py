"""Builders for tests: an organisation's scores from dimension scores, checkable by hand."""

from __future__ import annotations

from collections.abc import Mapping

from pmo2vmo.analysis.scoring import OrganisationScores, achieved_level
from pmo2vmo.model.instrument import Instrument


def make_org(
    instrument: Instrument,
    scores: Mapping[str, float],
    *,
    consensus: Mapping[str, float] | None = None,
    perception: Mapping[str, float] | None = None,
    name: str = "Test Org",
) -> OrganisationScores:
    """Scores of one organisation as the scorer would report them, from dimension scores."""
    dims, pillars = [], []
    overall_num = overall_den = 0.0
    for pillar in instrument.pillars:
        values = [(scores[d.id], d.weight) for d in pillar.dimensions]
        pillar_score = round(sum(v * w for v, w in values) / sum(w for _, w in values), 4)
        for d in pillar.dimensions:
            dims.append(
                {
                    "id": d.id,
                    "name": d.name,
                    "pillar": pillar.id,
                    "score": scores[d.id],
                    "consensus": (consensus or {}).get(d.id, 0.9),
                }
            )
        pillars.append(
            {
                "id": pillar.id,
                "score": pillar_score,
                "achieved_level": achieved_level([scores[d.id] for d in pillar.dimensions]),
            }
        )
        overall_num += pillar_score * pillar.weight
        overall_den += pillar.weight
    gaps = [
        {"group_by": "role_band", "dimension": dim, "gap": gap, "flagged": gap >= 1.5}
        for dim, gap in (perception or {}).items()
    ]
    return OrganisationScores(
        organisation=name,
        respondents=12,
        overall=round(overall_num / overall_den, 4),
        pillars=pillars,
        dimensions=dims,
        items=[
            {
                "id": q.id,
                "dimension": d.id,
                "score": scores[d.id],
                "respondents": 12,
                "answered": 12,
                "not_applicable": 0,
                "dont_know": 0,
            }
            for d in instrument.dimensions
            for q in d.questions
        ],  # fmt: skip  (everyone answered everything: enough evidence for a recommendation)
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
