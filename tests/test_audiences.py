"""Questions routed to who can see the practice: audiences as data, roles mapped to them, the
template per audience, audiences in ``instrument --json``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pmo2vmo.cli import main
from pmo2vmo.model.audiences import default_audiences
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile


def test_every_question_names_known_audiences(instrument: Instrument) -> None:
    """At least four audiences are registered; every question names one or more of them."""
    known = set(instrument.audience_ids)
    assert len(known) >= 4
    for ref in instrument.iter_questions():
        assert ref.question.audiences, ref.question.id
        assert set(ref.question.audiences) <= known, ref.question.id


def test_routing_is_selective_and_serves_every_audience(instrument: Instrument) -> None:
    """At most half the questions go to every audience, and every audience is asked enough to
    make a questionnaire of its own (a quarter of the questions or more)."""
    refs = list(instrument.iter_questions())
    everyone = [r for r in refs if set(r.question.audiences) == set(instrument.audience_ids)]
    assert len(everyone) <= len(refs) / 2
    counts = Counter(a for r in refs for a in r.question.audiences)
    for audience in instrument.audience_ids:
        assert counts[audience] >= len(refs) / 4, (audience, counts[audience])


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("Chief Financial Officer", ("finance",)),
        ("Finance business partner", ("finance",)),
        ("CEO", ("executive",)),
        ("Executive sponsor", ("executive",)),
        ("PMO analyst", ("pmo",)),
        ("Portfolio manager", ("pmo",)),
        ("Project manager", ("delivery",)),
        ("Scrum Master", ("delivery",)),
        ("Product owner", ("business",)),
        ("Head of Claims", ("business",)),
    ],
)
def test_default_table_maps_common_roles(
    instrument: Instrument, role: str, expected: tuple[str, ...]
) -> None:
    """Without a profile mapping, common role words map to their audience (first rule wins)."""
    assert default_audiences(role, instrument.meta.role_audiences) == expected
    assert instrument.audiences_for(role, Profile()) == frozenset(expected)


def test_unknown_or_missing_role_sees_every_question(instrument: Instrument) -> None:
    """A role nobody maps, or no role at all, is asked every question."""
    for role in ("Gardener", "", None):
        assert instrument.audiences_for(role, Profile()) is None
    assert instrument.routed(None) == list(instrument.questions)


def test_profile_mapping_beats_band_beats_default(instrument: Instrument) -> None:
    """The profile maps a raw role first, then its role band; the default table comes last."""
    profile = Profile(
        role_bands={"Leadership": ["CFO", "COO"]},
        audiences={"Leadership": ["executive", "business"], "coo": ["pmo"]},
    )
    assert instrument.audiences_for("CFO", profile) == {"executive", "business"}
    assert instrument.audiences_for("COO", profile) == {"pmo"}  # the raw role, any case
    assert instrument.audiences_for("Project manager", profile) == {"delivery"}
    routed = instrument.routed(["finance"])
    assert routed
    assert all("finance" in instrument.questions[q].question.audiences for q in routed)


def test_profile_naming_an_unknown_audience_is_a_problem(instrument: Instrument) -> None:
    """A profile mapping a role to an audience the instrument lacks is reported by name."""
    problems = instrument.problems_of(Profile(audiences={"Leadership": ["board"]}))
    assert any("audiences: 'Leadership': unknown audience 'board'" in p for p in problems)


def _header_ids(path: Path) -> list[str]:
    """The question ids of a template's Responses header."""
    ws = openpyxl.load_workbook(path)["Responses"]
    return [str(c.value)[1:].split("]")[0] for c in ws[1] if str(c.value).startswith("[")]


