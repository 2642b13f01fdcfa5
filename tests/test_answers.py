"""Reading one answer: levels 1-5, level names, labels, N/A, Don't know, blanks, and what is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmo2vmo.ingest.answers import Answer, AnswerError, AnswerParser, Kind
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.vocabulary import normalise

LEVELS = {1: "Initial", 2: "Developing", 3: "Defined", 4: "Managed", 5: "Optimising"}


@pytest.fixture(scope="module")
def parser(instrument: Instrument) -> AnswerParser:
    return AnswerParser(instrument)


def test_instrument_levels_are_the_ones_these_tests_assume(instrument: Instrument) -> None:
    """The bundled instrument names its levels Initial, Developing, Defined, Managed, Optimising."""
    assert {lv.value: lv.name for lv in instrument.levels} == LEVELS


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("3", 3),
        (3, 3),
        (3.0, 3),
        ("3.0", 3),
        (" 3 ", 3),
        ("1", 1),
        (5, 5),
        ("Defined", 3),
        ("defined", 3),
        ("  DEFINED  ", 3),
        ("Optimising", 5),
        ("3 - Defined", 3),
        (" 3 - defined ", 3),
        ("3-Defined", 3),
        ("3 – Defined", 3),  # en dash, as Word and Excel autocorrect it
        ("3 — Defined", 3),  # em dash
        ("3. Defined", 3),
        ("3: Defined", 3),
        ("3 (Defined)", 3),
        ("3 Defined", 3),
        ("Level 3", 3),
        ("level 3", 3),
        ("LEVEL3", 3),
        ("L3", 3),
        ("Level 3 - Defined", 3),
        ("1 - Initial", 1),
        ("5 - Optimising", 5),
        ("3\u00a0-\u00a0Defined", 3),  # non-breaking spaces
        ("４", 4),  # full-width digit, folded by NFKC
    ],
)
def test_scores_parse_to_their_level(parser: AnswerParser, raw: object, value: int) -> None:
    """Numbers, level names and 'N - Name' labels read as that level, whatever the case or spacing."""
    assert parser.parse(raw) == Answer(Kind.SCORE, value)


@pytest.mark.parametrize(
    "raw", ["N/A", "n/a", "NA", "na", "N.A.", "n a", "Not applicable", "NOT RELEVANT", " N/A "]
)
def test_not_applicable_variants(parser: AnswerParser, raw: str) -> None:
    """Usual spellings of 'not applicable' read as N/A, not as a score."""
    assert parser.parse(raw) == Answer(Kind.NOT_APPLICABLE)


@pytest.mark.parametrize(
    "raw",
    [
        "Don't know",
        "Don’t know",  # curly apostrophe, as Word and phones type it
        "Don‘t know",
        "DON'T KNOW",
        "dont know",
        "Do not know",
        "don`t know",
        "DK",
        "Not sure",
        "?",
    ],
)
def test_dont_know_variants(parser: AnswerParser, raw: str) -> None:
    """Usual spellings of 'don't know', straight or curly apostrophe, read as Don't know."""
    assert parser.parse(raw) == Answer(Kind.DONT_KNOW)


def test_not_applicable_and_dont_know_differ(parser: AnswerParser) -> None:
    """N/A and Don't know are different findings and neither carries a value (never a 0)."""
    na, dk = parser.parse("N/A"), parser.parse("Don't know")
    assert na.kind is not dk.kind
    assert na.value is None
    assert dk.value is None


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n"])
def test_blanks_are_blank(parser: AnswerParser, raw: object) -> None:
    """An empty cell (None or only whitespace) is a skipped question, not an error."""
    assert parser.parse(raw) == Answer(Kind.BLANK)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("7", "'7' is out of range"),
        (7, "7 is out of range"),
        ("0", "'0' is out of range"),
        (0, "0 is out of range"),
        (-1, "-1 is out of range"),
        ("-1", "'-1' is out of range"),
        ("Level 6", "'Level 6' is out of range"),
        ("6 - Defined", "'6 - Defined' is out of range"),
        (3.5, "3.5 is not a whole level"),
        ("3.5", "'3.5' is not a whole level"),
        ("2.50", "'2.50' is not a whole level"),
        ("often", "'often' is not an answer"),
        ("Sometimes", "'Sometimes' is not an answer"),
        ("3 - Managed", "'3 - Managed' mixes level 3 with the name of level 4"),
        ("1 (Optimising)", "mixes level 1 with the name of level 5"),
        ("3 - Bogus", "'3 - Bogus' is not an answer"),
        ("3 or 4", "'3 or 4' is not an answer"),
        ("3/4", "'3/4' is not an answer"),
        (True, "True is not an answer"),
        (float("nan"), "nan is not an answer"),
        (float("inf"), "inf is not an answer"),
    ],
)
def test_bad_answers_raise_with_a_clear_message(
    parser: AnswerParser, raw: object, fragment: str
) -> None:
    """An unreadable answer raises AnswerError saying what was found."""
    with pytest.raises(AnswerError) as caught:
        parser.parse(raw)
    assert fragment in str(caught.value)


