"""The vectorised scoring engine: the instrument as arrays, answers counted per group and level,
rolled up to items, dimensions, pillars and overall (the formulas of :mod:`~pmo2vmo.analysis.scoring`).

Item means come from integer counts per level, and every weighted mean sums in instrument order, so
the same answers give the same numbers to the last digit whatever the order of rows or respondents.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pmo2vmo.model.instrument import Instrument

LEVELS = np.arange(1, 6, dtype=float)
KINDS = ("score", "na", "dk")


@dataclass(frozen=True)
class Structure:
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
    def of(cls, instrument: Instrument) -> Structure:
        """The arrays of ``instrument``: question, dimension and pillar ids, weights and indices."""
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


def dimension_of(structure: Structure) -> np.ndarray:
    """Each question's dimension index, in reporting order (Q)."""
    found = np.empty(len(structure.qids), dtype=np.int64)
    for di, idx in enumerate(structure.dim_items):
        found[idx] = di
    return found


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


def kind_codes(kind: Any) -> np.ndarray:
    """Answer kinds as int8 codes in :data:`KINDS` order (fast, via a categorical)."""
    codes: np.ndarray = pd.Categorical(kind, categories=KINDS).codes.astype(np.int8)
    return codes


def _item_statistics(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From answers per level (G × Q × 5): scored answers, item means, dispersion and consensus
    (NaN where an item has no scored answer)."""
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
    return n, item, dispersion, consensus


def equal_per_block(per_block: np.ndarray, min_block: int = 1) -> np.ndarray:
    """Answers per level (… × blocks × Q × 5) as one distribution per item in which every block
    that answered the item weighs the same: the weighted mean of the blocks' shares, scaled back
    to the item's number of answers (so the means, spread and consensus of
    :func:`_item_statistics` are those of the blocks weighted equally, and a block with no scored
    answer changes nothing).

    A block with fewer than ``min_block`` answers to an item weighs in proportion (n ÷
    ``min_block`` of a block): one or two answers never weigh as a whole band."""
    n = per_block.sum(axis=-1)  # … × blocks × Q
    weight = np.minimum(n, min_block) / min_block
    total = weight.sum(axis=-2)  # … × Q
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n[..., None] > 0, per_block / np.where(n > 0, n, 1)[..., None], 0.0)
        mean = (share * weight[..., None]).sum(axis=-3) / np.where(total > 0, total, 1)[..., None]
    spread: np.ndarray = mean * n.sum(axis=-2)[..., None]
    return spread


def _by_dimension(structure: Structure, values: np.ndarray) -> np.ndarray:
    """Per-item values (G × Q) as weighted means per dimension (G × D)."""
    return np.column_stack(
        [_weighted(values[:, idx], structure.q_weight[idx]) for idx in structure.dim_items]
    )


def roll_up(structure: Structure, dimension: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pillar (G × P) and overall (G) scores: weighted means of the scored dimensions (G × D),
    then of the scored pillars."""
    pillar = np.column_stack(
        [_weighted(dimension[:, idx], structure.dim_weight[idx]) for idx in structure.pillar_dims]
    )
    return pillar, _weighted(pillar, structure.pillar_weight)


def score_groups(
    structure: Structure,
    group: np.ndarray,
    n_groups: int,
    question: np.ndarray,
    kind: np.ndarray,
    value: np.ndarray,
    respondents: np.ndarray,
    block: np.ndarray | None = None,
    min_block: int = 1,
) -> GroupScores:
    """The vectorised engine: per-group counts by level, then the weighted roll-ups.

    ``group`` and ``question`` are integer codes per answer; ``kind`` is :data:`KINDS` codes
    (0 score, 1 N/A, 2 Don't know) or the kind strings; ``value`` the level for scored answers.
    ``block`` (a code per answer, or None) weighs respondents equally per block: each item's
    answers are the mean of the blocks' own distributions (see :func:`equal_per_block`: a block
    with fewer than ``min_block`` answers to the item weighs in proportion); the counts of
    answers stay counts.
    """
    q_count = len(structure.qids)
    if kind.dtype == object:
        kind = kind_codes(kind)
    scored = kind == 0
    levels = value[scored].astype(np.int64) - 1
    cell = group[scored] * q_count + question[scored]
    if block is None:
        counts = np.bincount(cell * 5 + levels, minlength=n_groups * q_count * 5).reshape(
            n_groups, q_count, 5
        )
        spread: np.ndarray = counts
    else:
        b_count = int(block.max()) + 1 if len(block) else 1
        cell = (group[scored] * b_count + block[scored]) * q_count + question[scored]
        per_block = np.bincount(
            cell * 5 + levels, minlength=n_groups * b_count * q_count * 5
        ).reshape(n_groups, b_count, q_count, 5)
        counts = per_block.sum(axis=1)
        spread = equal_per_block(per_block, min_block)
    flat = group * q_count + question
    na = np.bincount(flat[kind == 1], minlength=n_groups * q_count).reshape(n_groups, q_count)
    dk = np.bincount(flat[kind == 2], minlength=n_groups * q_count).reshape(n_groups, q_count)
    _, item, dispersion, consensus = _item_statistics(spread)
    n = counts.sum(axis=2)
    dimension = _by_dimension(structure, item)
    pillar, overall = roll_up(structure, dimension)
    return GroupScores(
        counts, na, dk, respondents, item, dispersion, consensus, dimension, pillar, overall, n,
        _by_dimension(structure, dispersion), _by_dimension(structure, consensus),
    )  # fmt: skip


def achieved_level(dimension_scores: Sequence[float], tolerance: float = 0.0) -> int | None:
    """Highest level L with every scored dimension >= L − tolerance; None when none is scored.

    Scores are compared as reported (rounded like :func:`~pmo2vmo.analysis.score_report.num`), so a
    dimension shown as 3.0 always reaches level 3 even when floating point made its weighted mean
    2.9999999999999996.
    """
    scored = [s for s in dimension_scores if not math.isnan(s)]
    if not scored:
        return None
    weakest = round(min(scored), 4)
    for level in (5, 4, 3, 2):
        if weakest >= round(level - tolerance, 4):
            return level
    return 1
