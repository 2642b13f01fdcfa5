"""The scored results as records: one organisation's scores (:class:`OrganisationScores`), the whole
report (:class:`ScoreReport`), their stable JSON shape, and how figures and groups are shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pmo2vmo import __version__
from pmo2vmo.model.results import (
    BreakoutRow,
    Comment,
    Deltas,
    DimensionScore,
    ItemScore,
    ModerationSummary,
    PerceptionGap,
    PillarScore,
    plain,
)


def num(value: Any, digits: int = 4) -> float | None:
    """A float for JSON: rounded, and ``None`` for NaN."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


def group_name(row: BreakoutRow, min_group_size: int, short: bool = False) -> str:
    """How a breakout row is named in reports: its group, or what a folded row stands for
    ("3 further groups suppressed: each under 5, or hidden so that none under 5 can be worked
    out"; ``short``: "3 further groups")."""
    if row.group is not None:
        return row.group
    n = row.groups
    name = f"{n} further group{'s' if n != 1 else ''}"
    if short:
        return name
    return (
        f"{name} suppressed: each under {min_group_size}, or hidden so that none under "
        f"{min_group_size} can be worked out"
    )


@dataclass
class OrganisationScores:
    """Everything scored for one organisation; ``to_json`` gives the stable JSON shape."""

    organisation: str
    respondents: int
    overall: float | None
    pillars: list[PillarScore]
    dimensions: list[DimensionScore]
    items: list[ItemScore]
    breakouts: list[BreakoutRow]
    perception_gaps: list[PerceptionGap]
    comments: list[Comment]
    data_quality: dict[str, int | None]  # None: a count under min_group_size that is a group
    warnings: list[str] = field(default_factory=list)
    deltas: Deltas | None = None
    comments_withheld: bool = False  # too few respondents to show comments anonymously
    min_group_size: int = 5
    # Scored answers to routed questions ÷ (routed respondent × question pairs − N/A) over the
    # whole instrument; None when every answer is N/A (nothing was expected).
    coverage: float | None = None
    # How respondents count in every figure: per_respondent, or equal_per_band (the profile's).
    respondent_weighting: str = "per_respondent"
    moderation: ModerationSummary | None = None  # None: no assessor moderation was given

    def quality_text(self, flag: str) -> str:
        """A data-quality count as reports show it ("fewer than 5" where it is withheld)."""
        count = self.data_quality.get(flag, 0)
        return f"fewer than {self.min_group_size}" if count is None else str(count)

    def group_name(self, row: BreakoutRow, short: bool = False) -> str:
        """How a breakout row is named in reports (see :func:`group_name`)."""
        return group_name(row, self.min_group_size, short)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of one organisation (``deltas`` only when a previous was given)."""
        out: dict[str, Any] = {
            "organisation": self.organisation,
            "respondents": self.respondents,
            "respondent_weighting": self.respondent_weighting,
            "overall": self.overall,
            "pillars": plain(self.pillars),
            "dimensions": plain(self.dimensions),
            "items": plain(self.items),
            "breakouts": plain(self.breakouts),
            "perception_gaps": plain(self.perception_gaps),
            "comments": plain(self.comments),
            "data_quality": self.data_quality,
            "warnings": self.warnings,
        }
        out["moderation"] = plain(self.moderation)
        if self.deltas is not None:
            out["deltas"] = self.deltas.to_json()
        return out


@dataclass
class ScoreReport:
    """Scores of every organisation in the input, with what they were scored with."""

    instrument_id: str
    instrument_version: str
    input_sha256: str
    min_group_size: int
    organisations: list[OrganisationScores]

    def organisation(self, name: str) -> OrganisationScores:
        """The scores of the organisation called ``name``; KeyError when there is none."""
        for org in self.organisations:
            if org.organisation == name:
                return org
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of ``pmo2vmo score --json``."""
        return {
            "instrument": {"id": self.instrument_id, "version": self.instrument_version},
            "pmo2vmo_version": __version__,
            "input_sha256": self.input_sha256,
            "min_group_size": self.min_group_size,
            "organisations": [org.to_json() for org in self.organisations],
        }