@pytest.mark.parametrize("raw", ["7", "often", "3 - Bogus"])
def test_error_message_lists_what_is_accepted(parser: AnswerParser, raw: str) -> None:
    """The message of a refused answer lists what is accepted, level names included."""
    with pytest.raises(AnswerError) as caught:
        parser.parse(raw)
    message = str(caught.value)
    assert "use 1–5" in message
    assert "Initial, Developing, Defined, Managed, Optimising" in message
    assert "N/A or Don't know" in message


def test_long_bad_answer_is_shortened_in_the_message(parser: AnswerParser) -> None:
    """A long unreadable text is cut to about 60 characters in the message."""
    with pytest.raises(AnswerError) as caught:
        parser.parse("We mostly do this but it depends on the project and the sponsor " * 3)
    assert "..." in str(caught.value)
    assert len(str(caught.value)) < 200


def test_answer_error_is_a_value_error() -> None:
    """AnswerError is a ValueError, so generic handlers that expect one still work."""
    assert issubclass(AnswerError, ValueError)


def test_accepted_names_the_levels(parser: AnswerParser) -> None:
    """AnswerParser.accepted lists the instrument's level names for messages."""
    assert parser.accepted == (
        "use 1–5, a level name (Initial, Developing, Defined, Managed, Optimising), N/A or "
        "Don't know"
    )


def test_extra_names_are_accepted(instrument: Instrument) -> None:
    """Extra (value, name) pairs are accepted as level names, alone and in labels."""
    parser = AnswerParser(instrument, [(1, "Ad hoc"), (5, "Leading")])
    assert parser.parse("ad hoc") == Answer(Kind.SCORE, 1)
    assert parser.parse("1 - Ad hoc") == Answer(Kind.SCORE, 1)
    assert parser.parse("LEADING") == Answer(Kind.SCORE, 5)
    assert parser.parse("Initial") == Answer(Kind.SCORE, 1)


def test_extra_names_do_not_override_level_names(instrument: Instrument) -> None:
    """An extra name equal to a level's own name keeps that level's value."""
    parser = AnswerParser(instrument, [(1, "Defined")])
    assert parser.parse("Defined") == Answer(Kind.SCORE, 3)


def test_profile_renamed_levels_and_original_names(instrument: Instrument) -> None:
    """With a profile's renamed levels, both the new and the original names are answers."""
    tailored = instrument.tailored(Profile(level_names={1: "Ad hoc", 4: "Quantified"}))
    parser = AnswerParser(tailored, [(lv.value, lv.name) for lv in instrument.levels])
    assert parser.parse("Ad hoc") == Answer(Kind.SCORE, 1)
    assert parser.parse("4 - Quantified") == Answer(Kind.SCORE, 4)
    assert parser.parse("Managed") == Answer(Kind.SCORE, 4)
    assert "Ad hoc" in parser.accepted
    with pytest.raises(AnswerError, match="mixes level 3 with the name of level 4"):
        parser.parse("3 - Quantified")


def test_repeated_answers_give_equal_results(parser: AnswerParser) -> None:
    """Parsing the same text twice gives the same answer (the cache does not change results)."""
    assert parser.parse("3 - Defined") == parser.parse("3 - Defined") == Answer(Kind.SCORE, 3)
    with pytest.raises(AnswerError):
        parser.parse("often")
    with pytest.raises(AnswerError):
        parser.parse("often")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Don’t   Know ", "don't know"),
        ("3 – Defined", "3 - defined"),
        ("ＮＡ", "na"),
        ("Level\u00a03", "level 3"),
    ],
)
def test_normalise_folds_case_quotes_dashes_and_spaces(text: str, expected: str) -> None:
    """normalise folds case, curly quotes, dashes, full-width forms and runs of whitespace."""
    assert normalise(text) == expected


@given(
    value=st.integers(min_value=1, max_value=5),
    style=st.sampled_from(["{n}", "{n} - {name}", "Level {n}", "{n}. {name}", "{name}", "{n}.0"]),
    upper=st.booleans(),
    pad=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_any_label_style_reads_as_its_level(
    instrument: Instrument, value: int, style: str, upper: bool, pad: str
) -> None:
    """Any accepted label style, in any case and padding, reads as the level it names."""
    text = pad + style.format(n=value, name=LEVELS[value]) + pad
    text = text.upper() if upper else text
    assert AnswerParser(instrument).parse(text) == Answer(Kind.SCORE, value)


@given(st.integers().filter(lambda n: not 1 <= n <= 5))
def test_whole_numbers_outside_1_to_5_are_refused(instrument: Instrument, number: int) -> None:
    """Every whole number outside 1-5, as a number or as text, is out of range."""
    parser = AnswerParser(instrument)
    for raw in (number, str(number)):
        with pytest.raises(AnswerError, match="out of range"):
            parser.parse(raw)


@given(st.floats(min_value=0.5, max_value=5.5).filter(lambda x: not x.is_integer()))
def test_fractions_are_not_whole_levels(instrument: Instrument, number: float) -> None:
    """A fractional number is refused as 'not a whole level', whether a number or text."""
    parser = AnswerParser(instrument)
    for raw in (number, repr(number)):
        with pytest.raises(AnswerError, match="not a whole level"):
            parser.parse(raw)
