"""Changes since an earlier ``score --json`` output, across instrument versions too.

An earlier output scored with the same major version of the instrument compares dimension by
dimension. One scored with an earlier major version is read through the instrument's mapping
(``assessment/mappings/``): a dimension that survives is compared under its current id; one that is
new has no change shown, and the notes say which dimensions either side lacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pmo2vmo.analysis.score_report import num
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.results import Deltas, DimensionScore, PillarScore


def _delta(now: float | None, before: Any) -> float | None:
    """``now − before``, or None when either is not a number."""
    if now is None or not isinstance(before, int | float) or isinstance(before, bool):
        return None
    return num(now - float(before))


@dataclass(frozen=True)
class Previous:
    """What an earlier score output was scored with, and its dimension ids mapped to ours."""

    instrument: Instrument
    version: str | None = None
    dimensions: Mapping[Any, str | None] = field(
        default_factory=dict
    )  # old id → current (None: gone)

    @classmethod
    def of(cls, previous: Mapping[str, Any] | None, instrument: Instrument) -> Previous:
        """The version ``previous`` names and, for an earlier major version, the mapping."""
        about = (previous or {}).get("instrument")
        version = about.get("version") if isinstance(about, Mapping) else None
        version = version if isinstance(version, str) else None
        major = (version or "").split(".")[0]
        for mapping in instrument.mappings:
            if str(mapping.from_major) == major:
                renamed = {old: mapping.dimension(old) for old in mapping.dimensions}
                return cls(instrument, version, renamed)
        return cls(instrument, version)

    def deltas(
        self,
        previous: Mapping[str, Any] | None,
        overall: float | None,
        pillars: Sequence[PillarScore],
        dimensions: Sequence[DimensionScore],
    ) -> Deltas:
        """Changes since ``previous`` (the organisation in the earlier output, None when it is
        not there) of the overall, each pillar and each dimension score — the self-assessed
        ones, whether or not an assessor moderated either assessment (the caller passes the
        self-assessed figures): a moderated level is never compared with a self-assessment.
        A previous whose moderation drove has no self-assessed pillars or overall to compare."""
        if previous is None:
            return Deltas(previous_found=False, overall=None, pillars={}, dimensions={})
        moderated = previous.get("moderation")
        drove = isinstance(moderated, Mapping) and bool(moderated.get("drives"))
        prev_p = {p.get("id"): None if drove else p.get("score")
                  for p in previous.get("pillars", [])}  # fmt: skip
        prev_d: dict[Any, Any] = {}
        gone = []
        for d in previous.get("dimensions", []):
            ident = self.dimensions.get(d.get("id"), d.get("id"))
            if ident is None or ident not in self.instrument.dimension_index:
                gone.append(str(d.get("id")))
            else:
                # Where the previous's moderation drove, its score may be a moderated level.
                prev_d[ident] = d.get("self_assessed") if drove else d.get("score")
        return Deltas(
            previous_found=True,
            overall=_delta(overall, None if drove else previous.get("overall")),
            pillars={p.id: _delta(p.score, prev_p.get(p.id)) for p in pillars},
            dimensions={d.id: _delta(d.score, prev_d.get(d.id)) for d in dimensions},
            previous_version=self.version,
            not_in_previous=tuple(d.id for d in dimensions if d.id not in prev_d),
            not_in_current=tuple(gone),
        )

    def notes(self, deltas: Deltas) -> list[str]:
        """What a previous scored with another major version cannot compare, in one warning."""
        before, now = deltas.previous_version, self.instrument.version
        if not deltas.previous_found or before is None:
            return []
        if before.split(".")[0] == now.split(".")[0]:
            return []
        first = (
            f"the previous scores are from instrument {before}, these from {now}: changes are "
            "shown for the dimensions both have"
        )
        notes = [first]
        if deltas.not_in_previous:
            notes.append(
                f"new since {before}, no change shown: " + ", ".join(deltas.not_in_previous)
            )
        if deltas.not_in_current:
            notes.append(f"in {before} only: " + ", ".join(deltas.not_in_current))
        return ["; ".join(notes)]
