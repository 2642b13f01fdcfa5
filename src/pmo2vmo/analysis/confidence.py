"""How sure the transition decision is: a bootstrap over respondents, and its tipping points.

**Confidence.** The organisation's respondents are resampled with replacement (``resamples`` times,
500 by default, ``transition.yaml``'s ``confidence``), every figure the rules read is recomputed
from the resampled answers with the scoring engine's own arithmetic, and the rules choose a path
for each resample. The share of resamples choosing each path is reported; the recommended path's
share is the confidence. The generator is seeded from the configured seed, the organisation and the
input's hash, so the same input always gives the same figures. In a resample, perception gaps are
the widest gap between role bands (and between units) with at least ``min_group_size`` draws; the
complementary suppression of the reports is not replayed. Respondents count as they do in the
scores: with ``equal_per_band``, the blocks the organisation's scores were weighted by (its shown
role bands, the rest pooled) weigh the same in every resample too.

**Tipping points.** For every figure a rule or gate tests, the smallest change of that figure alone
that changes the path (or fires or silences a gate): "tips to Strengthen the PMO first if PMO
baseline readiness falls 19.4, from 69.4 under 50".
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pmo2vmo.analysis.breakouts import GROUP_BYS, people_of, weighting_blocks
from pmo2vmo.analysis.score_engine import (
    LEVELS,
    Structure,
    _by_dimension,
    _item_statistics,
    _weighted,
    dimension_of,
    equal_per_block,
    kind_codes,
    roll_up,
)
from pmo2vmo.analysis.score_report import OrganisationScores
from pmo2vmo.analysis.transition import Decision, Figures, _Metrics, holds, path_of
from pmo2vmo.ingest.responses import ResponseSet
from pmo2vmo.model.archetypes import AnyOf, Clause, Condition, TransitionFile, leaves
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.results import Confidence, Status, TippingPoint
from pmo2vmo.util.text import compact


def _levels(weakest: np.ndarray, tolerance: float) -> np.ndarray:
    """The achieved level (1–5, NaN where nothing is scored) for each weakest dimension score."""
    out = np.where(np.isnan(weakest), np.nan, 1.0)
    for level in (2, 3, 4, 5):
        out = np.where(np.round(weakest, 4) >= round(level - tolerance, 4), level, out)
    return out


@dataclass
class _Resampled:
    """The figures of B resamples as arrays, read one resample at a time by :meth:`at`."""

    structure: Structure
    dimension: np.ndarray  # B × D
    consensus: np.ndarray  # B × D
    pillar: np.ndarray  # B × P
    overall: np.ndarray  # B
    gaps: np.ndarray  # B × D, widest gap between groups shown (NaN: fewer than two)
    targets: dict[str, float]
    tolerance: float
    readiness: dict[str, str]  # readiness key → pillar id

    def column(self, metric: str) -> np.ndarray:
        """The figure ``metric`` names in every resample (NaN where nothing is scored)."""
        st, parts = self.structure, metric.split(".")
        if parts[0] == "overall":
            return self.overall
        if parts[0] == "consensus":
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a resample with nothing scored
                mean: np.ndarray = np.nanmean(self.consensus, axis=1)
                return mean
        if parts[0] == "readiness":
            return (self.pillar[:, st.pillar_ids.index(self.readiness[parts[1]])] - 1) / 4 * 100
        if parts[0] == "pillar":
            if parts[1] not in st.pillar_ids:
                return np.full(len(self.overall), np.nan)
            p = st.pillar_ids.index(parts[1])
            if parts[2] == "score":
                return self.pillar[:, p]
            dims = self.dimension[:, st.pillar_dims[p]]
            weakest = np.where(np.isnan(dims).all(axis=1), np.nan,
                               np.nanmin(np.where(np.isnan(dims), np.inf, dims), axis=1))  # fmt: skip
            return _levels(weakest, self.tolerance)
        if parts[1] not in st.dim_ids:  # excluded by the profile: nothing scored, never fires
            return np.full(len(self.overall), np.nan)
        d = st.dim_ids.index(parts[1])
        if parts[0] == "perception_gap":
            return self.gaps[:, d]
        score = self.dimension[:, d]
        return {
            "score": score,
            "consensus": self.consensus[:, d],
            "gap": self.targets.get(parts[1], np.nan) - score,
            "level": _levels(score, self.tolerance),
        }[parts[2]]


def _person_counts(structure: Structure, people: pd.DataFrame, answers: pd.DataFrame) -> np.ndarray:
    """Scored answers per person, question and level (P × Q × 5)."""
    key = pd.MultiIndex.from_frame(people[["organisation", "respondent"]])
    person = key.get_indexer(pd.MultiIndex.from_frame(answers[["organisation", "respondent"]]))
    question = pd.Index(structure.qids).get_indexer(pd.Index(answers["question"]))
    scored = (kind_codes(answers["kind"]) == 0) & (person >= 0) & (question >= 0)
    level = answers["value"].fillna(0).to_numpy(dtype=float)[scored].astype(np.int64) - 1
    flat = (person[scored] * len(structure.qids) + question[scored]) * 5 + level
    counts = np.bincount(flat, minlength=len(people) * len(structure.qids) * 5)
    return counts.reshape(len(people), len(structure.qids), 5).astype(float)


def _blocks(structure: Structure, org: OrganisationScores, people: pd.DataFrame,
            profile: Profile) -> np.ndarray | None:  # fmt: skip
    """Each person's weighting block per question (P × Q), as the scores were weighted: the
    role bands whose dimension the report shows, the rest pooled; None for one per respondent."""
    if profile.weighting != "equal_per_band":
        return None
    index = {d: i for i, d in enumerate(structure.dim_ids)}
    shown = {
        row.group: {index[d] for d, v in (row.dimensions or {}).items() if v is not None}
        for row in org.breakouts
        if row.group_by == "role_band" and row.group is not None and row.status is Status.OK
    }
    dims = weighting_blocks(people, {org.organisation: shown}, len(structure.dim_ids))
    found: np.ndarray = dims[:, dimension_of(structure)]
    return found


def _fixed(structure: Structure, org: OrganisationScores) -> np.ndarray | None:
    """The moderated levels that drive, per dimension (NaN where none), or None."""
    if org.moderation is None or not org.moderation.drives:
        return None
    levels = {m.dimension: m.level for m in org.moderation.levels}
    return np.array([levels.get(d, np.nan) for d in structure.dim_ids], dtype=float)


def _counted(
    weights: np.ndarray, per_person: np.ndarray, block: np.ndarray | None, min_block: int = 1
) -> np.ndarray:
    """Answers per resample, question and level (B × Q × 5) of people drawn ``weights`` times
    (B × P), every block weighing the same when ``block`` (P × Q) is given (a block with fewer
    than ``min_block`` drawn answers to an item pooled, as the scores do)."""
    flat = per_person.reshape(per_person.shape[0], -1)
    if block is None:
        counts: np.ndarray = (weights @ flat).reshape(weights.shape[0], *per_person.shape[1:])
        return counts
    per_block = np.stack([
        (weights @ (per_person * (block == code)[..., None]).reshape(flat.shape)).reshape(
            weights.shape[0], *per_person.shape[1:]
        )
        for code in range(int(block.max()) + 1)
    ], axis=1)  # fmt: skip
    return equal_per_block(per_block, min_block)


def _scores(
    structure: Structure, counts: np.ndarray, fixed: np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    """Dimension, dimension consensus, pillar and overall scores from counts (G × Q × 5); the
    ``fixed`` dimension scores (D, NaN where none: the moderated levels that drive) are the
    assessor's, not resampled."""
    _, item, _, consensus = _item_statistics(counts)
    dimension = _by_dimension(structure, item)
    if fixed is not None:
        dimension = np.where(np.isnan(fixed)[None, :], dimension, fixed[None, :])
    pillar, overall = roll_up(structure, dimension)
    return dimension, _by_dimension(structure, consensus), pillar, overall


