"""Respondents' comments as themes: identical comments merged, each placed under one dimension,
counted under the themes of ``assessment/themes.yaml`` (see :mod:`pmo2vmo.model.themes`).

Pure functions, no I/O. Comment text is client data: it is matched against the themes' compiled
patterns, never turned into a pattern or code, and kept exactly as written (escaping it is the
renderers' job).

The rules, in order:

- **Merging.** Two comments are the same when their texts are equal after Unicode NFC
  normalisation, collapsing runs of whitespace and case folding. The merged comment shows the
  first spelling in the order of :attr:`OrganisationScores.comments` (question id, then text), counts
  every occurrence and lists every question it was given on (dimension order, then id).
- **Placement.** A merged comment sits under ONE dimension: the one whose questions it was given
  on most often (ties: the first in instrument order; a dimension not in the order after those,
  by id). A comment never given on a known question (general comments) sits under None.
- **Themes.** A merged comment counts under every theme whose keywords or phrases it contains, so
  it appears in :attr:`CommentThemes.themes` at most once per theme it matches, and under "Other"
  (id ``other``) when it matches none. A theme's count is occurrences (the sum of its comments'
  counts), not distinct texts. A section that lists comments both by dimension and by theme shows
  each comment at most twice by quoting it only under its first theme (:attr:`ThemeCount.quoted`).
- **Order.** Themes: most mentioned first, ties in file order, "Other" last, only those with a
  count above zero. Comments within a group: most occurrences first, then by their merged text.
  Dimensions: instrument order, None last. The output does not depend on the input's order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from pmo2vmo.model.results import Comment, Record
from pmo2vmo.model.themes import Themes, fold

OTHER = "other"
OTHER_NAME = "Other"

Kind = Literal["concern", "strength", "other"]


def merge_key(text: str) -> str:
    """What two comments must share to be the same: NFC, whitespace collapsed, case folded."""
    return " ".join(fold(text).split())


def matches(text: str, themes: Themes) -> tuple[str, ...]:
    """The ids of the themes whose keywords or phrases occur in ``text``, in the file's order."""
    subject = fold(text)
    pairs = zip(themes.themes, themes.patterns, strict=True)
    return tuple(theme.id for theme, pattern in pairs if pattern.search(subject))


@dataclass(frozen=True, slots=True)
class MergedComment(Record):
    """Identical comments shown once: the first spelling, how many gave it, on which questions,
    the dimension it is placed under (None: a general comment) and the themes it matches."""

    text: str
    count: int
    questions: tuple[str, ...]
    dimension: str | None
    themes: tuple[str, ...]
    # The fewest people who can have said it: the most times it was given on one question
    # (a respondent answers a question once; comments carry no author, so across questions
    # one person may have repeated it). ``people == count``: that many people said it.
    people: int = 1


@dataclass(frozen=True, slots=True)
class ThemeCount(Record):
    """A theme with the comments matching it; ``count`` is occurrences (the sum of their counts).
    ``dimensions`` are the dimensions the theme speaks to (none for "Other")."""

    id: str
    name: str
    kind: Kind
    count: int
    comments: tuple[MergedComment, ...]
    dimensions: tuple[str, ...] = ()

    @property
    def quoted(self) -> tuple[MergedComment, ...]:
        """The comments to quote under this theme: those for which it is the first theme matched
        (every comment of "Other"), so a comment is quoted under one theme only."""
        if self.id == OTHER:
            return self.comments
        return tuple(c for c in self.comments if c.themes[:1] == (self.id,))


@dataclass(frozen=True, slots=True)
class DimensionComments(Record):
    """The comments placed under one dimension (None: general comments) and their themes."""

    dimension: str | None
    comments: tuple[MergedComment, ...]
    themes: tuple[ThemeCount, ...]


@dataclass(frozen=True, slots=True)
class CommentThemes(Record):
    """An organisation's comments by theme and by dimension.

    ``merged`` holds every merged comment once; ``by_dimension`` holds each of them once, under
    its dimension; ``themes`` holds each under every theme it matches. ``theme_order`` is the
    ids of the themes file in its order (how ties are broken).
    """

    themes: tuple[ThemeCount, ...]
    by_dimension: tuple[DimensionComments, ...]
    merged: tuple[MergedComment, ...]
    theme_order: tuple[str, ...] = ()

    def for_dimensions(self, ids: Iterable[str | None]) -> tuple[ThemeCount, ...]:
        """The theme counts of the comments placed under the dimensions ``ids`` (e.g. a pillar's),
        ordered like :attr:`themes`."""
        wanted = set(ids)
        return _restricted(self.themes, lambda _t, c: c.dimension in wanted, self.theme_order)

    def concerns_on(self, dimension_id: str) -> tuple[ThemeCount, ...]:
        """The concern themes comments raise about a dimension: a concern theme counts a comment
        when the comment is placed under the dimension, or when the theme lists the dimension
        among those it speaks to (whichever question the comment was given on, general comments
        included). "Scores say in place, yet comments raise …" reads from it."""
        return _restricted(
            tuple(t for t in self.themes if t.kind == "concern"),
            lambda t, c: c.dimension == dimension_id or dimension_id in t.dimensions,
            self.theme_order,
        )


