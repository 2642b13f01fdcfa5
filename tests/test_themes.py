"""Comment themes (issue 16 §4): the bundled themes load and match the comments respondents write;
matching is whole-word, case-insensitive and literal; identical comments merge; each comment sits
under one dimension; broken theme files fail naming the file and the key."""

from __future__ import annotations

import copy
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pmo2vmo.analysis.themes import OTHER, CommentThemes, comment_themes, matches, merge_key
from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.results import Comment
from pmo2vmo.model.themes import Themes, ThemesFile, build_themes, load_themes
from pmo2vmo.resources import assessment_dir
from pmo2vmo.sample import COMMENTS

# ------------------------------------------------------------------------------- helpers ---

ORDER = ("PB-GOV", "PB-SPO", "VC-OBJ", "MR-KPI")
DIMENSION_OF = {
    "PB-GOV-01": "PB-GOV",
    "PB-GOV-02": "PB-GOV",
    "PB-SPO-01": "PB-SPO",
    "VC-OBJ-01": "VC-OBJ",
    "VC-OBJ-02": "VC-OBJ",
    "MR-KPI-01": "MR-KPI",
}


def _theme(theme_id: str, keywords: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """A valid theme entry apart from whatever the test changes."""
    entry: dict[str, Any] = {
        "id": theme_id,
        "name": f"Theme {theme_id.replace('-', ' ')}",
        "kind": "concern",
        "description": "Respondents say something about this theme.",
        "dimensions": ["PB-GOV"],
        "keywords": keywords if keywords is not None else [],
        "phrases": [],
        "source": "P3M3 - Management Control perspective",
    }
    entry.update(extra)
    return entry


def _themes(*entries: dict[str, Any]) -> Themes:
    """Themes built in memory, without the reference checks of a file."""
    data = ThemesFile.model_validate(
        {"type": "comment_themes", "version": "0.1.0", "themes": list(entries)}
    )
    return build_themes(data.themes, data.version, Path("test-themes.yaml"))


def _ids(text: str, *entries: dict[str, Any]) -> tuple[str, ...]:
    return matches(text, _themes(*entries))


def _group(comments: list[Comment], themes: Themes) -> CommentThemes:
    return comment_themes(comments, DIMENSION_OF, ORDER, themes)


@pytest.fixture(scope="module")
def bundled() -> Themes:
    return load_themes()


# ------------------------------------------------------------------------------ matching ---


def test_keywords_match_whole_words_only() -> None:
    """Keyword "cost" matches "cost" and "costs," but not "costume" or "low-costing"."""
    theme = _theme("cost", ["cost"])
    assert _ids("The cost, again.", theme) == ("cost",)
    assert _ids("We bought a costume.", theme) == ()
    assert _ids("Our costing model", theme) == ()
    assert _ids("Costs rose", theme) == ()


def test_a_trailing_star_makes_a_stem() -> None:
    """Stem "prioriti*" matches "prioritisation" and "prioritize", never "reprioritise"."""
    theme = _theme("prio", ["prioriti*"])
    assert _ids("There is no prioritisation.", theme) == ("prio",)
    assert _ids("We prioritize nothing", theme) == ("prio",)
    assert _ids("We reprioritise every week", theme) == ()


def test_matching_ignores_case() -> None:
    """Keywords and phrases match whatever the case of the comment."""
    theme = _theme("spo", ["sponsorship"], phrases=["Sponsor left"])
    assert _ids("SPONSORSHIP is weak", theme) == ("spo",)
    assert _ids("our SPONSOR LEFT in May", theme) == ("spo",)


def test_phrases_match_across_extra_whitespace_and_line_breaks() -> None:
    """The words of a phrase may be separated by any run of spaces, tabs or line breaks."""
    theme = _theme("tmp", phrases=["too many projects"])
    assert _ids("We run too  many\n\tprojects.", theme) == ("tmp",)
    assert _ids("too manyprojects", theme) == ()


def test_stems_work_inside_phrases() -> None:
    """A star may end any word of a phrase: "sponsor* chang*" matches "sponsors changed"."""
    theme = _theme("spo", phrases=["sponsor* chang*"])
    assert _ids("Our sponsors changed twice", theme) == ("spo",)
    assert _ids("Sponsorship changes every year", theme) == ("spo",)


def test_regex_metacharacters_in_themes_are_literal() -> None:
    """Themes are data: "c++", "a.b" and "(status) report?" match only themselves."""
    theme = _theme("meta", ["c++", "a.b"], phrases=["(status) report?"])
    assert _ids("We write c++ daily", theme) == ("meta",)
    assert _ids("We write c daily", theme) == ()
    assert _ids("axb", theme) == ()
    assert _ids("the a.b file", theme) == ("meta",)
    assert _ids("the (status) report? again", theme) == ("meta",)
    assert _ids("the status report again", theme) == ()


def test_straight_and_curly_apostrophes_are_the_same() -> None:
    """A phrase written "don't trust" matches a comment typed with a curly apostrophe."""
    theme = _theme("trust", phrases=["don't trust"])
    assert _ids("We don\u2019t trust the numbers", theme) == ("trust",)
    assert _ids("We don't trust the numbers", theme) == ("trust",)


def test_matches_come_in_file_order() -> None:
    """A comment matching several themes lists them in the file's order."""
    themes = _themes(_theme("second", ["budget"]), _theme("first", ["sponsor"]))
    assert matches("The sponsor cut the budget", themes) == ("second", "first")


def test_hostile_comment_text_is_kept_as_written() -> None:
    """Regex syntax and markup in a comment match nothing unexpected and come back unchanged."""
    text = "(.*)+ <script>alert('x')</script> {{ cost }} \\b"
    themes = _themes(_theme("cost", ["cost"]))
    result = _group([Comment("PB-GOV-01", text)], themes)
    assert result.merged[0].text == text
    assert result.merged[0].themes == ("cost",)


# ------------------------------------------------------------------- merging and placement ---


def test_identical_comments_merge_across_case_and_whitespace() -> None:
    """Comments equal after NFC, collapsed whitespace and case folding merge; the first spelling
    (by question, then text) is shown and every question is listed."""
    comments = [
        Comment("VC-OBJ-01", "Every project is  priority one."),
        Comment("PB-GOV-01", "every project is priority ONE."),
        Comment("PB-GOV-02", "Every project is\npriority one."),
        Comment(None, "Caf\u0065\u0301 talk"),  # e + combining acute
        Comment(None, "caf\u00e9 TALK"),
    ]
    result = _group(comments, _themes(_theme("prio", phrases=["priority one"])))
    assert [m.count for m in result.merged] == [3, 2]
    priority = result.merged[0]
    assert priority.text == "every project is priority ONE."
    assert priority.questions == ("PB-GOV-01", "PB-GOV-02", "VC-OBJ-01")
    assert priority.themes == ("prio",)
    assert merge_key("Caf\u0065\u0301  talk") == merge_key("CAF\u00c9 talk")


def test_a_comment_sits_under_the_dimension_it_was_given_on_most() -> None:
    """Placement goes to the dimension with the most occurrences of the comment."""
    comments = [
        Comment("PB-GOV-01", "Same text"),
        Comment("VC-OBJ-01", "Same text"),
        Comment("VC-OBJ-02", "same text"),
    ]
    result = _group(comments, _themes(_theme("x", ["unrelated"])))
    assert result.merged[0].dimension == "VC-OBJ"
    assert [d.dimension for d in result.by_dimension] == ["VC-OBJ"]


def test_placement_ties_go_to_the_first_dimension_in_instrument_order() -> None:
    """One occurrence each on two dimensions: the one earlier in the instrument wins."""
    comments = [Comment("MR-KPI-01", "Tie text"), Comment("PB-SPO-01", "Tie text")]
    result = _group(comments, _themes(_theme("x", ["unrelated"])))
    assert result.merged[0].dimension == "PB-SPO"
    assert result.merged[0].questions == ("PB-SPO-01", "MR-KPI-01")


def test_general_comments_sit_under_no_dimension_and_come_last() -> None:
    """A comment given on no question (or an unknown one) is placed under None, listed last."""
    comments = [
        Comment(None, "General remark"),
        Comment("XX-OLD-01", "Legacy remark"),
        Comment("MR-KPI-01", "Specific remark"),
        Comment(None, "Specific remark"),
    ]
    result = _group(comments, _themes(_theme("x", ["unrelated"])))
    placed = {m.text: m.dimension for m in result.merged}
    assert placed == {"General remark": None, "Legacy remark": None, "Specific remark": "MR-KPI"}
    assert [d.dimension for d in result.by_dimension] == ["MR-KPI", None]


def test_unmatched_comments_count_under_other_last() -> None:
    """Comments matching no theme count under "Other", listed after every theme."""
    comments = [
        Comment(None, "Nothing to see"),
        Comment(None, "nothing to see"),
        Comment(None, "Nor here"),
        Comment("PB-GOV-01", "The cost again"),
    ]
    result = _group(comments, _themes(_theme("cost", ["cost"]), _theme("none", ["zzz"])))
    assert [(t.id, t.count) for t in result.themes] == [("cost", 1), (OTHER, 3)]
    assert result.themes[-1].name == "Other"
    assert [m.text for m in result.themes[-1].comments] == ["Nothing to see", "Nor here"]


def test_theme_counts_are_occurrences_most_mentioned_first() -> None:
    """A theme counts every occurrence; themes are ranked by count, ties in file order."""
    themes = _themes(_theme("a", ["alpha"]), _theme("b", ["beta"]), _theme("c", ["gamma"]))
    comments = [
        Comment(None, "beta"),
        Comment("PB-GOV-01", "Beta"),
        Comment(None, "alpha"),
        Comment(None, "gamma"),
        Comment(None, "alpha beta"),
    ]
    result = _group(comments, themes)
    assert [(t.id, t.count) for t in result.themes] == [("b", 3), ("a", 2), ("c", 1)]
    assert result.themes[0].comments[0].count == 2


def test_a_comment_is_quoted_under_its_first_theme_only() -> None:
    """`quoted` keeps each comment under one theme, so a section shows it at most twice."""
    themes = _themes(_theme("a", ["alpha"]), _theme("b", ["beta"]))
    result = _group([Comment("PB-GOV-01", "alpha and beta")], themes)
    by_id = {t.id: t for t in result.themes}
    assert len(by_id["a"].quoted) == 1
    assert by_id["b"].comments
    assert not by_id["b"].quoted


def test_for_dimensions_counts_only_the_comments_placed_there() -> None:
    """A pillar's theme counts come from the comments placed under its dimensions."""
    themes = _themes(_theme("a", ["alpha"]))
    comments = [
        Comment("PB-GOV-01", "alpha one"),
        Comment("VC-OBJ-01", "alpha two"),
        Comment("PB-SPO-01", "alpha one"),
    ]
    result = _group(comments, themes)
    assert [(t.id, t.count) for t in result.for_dimensions(["PB-GOV", "PB-SPO"])] == [("a", 2)]
    assert [(t.id, t.count) for t in result.for_dimensions(["MR-KPI"])] == []


def test_concerns_on_a_dimension_include_themes_that_name_it() -> None:
    """concerns_on: concern themes of comments placed under the dimension, plus concern themes
    listing the dimension matched anywhere; strengths never."""
    themes = _themes(
        _theme("kpi", ["kpi"], dimensions=["MR-KPI"]),
        _theme("gov", ["gate"], dimensions=["PB-GOV"]),
        _theme("good", ["great"], dimensions=["MR-KPI"], kind="strength"),
    )
    comments = [
        Comment(None, "No KPI at all"),
        Comment("MR-KPI-01", "The gate is slow"),
        Comment("MR-KPI-01", "Great dashboards"),
    ]
    result = _group(comments, themes)
    assert [t.id for t in result.concerns_on("MR-KPI")] == ["kpi", "gov"]
    assert [t.id for t in result.concerns_on("PB-GOV")] == ["gov"]
    assert result.concerns_on("VC-OBJ") == ()


def test_output_does_not_depend_on_input_order() -> None:
    """Shuffling the comments gives exactly the same result, first spellings included."""
    themes = _themes(_theme("a", ["alpha"]), _theme("b", ["beta"]))
    comments = [
        Comment(q, t)
        for q in (None, "PB-GOV-01", "VC-OBJ-01", "MR-KPI-01")
        for t in ("Alpha", "alpha", "beta gamma", "Other one", "BETA GAMMA")
    ]
    expected = _group(comments, themes)
    rng = random.Random(16)
    for _ in range(20):
        shuffled = comments[:]
        rng.shuffle(shuffled)
        assert _group(shuffled, themes) == expected


TEXTS = ["alpha", "Alpha", "beta", "alpha beta", "gamma", "  GAMMA ", "delta"]
QUESTIONS = [None, *DIMENSION_OF, "XX-OLD-01"]
comment_lists = st.lists(
    st.builds(
        Comment,
        question=st.sampled_from(QUESTIONS),
        text=st.one_of(st.sampled_from(TEXTS), st.text(max_size=30)),
    ),
    max_size=40,
)


@given(comment_lists)
def test_every_comment_is_counted_once(comments: list[Comment]) -> None:
    """For any comments: each is in `merged` once and in `by_dimension` once, counts add up to
    the number of comments, and a theme counts exactly the comments matching it."""
    themes = _themes(_theme("a", ["alpha"]), _theme("b", ["beta"]), _theme("g", ["gamma"]))
    result = _group(comments, themes)
    keys = Counter(merge_key(m.text) for m in result.merged)
    assert all(n == 1 for n in keys.values())
    assert {merge_key(c.text) for c in comments} == set(keys)
    assert sum(m.count for m in result.merged) == len(comments)
    placed = [m for d in result.by_dimension for m in d.comments]
    assert sorted(placed, key=lambda m: merge_key(m.text)) == sorted(
        result.merged, key=lambda m: merge_key(m.text)
    )
    for theme in result.themes:
        expected = sum(
            1
            for c in comments
            if (theme.id in matches(c.text, themes))
            or (theme.id == OTHER and not matches(c.text, themes))
        )
        assert theme.count == expected
        assert theme.count > 0


# ----------------------------------------------------------------------- the bundled file ---

#: Comments as respondents write them (beyond the sample bank), with the theme each must raise.
REALISTIC = {
    "sponsorship-unstable": [
        "Sponsorship changes every reorganisation and we start again each time.",
        "Our sponsor moved on in March and nobody has picked the programme up.",
        "After the reorg we had no executive sponsor for six months.",
    ],
    "governance-bypassed": [
        "Projects get fast-tracked past the gates if the COO wants them.",
        "The steering group rubber stamps whatever is put in front of it.",
    ],
    "reporting-burden": [
        "I spend Friday afternoons on status reports nobody reads.",
        "We produce the same reports three times for three different boards.",
    ],
    "overcommitment": [
        "Too many projects, not enough people — everyone is on five things at once.",
        "Our best people are overallocated and burnout is real.",
    ],
    "no-real-prioritisation": [
        "Every project is priority one.",
        "There is no real prioritisation: everything is urgent.",
        "Competing priorities between divisions are never resolved.",
    ],
    "stopping-is-hard": [
        "Nothing ever gets stopped here; we have zombie projects from years ago.",
        "Sunk cost thinking keeps projects alive long after the case has gone.",
    ],
    "benefits-not-tracked": [
        "Once the project closes nobody tracks whether the benefits arrived.",
        "Benefits are forgotten after go live.",
    ],
    "execution-metrics-only": [
        "We only measure time and budget, never whether customers are better off.",
        "Everything is RAG status on schedule; there is no KPI for value.",
    ],
    "data-not-trusted": [
        "The dashboard is out of date, so people keep their own spreadsheets.",
        "Finance and the PMO have different numbers for the same project.",
        "I don\u2019t trust the figures in the portfolio tool.",
    ],
    "objectives-not-visible": [
        "I could not tell you what the strategy is or how my work fits.",
        "Objectives are not cascaded below the executive team.",
    ],
    "delivery-not-value": [
        "We celebrate go-lives, not the outcomes that were meant to follow.",
        "People are rewarded for delivering on time, not for the benefit.",
    ],
    "fear-of-failure": [
        "Nobody wants to bring bad news to the board.",
        "There is a blame culture: if a pilot fails, someone gets punished.",
    ],
    "agile-vs-gates": [
        "Our agile teams still have to pass waterfall stage gates every quarter.",
        "Funding is set in the annual budget round, which does not fit how product teams work.",
    ],
    "heavy-process": [
        "Too much bureaucracy for a two-week change.",
        "It feels like box ticking: twenty pages of templates for a small project.",
    ],
    "learning-does-not-stick": [
        "We keep making the same mistakes; lessons learned go in a drawer.",
        "There was no training on value management, only a one-off session.",
    ],
    "portfolio-rebalancing": [
        "Quarterly portfolio review moved money to the two best initiatives — a first.",
        "We stopped several low-value projects and reallocated the people.",
    ],
    "benefits-reviewed-with-finance": [
        "The benefits register is reviewed every quarter with finance.",
        "Benefits are tracked and signed off by finance a year after go-live.",
    ],
    "sponsors-clear-the-way": [
        "Our sponsor unblocks decisions within a day.",
        "We have an engaged sponsor who champions the programme at the board.",
    ],
}

#: Praise and neutral remarks that must not be counted as these concerns.
NOT_CONCERNS = {
    "no-real-prioritisation": "Prioritisation works well now that we score every project.",
    "stopping-is-hard": "We stopped two projects last quarter without drama.",
    "data-not-trusted": "The data quality has improved a lot this year.",
    "benefits-not-tracked": "The product owner owns the benefits and reports them monthly.",
}


def test_the_bundled_themes_load(bundled: Themes, instrument: Instrument) -> None:
    """The bundled file loads against the instrument: twelve to eighteen themes, both kinds."""
    assert 12 <= len(bundled.themes) <= 18
    assert {t.kind for t in bundled.themes} == {"concern", "strength"}
    assert bundled.version == "1.0.0"
    dims = set(instrument.dimension_index)
    assert all(set(t.dimensions) <= dims for t in bundled.themes)


def test_every_bundled_theme_matches_comments_respondents_write(bundled: Themes) -> None:
    """Every theme matches a comment of the sample bank or of the realistic list."""
    bank = [text for texts in COMMENTS.values() for text in texts]
    realistic = [text for texts in REALISTIC.values() for text in texts]
    matched = {theme_id for text in bank + realistic for theme_id in matches(text, bundled)}
    assert matched == set(bundled.by_id)


@pytest.mark.parametrize(("theme_id", "texts"), sorted(REALISTIC.items()))
def test_realistic_comments_raise_their_theme(
    bundled: Themes, theme_id: str, texts: list[str]
) -> None:
    """Each realistic comment raises the theme it is written for."""
    for text in texts:
        assert theme_id in matches(text, bundled), text


@pytest.mark.parametrize(("theme_id", "text"), sorted(NOT_CONCERNS.items()))
def test_praise_is_not_counted_as_a_concern(bundled: Themes, theme_id: str, text: str) -> None:
    """A remark praising the practice does not raise the concern about it."""
    assert theme_id not in matches(text, bundled)


def test_bundled_sample_comments_are_themed(bundled: Themes, instrument: Instrument) -> None:
    """Most of the sample bank's comments raise a theme; none is counted twice in `merged`."""
    comments = [Comment(None, text) for texts in COMMENTS.values() for text in texts]
    dims = [d.id for d in instrument.dimensions]
    dimension_of = {q: ref.dimension.id for q, ref in instrument.questions.items()}
    result = comment_themes(comments, dimension_of, dims, bundled)
    other = sum(t.count for t in result.themes if t.id == OTHER)
    assert other <= len(comments) // 4
    assert sum(m.count for m in result.merged) == len(comments)


# ------------------------------------------------------------------------- broken files ---


@pytest.fixture(scope="module")
def bundled_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (assessment_dir() / "themes.yaml").read_text(encoding="utf-8")
    )
    return data


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "themes.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _problems(tmp_path: Path, data: dict[str, Any], instrument: Instrument) -> str:
    with pytest.raises(InstrumentError) as caught:
        load_themes(_write(tmp_path, data), instrument)
    return str(caught.value)