def _group_gaps(
    structure: Structure, draws: np.ndarray, per_person: np.ndarray, labels: np.ndarray, k: int,
    dims: list[int], block: np.ndarray | None,
) -> np.ndarray:  # fmt: skip
    """Per resample and each of ``dims``, the widest gap between groups of at least ``k``
    draws."""
    b_count, d_count = draws.shape[0], len(dims)
    items = [structure.dim_items[d] for d in dims]
    wanted = np.concatenate(items)
    per_person = per_person[:, wanted, :]
    block = None if block is None else block[:, wanted]
    offsets = np.cumsum([0, *(len(i) for i in items)])
    high = np.full((b_count, d_count), -np.inf)
    low = np.full((b_count, d_count), np.inf)
    shown = np.zeros((b_count, d_count), dtype=np.int64)
    for label in np.unique(labels):
        member = labels == label
        weights = draws * member
        size = weights.sum(axis=1)
        counts = _counted(weights, per_person, block, k)
        n = counts.sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            item = np.where(n > 0, (counts * LEVELS).sum(axis=2) / np.where(n > 0, n, 1), np.nan)
        means = np.column_stack([
            _weighted(item[:, offsets[j]:offsets[j + 1]], structure.q_weight[idx])
            for j, idx in enumerate(items)
        ])  # fmt: skip
        ok = (size >= k)[:, None] & ~np.isnan(means)
        high = np.where(ok, np.maximum(high, np.where(ok, means, -np.inf)), high)
        low = np.where(ok, np.minimum(low, np.where(ok, means, np.inf)), low)
        shown += ok
    return np.where(shown >= 2, high - low, np.nan)


