"""Scores from answers: items, dimensions, pillars, overall — with counts, consensus and gaps.

The formulas (PRODUCT §5) are the contract:

- item score = mean of the respondents' scored answers (N/A and Don't know excluded, never 0);
- dimension = weighted mean of its scored items; pillar = weighted mean of its scored dimensions;
  overall = weighted mean of the scored pillars; a score with nothing behind it is ``None``;
- achieved level of a pillar = the highest level L such that every scored dimension of the pillar
  scores at least L − tolerance (P3M3 style "weakest link");
- coverage = answered ÷ (respondents − N/A); dispersion = population standard deviation of the
  scored answers; consensus = Tastle & Wierman's measure (Tastle, W. J. & Wierman, M. J. (2007),
  "Consensus and dissention: a measure of ordinal dispersion", *International Journal of Approximate
  Reasoning* 45(3)): ``1 + Σ p_i log2(1 − |X_i − μ| / (X_max − X_min))``, 1 when all agree, 0 when
  answers split between the two extremes. For dimensions, both are the weighted means over its items.

Item means come from integer counts per level, and every weighted mean sums in instrument order, so
the same answers give the same numbers to the last digit whatever the order of rows or respondents.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pmo2vmo import __version__
from pmo2vmo.analysis.confidentiality import Status, protect
from pmo2vmo.ingest.quality import FLAGS, respondent_flags
from pmo2vmo.ingest.responses import ResponseSet
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile

LEVELS = np.arange(1, 6, dtype=float)
NO_ROLE = "Role not given"
NO_UNIT = "Unit not given"
GROUP_BYS = ("role_band", "unit")
#: Data-quality flags whose count is the size of a breakout group ("Role not given").
GROUP_FLAGS = frozenset({"no_role"})


@dataclass(frozen=True)
class _Structure:
    """The instrument flattened to arrays, in reporting order."""

    qids: list[str]
    q_weight: np.ndarray
    dim_ids: list[str]
    dim_items: list[np.ndarray]
    dim_weight: np.ndarray
    pillar_ids: list[str]
    pillar_dims: list[np.ndarray]
    pillar_weight: np.ndarray

    @classmethod
    def of(cls, instrument: Instrument) -> _Structure:
        qids: list[str] = []
        q_weight: list[float] = []
        dim_ids: list[str] = []
        dim_items: list[np.ndarray] = []
        dim_weight: list[float] = []
        pillar_dims: list[np.ndarray] = []
        for pillar in instrument.pillars:
            first_dim = len(dim_ids)
            for dim in pillar.dimensions:
                first = len(qids)
                for q in dim.questions:
                    qids.append(q.id)
                    q_weight.append(q.weight)
                dim_ids.append(dim.id)
                dim_items.append(np.arange(first, len(qids)))
                dim_weight.append(dim.weight)
            pillar_dims.append(np.arange(first_dim, len(dim_ids)))
        return cls(
            qids=qids,
            q_weight=np.array(q_weight),
            dim_ids=dim_ids,
            dim_items=dim_items,
            dim_weight=np.array(dim_weight),
            pillar_ids=[p.id for p in instrument.pillars],
            pillar_dims=pillar_dims,
            pillar_weight=np.array([p.weight for p in instrument.pillars]),
        )


def _weighted(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Row-wise weighted mean over the non-NaN columns of ``values``; NaN where none."""
    mask = ~np.isnan(values)
    num = np.where(mask, values * weights, 0.0).sum(axis=1)
    den = (mask * weights).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


@dataclass
class GroupScores:
    """Scores of G groups (organisations, or organisation × breakout group) as arrays."""

    counts: np.ndarray  # G × Q × 5, answers per level
    not_applicable: np.ndarray  # G × Q
    dont_know: np.ndarray  # G × Q
    respondents: np.ndarray  # G
    item: np.ndarray  # G × Q
    dispersion: np.ndarray  # G × Q
    consensus: np.ndarray  # G × Q
    dimension: np.ndarray  # G × D
    pillar: np.ndarray  # G × P
    overall: np.ndarray  # G
    answered: np.ndarray  # G × Q, scored answers
    dimension_dispersion: np.ndarray  # G × D, weighted mean of the items' dispersion
    dimension_consensus: np.ndarray  # G × D, weighted mean of the items' consensus


