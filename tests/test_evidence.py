"""No recommendation without evidence: below the evidence `assessment/transition.yaml` asks for,
an organisation gets status ``insufficient_evidence``, no archetype and no roadmap, and every
report still renders, saying what evidence is missing."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from pptx import Presentation

from builders import make_org, uniform
from pmo2vmo.analysis.transition import INSUFFICIENT, RECOMMENDED, decide
from pmo2vmo.cli import main
from pmo2vmo.model.archetypes import TransitionFile
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.model.job import Job
from pmo2vmo.model.profile import Profile
from pmo2vmo.render.deck import write_deck
from pmo2vmo.render.html import notebook_to_html
from pmo2vmo.render.report import Report, prepare
from pmo2vmo.render.report_workbook import write_report_workbook

Answer = Callable[[int, str], object]  # (respondent, question id) -> answer, or None for blank


def _file(path: Path, instrument: Instrument, answer: Answer, people: int = 6) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["organisation", "respondent", "role", "unit", "question", "answer"])
        for r in range(people):
            for q in instrument.questions:
                value = answer(r, q)
                if value is not None:
                    writer.writerow(["Thin Evidence Ltd", f"r{r}", "Executive", "Board", q, value])
    return path


def _roadmap_json(path: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["roadmap", str(path), "--json"])
    assert result.exit_code == 0, result.output
    org: dict[str, object] = json.loads(result.output)["organisations"][0]
    return org


def test_all_answers_not_applicable_recommends_nothing(tmp_path: Path) -> None:
    """Every answer N/A: status insufficient_evidence, archetype null, no items, exit code 0."""
    instrument = load_instrument()
    org = _roadmap_json(_file(tmp_path / "na.csv", instrument, lambda r, q: "N/A"))
    assert org["status"] == INSUFFICIENT
    assert org["archetype"] is None
    assert org["items"] == []
    evidence = org["evidence"]
    assert isinstance(evidence, dict)
    assert evidence["coverage"] is None
    missing = evidence["missing"]
    assert missing[0] == "no question has an answer on the 1–5 scale (every answer is N/A)"
    assert [m.split(" (")[0] for m in missing[1:]] == [p.name for p in instrument.pillars]
    assert all(g["judged"] is False and g["fired"] is False for g in org["gates"])  # type: ignore[attr-defined]


def test_low_coverage_recommends_nothing_even_with_every_pillar_scored(tmp_path: Path) -> None:
    """Each pillar has scored dimensions but most answers are Don't know: coverage under 50 %."""
    instrument = load_instrument()
    firsts = {d.questions[0].id for d in instrument.dimensions}
    org = _roadmap_json(
        _file(tmp_path / "dk.csv", instrument, lambda r, q: 3 if q in firsts else "Don't know")
    )
    assert org["status"] == INSUFFICIENT
    assert org["archetype"] is None
    assert org["items"] == []
    asked = instrument.routed(["executive"])  # every respondent is an Executive
    coverage = len(firsts & set(asked)) / len(asked)  # the firsts asked of them, of all asked
    assert org["evidence"] == {  # type: ignore[comparison-overlap]
        "coverage": round(coverage, 4),
        "missing": [
            "answers cover 31 % of the expected answers, under the 50 % a recommendation needs"
        ],
    }


def test_enough_evidence_is_recommended(tmp_path: Path) -> None:
    """Everyone answers half the questions or more: a path and a roadmap, status recommended."""
    instrument = load_instrument()
    qids = list(instrument.questions)
    half = set(qids[::2])  # every other question: every dimension keeps an answered question
    org = _roadmap_json(
        _file(tmp_path / "half.csv", instrument, lambda r, q: 2 if q in half else None)
    )
    assert org["status"] == RECOMMENDED
    assert org["archetype"] is not None
    assert org["items"]


def test_the_evidence_needed_is_data(instrument: Instrument, spec: TransitionFile) -> None:
    """min_coverage and min_scored_dimensions come from transition.yaml, each checked."""
    org = make_org(instrument, uniform(instrument, 3.0))
    assert decide(org, spec, instrument, Profile()).status is RECOMMENDED
    half = dataclasses.replace(org, coverage=0.5)
    decision = decide(half, spec, instrument, Profile())
    assert (decision.status, decision.coverage) == (RECOMMENDED, 0.5)  # 50 % is enough
    stricter = spec.model_copy(
        update={"evidence": spec.evidence.model_copy(update={"min_coverage": 0.6})}
    )
    decision = decide(half, stricter, instrument, Profile())
    assert decision.status is INSUFFICIENT
    assert decision.archetype is None
    assert decision.missing == [
        "answers cover 50 % of the expected answers, under the 60 % a recommendation needs"
    ]
    blank = dataclasses.replace(org, dimensions=[
        dataclasses.replace(d, score=None) if d.pillar == "MR" else d for d in org.dimensions
    ])  # fmt: skip
    decision = decide(blank, spec, instrument, Profile())
    assert decision.missing == ["Metrics readiness (MR) has 0 scored dimensions, 1 needed"]
    lenient = spec.model_copy(
        update={"evidence": spec.evidence.model_copy(update={"min_scored_dimensions": 0})}
    )
    assert decide(blank, lenient, instrument, Profile()).status is RECOMMENDED


def test_a_coverage_just_under_the_bar_never_reads_as_the_bar(
    instrument: Instrument, spec: TransitionFile
) -> None:
    """49.96 % is quoted with enough decimals not to read "50 % is under 50 %"."""
    org = make_org(instrument, uniform(instrument, 3.0))
    decision = decide(dataclasses.replace(org, coverage=0.4996), spec, instrument, Profile())
    assert decision.missing == [
        "answers cover 49.96 % of the expected answers, under the 50 % a recommendation needs"
    ]


@pytest.fixture(scope="module")
def thin_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    """The client report of an organisation whose answers are N/A or Don't know."""
    folder = tmp_path_factory.mktemp("thin")
    instrument = load_instrument()
    path = _file(folder / "na.csv", instrument, lambda r, q: "N/A" if r else "Don't know")
    return prepare(Job(responses=str(path), generated="2027-01-04")), folder


def test_every_report_says_what_evidence_is_missing(thin_report: tuple[Report, Path]) -> None:
    """HTML, workbook and deck render with the data-quality section and the missing evidence."""
    report, folder = thin_report
    missing = report.plan.decision.missing
    assert missing
    assert report.plan.roadmap.items == []
    html = notebook_to_html(report.to_notebook())
    assert "No path is recommended" in html
    assert "Method and data quality" in html  # the appendix is there, with its counts
    for sentence in missing:
        assert sentence.replace("'", "&#39;") in html or sentence in html
    workbook = openpyxl.load_workbook(write_report_workbook(report.plan, report.meta,
                                                            folder / "w.xlsx"))  # fmt: skip
    summary = [row for row in workbook["Summary"].iter_rows(values_only=True)]
    assert ("Recommended path", "No path recommended: too little evidence") in [
        r[:2] for r in summary
    ]
    assert {r[1] for r in summary if r[0] == "Evidence missing"} == set(missing)
    deck = Presentation(write_deck(report.plan, report.brand, report.meta, folder / "d.pptx"))
    text = "\n".join(
        shape.text_frame.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_text_frame
    )
    assert "No path recommended: too little evidence" in text
    assert all(sentence in text for sentence in missing)