def _seed(base: int, organisation: str, input_sha256: str) -> int:
    digest = hashlib.sha256(f"{base}:{organisation}:{input_sha256}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def bootstrap(
    org: OrganisationScores,
    responses: ResponseSet,
    instrument: Instrument,
    profile: Profile,
    spec: TransitionFile,
) -> dict[str, int]:
    """How many of the resamples choose each path (``instrument`` tailored to ``profile``)."""
    settings = spec.confidence
    structure = Structure.of(instrument)
    people = people_of(
        responses.respondents[responses.respondents["organisation"] == org.organisation], profile
    ).reset_index(drop=True)
    answers = responses.answers[responses.answers["organisation"] == org.organisation]
    if people.empty:
        return {}
    per_person = _person_counts(structure, people, answers)
    rng = np.random.default_rng(_seed(settings.seed, org.organisation, responses.input_sha256))
    n, b_count = len(people), settings.resamples
    picks = rng.integers(0, n, size=(b_count, n)) + np.arange(b_count)[:, None] * n
    draws = np.bincount(picks.ravel(), minlength=b_count * n).reshape(b_count, n).astype(float)
    block = _blocks(structure, org, people, profile)
    counts = _counted(draws, per_person, block, profile.min_group_size)
    # Rounded as the reported scores are (4 digits), so a resample equal to the sample decides alike.
    fixed = _fixed(structure, org)
    dimension, consensus, pillar, overall = (
        np.round(a, 4) for a in _scores(structure, counts, fixed)
    )
    needed = {c.metric for r in spec.rules for c in leaves(r.conditions)}
    gapped = [structure.dim_ids.index(m.split(".")[1]) for m in sorted(needed)
              if m.startswith("perception_gap.") and m.split(".")[1] in structure.dim_ids]  # fmt: skip
    gaps = np.full(dimension.shape, np.nan)
    for group_by in GROUP_BYS if gapped else ():
        found = _group_gaps(structure, draws, per_person, people[group_by].to_numpy(),
                            profile.min_group_size, gapped, block)  # fmt: skip
        gaps[:, gapped] = np.fmax(gaps[:, gapped], found)
    arrays = _Resampled(
        structure, dimension, consensus, pillar, overall, gaps,
        {d.id: d.target for d in org.dimensions}, instrument.meta.achieved_level_tolerance,
        {key: r.pillar for key, r in spec.readiness.items()},
    )  # fmt: skip
    columns = {m: arrays.column(m) for m in needed}
    rule = np.full(b_count, len(spec.rules))  # the first rule that matches; past the end: fallback
    for i in reversed(range(len(spec.rules))):
        r = spec.rules[i]
        mets = [_holds_all(c, columns) for c in r.conditions]
        matched = np.logical_or.reduce(mets) if r.when == "any" else np.logical_and.reduce(mets)
        rule = np.where(matched, i, rule)
    paths = [r.archetype for r in spec.rules] + [spec.fallback]
    chosen: dict[str, int] = {}
    for i, n_chosen in zip(*np.unique(rule, return_counts=True), strict=True):
        chosen[paths[i]] = chosen.get(paths[i], 0) + int(n_chosen)
    return chosen


