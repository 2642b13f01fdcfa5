"""An attacker on the confidentiality of ``score --json``: what can be worked out from the figures
shown, by someone who knows who belongs to which group (an insider with the org chart).

It knows every respondent's role band and unit, and who answered which dimension (the strongest
position short of seeing the answers), and tries:

- **set arithmetic**: for each dimension, every set of respondents that adding and subtracting the
  shown groups and the organisation total isolates — each difference and intersection of two shown
  figures, each remainder, each single respondent and each cell of the role × unit table — is
  tested with least squares; where the set is isolated exactly, its score follows from the shown
  means and sizes;
- **pillar minus dimensions** (and overall minus pillars): a shown pillar whose shown dimensions
  miss exactly one dimension the group answered gives that dimension;
- **small figures**: a shown figure that itself rests on fewer than ``k`` people.

With ``equal_per_band`` weighting the attacker knows the rule too (it is in the README): a
figure over a set of respondents is the mean of its blocks' means, a block being a role band whose
score of the dimension is shown, or everybody else pooled. Each figure is then a known linear
combination of the respondents' own scores, and the same least squares apply.

A *breach* is a group of 1 to ``k − 1`` people, or a hidden figure, recovered to within 0.1 of its
true value (the engine's score of exactly those people). The organisation's own figures are shown
whatever its size (the product says so, with a warning), so the whole organisation is not a group
to protect; every part of it is. Tests assert the list is empty.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

TOLERANCE = 0.1


@dataclass(frozen=True)
class Breach:
    """One thing worked out that should not have been."""

    how: str
    dimension: str
    people: tuple[str, ...]
    estimate: float
    truth: float

    def __str__(self) -> str:
        return (
            f"{self.how} on {self.dimension}: {len(self.people)} people {list(self.people)} "
            f"estimated {self.estimate:.4f}, true {self.truth:.4f}"
        )


# Each pillar's weight and its (dimension, weight) pairs.
Structure = Mapping[str, tuple[float, Sequence[tuple[str, float]]]]
# A scorer of a set of respondents: ids -> {"dimensions": {id: score}, "pillars": {id: score}}.
Scorer = Callable[[Sequence[str]], Mapping[str, Mapping[str, float | None]]]


def attack(
    org: Mapping[str, Any],
    people: Sequence[Mapping[str, Any]],
    scored: Mapping[str, set[str]],
    structure: Structure,
    truth_of: Scorer,
    k: int,
    weighting: str = "per_respondent",
) -> list[Breach]:
    """Every breach of one organisation's JSON.

    ``people`` holds ``id``, ``role_band`` and ``unit`` per respondent; ``scored`` maps each
    dimension to the ids who scored it; ``structure`` maps each pillar to its weight and its
    (dimension, weight) pairs; ``truth_of`` scores a set of respondents with the engine;
    ``weighting`` is the profile's respondent weighting.
    """
    breaches: list[Breach] = []
    groups = {
        (row["group_by"], row["group"]): row
        for row in org["breakouts"]
        if row["status"] == "ok" and row["group"] is not None
    }
    members = {key: {p["id"] for p in people if p[key[0]] == key[1]} for key in groups}
    totals = {d["id"]: d["score"] for d in org["dimensions"]}
    cache: dict[tuple[str, ...], Mapping[str, Mapping[str, float | None]]] = {}

    def truth(ids: set[str]) -> Mapping[str, Mapping[str, float | None]]:
        key = tuple(sorted(ids))
        if key not in cache:
            cache[key] = truth_of(key)
        return cache[key]

    band_of = {p["id"]: p["role_band"] for p in people}
    for dim, contributors in scored.items():
        shown_bands = {
            group for (by, group), row in groups.items()
            if by == "role_band" and (row["dimensions"] or {}).get(dim) is not None
        }  # fmt: skip

        def block(i: str, bands: set[str] = shown_bands) -> str | None:
            return band_of[i] if weighting == "equal_per_band" and band_of[i] in bands else None

        figures: list[tuple[set[str], float]] = []
        if totals.get(dim) is not None and contributors:
            figures.append((set(contributors), float(totals[dim])))
        for key, row in groups.items():
            value = (row["dimensions"] or {}).get(dim)
            inside = members[key] & contributors
            if value is not None:
                if 0 < len(inside) < k and inside != contributors:
                    breaches.append(Breach("small figure", dim, tuple(sorted(inside)),
                                           float(value), float(value)))  # fmt: skip
                figures.append((inside, float(value)))
        breaches += _set_arithmetic(dim, figures, contributors, people, k, truth, block)
    for key, row in groups.items():
        if members[key] >= {p["id"] for p in people}:
            continue  # the group is the whole organisation: its figures are the organisation's
        breaches += _pillar_equations(key, row, members[key], scored, structure, k, truth)
    return breaches


def _candidates(
    figures: Sequence[tuple[set[str], float]], contributors: set[str], people: Sequence[Any]
) -> list[set[str]]:
    sets = [a - b for (a, _), (b, _) in itertools.permutations(figures, 2)]
    sets += [a & b for (a, _), (b, _) in itertools.combinations(figures, 2)]
    sets += [{i} for i in contributors]
    cells: dict[tuple[str, str], set[str]] = {}
    for p in people:
        if p["id"] in contributors:
            cells.setdefault((p["role_band"], p["unit"]), set()).add(p["id"])
    sets += list(cells.values())
    if figures:
        union = set().union(*(f for f, _ in figures[1:])) if len(figures) > 1 else set()
        sets.append(figures[0][0] - union)
    return sets


def _set_arithmetic(
    dim: str,
    figures: Sequence[tuple[set[str], float]],
    contributors: set[str],
    people: Sequence[Any],
    k: int,
    truth: Callable[[set[str]], Mapping[str, Mapping[str, float | None]]],
    block: Callable[[str], str | None],
) -> list[Breach]:
    if not figures:
        return []
    order = sorted(contributors)
    index = {i: n for n, i in enumerate(order)}
    # Each figure as the weight of every respondent in it: the mean of its blocks' means.
    matrix = np.zeros((len(order), len(figures)))
    for col, (ids, _) in enumerate(figures):
        sizes: dict[str | None, int] = {}
        for i in ids:
            sizes[block(i)] = sizes.get(block(i), 0) + 1
        for i in ids:
            matrix[index[i], col] = 1.0 / (len(sizes) * sizes[block(i)])
    values = np.array([value for _, value in figures])
    out = []
    seen: set[tuple[str, ...]] = set()
    for target in _candidates(figures, contributors, people):
        key = tuple(sorted(target))
        # The organisation's own figures are shown whatever its size (with a warning): only a
        # part of it is a group to protect.
        if not 0 < len(target) < k or target == contributors or key in seen:
            continue
        seen.add(key)
        want = np.zeros(len(order))
        for i in target:
            want[index[i]] = 1.0 / len(target)
        coef, *_ = np.linalg.lstsq(matrix, want, rcond=None)
        if np.abs(matrix @ coef - want).max() > 1e-6 / len(target):
            continue  # not isolated by any combination of the shown figures
        estimate = float(coef @ values)
        true = truth(target)["dimensions"].get(dim)
        if true is not None and abs(estimate - true) < TOLERANCE:
            out.append(Breach("set arithmetic", dim, key, estimate, true))
    return out


def _pillar_equations(
    key: tuple[str, str],
    row: Mapping[str, Any],
    ids: set[str],
    scored: Mapping[str, set[str]],
    structure: Structure,
    k: int,
    truth: Callable[[set[str]], Mapping[str, Mapping[str, float | None]]],
) -> list[Breach]:
    out = []
    dims = row["dimensions"] or {}
    pillars = row["pillars"] or {}
    for pillar, (_, parts) in structure.items():
        value = pillars.get(pillar)
        if value is None:
            continue
        answered = [(d, w) for d, w in parts if ids & scored.get(d, set())]
        hidden = [(d, w) for d, w in answered if dims.get(d) is None]
        people = set().union(*(ids & scored.get(d, set()) for d, _ in answered))
        if 0 < len(people) < k:
            out.append(
                Breach(f"small pillar {pillar}", pillar, tuple(sorted(people)), value, value)
            )
        if len(hidden) != 1:
            continue
        ((dim, weight),) = hidden
        total = sum(w for _, w in answered)
        estimate = (total * value - sum(w * dims[d] for d, w in answered if d != dim)) / weight
        true = truth(ids)["dimensions"].get(dim)
        if true is not None and abs(estimate - true) < TOLERANCE:
            out.append(Breach(f"pillar {pillar} minus dimensions ({key[1]})", dim,
                              tuple(sorted(ids & scored[dim])), estimate, true))  # fmt: skip
    overall = row.get("score")
    with_data = [
        (p, w)
        for p, (w, parts) in structure.items()
        if any(ids & scored.get(d, set()) for d, _ in parts)
    ]
    hidden_pillars = [(p, w) for p, w in with_data if pillars.get(p) is None]
    if overall is not None and len(hidden_pillars) == 1:
        ((pillar, weight),) = hidden_pillars
        total = sum(w for _, w in with_data)
        estimate = (
            total * overall - sum(w * pillars[p] for p, w in with_data if p != pillar)
        ) / weight
        true = truth(ids)["pillars"].get(pillar)
        if true is not None and abs(estimate - true) < TOLERANCE:
            out.append(Breach(f"overall minus pillars ({key[1]})", pillar, tuple(sorted(ids)),
                              estimate, true))  # fmt: skip
    return out