def test_template_per_audience_holds_only_its_questions(
    instrument: Instrument, tmp_path: Path
) -> None:
    """template --audience A writes only A's questions; without it, every question, and the
    Questions sheet says whom each is asked of."""
    runner = CliRunner()
    result = runner.invoke(main, ["template", "--out", str(tmp_path / "f.xlsx"),
                                  "--audience", "finance"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _header_ids(tmp_path / "f.xlsx") == instrument.routed(["finance"])
    assert len(instrument.routed(["finance"])) < len(instrument.questions)
    result = runner.invoke(main, ["template", "--out", str(tmp_path / "all.xlsx")])
    assert result.exit_code == 0, result.output
    assert _header_ids(tmp_path / "all.xlsx") == list(instrument.questions)
    questions = openpyxl.load_workbook(tmp_path / "all.xlsx")["Questions"]
    header = [c.value for c in questions[1]]
    asked = {row[0]: row[header.index("Asked of")] for row in
             questions.iter_rows(min_row=2, values_only=True)}  # fmt: skip
    names = {a.id: a.name for a in instrument.meta.audiences}
    for qid, ref in instrument.questions.items():
        assert asked[qid] == ", ".join(names[a] for a in ref.question.audiences)


def test_template_for_an_unknown_audience_exits_2(tmp_path: Path) -> None:
    """An unknown --audience is refused with the known ones listed; nothing is written."""
    result = CliRunner().invoke(main, ["template", "--out", str(tmp_path / "x.xlsx"),
                                       "--audience", "board"])  # fmt: skip
    assert result.exit_code == 2
    assert "unknown audience 'board'" in result.output
    assert "executive" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_instrument_json_carries_audiences(instrument: Instrument) -> None:
    """instrument --json lists the audiences and, per question, those it is routed to."""
    data = json.loads(CliRunner().invoke(main, ["instrument", "--json"]).output)
    assert [a["id"] for a in data["audiences"]] == instrument.audience_ids
    questions = {q["id"]: q for p in data["pillars"] for d in p["dimensions"]
                 for q in d["questions"]}  # fmt: skip
    for qid, ref in instrument.questions.items():
        assert questions[qid]["audiences"] == list(ref.question.audiences)


def _one_org(path: Path, rows: list[tuple[str, str, str, object]]) -> Path:
    """A tidy file: (respondent, role, question, answer) rows of one organisation."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["respondent", "role", "question", "answer"])
        writer.writerows(rows)
    return path


def test_coverage_counts_only_the_respondents_a_question_is_asked_of(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A question routed to delivery teams only: an executive's Don't know on it is not a gap in
    coverage, a delivery answer covers it fully, and an executive's score on it is still scored."""
    from pmo2vmo.analysis.scoring import score
    from pmo2vmo.ingest.responses import load_responses

    delivery_only = next(q for q, r in instrument.questions.items()
                         if "delivery" in r.question.audiences
                         and "executive" not in r.question.audiences)  # fmt: skip
    executive_only = next(q for q, r in instrument.questions.items()
                          if "executive" in r.question.audiences
                          and "delivery" not in r.question.audiences)  # fmt: skip
    rows = [
        ("E1", "Executive", delivery_only, "Don't know"),
        ("D1", "Project manager", delivery_only, "3"),
        ("E1", "Executive", executive_only, "4"),
        ("D1", "Project manager", executive_only, "2"),  # not asked of delivery: still scored
    ]
    rs = load_responses([_one_org(tmp_path / "r.csv", rows)], instrument)
    org = score(rs, instrument).organisations[0]
    items = {i.id: i for i in org.items}
    first, second = items[delivery_only], items[executive_only]
    assert (first.asked, first.answered, first.dont_know, first.coverage) == (1, 1, 0, 1.0)
    assert (second.asked, second.answered, second.coverage, second.score) == (1, 2, 1.0, 3.0)
    asked = len(instrument.routed(["executive"])) + len(instrument.routed(["delivery"]))
    assert org.coverage == round(2 / asked, 4)  # one routed answer each, never above 1
    dims = {d.id: d for d in org.dimensions}
    assert dims[instrument.questions[delivery_only].dimension.id].coverage is not None


def test_a_partial_response_is_judged_against_the_questions_asked(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A finance partner who answers every finance question is complete, however few the
    questions; answers to other questions never make a response look complete."""
    from pmo2vmo.ingest.responses import load_responses

    finance = instrument.routed(["finance"])
    others = [q for q in instrument.questions if q not in finance]
    complete = [("F1", "Finance partner", q, str(1 + i % 5)) for i, q in enumerate(finance)]
    partial = [("F2", "Finance partner", q, str(1 + i % 5))
               for i, q in enumerate([*finance[:5], *others])]  # fmt: skip
    rs = load_responses([_one_org(tmp_path / "f.csv", complete + partial)], instrument)
    text = " ".join(w.message for w in rs.warnings)
    assert f"'F2' (row {len(complete) + 2}: 5 of {len(finance)})" in text
    assert "partial response): 'F2'" in text
    assert "'F1' (row" not in text