_NP_OPS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
           "==": np.equal}  # fmt: skip


def _holds_all(clause: Clause, columns: dict[str, np.ndarray]) -> np.ndarray:
    """Whether ``clause`` holds in every resample at once (as :func:`holds` says for one)."""
    if isinstance(clause, Condition):
        value = columns[clause.metric]
        with np.errstate(invalid="ignore"):
            met: np.ndarray = ~np.isnan(value) & _NP_OPS[clause.op](
                np.round(value, 4), clause.value
            )
        return met
    group = clause.any_of if isinstance(clause, AnyOf) else clause.all_of
    mets = [_holds_all(c, columns) for c in group]
    found: np.ndarray = (
        np.logical_or.reduce(mets) if isinstance(clause, AnyOf) else np.logical_and.reduce(mets)
    )
    return found


@dataclass
class _Override:
    """Figures with one figure replaced (what if this figure alone were different?)."""

    base: Any
    metric: str
    new: float
    tolerance: float = 0.0

    def value(self, metric: str) -> float | None:
        if metric == self.metric:
            return self.new
        if self.metric.endswith(".score") and metric == self.metric[: -len("score")] + "level":
            return float(_levels(np.array([self.new]), self.tolerance)[0])  # the level follows
        found: float | None = self.base.value(metric)
        return found


def _as_score(cond: Condition, tolerance: float) -> Condition:
    """A condition on a dimension's level as the condition on its score it amounts to (a level
    changes only when the score crosses a threshold: that is the figure to move)."""
    if not cond.metric.endswith(".level"):
        return cond
    given = cond.label or ""
    label = given[: -len(" level")] + " score" if given.endswith(" level") else None
    # level >= L and level < L turn on the score reaching L - tolerance; level > L and
    # level <= L on it reaching L + 1 - tolerance (levels are whole numbers).
    reach = cond.value if cond.op in (">=", "<", "==") else cond.value + 1
    return cond.model_copy(update={"metric": cond.metric[: -len("level")] + "score",
                                   "value": reach - tolerance, "label": label})  # fmt: skip


def _gates_fired(figures: Any, spec: TransitionFile) -> list[str]:
    """The ids of the gates ``figures`` fire (as :func:`decide` fires them, without the texts)."""
    fired = []
    for gate in spec.gates:
        mets = [holds(c, figures.value) for c in gate.conditions]
        if any(mets) if gate.fires_when == "any" else all(mets):
            fired.append(gate.id)
    return fired


