"""Scores from answers: items, dimensions, pillars, overall — with counts, consensus and gaps.

The formulas (PRODUCT §5) are the contract:

- item score = mean of the respondents' scored answers (N/A and Don't know excluded, never 0);
- dimension = weighted mean of its scored items; pillar = weighted mean of its scored dimensions;
  overall = weighted mean of the scored pillars; a score with nothing behind it is ``None``;
- achieved level of a pillar = the highest level L such that every scored dimension of the pillar
  scores at least L − tolerance (P3M3 style "weakest link");
- coverage = scored answers ÷ (respondents asked − N/A), counting only the respondents each
  question is routed to (their audiences; answers to questions not asked are scored, never
  counted); dispersion = population standard deviation of the scored answers; consensus = Tastle & Wierman's measure (Tastle, W. J. & Wierman, M. J. (2007),
  "Consensus and dissention: a measure of ordinal dispersion", *International Journal of Approximate
  Reasoning* 45(3)): ``1 + Σ p_i log2(1 − |X_i − μ| / (X_max − X_min))``, 1 when all agree, 0 when
  answers split between the two extremes. For dimensions, both are the weighted means over its items.

Item means come from integer counts per level, and every weighted mean sums in instrument order, so
the same answers give the same numbers to the last digit whatever the order of rows or respondents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pmo2vmo.analysis.breakouts import (
    GROUP_BYS,
    NO_ROLE,
    NO_UNIT,
    Breakout,
    BreakoutView,
    Members,
    Shown,
    members_of,
    people_of,
    score_breakouts,
    weighting_blocks,
    weighting_note,
)
from pmo2vmo.analysis.deltas import Previous
from pmo2vmo.analysis.moderation import drive, moderated_levels, self_assessed, summary
from pmo2vmo.analysis.score_engine import (
    KINDS,
    LEVELS,
    GroupScores,
    Structure,
    achieved_level,
    dimension_of,
    kind_codes,
    score_groups,
)
from pmo2vmo.analysis.score_report import OrganisationScores, ScoreReport, group_name, num
from pmo2vmo.ingest.quality import FLAGS, respondent_flags, routing
from pmo2vmo.ingest.responses import ResponseSet
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.moderation import Moderation
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.results import (
    Comment,
    DimensionScore,
    ItemScore,
    PillarScore,
    Status,
    TargetSource,
)

__all__ = [
    "GROUP_BYS",
    "GROUP_FLAGS",
    "KINDS",
    "LEVELS",
    "NO_ROLE",
    "NO_UNIT",
    "GroupScores",
    "OrganisationScores",
    "ScoreReport",
    "achieved_level",
    "group_name",
    "kind_codes",
    "score",
    "score_groups",
]

#: Data-quality flags whose count is the size of a breakout group ("Role not given").
GROUP_FLAGS = frozenset({"no_role"})

_Structure = Structure  # the name benchmarks/bench_scoring.py imports


@dataclass(frozen=True)
class _Coded:
    """The answers to score, as integer codes per answer."""

    org: np.ndarray  # organisation, in order of first appearance among the respondents
    question: np.ndarray  # question, in reporting order
    kind: np.ndarray  # :data:`KINDS` codes
    value: np.ndarray  # the level of a scored answer, 0 otherwise


def _positions(people: pd.DataFrame, answers: pd.DataFrame) -> np.ndarray:
    """Each answer's row in ``people``; ValueError when an answer names no known respondent."""
    person_key = pd.MultiIndex.from_frame(people[["organisation", "respondent"]])
    answer_key = pd.MultiIndex.from_frame(answers[["organisation", "respondent"]])
    position: np.ndarray = person_key.get_indexer(answer_key)
    if (position < 0).any():
        raise ValueError("answers name respondents missing from the respondents table")
    return position


def _comments_by_organisation(
    answers: pd.DataFrame, respondents: pd.DataFrame
) -> dict[str, list[tuple[str, str]]]:
    """Per organisation, its comments as (question id, text); general comments (about no one
    question) have an empty question id."""
    commented = answers[answers["comment"].notna()]
    comments: dict[str, list[tuple[str, str]]] = {}
    for org, qid, text in zip(
        commented["organisation"], commented["question"], commented["comment"], strict=True
    ):
        comments.setdefault(org, []).append((qid, str(text)))
    general = respondents[respondents["comment"].notna()]
    for org, text in zip(general["organisation"], general["comment"], strict=True):
        comments.setdefault(org, []).append(("", str(text)))  # not about one question
    return comments