KINDS = ("score", "na", "dk")


def kind_codes(kind: Any) -> np.ndarray:
    """Answer kinds as int8 codes in :data:`KINDS` order (fast, via a categorical)."""
    codes: np.ndarray = pd.Categorical(kind, categories=KINDS).codes.astype(np.int8)
    return codes


def score_groups(
    structure: _Structure,
    group: np.ndarray,
    n_groups: int,
    question: np.ndarray,
    kind: np.ndarray,
    value: np.ndarray,
    respondents: np.ndarray,
) -> GroupScores:
    """The vectorised engine: per-group counts by level, then the weighted roll-ups.

    ``group`` and ``question`` are integer codes per answer; ``kind`` is :data:`KINDS` codes
    (0 score, 1 N/A, 2 Don't know) or the kind strings; ``value`` the level for scored answers.
    """
    q_count = len(structure.qids)
    if kind.dtype == object:
        kind = kind_codes(kind)
    scored = kind == 0
    levels = value[scored].astype(np.int64) - 1
    cell = group[scored] * q_count + question[scored]
    counts = np.bincount(cell * 5 + levels, minlength=n_groups * q_count * 5).reshape(
        n_groups, q_count, 5
    )
    flat = group * q_count + question
    na = np.bincount(flat[kind == 1], minlength=n_groups * q_count).reshape(n_groups, q_count)
    dk = np.bincount(flat[kind == 2], minlength=n_groups * q_count).reshape(n_groups, q_count)
    n = counts.sum(axis=2)
    total = (counts * LEVELS).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        item = np.where(n > 0, total / np.where(n > 0, n, 1), np.nan)
        deviation = LEVELS - item[..., None]
        safe_n = np.where(n > 0, n, 1)
        dispersion = np.sqrt((counts * deviation**2).sum(axis=2) / safe_n)
        share = counts / safe_n[..., None]
        terms = np.where(counts > 0, share * np.log2(1.0 - np.abs(deviation) / 4.0), 0.0)
        consensus = 1.0 + terms.sum(axis=2)
    dispersion = np.where(n > 0, dispersion, np.nan)
    consensus = np.where(n > 0, np.clip(consensus, 0.0, 1.0), np.nan)

    def by_dimension(values: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [_weighted(values[:, idx], structure.q_weight[idx]) for idx in structure.dim_items]
        )

    dimension = by_dimension(item)
    pillar = np.column_stack(
        [_weighted(dimension[:, idx], structure.dim_weight[idx]) for idx in structure.pillar_dims]
    )
    overall = _weighted(pillar, structure.pillar_weight)
    return GroupScores(
        counts, na, dk, respondents, item, dispersion, consensus, dimension, pillar, overall, n,
        by_dimension(dispersion), by_dimension(consensus),
    )  # fmt: skip


def achieved_level(dimension_scores: Sequence[float], tolerance: float = 0.0) -> int | None:
    """Highest level L with every scored dimension >= L − tolerance; None when none is scored.

    Scores are compared as reported (rounded like :func:`_num`), so a dimension shown as 3.0 always
    reaches level 3 even when floating point made its weighted mean 2.9999999999999996.
    """
    scored = [s for s in dimension_scores if not math.isnan(s)]
    if not scored:
        return None
    weakest = round(min(scored), 4)
    for level in (5, 4, 3, 2):
        if weakest >= round(level - tolerance, 4):
            return level
    return 1