def _broken(bundled_data: dict[str, Any], theme_id: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(bundled_data)
    entry = next(t for t in data["themes"] if t["id"] == theme_id)
    entry.update(changes)
    return data


def test_an_unknown_dimension_names_file_and_key(
    tmp_path: Path, bundled_data: dict[str, Any], instrument: Instrument
) -> None:
    """A dimension id the instrument lacks is an error naming the file, theme and value."""
    data = _broken(bundled_data, "overcommitment", dimensions=["PB-RES", "PB-NOPE"])
    message = _problems(tmp_path, data, instrument)
    assert (
        "themes.yaml: themes[overcommitment].dimensions: unknown dimension id 'PB-NOPE'" in message
    )


def test_an_unknown_source_names_file_and_key(
    tmp_path: Path, bundled_data: dict[str, Any], instrument: Instrument
) -> None:
    """A source not registered in instrument.yaml is an error naming the file and theme."""
    data = _broken(bundled_data, "heavy-process", source="Some Blog - a post")
    message = _problems(tmp_path, data, instrument)
    assert "themes.yaml: themes[heavy-process].source: 'Some Blog - a post' names no" in message


def test_a_duplicate_id_names_file_and_key(
    tmp_path: Path, bundled_data: dict[str, Any], instrument: Instrument
) -> None:
    """Two themes with one id is an error naming the file and the id."""
    data = copy.deepcopy(bundled_data)
    data["themes"].append(copy.deepcopy(data["themes"][0]))
    first = data["themes"][0]["id"]
    message = _problems(tmp_path, data, instrument)
    assert f"themes.yaml: themes[{first}].id: duplicate id {first!r}" in message


def test_an_empty_keyword_names_file_and_key(
    tmp_path: Path, bundled_data: dict[str, Any], instrument: Instrument
) -> None:
    """An empty (or blank) keyword is an error naming the file, theme and position."""
    data = _broken(bundled_data, "data-not-trusted", keywords=["stale", "  "])
    message = _problems(tmp_path, data, instrument)
    assert "themes.yaml: themes[data-not-trusted].keywords[1]: an empty keyword" in message


def test_keywords_and_phrases_must_be_in_their_place(
    tmp_path: Path, bundled_data: dict[str, Any], instrument: Instrument
) -> None:
    """A keyword of several words, a phrase of one word and a misplaced or short star are errors,
    all reported at once."""
    data = _broken(
        bundled_data,
        "stopping-is-hard",
        keywords=["sunk cost", "st*p", "ab*"],
        phrases=["zombie"],
    )
    message = _problems(tmp_path, data, instrument)
    assert "themes[stopping-is-hard].keywords[0]: keyword 'sunk cost' has several words" in message
    assert "themes[stopping-is-hard].keywords[1]: 'st*p': '*' is allowed only at the end" in message
    assert "themes[stopping-is-hard].keywords[2]: 'ab*': the stem 'ab*' is too short" in message
    assert "themes[stopping-is-hard].phrases[0]: phrase 'zombie' is one word" in message


def test_digits_in_client_text_name_file_and_key(
    tmp_path: Path, bundled_data: dict[str, Any], instrument: Instrument
) -> None:
    """A digit in a theme's name is an error naming the file and the key."""
    data = _broken(bundled_data, "fear-of-failure", name="Fear of failure (3)")
    message = _problems(tmp_path, data, instrument)
    assert "themes.yaml: themes[fear-of-failure].name: Value error, holds a digit" in message
