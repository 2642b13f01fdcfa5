"""Which groups of respondents may be shown, and which must be suppressed.

Practice of employee-survey tools (Glint, Qualtrics EX, Culture Amp, Peakon): no breakout shows a
group smaller than ``min_group_size`` (k; default 5, floor 3 unless the profile declares an
identifiable workshop), and further groups are suppressed when a hidden group could otherwise be
recovered by arithmetic on the shown ones. Suppression per breakout is not enough: a unit of six
(five analysts and the only executive) and a role band of those five analysts, both shown, give the
executive's scores as 6 × unit − 5 × band. The rule applied here holds across every breakout shown
together:

1. every group with fewer than k respondents is suppressed (and every group a caller forces);
2. each breakout then splits the respondents into *blocks*: one per shown group, and one for
   everybody in a hidden group of that breakout (their total is *organisation − shown groups*);
3. while some non-empty intersection of a block of one breakout with a block of another (or, with a
   single breakout, a block itself) holds fewer than k respondents, one more group is suppressed
   (complementary suppression): the smallest of the intersection's own shown groups and of the
   shown groups whose people, once hidden, would join one of its hidden blocks (ties: by breakout,
   then name) — for a single breakout, the smallest shown sibling. It stops when no such
   intersection is left, or nothing more can be hidden.

Why this is enough: everything an attacker can compute by adding and subtracting shown groups and
the organisation total is a sum over a union of those intersections (each shown figure is a sum over
a union of blocks). When every non-empty intersection holds at least k respondents, so does every
set isolated that way: no difference of two shown groups, no intersection, and no remainder
*organisation − shown groups* isolates between 1 and k − 1 people. For a single breakout the rule
is the familiar one: shown groups hold at least k, hidden groups together none or at least k.

Scoring (:mod:`pmo2vmo.analysis.scoring`) applies this once to respondents with at least one scored answer
(people who only said N/A or Don't know hide nothing), then again per dimension to the respondents
who scored that dimension, with the groups hidden as a whole forced hidden; it shows a group's
pillar score only when every dimension the group answered in that pillar is shown, and its overall
only when every pillar it answered is shown, so that no hidden dimension can be solved from them.
Groups a profile names (role bands) but nobody answered for are ``no_data``, shown differently.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from itertools import combinations

import numpy as np

from pmo2vmo.model.results import Status

__all__ = ["Status", "protect"]


class _Breakouts:
    """The respondents' groups as integer codes per breakout, and which groups are shown."""

    def __init__(
        self,
        members: Mapping[str, Sequence[str] | np.ndarray],
        k: int,
        forced: Mapping[str, Collection[str]],
    ) -> None:
        self.names = list(members)
        self.k = k
        self.groups: dict[str, list[str]] = {}
        self.codes: dict[str, np.ndarray] = {}
        self.sizes: dict[str, np.ndarray] = {}
        self.shown: dict[str, np.ndarray] = {}
        for name in self.names:
            labels = list(members[name])
            groups = sorted(set(labels))
            index = {g: i for i, g in enumerate(groups)}
            self.groups[name] = groups
            self.codes[name] = np.array([index[x] for x in labels], dtype=np.int64)
            self.sizes[name] = np.bincount(self.codes[name], minlength=len(groups))
            hidden = forced.get(name, ())
            self.shown[name] = np.array(
                [self.sizes[name][i] >= k and g not in hidden for i, g in enumerate(groups)],
                dtype=bool,
            )

    def blocks(self, name: str) -> np.ndarray:
        """Each respondent's block: its group's code when shown, else the hidden block's."""
        codes = self.codes[name]
        return np.where(self.shown[name][codes], codes, len(self.groups[name]))

    def small_intersection(self) -> list[tuple[str, int]] | None:
        """The smallest non-empty intersection of blocks holding fewer than k respondents,
        as (breakout, block) pairs; None when there is none."""
        found: list[tuple[int, list[tuple[str, int]]]] = []
        if len(self.names) == 1:
            name = self.names[0]
            counts = np.bincount(self.blocks(name), minlength=len(self.groups[name]) + 1)
            for block in np.flatnonzero((counts > 0) & (counts < self.k)):
                found.append((int(counts[block]), [(name, int(block))]))
        for a, b in combinations(self.names, 2):
            width = len(self.groups[b]) + 1
            counts = np.bincount(
                self.blocks(a) * width + self.blocks(b),
                minlength=(len(self.groups[a]) + 1) * width,
            )
            for cell in np.flatnonzero((counts > 0) & (counts < self.k)):
                found.append((int(counts[cell]), [(a, int(cell) // width), (b, int(cell) % width)]))
        if not found:
            return None
        return min(found, key=lambda f: (f[0], [(self.names.index(n), i) for n, i in f[1]]))[1]

    def _order(self, name: str, code: int) -> tuple[int, int, str]:
        return int(self.sizes[name][code]), self.names.index(name), self.groups[name][code]

    def victim(self, intersection: list[tuple[str, int]]) -> tuple[str, int] | None:
        """The group to suppress next so that ``intersection`` grows or disappears: the smallest
        of its own shown groups and of the shown groups whose people, once hidden, would join
        one of its hidden blocks (ties: by breakout, then name)."""
        candidates = {(n, b) for n, b in intersection if b < len(self.groups[n])}
        for name, block in intersection:
            if block < len(self.groups[name]):
                continue
            inside = np.ones(len(self.codes[name]), dtype=bool)
            for other, other_block in intersection:
                if other != name:
                    inside &= self.blocks(other) == other_block
            codes = self.codes[name]
            candidates.update(
                (name, int(c)) for c in np.unique(codes[inside & self.shown[name][codes]])
            )
        if not candidates:
            candidates = {
                (name, int(code))
                for name in self.names
                for code in np.flatnonzero(self.shown[name])
            }
        return min(candidates, key=lambda nb: self._order(*nb)) if candidates else None

    def status(self) -> dict[str, dict[str, Status]]:
        return {
            name: {
                g: Status.OK if self.shown[name][i] else Status.SUPPRESSED
                for i, g in enumerate(self.groups[name])
            }
            for name in self.names
        }


def protect(
    members: Mapping[str, Sequence[str] | np.ndarray],
    min_group_size: int,
    forced: Mapping[str, Collection[str]] | None = None,
) -> dict[str, dict[str, Status]]:
    """Status of every group of every breakout, with the rule of the module doc.

    ``members`` maps each breakout (``role_band``, ``unit``) to the group of every respondent, in
    the same respondent order for all breakouts; only groups with at least one respondent appear
    in the result. ``forced`` names groups per breakout that are suppressed whatever their size
    (e.g. groups hidden as a whole, when the rule is applied again to one dimension).
    """
    lengths = {len(labels) for labels in members.values()}
    if len(lengths) > 1:
        raise ValueError("every breakout must list the same respondents")
    state = _Breakouts(members, min_group_size, forced or {})
    while (intersection := state.small_intersection()) is not None:
        victim = state.victim(intersection)
        if victim is None:
            break
        state.shown[victim[0]][victim[1]] = False
    return state.status()