def _num(value: Any, digits: int = 4) -> float | None:
    """A float for JSON: rounded, and ``None`` for NaN."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


def _group_row(group_by: str, group: str | None, status: Status) -> dict[str, Any]:
    """A breakout row with nothing shown (the figures of a shown group are added to it)."""
    return {
        "group_by": group_by,
        "group": group,
        "groups": 1,
        "status": status.value,
        "respondents": None,
        "score": None,
        "pillars": None,
        "dimensions": None,
        "suppressed_dimensions": [],
    }


def group_name(row: Mapping[str, Any], min_group_size: int, short: bool = False) -> str:
    """How a breakout row is named in reports: its group, or what a folded row stands for
    ("3 further groups suppressed: each under 5, or hidden so that none under 5 can be worked
    out"; ``short``: "3 further groups")."""
    if row["group"] is not None:
        return str(row["group"])
    n = int(row.get("groups", 1))
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
    pillars: list[dict[str, Any]]
    dimensions: list[dict[str, Any]]
    items: list[dict[str, Any]]
    breakouts: list[dict[str, Any]]
    perception_gaps: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    data_quality: dict[str, int | None]  # None: a count under min_group_size that is a group
    warnings: list[str] = field(default_factory=list)
    deltas: dict[str, Any] | None = None
    comments_withheld: bool = False  # too few respondents to show comments anonymously
    min_group_size: int = 5

    @property
    def coverage(self) -> float | None:
        """Answered ÷ (respondents × questions − N/A) over the whole instrument; None when every
        answer is N/A (nothing was expected)."""
        answered = sum(i["answered"] for i in self.items)
        expected = sum(i["respondents"] - i["not_applicable"] for i in self.items)
        return answered / expected if expected > 0 else None

    def quality_text(self, flag: str) -> str:
        """A data-quality count as reports show it ("fewer than 5" where it is withheld)."""
        count = self.data_quality.get(flag, 0)
        return f"fewer than {self.min_group_size}" if count is None else str(count)

    def group_name(self, row: Mapping[str, Any], short: bool = False) -> str:
        """How a breakout row is named in reports (see :func:`group_name`)."""
        return group_name(row, self.min_group_size, short)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "organisation": self.organisation,
            "respondents": self.respondents,
            "overall": self.overall,
            "pillars": self.pillars,
            "dimensions": self.dimensions,
            "items": self.items,
            "breakouts": self.breakouts,
            "perception_gaps": self.perception_gaps,
            "comments": self.comments,
            "data_quality": self.data_quality,
            "warnings": self.warnings,
        }
        if self.deltas is not None:
            out["deltas"] = self.deltas
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
        for org in self.organisations:
            if org.organisation == name:
                return org
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:

        return {
            "instrument": {"id": self.instrument_id, "version": self.instrument_version},
            "pmo2vmo_version": __version__,
            "input_sha256": self.input_sha256,
            "min_group_size": self.min_group_size,
            "organisations": [org.to_json() for org in self.organisations],
        }


@dataclass(frozen=True)
class _Breakout:
    """Scores of every (organisation, group) pair of one breakout, with contributor counts."""

    pairs: list[tuple[str, str]]
    scores: GroupScores
    contributors: np.ndarray  # per group: respondents with at least one scored answer
    dimension_contributors: np.ndarray  # group × dimension: respondents who scored it


@dataclass(frozen=True)
class _Members:
    """One organisation's respondents: their group in each breakout, and what they scored."""

    groups: dict[str, np.ndarray]  # breakout -> group label per respondent
    scored: np.ndarray  # respondent × dimension: True where the respondent scored it


