"""The comment themes (``assessment/themes.yaml``) as validated data.

A theme names something respondents raise in their free-text comments — a concern ("Sponsorship
that does not last") or a strength ("Portfolio reviews that move money") — with the keywords and
phrases that show it, the instrument dimensions it speaks to and the source it is traced to.

Matching is deliberately plain, because themes are data written by consultants, never regular
expressions: a keyword is one word, a phrase several; both are matched as whole words, ignoring
case (comment and terms are both Unicode NFC and case folded, see :func:`fold`); the words of a
phrase may be separated by any run of whitespace, line breaks included; an apostrophe matches a
straight or a curly one. The only wildcard is a trailing ``*`` on a word, which makes it a stem
(``prioriti*`` matches "prioritise", "prioritisation"); a ``*`` anywhere else is an error, and
every other character is literal. Each theme becomes one compiled pattern, made once when the file
is loaded.

Loading checks every entry and reports every problem at once, naming the file and the key:
duplicate ids, unknown dimensions, sources not in the instrument's registry, empty keywords or
phrases, a keyword that is a phrase (several words) or a phrase that is one word, misplaced or too
short stems, and a theme with nothing to match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.base import PlainText, StrictModel, parse_model
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.resources import assessment_dir
from pmo2vmo.util.memo import digest, memoised_for
from pmo2vmo.util.yamlio import read_yaml

#: A stem needs at least this many letters before its ``*``: ``co*`` would match half the text.
MIN_STEM = 3
#: Both apostrophes a respondent's keyboard or phone may type.
_APOSTROPHES = "['\u2019]"


def _client_text(value: str) -> str:
    """Names and descriptions are read by clients: no digits (figures belong to the scores), and a
    description is one sentence."""
    if any(ch.isdigit() for ch in value):
        raise ValueError("holds a digit; write the words out (figures belong to the scores)")
    return value


def _one_sentence(value: str) -> str:
    if not value.endswith("."):
        raise ValueError("must be one sentence ending with a full stop")
    if re.search(r"[.!?]\s", value):
        raise ValueError("must be one sentence (found more than one)")
    return value


Name = Annotated[PlainText, Field(min_length=3, max_length=60), AfterValidator(_client_text)]
Description = Annotated[
    PlainText,
    Field(min_length=20, max_length=240),
    AfterValidator(_client_text),
    AfterValidator(_one_sentence),
]


class Theme(StrictModel):
    """One comment theme."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)]
    name: Name
    kind: Literal["concern", "strength"]
    description: Description
    dimensions: Annotated[list[str], Field(min_length=1)]
    keywords: list[PlainText] = []
    phrases: list[PlainText] = []
    source: Annotated[PlainText, Field(min_length=2)]


class ThemesFile(StrictModel):
    type: Literal["comment_themes"]
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    themes: Annotated[list[Theme], Field(min_length=1)]


@dataclass(frozen=True)
class Themes:
    """The loaded, validated themes with one compiled pattern per theme (same order)."""

    version: str
    themes: tuple[Theme, ...]
    patterns: tuple[re.Pattern[str], ...]
    path: Path

    @cached_property
    def by_id(self) -> dict[str, Theme]:
        return {t.id: t for t in self.themes}


def _word(word: str) -> str:
    """One word of a keyword or phrase as regex source: escaped, a trailing ``*`` as ``\\w*``."""
    stem = word.endswith("*") and len(word) > 1
    core = word[:-1] if stem else word
    body = "".join(_APOSTROPHES if ch in "'\u2019" else re.escape(ch) for ch in core)
    return body + (r"\w*" if stem else "")