def tipping_points(figures: Figures, spec: TransitionFile) -> list[TippingPoint]:
    """For each figure the rules and gates test, the smallest change of it alone that changes the
    path or the gates fired: changes of path first, nearest first."""
    path = path_of(figures, spec)
    gates = _gates_fired(figures, spec)
    metrics = _Metrics(figures, spec)
    tolerance = figures.tolerance
    conditions = [c for r in spec.rules for c in leaves(r.conditions)]
    conditions += [c for g in spec.gates for c in leaves(g.conditions)]
    conditions = [_as_score(c, tolerance) for c in conditions]
    found: dict[tuple[str, str, str], TippingPoint] = {}
    for cond in conditions:
        current = figures.value(cond.metric)
        if current is None:
            continue
        step = 0.05 if cond.metric.startswith("readiness.") else 0.005
        thresholds = {c.value for c in conditions if c.metric == cond.metric}
        for threshold in sorted(thresholds):
            for new in (threshold - step, threshold, threshold + step):
                if round(new, 4) == round(current, 4):
                    continue
                other = _Override(figures, cond.metric, new, tolerance)
                now_path, now_gates = path_of(other, spec), _gates_fired(other, spec)
                if now_path == path and now_gates == gates:
                    continue
                point = _point(metrics, cond, current, new, threshold, (path, now_path),
                               (gates, now_gates), spec)  # fmt: skip
                key = (point.metric, point.path, ",".join(now_gates))
                if key not in found or abs(point.change) < abs(found[key].change):
                    found[key] = point
    # Changes of path first (nearest first), then gates that would fire or fall silent.
    return sorted(
        found.values(),
        key=lambda p: (p.path == path, abs(p.change) / _scale(p.metric), p.metric),
    )


def _scale(metric: str) -> float:
    """Comparable sizes: 100 readiness points span what 4 levels (or 1 of consensus) do."""
    if metric.startswith("readiness."):
        return 25.0
    return 0.25 if metric == "consensus" or metric.endswith(".consensus") else 1.0


def _point(
    metrics: _Metrics, cond: Condition, current: float, new: float, threshold: float,
    moved: tuple[str, str], gates: tuple[list[str], list[str]], spec: TransitionFile,
) -> TippingPoint:  # fmt: skip
    """One tipping point (``moved``: path before, after; ``gates``: fired before, after), with the
    sentence reports show."""
    label = metrics.label(cond)
    change = threshold - current  # how far the figure is from the threshold it crosses
    digits = 1 if cond.metric.startswith("readiness.") else 2
    where = "under" if new < threshold else ("to" if new == threshold else "over")
    if round(change, 4) == 0:  # at the threshold itself: the smallest step across it
        change = new - current
    while digits < 4 and round(abs(change), digits) == 0:  # never "falls 0"
        digits += 1
    what = (
        f"{label} {'falls' if change < 0 else 'rises'} {compact(round(abs(change), digits), digits)}"
        f", from {compact(round(current, digits), digits)} {where} {compact(threshold, 4)}"
    )
    before, after = gates
    fired = sorted(set(after) - set(before))
    silenced = sorted(set(before) - set(after))
    if moved[0] != moved[1]:
        text = f"tips to {spec.archetype(moved[1]).name} if {what}"
    else:
        names = {g.id: g.name for g in spec.gates}
        parts = [f"the gate “{names[g]}” fires" for g in fired]
        parts += [f"the gate “{names[g]}” no longer fires" for g in silenced]
        text = f"{'; '.join(parts)} if {what}"
    return TippingPoint(
        metric=cond.metric, label=label, current=round(current, 4), threshold=threshold,
        path=moved[1], change=round(change, 4), gates_fired=tuple(fired),
        gates_silenced=tuple(silenced), text=text,
    )  # fmt: skip


def confidence_of(
    org: OrganisationScores,
    responses: ResponseSet,
    instrument: Instrument,
    profile: Profile,
    spec: TransitionFile,
    decision: Decision,
) -> Confidence | None:
    """The decision's confidence, alternatives and tipping points (None: no path recommended)."""
    if decision.archetype is None:
        return None
    chosen = bootstrap(org, responses, instrument, profile, spec)
    total = sum(chosen.values())
    shares = {path: round(n / total, 4) for path, n in sorted(chosen.items())} if total else {}
    figures = Figures(org, spec, instrument.meta.achieved_level_tolerance)
    return Confidence(
        confidence=shares.get(decision.archetype.id, 0.0),
        resamples=total,
        alternatives=shares,
        tipping_points=tuple(tipping_points(figures, spec)),
    )