def _comment_sort(comment: MergedComment) -> tuple[int, str, str]:
    return (-comment.count, merge_key(comment.text), comment.text)


def _ranked(counts: Iterable[ThemeCount], order: Sequence[str]) -> tuple[ThemeCount, ...]:
    """Themes with a count above zero: most mentioned first, ties in file order, "Other" last."""
    position = {theme_id: n for n, theme_id in enumerate(order)}
    kept = [t for t in counts if t.count > 0]
    return tuple(
        sorted(kept, key=lambda t: (t.id == OTHER, -t.count, position.get(t.id, len(order)), t.id))
    )


def _restricted(
    counts: Iterable[ThemeCount],
    keep: Callable[[ThemeCount, MergedComment], bool],
    order: Sequence[str],
) -> tuple[ThemeCount, ...]:
    """Each theme count restricted to the comments ``keep`` accepts, ranked again."""
    out = []
    for theme in counts:
        comments = tuple(c for c in theme.comments if keep(theme, c))
        out.append(replace(theme, count=sum(c.count for c in comments), comments=comments))
    return _ranked(out, order)


def _placed_under(dim: str | None) -> Callable[[ThemeCount, MergedComment], bool]:
    """Keeps the comments placed under ``dim``."""
    return lambda _theme, comment: comment.dimension == dim


def _dimension_rank(order: Sequence[str]) -> Callable[[str | None], tuple[int, int, str]]:
    """Sort key of a dimension: instrument order, then unknown ones by id, None last."""
    position = {dim: n for n, dim in enumerate(order)}

    def rank(dim: str | None) -> tuple[int, int, str]:
        if dim is None:
            return (2, 0, "")
        if dim in position:
            return (0, position[dim], dim)
        return (1, 0, dim)

    return rank


def _merge(
    group: Sequence[Comment],
    dimension_of: Mapping[str, str],
    rank: Callable[[str | None], tuple[int, int, str]],
    themes: Themes,
) -> MergedComment:
    """One merged comment from identical ones (``group`` in output order, non-empty)."""
    asked = {c.question for c in group if c.question is not None}
    questions = tuple(sorted(asked, key=lambda q: (rank(dimension_of.get(q)), q)))
    per_dimension = Counter(
        dimension_of[c.question]
        for c in group
        if c.question is not None and c.question in dimension_of
    )
    dimension = (
        min(per_dimension, key=lambda d: (-per_dimension[d], rank(d))) if per_dimension else None
    )
    text = group[0].text
    per_question = Counter(c.question for c in group)
    return MergedComment(
        text=text,
        count=len(group),
        questions=questions,
        dimension=dimension,
        themes=matches(text, themes),
        people=max(per_question.values()),
    )


def _theme_counts(merged: Sequence[MergedComment], themes: Themes) -> list[ThemeCount]:
    """Every theme of the file, then "Other", with the merged comments matching it."""
    counts = []
    for theme in themes.themes:
        comments = tuple(c for c in merged if theme.id in c.themes)
        counts.append(
            ThemeCount(
                id=theme.id,
                name=theme.name,
                kind=theme.kind,
                count=sum(c.count for c in comments),
                comments=comments,
                dimensions=tuple(theme.dimensions),
            )
        )
    unmatched = tuple(c for c in merged if not c.themes)
    counts.append(
        ThemeCount(OTHER, OTHER_NAME, "other", sum(c.count for c in unmatched), unmatched)
    )
    return counts


def comment_themes(
    comments: Sequence[Comment],
    dimension_of: Mapping[str, str],
    order: Sequence[str],
    themes: Themes,
) -> CommentThemes:
    """An organisation's comments merged, placed under their dimensions and counted by theme.

    ``dimension_of`` maps each question id to its dimension id; ``order`` is the dimension ids in
    instrument order. See the module's docstring for the rules.
    """
    rank = _dimension_rank(order)
    groups: dict[str, list[Comment]] = {}
    for comment in sorted(comments, key=lambda c: (c.question or "", c.text)):
        groups.setdefault(merge_key(comment.text), []).append(comment)
    merged = tuple(
        sorted((_merge(g, dimension_of, rank, themes) for g in groups.values()), key=_comment_sort)
    )
    theme_order = tuple(t.id for t in themes.themes)
    ranked = _ranked(_theme_counts(merged, themes), theme_order)
    by_dimension = []
    for dim in sorted({c.dimension for c in merged}, key=rank):
        placed = tuple(c for c in merged if c.dimension == dim)
        by_dimension.append(
            DimensionComments(
                dimension=dim,
                comments=placed,
                themes=_restricted(ranked, _placed_under(dim), theme_order),
            )
        )
    return CommentThemes(
        themes=ranked,
        by_dimension=tuple(by_dimension),
        merged=merged,
        theme_order=theme_order,
    )