def fold(text: str) -> str:
    """``text`` as the patterns read it: Unicode NFC, case folded ("Straße" and "STRASSE" alike)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


def term_source(term: str) -> str:
    """A keyword or phrase as regex source (without the whole-word guards): folded, its words
    escaped and joined by any run of whitespace."""
    return r"\s+".join(_word(w) for w in fold(term).split())


def _alternatives(terms: Sequence[str]) -> str:
    """The terms as one alternation, grouped by their first character: the regex engine then
    tests a few first characters at each position of a comment, not every term."""
    groups: dict[str, list[str]] = {}
    for term in terms:
        source = term_source(term)
        head = _word(fold(term).split()[0][0])
        groups.setdefault(head, []).append(source[len(head) :])
    return "|".join(f"{head}(?:{'|'.join(rest)})" for head, rest in groups.items())


def theme_pattern(theme: Theme) -> re.Pattern[str]:
    """One pattern matching any of the theme's keywords or phrases as whole words (no letter,
    digit or underscore just before or after) in a text folded by :func:`fold`."""
    terms = [t for t in [*theme.keywords, *theme.phrases] if t.strip()]
    alternatives = _alternatives(terms) or r"(?!x)x"  # a theme with no term matches nothing
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _term_problems(term: str, key: str, phrase: bool) -> list[str]:
    """What is wrong with one keyword or phrase (``key`` names it in the file)."""
    kind = "phrase" if phrase else "keyword"
    words = term.split()
    if not words:
        return [f"{key}: an empty {kind} matches nothing; write a word or remove the entry"]
    problems = []
    if not phrase and len(words) > 1:
        problems.append(f"{key}: keyword {term!r} has several words; move it to phrases")
    if phrase and len(words) == 1:
        problems.append(f"{key}: phrase {term!r} is one word; move it to keywords")
    for word in words:
        core = word[:-1] if word.endswith("*") else word
        if "*" in core:
            problems.append(
                f"{key}: {term!r}: '*' is allowed only at the end of a word (a stem), "
                f"found in {word!r}"
            )
        elif not any(ch.isalnum() for ch in core):
            problems.append(f"{key}: {term!r}: the word {word!r} has no letter or digit")
        elif word.endswith("*") and len(core) < MIN_STEM:
            problems.append(
                f"{key}: {term!r}: the stem {word!r} is too short; give it at least "
                f"{MIN_STEM} letters before '*'"
            )
    return problems


def _theme_problems(theme: Theme, key: str, dims: set[str], sources: list[str]) -> list[str]:
    """Every problem of one theme, its references checked against the instrument."""
    problems: list[str] = []
    for dim in theme.dimensions:
        if dim not in dims:
            problems.append(
                f"{key}.dimensions: unknown dimension id {dim!r}; use the ids `pmo2vmo "
                "instrument` lists (e.g. PB-SPO)"
            )
    cited = theme.source.partition(" - ")[0].strip()
    if cited not in sources:
        problems.append(
            f"{key}.source: {theme.source!r} names no registered source; write '<source id>' or "
            "'<source id> - <where in it>' with an id listed under sources in instrument.yaml"
        )
    if not theme.keywords and not theme.phrases:
        problems.append(f"{key}: the theme has no keywords and no phrases, so it matches nothing")
    seen: dict[str, str] = {}
    for field, terms in (("keywords", theme.keywords), ("phrases", theme.phrases)):
        for n, term in enumerate(terms):
            term_key = f"{key}.{field}[{n}]"
            problems.extend(_term_problems(term, term_key, field == "phrases"))
            folded = " ".join(fold(term).split())
            if folded and folded in seen:
                problems.append(f"{term_key}: {term!r} is listed twice (also {seen[folded]})")
            seen.setdefault(folded, term_key)
    try:
        theme_pattern(theme)
    except re.error as exc:  # escaped text always compiles; kept as a guard
        problems.append(f"{key}: its keywords and phrases do not compile ({exc})")
    return problems


def check_themes(data: ThemesFile, path: Path, instrument: Instrument) -> list[str]:
    """Every problem of the themes file, each as ``file: key: message``."""
    problems: list[str] = []
    dims = set(instrument.dimension_index)
    sources = [s.id for s in instrument.meta.sources]
    ids: set[str] = set()
    for theme in data.themes:
        key = f"themes[{theme.id}]"
        if theme.id in ids:
            problems.append(f"{path}: {key}.id: duplicate id {theme.id!r}")
        if theme.id == "other":
            problems.append(f"{path}: {key}.id: 'other' is reserved for comments matching no theme")
        ids.add(theme.id)
        problems.extend(f"{path}: {p}" for p in _theme_problems(theme, key, dims, sources))
    return problems


def build_themes(themes: Sequence[Theme], version: str, path: Path) -> Themes:
    """A :class:`Themes` container (patterns compiled) from themes already checked."""
    items = tuple(themes)
    return Themes(
        version=version,
        themes=items,
        patterns=tuple(theme_pattern(t) for t in items),
        path=path,
    )


def load_themes(path: Path | None = None, instrument: Instrument | None = None) -> Themes:
    """Load and validate the comment themes (default: the bundled ``assessment/themes.yaml``,
    checked against the bundled instrument). Raises :class:`~pmo2vmo.errors.InstrumentError`
    listing every problem found."""
    path = Path(path) if path is not None else assessment_dir() / "themes.yaml"
    instrument = instrument if instrument is not None else load_instrument()
    return memoised_for(instrument, ("themes", digest([path])),
                        lambda: _load_themes(path, instrument))  # fmt: skip


def _load_themes(path: Path, instrument: Instrument) -> Themes:
    data = parse_model(ThemesFile, path, read_yaml(path))
    problems = check_themes(data, path, instrument)
    if problems:
        raise InstrumentError(problems)
    return build_themes(data.themes, data.version, path)
