"""Breakouts by role band and unit: who is in which group, each group's scores, and the rows and
perception gaps reports show once the confidentiality rule of
:mod:`pmo2vmo.analysis.confidentiality` has been applied to groups and to dimensions within them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmo2vmo.analysis.confidentiality import Status, protect
from pmo2vmo.analysis.score_engine import GroupScores, Structure, score_groups
from pmo2vmo.analysis.score_report import num
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.results import BreakoutRow, PerceptionGap

NO_ROLE = "Role not given"
NO_UNIT = "Unit not given"
GROUP_BYS = ("role_band", "unit")


@dataclass(frozen=True)
class Breakout:
    """Scores of every (organisation, group) pair of one breakout, with contributor counts."""

    pairs: list[tuple[str, str]]
    scores: GroupScores
    contributors: np.ndarray  # per group: respondents with at least one scored answer
    dimension_contributors: np.ndarray  # group × dimension: respondents who scored it


@dataclass(frozen=True)
class Members:
    """One organisation's respondents: their group in each breakout, and what they scored."""

    groups: dict[str, np.ndarray]  # breakout -> group label per respondent
    scored: np.ndarray  # respondent × dimension: True where the respondent scored it


def people_of(respondents: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """The respondents with their breakout labels: ``role_band`` (the profile's band of their
    role, else :data:`NO_ROLE`) and ``unit`` (else :data:`NO_UNIT`)."""
    bands: list[str] = [
        (profile.band_of(r) or NO_ROLE) if isinstance(r, str) else NO_ROLE
        for r in respondents["role"]
    ]
    return respondents.assign(
        role_band=bands,
        unit=respondents["unit"].fillna(NO_UNIT),
    )


def score_breakouts(
    structure: Structure,
    people: pd.DataFrame,
    position: np.ndarray,
    question: np.ndarray,
    kind: np.ndarray,
    value: np.ndarray,
    contributed: np.ndarray,
    block: np.ndarray | None = None,
    min_block: int = 1,
) -> dict[str, Breakout]:
    """Every breakout of :data:`GROUP_BYS`, scored per (organisation, group).

    ``position`` is each answer's row in ``people``; ``question``, ``kind`` and ``value`` the
    answers' codes (see :func:`~pmo2vmo.analysis.score_engine.score_groups`); ``contributed`` the
    sorted unique ``person × dimensions + dimension`` cells that hold a scored answer;
    ``block`` each answer's weighting block (see :func:`weighting_blocks`), or None.
    """
    d_count = len(structure.dim_ids)
    breakouts: dict[str, Breakout] = {}
    for group_by in GROUP_BYS:
        labels = people[group_by].astype(str).to_numpy()
        pairs = list(dict.fromkeys(zip(people["organisation"], labels, strict=True)))
        code = {p: i for i, p in enumerate(pairs)}
        person_group = np.array(
            [code[p] for p in zip(people["organisation"], labels, strict=True)], dtype=np.int64
        )
        sizes = np.bincount(person_group, minlength=len(pairs))
        scores = score_groups(
            structure,
            person_group[position],
            len(pairs),
            question,
            kind,
            value,
            sizes,
            block,
            min_block,
        )
        owner = person_group[contributed // d_count]
        per_dim = np.bincount(
            owner * d_count + contributed % d_count, minlength=len(pairs) * d_count
        ).reshape(len(pairs), d_count)
        per_group = np.bincount(
            person_group[np.unique(contributed // d_count)], minlength=len(pairs)
        )
        breakouts[group_by] = Breakout(pairs, scores, per_group, per_dim)
    return breakouts


def weighting_blocks(
    people: pd.DataFrame, shown: Mapping[str, Mapping[str, set[int]]], d_count: int
) -> np.ndarray:
    """Each person's weighting block per dimension (P × D codes), for ``equal_per_band``: their
    role band (codes from 1) where the confidentiality rule shows that band's score of the
    dimension (``shown``: organisation -> band -> dimensions shown), else block 0, one for
    everybody else of the organisation (bands too small to show, and the groups hidden to
    protect them).

    Why the hidden bands are pooled: weighting a band of two like a band of twenty would let two
    people move half a score, and, with the other bands' scores shown, the organisation's score
    minus theirs would give those two away. Pooled, every figure stays a combination of the
    groups the rule already protects.
    """
    labels = people["role_band"].astype(str).to_numpy()
    orgs = people["organisation"].to_numpy()
    names = sorted({band for by_band in shown.values() for band in by_band})
    blocks = np.zeros((len(people), d_count), dtype=np.int64)  # 0: everybody else, pooled
    for org, by_band in shown.items():
        for band, dims in by_band.items():
            rows = np.flatnonzero((orgs == org) & (labels == band))
            if dims and len(rows):
                cols = np.array(sorted(dims), dtype=np.int64)
                blocks[np.ix_(rows, cols)] = names.index(band) + 1
    return blocks


def weighting_note(weighting: str, bands: Mapping[str, Status], k: int) -> list[str]:
    """What equal weights per band came to where fewer than two role bands can be shown
    (``bands``: each band's status in the organisation)."""
    shown = sorted(b for b, status in bands.items() if status is Status.OK)
    if weighting != "equal_per_band" or len(shown) >= 2:
        return []
    why = (
        f"weighing role bands the same needs bands that can be shown (at least {k} respondents "
        "each, none recoverable from the other groups)"
    )
    if not shown:
        return [f"respondents count one each: {why}, and none can"]
    return [f"{shown[0]} weighs as much as all other respondents together: {why}, and only it can"]


def members_of(
    people: pd.DataFrame, orgs: list[str], contributed: np.ndarray, d_count: int
) -> dict[str, Members]:
    """Who scored which dimension, and each person's groups, per organisation: the
    confidentiality rule works on these sets, across both breakouts at once."""
    scored_dims = np.zeros((len(people), d_count), dtype=bool)
    scored_dims[contributed // d_count, contributed % d_count] = True
    person_org = people["organisation"].to_numpy()
    return {
        org: Members(
            {gb: people[gb].astype(str).to_numpy()[person_org == org] for gb in GROUP_BYS},
            scored_dims[person_org == org],
        )
        for org in orgs
    }


Shown = dict[str, dict[str, set[int]]]  # breakout -> group label -> dimensions shown


@dataclass(frozen=True)
class BreakoutView:
    """What one organisation's breakouts show, under the confidentiality rule.

    A group's size is its number of respondents with at least one scored answer (people who only
    said N/A or Don't know hide nothing). Within a shown group, a dimension score is shown only if
    the rule, applied to the respondents who scored that dimension, shows it; a pillar only when
    every dimension the group answered in it is shown, the overall only when every pillar it
    answered is. Suppressed groups that the profile does not name (free text: roles outside the
    role bands, units) are folded into one row per breakout, so that a job title or a unit never
    tells who took part.
    """

    structure: Structure
    min_group_size: int
    role_bands: frozenset[str]  # the group names of the role-band breakout the profile gives
    gap_at_least: float  # a perception gap at least this wide is flagged

    def protected(self, members: Members) -> tuple[dict[str, dict[str, Status]], Shown]:
        """The rule applied across both breakouts: each group's status, then per breakout and
        group the dimensions shown."""
        status = self._group_status(members)
        return status, self._dimensions_shown(members, status)

    def rows_and_gaps(
        self,
        org: str,
        breakouts: Mapping[str, Breakout],
        members: Members,
        protected: tuple[dict[str, dict[str, Status]], Shown] | None = None,
    ) -> tuple[list[BreakoutRow], list[PerceptionGap]]:
        """Breakout rows and perception gaps (widest first), the rule applied across both
        breakouts: to groups, then to each dimension within them (``protected``: the rule's
        result, when already known)."""
        status, dim_shown = protected or self.protected(members)
        rows: list[BreakoutRow] = []
        gaps: list[PerceptionGap] = []
        for group_by, breakout in breakouts.items():
            shown = self._rows(org, group_by, breakout, status[group_by], dim_shown[group_by], rows)
            if len(shown) >= 2:
                gaps.extend(
                    self._perception_gaps(group_by, breakout.scores, shown, dim_shown[group_by])
                )
        gaps.sort(key=lambda g: (-g.gap, g.group_by, g.dimension))
        return rows, gaps

    def _group_status(self, members: Members) -> dict[str, dict[str, Status]]:
        """Each group's status, counting the respondents with at least one scored answer."""
        answered_any = members.scored.any(axis=1)
        return protect(
            {gb: labels[answered_any] for gb, labels in members.groups.items()},
            self.min_group_size,
        )

    def _dimensions_shown(
        self, members: Members, status: Mapping[str, Mapping[str, Status]]
    ) -> Shown:
        """Per breakout and group, the dimensions the rule shows, applied to the respondents who
        scored each dimension with the groups already hidden kept hidden."""
        hidden = {gb: [g for g, s_ in groups.items() if s_ is not Status.OK]
                  for gb, groups in status.items()}  # fmt: skip
        dim_shown: Shown = {gb: {} for gb in members.groups}
        same: dict[bytes, dict[str, dict[str, Status]]] = {}  # dimensions scored by the same people
        for di in range(len(self.structure.dim_ids)):
            scored = members.scored[:, di]
            if not scored.any():
                continue
            key = np.packbits(scored).tobytes()
            if key not in same:
                same[key] = protect(
                    {gb: labels[scored] for gb, labels in members.groups.items()},
                    self.min_group_size,
                    hidden,
                )
            for gb, groups in same[key].items():
                for label, s_ in groups.items():
                    if s_ is Status.OK:
                        dim_shown[gb].setdefault(label, set()).add(di)
        return dim_shown

    def _rows(
        self,
        org: str,
        group_by: str,
        breakout: Breakout,
        status: Mapping[str, Status],
        dim_shown: Mapping[str, set[int]],
        rows: list[BreakoutRow],
    ) -> list[tuple[str, int]]:
        """Append the rows of one breakout to ``rows`` (shown groups first, then by name; the
        suppressed groups the profile does not name folded into one); return the shown groups
        as (label, index into the breakout's scores)."""
        index = {label: i for i, (o, label) in enumerate(breakout.pairs) if o == org}
        named = set(self.role_bands) if group_by == "role_band" else set()
        statuses = {label: status.get(label, Status.NO_DATA) for label in set(index) | named}
        folded = 0
        shown: list[tuple[str, int]] = []
        for label in sorted(statuses, key=lambda lb: (statuses[lb] is not Status.OK, lb)):
            st_ = statuses[label]
            if st_ is not Status.OK and label not in named:
                folded += st_ is Status.SUPPRESSED  # free text with no data is not listed
                continue
            if st_ is Status.OK:
                i = index[label]
                rows.append(
                    self._shown_group(group_by, label, breakout, i, dim_shown.get(label, set()))
                )
                shown.append((label, i))
            else:
                rows.append(BreakoutRow(group_by, label, 1, st_))
        if folded:
            rows.append(BreakoutRow(group_by, None, folded, Status.SUPPRESSED))
        return shown

    def _shown_group(
        self, group_by: str, label: str, breakout: Breakout, i: int, dims_shown: set[int]
    ) -> BreakoutRow:
        """The figures of a shown group: its shown dimensions, and the pillars and overall that
        rest on shown dimensions only (a hidden dimension is never solvable from them)."""
        st = self.structure
        scores = breakout.scores
        answered = breakout.dimension_contributors[i] > 0
        pillars: dict[str, float | None] = {}
        complete = True  # every pillar the group answered is shown
        for pi, pillar_id in enumerate(st.pillar_ids):
            dims = [int(d) for d in st.pillar_dims[pi] if answered[d]]
            whole = bool(dims) and all(d in dims_shown for d in dims)
            pillars[pillar_id] = num(scores.pillar[i, pi]) if whole else None
            complete = complete and (whole or not dims)
        return BreakoutRow(
            group_by=group_by,
            group=label,
            groups=1,
            status=Status.OK,
            respondents=int(breakout.contributors[i]),
            score=num(scores.overall[i]) if complete and dims_shown else None,
            pillars=pillars,
            dimensions={
                d: num(scores.dimension[i, di]) if di in dims_shown else None
                for di, d in enumerate(st.dim_ids)
            },
            suppressed_dimensions=tuple(
                d for di, d in enumerate(st.dim_ids) if answered[di] and di not in dims_shown
            ),
        )

    def _perception_gaps(
        self,
        group_by: str,
        scores: GroupScores,
        shown: list[tuple[str, int]],
        dim_shown: Mapping[str, set[int]],
    ) -> list[PerceptionGap]:
        """Per dimension shown for at least two groups: its highest and lowest group and the gap
        between them, flagged from :attr:`gap_at_least`."""
        gaps = []
        for di, dim_id in enumerate(self.structure.dim_ids):
            values = [
                (float(scores.dimension[i, di]), label)
                for label, i in shown
                if di in dim_shown.get(label, ())
            ]
            if len(values) < 2:
                continue
            high = max(values, key=lambda v: (v[0], v[1]))
            low = min(values, key=lambda v: (v[0], v[1]))
            gap = high[0] - low[0]
            gaps.append(
                PerceptionGap(
                    group_by=group_by,
                    dimension=dim_id,
                    high_group=high[1],
                    high=num(high[0]),
                    low_group=low[1],
                    low=num(low[0]),
                    gap=round(gap, 4),
                    flagged=bool(round(gap, 4) >= self.gap_at_least),
                )
            )
        return gaps