@dataclass(frozen=True)
class _Routed:
    """Counts over the respondents each question is routed to (G × Q): how many were asked it,
    and their scored answers, N/A and Don't know."""

    asked: np.ndarray
    answered: np.ndarray
    not_applicable: np.ndarray
    dont_know: np.ndarray

    def coverage(self, g: int, idx: Any) -> float | None:
        """Answered ÷ (asked − N/A) of organisation ``g`` over questions ``idx``."""
        expected = int(self.asked[g, idx].sum() - self.not_applicable[g, idx].sum())
        return num(int(self.answered[g, idx].sum()) / expected) if expected > 0 else None


class _Scorer:
    """Scores responses against an instrument tailored to a client's profile."""

    def __init__(
        self, instrument: Instrument, profile: Profile, moderations: Mapping[str, Moderation]
    ) -> None:
        self.instrument = instrument.tailored(profile)
        self.profile = profile
        self.moderations = moderations
        self.drives = profile.drive == "moderated"
        self.structure = Structure.of(self.instrument)
        self.q_index = {q: i for i, q in enumerate(self.structure.qids)}
        self.dim_of_q = dimension_of(self.structure)
        self.k = profile.min_group_size
        self.previous = Previous.of(None, instrument)
        self.view = BreakoutView(
            self.structure,
            self.k,
            frozenset(profile.role_bands),
            self.instrument.meta.disagreement.perception_gap_at_least,
        )

    def target(self, dim_id: str) -> tuple[float, TargetSource]:
        """A dimension's target and where it comes from (the profile, else the instrument)."""
        if dim_id in self.profile.targets:
            return self.profile.targets[dim_id], TargetSource.PROFILE
        return self.instrument.default_target(dim_id), TargetSource.INSTRUMENT

    def run(self, responses: ResponseSet, previous: Mapping[str, Any] | None) -> ScoreReport:
        """Score every organisation of ``responses`` (``previous``: see :func:`score`)."""
        answers = responses.answers
        answers = answers[answers["question"].isin(self.q_index.keys())]
        respondents = responses.respondents
        orgs = list(dict.fromkeys(respondents["organisation"]))
        coded = self._coded(answers, orgs)
        r_count = respondents.groupby("organisation", sort=False).size()
        totals = np.array([int(r_count[o]) for o in orgs], dtype=np.int64)
        people = people_of(respondents, self.profile)
        position = _positions(people, answers)
        # Who contributed a scored answer, per person and dimension (for confidentiality counts).
        scored = coded.kind == 0
        d_count = len(self.structure.dim_ids)
        contributed = np.unique(position[scored] * d_count + self.dim_of_q[coded.question[scored]])
        members = members_of(people, orgs, contributed, d_count)
        protected = {org: self.view.protected(members[org]) for org in orgs}
        block = None
        if self.profile.weighting == "equal_per_band":
            shown = {org: p[1]["role_band"] for org, p in protected.items()}
            blocks = weighting_blocks(people, shown, d_count)
            block = blocks[position, self.dim_of_q[coded.question]]
        org_scores = score_groups(
            self.structure, coded.org, len(orgs), coded.question, coded.kind, coded.value, totals,
            block, self.k,
        )  # fmt: skip
        self.self_assessed = org_scores.dimension.copy()
        self.moderated = moderated_levels(self.structure, orgs, self.moderations)
        if self.drives:
            drive(org_scores, self.structure, self.moderated)
        breakouts = score_breakouts(
            self.structure, people, position, coded.question, coded.kind, coded.value,
            contributed, block, self.k,
        )  # fmt: skip
        routed = self._routed(people, orgs, position, coded)
        flags = respondent_flags(
            answers, respondents, self.instrument, responses.asked, self.profile
        )
        quality = flags.groupby("organisation", sort=False)[list(FLAGS)].sum()
        comments = _comments_by_organisation(answers, respondents)
        prev_orgs = {o.get("organisation"): o for o in (previous or {}).get("organisations", [])}
        self.previous = Previous.of(previous, self.instrument)
        result = []
        for index, org in enumerate(orgs):
            result.append(
                self._organisation(
                    org,
                    index,
                    org_scores,
                    routed,
                    breakouts,
                    members[org],
                    protected[org],
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

    def _routed(
        self, people: pd.DataFrame, orgs: list[str], position: np.ndarray, coded: _Coded
    ) -> _Routed:
        """The counts over the respondents each question is asked of (see :class:`_Routed`)."""
        order = pd.Index(list(self.instrument.questions)).get_indexer(pd.Index(self.structure.qids))
        routed = routing(self.instrument, self.profile, people["role"])[:, order]
        shape = (len(orgs), len(self.structure.qids))
        asked = np.zeros(shape, dtype=np.int64)
        person_org = pd.Categorical(people["organisation"], categories=orgs).codes
        np.add.at(asked, person_org, routed.astype(np.int64))
        on_route = routed[position, coded.question]
        flat = coded.org * shape[1] + coded.question

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(flat[mask & on_route], minlength=shape[0] * shape[1]).reshape(shape)

        return _Routed(
            asked, count(coded.kind == 0), count(coded.kind == 1), count(coded.kind == 2)
        )

    def _coded(self, answers: pd.DataFrame, orgs: list[str]) -> _Coded:
        """The answers as codes: organisation and question indices, kinds, levels."""
        return _Coded(
            org=pd.Categorical(answers["organisation"], categories=orgs).codes.astype(np.int64),
            question=pd.Categorical(
                answers["question"], categories=self.structure.qids
            ).codes.astype(np.int64),
            kind=kind_codes(answers["kind"]),
            value=answers["value"].fillna(0).to_numpy(dtype=float),
        )

    def _organisation(
        self,
        org: str,
        g: int,
        s: GroupScores,
        routed: _Routed,
        breakouts: Mapping[str, Breakout],
        members: Members,
        protected: tuple[dict[str, dict[str, Status]], Shown],
        commented: list[tuple[str, str]],
        quality: dict[str, int],
        previous: Mapping[str, Any] | None,
        previous_given: bool,
    ) -> OrganisationScores:
        """Everything scored for organisation ``org``, row ``g`` of ``s``."""
        total = int(s.respondents[g])
        items, disputed = self._items(s, routed, g, total)
        dimensions = self._dimensions(s, routed, g, total, disputed)
        pillars = self._pillars(s, g)
        shown_breakouts, gaps = self.view.rows_and_gaps(org, breakouts, members, protected)
        moderation = self.moderations.get(org)
        comments = self._comments(commented, total)
        warnings = self._warnings(org, total, quality, disputed, comments is None)
        warnings += weighting_note(self.profile.weighting, protected[0]["role_band"], self.k)
        deltas = None
        if previous_given:
            deltas = self.previous.deltas(previous, *self._self_assessed(g, s, pillars, dimensions))
            warnings.extend(self.previous.notes(deltas))
        return OrganisationScores(
            organisation=org,
            respondents=total,
            overall=num(s.overall[g]),
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
            coverage=routed.coverage(g, slice(None)),
            respondent_weighting=self.profile.weighting,
            moderation=None
            if moderation is None
            else summary(moderation, self.drives, dimensions, shown_breakouts),
        )

    def _self_assessed(
        self, g: int, s: GroupScores, pillars: list[PillarScore], dims: list[DimensionScore]
    ) -> tuple[float | None, list[PillarScore], list[DimensionScore]]:
        """The figures as the respondents scored them, for changes since a previous assessment."""
        if np.isnan(self.moderated[g]).all() or not self.drives:
            return num(s.overall[g]), pillars, dims
        return self_assessed(self.structure, self.self_assessed[g], pillars, dims)

    def _items(
        self, s: GroupScores, routed: _Routed, g: int, total: int
    ) -> tuple[list[ItemScore], set[str]]:
        """The item rows of organisation ``g``, and the ids of the disputed items (enough answers,
        consensus under the instrument's threshold)."""
        settings = self.instrument.meta.disagreement
        items = []
        disputed: set[str] = set()
        for qi, qid in enumerate(self.structure.qids):
            answered = int(s.answered[g, qi])
            is_disputed = bool(
                answered >= settings.min_answers and s.consensus[g, qi] < settings.consensus_below
            )
            if is_disputed:
                disputed.add(qid)
            items.append(
                ItemScore(
                    id=qid,
                    dimension=self.instrument.questions[qid].dimension.id,
                    score=num(s.item[g, qi]),
                    respondents=total,
                    asked=int(routed.asked[g, qi]),
                    answered=answered,
                    not_applicable=int(routed.not_applicable[g, qi]),
                    dont_know=int(routed.dont_know[g, qi]),
                    coverage=routed.coverage(g, qi),
                    dispersion=num(s.dispersion[g, qi]),
                    consensus=num(s.consensus[g, qi]),
                    disputed=is_disputed,
                    distribution=tuple(int(c) for c in s.counts[g, qi]),
                )
            )
        return items, disputed

    def _dimensions(
        self, s: GroupScores, routed: _Routed, g: int, total: int, disputed: set[str]
    ) -> list[DimensionScore]:
        """The dimension rows of organisation ``g``: scores, targets and gaps, counts."""
        st = self.structure
        dimensions = []
        for di, dim_id in enumerate(st.dim_ids):
            dim, pillar = self.instrument.dimension_index[dim_id]
            idx = st.dim_items[di]
            score = num(s.dimension[g, di])
            target, source = self.target(dim_id)
            moderated = num(self.moderated[g, di])
            dimensions.append(
                DimensionScore(
                    id=dim_id,
                    name=dim.name,
                    pillar=pillar.id,
                    score=score,
                    target=target,
                    target_source=source,
                    gap=None if score is None else num(target - score),
                    respondents=total,
                    asked=int(routed.asked[g, idx].sum()),
                    answered=int(s.answered[g, idx].sum()),
                    not_applicable=int(routed.not_applicable[g, idx].sum()),
                    dont_know=int(routed.dont_know[g, idx].sum()),
                    coverage=routed.coverage(g, idx),
                    dispersion=num(s.dimension_dispersion[g, di]),
                    consensus=num(s.dimension_consensus[g, di]),
                    disputed_items=tuple(st.qids[i] for i in idx if st.qids[i] in disputed),
                    self_assessed=num(self.self_assessed[g, di]),
                    moderated=moderated,
                )
            )
        return dimensions

    def _pillars(self, s: GroupScores, g: int) -> list[PillarScore]:
        """The pillar rows of organisation ``g``: scores, readiness and achieved levels."""
        inst = self.instrument
        st = self.structure
        pillars = []
        for pi, pillar_id in enumerate(st.pillar_ids):
            pillar = inst.pillars[pi]
            level = achieved_level(
                list(s.dimension[g, st.pillar_dims[pi]]), inst.meta.achieved_level_tolerance
            )
            score = num(s.pillar[g, pi])
            pillars.append(
                PillarScore(
                    id=pillar_id,
                    name=pillar.name,
                    score=score,
                    readiness=None if score is None else num((score - 1) / 4 * 100, 1),
                    achieved_level=level,
                    achieved_level_name=None if level is None else inst.level_name(level),
                )
            )
        return pillars

    def _withheld_counts(self, quality: Mapping[str, int]) -> dict[str, int | None]:
        """Data-quality counts, with those that are the size of a breakout group under the
        minimum (respondents who gave no role are the "Role not given" group) withheld."""
        return {
            name: None if name in GROUP_FLAGS and 0 < n < self.k else n
            for name, n in quality.items()
        }

    def _comments(self, commented: list[tuple[str, str]], total: int) -> list[Comment] | None:
        """Comments without author, role or time, sorted by question then text; None if withheld
        (fewer respondents than the minimum group size)."""
        if total < self.k:
            return None if commented else []
        return [Comment(question=q or None, text=c) for q, c in sorted(commented)]

    def _warnings(
        self, org: str, total: int, quality: Mapping[str, int], disputed: set[str], withheld: bool
    ) -> list[str]:
        """The organisation's warnings: too few respondents, data-quality flags, disagreement."""
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


def score(
    responses: ResponseSet,
    instrument: Instrument,
    profile: Profile | None = None,
    previous: Mapping[str, Any] | None = None,
    moderations: Mapping[str, Moderation] | None = None,
) -> ScoreReport:
    """Score every organisation in ``responses``.

    ``previous`` is an earlier ``pmo2vmo score --json`` output; organisations found in it by name
    get ``deltas`` per pillar and dimension. ``moderations`` holds an assessor's moderation per
    organisation (see :mod:`pmo2vmo.analysis.moderation`).
    """
    return _Scorer(instrument, profile or Profile(), moderations or {}).run(responses, previous)