class _Scorer:
    def __init__(self, instrument: Instrument, profile: Profile) -> None:
        self.instrument = instrument.tailored(profile)
        self.profile = profile
        self.structure = _Structure.of(self.instrument)
        self.q_index = {q: i for i, q in enumerate(self.structure.qids)}
        self.dim_of_q = np.empty(len(self.structure.qids), dtype=np.int64)
        for di, idx in enumerate(self.structure.dim_items):
            self.dim_of_q[idx] = di
        self.k = profile.min_group_size

    def target(self, dim_id: str) -> tuple[float, str]:
        if dim_id in self.profile.targets:
            return self.profile.targets[dim_id], "profile"
        return self.instrument.default_target(dim_id), "instrument"

    def run(self, responses: ResponseSet, previous: Mapping[str, Any] | None) -> ScoreReport:
        answers = responses.answers
        answers = answers[answers["question"].isin(self.q_index.keys())]
        respondents = responses.respondents
        orgs = list(dict.fromkeys(respondents["organisation"]))
        a_org = pd.Categorical(answers["organisation"], categories=orgs).codes.astype(np.int64)
        a_q = pd.Categorical(answers["question"], categories=self.structure.qids).codes.astype(
            np.int64
        )
        a_kind = kind_codes(answers["kind"])
        a_value = answers["value"].fillna(0).to_numpy(dtype=float)
        r_count = respondents.groupby("organisation", sort=False).size()
        totals = np.array([int(r_count[o]) for o in orgs], dtype=np.int64)
        org_scores = score_groups(self.structure, a_org, len(orgs), a_q, a_kind, a_value, totals)

        bands: list[str] = [
            (self.profile.band_of(r) or NO_ROLE) if isinstance(r, str) else NO_ROLE
            for r in respondents["role"]
        ]
        people = respondents.assign(
            role_band=bands,
            unit=respondents["unit"].fillna(NO_UNIT),
        )
        person_key = pd.MultiIndex.from_frame(people[["organisation", "respondent"]])
        answer_key = pd.MultiIndex.from_frame(answers[["organisation", "respondent"]])
        position = person_key.get_indexer(answer_key)
        if (position < 0).any():
            raise ValueError("answers name respondents missing from the respondents table")
        # Who contributed a scored answer, per person and dimension (for confidentiality counts).
        scored = a_kind == 0
        d_count = len(self.structure.dim_ids)
        contributed = np.unique(position[scored] * d_count + self.dim_of_q[a_q[scored]])
        breakouts: dict[str, _Breakout] = {}
        for group_by in GROUP_BYS:
            labels = people[group_by].astype(str).to_numpy()
            pairs = list(dict.fromkeys(zip(people["organisation"], labels, strict=True)))
            code = {p: i for i, p in enumerate(pairs)}
            person_group = np.array(
                [code[p] for p in zip(people["organisation"], labels, strict=True)], dtype=np.int64
            )
            sizes = np.bincount(person_group, minlength=len(pairs))
            scores = score_groups(
                self.structure, person_group[position], len(pairs), a_q, a_kind, a_value, sizes
            )
            owner = person_group[contributed // d_count]
            per_dim = np.bincount(
                owner * d_count + contributed % d_count, minlength=len(pairs) * d_count
            ).reshape(len(pairs), d_count)
            per_group = np.bincount(
                person_group[np.unique(contributed // d_count)], minlength=len(pairs)
            )
            breakouts[group_by] = _Breakout(pairs, scores, per_group, per_dim)
        # Who scored which dimension, and each person's groups, per organisation: the
        # confidentiality rule works on these sets, across both breakouts at once.
        scored_dims = np.zeros((len(people), d_count), dtype=bool)
        scored_dims[contributed // d_count, contributed % d_count] = True
        person_org = people["organisation"].to_numpy()
        members = {
            org: _Members(
                {gb: people[gb].astype(str).to_numpy()[person_org == org] for gb in GROUP_BYS},
                scored_dims[person_org == org],
            )
            for org in orgs
        }

        flags = respondent_flags(answers, respondents, self.instrument, responses.asked)
        quality = flags.groupby("organisation", sort=False)[list(FLAGS)].sum()
        commented = answers[answers["comment"].notna()]
        comments: dict[str, list[tuple[str, str]]] = {}
        for org, qid, text in zip(
            commented["organisation"], commented["question"], commented["comment"], strict=True
        ):
            comments.setdefault(org, []).append((qid, str(text)))
        general = respondents[respondents["comment"].notna()]
        for org, text in zip(general["organisation"], general["comment"], strict=True):
            comments.setdefault(org, []).append(("", str(text)))  # not about one question
        prev_orgs = {o.get("organisation"): o for o in (previous or {}).get("organisations", [])}
        result = []
        for index, org in enumerate(orgs):
            result.append(
                self._organisation(
                    org,
                    index,
                    org_scores,
                    breakouts,
                    members[org],
                    comments.get(org, []),
                    {k: int(v) for k, v in quality.loc[org].items()}
                    if org in quality.index
                    else dict.fromkeys(FLAGS, 0),
                    prev_orgs.get(org) if previous is not None else None,
                    previous is not None,
                )
            )
        return ScoreReport(
            instrument_id=self.instrument.id,
            instrument_version=self.instrument.version,
            input_sha256=responses.input_sha256,
            min_group_size=self.k,
            organisations=result,
        )

    def _organisation(
        self,
        org: str,
        g: int,
        s: GroupScores,
        breakouts: Mapping[str, _Breakout],
        members: _Members,
        commented: list[tuple[str, str]],
        quality: dict[str, int],
        previous: Mapping[str, Any] | None,
        previous_given: bool,
    ) -> OrganisationScores:
        inst = self.instrument
        st = self.structure
        settings = inst.meta.disagreement
        total = int(s.respondents[g])
        items = []
        disputed: set[str] = set()
        for qi, qid in enumerate(st.qids):
            answered = int(s.answered[g, qi])
            na = int(s.not_applicable[g, qi])
            is_disputed = bool(
                answered >= settings.min_answers and s.consensus[g, qi] < settings.consensus_below
            )
            if is_disputed:
                disputed.add(qid)
            items.append(
                {
                    "id": qid,
                    "dimension": inst.questions[qid].dimension.id,
                    "score": _num(s.item[g, qi]),
                    "respondents": total,
                    "answered": answered,
                    "not_applicable": na,
                    "dont_know": int(s.dont_know[g, qi]),
                    "coverage": _num(answered / (total - na)) if total - na > 0 else None,
                    "dispersion": _num(s.dispersion[g, qi]),
                    "consensus": _num(s.consensus[g, qi]),
                    "disputed": is_disputed,
                    "distribution": [int(c) for c in s.counts[g, qi]],
                }
            )
        dimensions = []
        for di, dim_id in enumerate(st.dim_ids):
            dim, pillar = inst.dimension_index[dim_id]
            idx = st.dim_items[di]
            answered = int(s.answered[g, idx].sum())
            na = int(s.not_applicable[g, idx].sum())
            expected = total * len(idx) - na
            score = _num(s.dimension[g, di])
            target, source = self.target(dim_id)
            dimensions.append(
                {
                    "id": dim_id,
                    "name": dim.name,
                    "pillar": pillar.id,
                    "score": score,
                    "target": target,
                    "target_source": source,
                    "gap": None if score is None else _num(target - score),
                    "respondents": total,
                    "answered": answered,
                    "not_applicable": na,
                    "dont_know": int(s.dont_know[g, idx].sum()),
                    "coverage": _num(answered / expected) if expected > 0 else None,
                    "dispersion": _num(s.dimension_dispersion[g, di]),
                    "consensus": _num(s.dimension_consensus[g, di]),
                    "disputed_items": [st.qids[i] for i in idx if st.qids[i] in disputed],
                }
            )
        pillars = []
        for pi, pillar_id in enumerate(st.pillar_ids):
            pillar = inst.pillars[pi]
            level = achieved_level(
                list(s.dimension[g, st.pillar_dims[pi]]), inst.meta.achieved_level_tolerance
            )
            score = _num(s.pillar[g, pi])
            pillars.append(
                {
                    "id": pillar_id,
                    "name": pillar.name,
                    "score": score,
                    "readiness": None if score is None else _num((score - 1) / 4 * 100, 1),
                    "achieved_level": level,
                    "achieved_level_name": None if level is None else inst.level_name(level),
                }
            )
        shown_breakouts, gaps = self._breakouts(org, breakouts, members)
        comments = self._comments(commented, total)
        warnings = self._warnings(org, total, quality, disputed, comments is None)
        deltas = None
        if previous_given:
            deltas = self._deltas(previous, s, g, pillars, dimensions)
        return OrganisationScores(
            organisation=org,
            respondents=total,
            overall=_num(s.overall[g]),
            pillars=pillars,
            dimensions=dimensions,
            items=items,
            breakouts=shown_breakouts,
            perception_gaps=gaps,
            comments=comments or [],
            data_quality=self._withheld_counts(quality),
            warnings=warnings,
            deltas=deltas,
            comments_withheld=comments is None,
            min_group_size=self.k,
        )

    def _breakouts(
        self, org: str, breakouts: Mapping[str, _Breakout], members: _Members
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Breakout rows and perception gaps, with the confidentiality rule of
        :mod:`pmo2vmo.analysis.confidentiality` applied across both breakouts: to groups, then to each
        dimension within them.

        A group's size is its number of respondents with at least one scored answer (people
        who only said N/A or Don't know hide nothing). Within a shown group, a dimension score is
        shown only if the rule, applied to the respondents who scored that dimension, shows it;
        a pillar only when every dimension the group answered in it is shown, the overall only
        when every pillar it answered is. Suppressed groups that the profile does not name (free
        text: roles outside the role bands, units) are folded into one row per breakout, so that
        a job title or a unit never tells who took part.
        """
        st = self.structure
        answered_any = members.scored.any(axis=1)
        status = protect(
            {gb: labels[answered_any] for gb, labels in members.groups.items()}, self.k
        )
        hidden = {gb: [g for g, s_ in groups.items() if s_ is not Status.OK]
                  for gb, groups in status.items()}  # fmt: skip
        dim_shown: dict[str, dict[str, set[int]]] = {gb: {} for gb in members.groups}
        same: dict[bytes, dict[str, dict[str, Status]]] = {}  # dimensions scored by the same people
        for di in range(len(st.dim_ids)):
            scored = members.scored[:, di]
            if not scored.any():
                continue
            key = np.packbits(scored).tobytes()
            if key not in same:
                same[key] = protect(
                    {gb: labels[scored] for gb, labels in members.groups.items()}, self.k, hidden
                )
            per_dim = same[key]
            for gb, groups in per_dim.items():
                for label, s_ in groups.items():
                    if s_ is Status.OK:
                        dim_shown[gb].setdefault(label, set()).add(di)
        rows: list[dict[str, Any]] = []
        gaps: list[dict[str, Any]] = []
        threshold = self.instrument.meta.disagreement.perception_gap_at_least
        for group_by, breakout in breakouts.items():
            scores = breakout.scores
            index = {label: i for i, (o, label) in enumerate(breakout.pairs) if o == org}
            named = set(self.profile.role_bands) if group_by == "role_band" else set()
            statuses = {label: status[group_by].get(label, Status.NO_DATA)
                        for label in set(index) | named}  # fmt: skip
            folded = 0
            shown: list[tuple[str, int]] = []
            for label in sorted(statuses, key=lambda lb: (statuses[lb] is not Status.OK, lb)):
                st_ = statuses[label]
                if st_ is not Status.OK and label not in named:
                    folded += st_ is Status.SUPPRESSED  # free text with no data is not listed
                    continue
                row = _group_row(group_by, label, st_)
                if st_ is Status.OK:
                    i = index[label]
                    row.update(
                        self._shown_group(
                            scores, breakout, i, dim_shown[group_by].get(label, set())
                        )
                    )
                    shown.append((label, i))
                rows.append(row)
            if folded:
                rows.append({**_group_row(group_by, None, Status.SUPPRESSED), "groups": folded})
            if len(shown) >= 2:
                for di, dim_id in enumerate(st.dim_ids):
                    values = [
                        (float(scores.dimension[i, di]), label)
                        for label, i in shown
                        if di in dim_shown[group_by].get(label, ())
                    ]
                    if len(values) < 2:
                        continue
                    high = max(values, key=lambda v: (v[0], v[1]))
                    low = min(values, key=lambda v: (v[0], v[1]))
                    gap = high[0] - low[0]
                    gaps.append(
                        {
                            "group_by": group_by,
                            "dimension": dim_id,
                            "high_group": high[1],
                            "high": _num(high[0]),
                            "low_group": low[1],
                            "low": _num(low[0]),
                            "gap": _num(gap),
                            "flagged": bool(round(gap, 4) >= threshold),
                        }
                    )
        gaps.sort(key=lambda g: (-g["gap"], g["group_by"], g["dimension"]))
        return rows, gaps

    def _shown_group(
        self, scores: GroupScores, breakout: _Breakout, i: int, dims_shown: set[int]
    ) -> dict[str, Any]:
        """The figures of a shown group: its shown dimensions, and the pillars and overall that
        rest on shown dimensions only (a hidden dimension is never solvable from them)."""
        st = self.structure
        answered = breakout.dimension_contributors[i] > 0
        pillars: dict[str, float | None] = {}
        complete = True  # every pillar the group answered is shown
        for pi, pillar_id in enumerate(st.pillar_ids):
            dims = [int(d) for d in st.pillar_dims[pi] if answered[d]]
            whole = bool(dims) and all(d in dims_shown for d in dims)
            pillars[pillar_id] = _num(scores.pillar[i, pi]) if whole else None
            complete = complete and (whole or not dims)
        return {
            "respondents": int(breakout.contributors[i]),
            "score": _num(scores.overall[i]) if complete and dims_shown else None,
            "pillars": pillars,
            "dimensions": {
                d: _num(scores.dimension[i, di]) if di in dims_shown else None
                for di, d in enumerate(st.dim_ids)
            },
            "suppressed_dimensions": [
                d for di, d in enumerate(st.dim_ids) if answered[di] and di not in dims_shown
            ],
        }

    def _withheld_counts(self, quality: Mapping[str, int]) -> dict[str, int | None]:
        """Data-quality counts, with those that are the size of a breakout group under the
        minimum (respondents who gave no role are the "Role not given" group) withheld."""
        return {
            name: None if name in GROUP_FLAGS and 0 < n < self.k else n
            for name, n in quality.items()
        }

    def _comments(
        self, commented: list[tuple[str, str]], total: int
    ) -> list[dict[str, Any]] | None:
        """Comments without author, role or time, sorted by question then text; None if withheld
        (fewer respondents than the minimum group size)."""
        if total < self.k:
            return None if commented else []
        return [{"question": q or None, "text": c} for q, c in sorted(commented)]

    def _warnings(
        self, org: str, total: int, quality: Mapping[str, int], disputed: set[str], withheld: bool
    ) -> list[str]:
        out = []
        if total < self.k:
            out.append(
                f"only {total} respondents, fewer than the minimum group size of {self.k}: the "
                "organisation's own scores are shown, every breakout is suppressed"
                + ("; comments are withheld" if withheld else "")
            )
        labels = {
            "straight_lining": "gave the same level to every question (straight-lining)",
            "partial": "answered only part of the questionnaire (partial response)",
            "no_role": "gave no role",
        }
        for name, text in labels.items():
            n = quality.get(name, 0)
            if name in GROUP_FLAGS and 0 < n < self.k:  # the size of a group under the minimum
                out.append(f"fewer than {self.k} respondents {text}")
            elif n:
                out.append(f"{n} respondent{'s' if n != 1 else ''} {text}")
        if disputed:
            out.append(
                f"stakeholders disagree on {len(disputed)} item{'s' if len(disputed) != 1 else ''} "
                f"(consensus below {self.instrument.meta.disagreement.consensus_below})"
            )
        return out

    def _deltas(
        self,
        previous: Mapping[str, Any] | None,
        s: GroupScores,
        g: int,
        pillars: list[dict[str, Any]],
        dimensions: list[dict[str, Any]],
    ) -> dict[str, Any]:
        if previous is None:
            return {"previous_found": False, "overall": None, "pillars": {}, "dimensions": {}}
        prev_p = {p.get("id"): p.get("score") for p in previous.get("pillars", [])}
        prev_d = {d.get("id"): d.get("score") for d in previous.get("dimensions", [])}

        def delta(now: float | None, before: Any) -> float | None:
            if now is None or not isinstance(before, int | float) or isinstance(before, bool):
                return None
            return _num(now - float(before))

        return {
            "previous_found": True,
            "overall": delta(_num(s.overall[g]), previous.get("overall")),
            "pillars": {p["id"]: delta(p["score"], prev_p.get(p["id"])) for p in pillars},
            "dimensions": {d["id"]: delta(d["score"], prev_d.get(d["id"])) for d in dimensions},
        }


def score(
    responses: ResponseSet,
    instrument: Instrument,
    profile: Profile | None = None,
    previous: Mapping[str, Any] | None = None,
) -> ScoreReport:
    """Score every organisation in ``responses``.

    ``previous`` is an earlier ``pmo2vmo score --json`` output; organisations found in it by name
    get ``deltas`` per pillar and dimension.
    """
    return _Scorer(instrument, profile or Profile()).run(responses, previous)
