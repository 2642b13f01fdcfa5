"""Question ids recognised in the forms survey tools turn them into (issue 19 §4): Qualtrics'
underscores, LimeSurvey's letters-and-digits codes and ``CODE[SUBCODE]``, any case, inside longer
header text — and a header naming two ids refused."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pmo2vmo.ingest.ids import IdMatcher, compact
from pmo2vmo.ingest.responses import inspect_file
from pmo2vmo.model.instrument import Instrument


@pytest.fixture
def matcher(instrument: Instrument) -> IdMatcher:
    return IdMatcher(instrument.questions)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("PB-GOV-01", ["PB-GOV-01"]),
        ("PB_GOV_01", ["PB-GOV-01"]),
        ("pb_gov_01", ["PB-GOV-01"]),
        ("PBGOV01", ["PB-GOV-01"]),
        ("pbgov01", ["PB-GOV-01"]),
        ("[PB-GOV-01] The PMO's objectives are written down", ["PB-GOV-01"]),
        ("PBGOV01. The PMO's objectives are written down", ["PB-GOV-01"]),
        ("PB_GOV_01_TEXT", ["PB-GOV-01"]),
        ("PBGOV01[comment]", ["PB-GOV-01"]),
        ("PBGOV[01]", ["PB-GOV-01"]),
        ("Q3 - PB_GOV_01 - Governance", ["PB-GOV-01"]),
        ("Survey2024", []),
        ("ABCDEF01", []),  # compact, but no question of the instrument
        ("XX-YYY-01", ["XX-YYY-01"]),  # separated: an id, reported as unknown by the readers
        ("PBGOV011", []),
    ],
)
def test_forms_of_an_id(matcher: IdMatcher, header: str, expected: list[str]) -> None:
    """Each form a survey tool gives an id reads as the id; look-alikes that spell none do not."""
    assert matcher.tokens(header) == expected


def test_compact_is_letters_and_digits() -> None:
    """The compact form of an id is what LimeSurvey allows as a question code."""
    assert compact("pb-gov-01") == "PBGOV01"


def test_without_ids_leaves_the_companion(matcher: IdMatcher) -> None:
    """Taking the id out of a comment column's header leaves what marks it a comment."""
    assert matcher.without_ids("PBGOV01[comment]") == "[comment]"
    assert matcher.without_ids("PB_GOV_01_TEXT") == "_TEXT"


def test_a_text_is_searched_once_per_matcher(
    matcher: IdMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text met again (a tidy file's question on every row) gets the same ids without being
    searched again; a new text is searched."""
    searched: list[str] = []
    search = matcher._find
    monkeypatch.setattr(matcher, "_find", lambda text: searched.append(text) or search(text))
    first = matcher.find("[PB-GOV-01] The PMO's objectives")
    assert [f.token for f in first] == ["PB-GOV-01"]
    assert matcher.find("[PB-GOV-01] The PMO's objectives") == first
    assert matcher.tokens("PBGOV02") == ["PB-GOV-02"]
    assert searched == ["[PB-GOV-01] The PMO's objectives", "PBGOV02"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_mangled_headers_read_as_the_ids(tmp_path: Path, instrument: Instrument) -> None:
    """A wide export whose headers carry ids in three tools' forms is read as those questions."""
    path = _write(
        tmp_path / "export.csv",
        [
            ["ResponseId", "PB_GOV_01", "pbgov02", "VCOBJ01. What value is wanted", "VCOBJ01[comment]"],
            ["R1", "3", "4", "2", "we guess"],
        ],
    )  # fmt: skip
    rs, problems = inspect_file(path, instrument)
    assert rs is not None, [p.message for p in problems]
    got = dict(zip(rs.answers["question"], rs.answers["value"], strict=True))
    assert got == {"PB-GOV-01": 3.0, "PB-GOV-02": 4.0, "VC-OBJ-01": 2.0}
    assert rs.answers.set_index("question").loc["VC-OBJ-01", "comment"] == "we guess"


def test_header_naming_two_ids_is_refused(tmp_path: Path, instrument: Instrument) -> None:
    """A header that names two questions is an error naming the column and both ids."""
    path = _write(
        tmp_path / "export.csv",
        [["ResponseId", "PB-GOV-01 (see also PBGOV02)", "PB-GOV-03"], ["R1", "3", "4"]],
    )
    rs, problems = inspect_file(path, instrument)
    assert rs is None
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1
    assert errors[0].column == "B"
    assert "PB-GOV-01, PB-GOV-02" in errors[0].message
