"""One meaning per number: the same target, target source and gap for every dimension in
`score --json`, `roadmap --json`, the scores workbook and the report's data, for the same input."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pmo2vmo import api
from pmo2vmo.cli import main
from pmo2vmo.model.job import Job
from pmo2vmo.render import report
from pmo2vmo.render.deck import build_deck
from pmo2vmo.render.workbook import write_scores_workbook

SAMPLES = api.sample_files()


def _rows(dims: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(d["id"], d["target"], d["target_source"], d["gap"]) for d in dims]


@pytest.mark.parametrize(("responses", "profile"), SAMPLES, ids=[s[0].stem for s in SAMPLES])
def test_score_roadmap_and_workbook_agree_on_targets(
    responses: Path, profile: Path, tmp_path: Path
) -> None:
    """score --json, roadmap --json (dimensions and targets) and the scores workbook carry the
    same target, source and gap per dimension — the path's defaults included."""
    runner = CliRunner()
    scored = json.loads(runner.invoke(main, ["score", str(responses), "--profile", str(profile),
                                             "--json"]).output)  # fmt: skip
    planned = json.loads(runner.invoke(main, ["roadmap", str(responses), "--profile",
                                              str(profile), "--json"]).output)  # fmt: skip
    (s_org,), (r_org,) = scored["organisations"], planned["organisations"]
    expected = _rows(s_org["dimensions"])
    assert _rows(r_org["dimensions"]) == expected
    assert _rows(r_org["targets"]) == expected
    assert "archetype" in {row[2] for row in expected}  # the path's default is used, not skipped
    book = write_scores_workbook([api.score_files([responses], profile=profile)],
                                 tmp_path / "scores.xlsx")  # fmt: skip
    sheet = openpyxl.load_workbook(book, data_only=False)["Dimensions"]
    header = [c.value for c in sheet[1]]
    at = {name: header.index(name) for name in ("Dimension", "Target", "Target source", "Gap")}
    cells = {r[at["Dimension"]].value: r for r in sheet.iter_rows(min_row=2)}
    for dim_id, target, source, gap in expected:
        row = cells[dim_id]
        assert row[at["Target"]].value == target
        assert row[at["Target source"]].value == source
        if gap is not None and not str(row[at["Gap"]].value).startswith("="):
            assert row[at["Gap"]].value == pytest.approx(gap)


@pytest.mark.parametrize(("responses", "profile"), SAMPLES, ids=[s[0].stem for s in SAMPLES])
def test_plan_decision_and_scores_agree(responses: Path, profile: Path) -> None:
    """The decision's targets (what the roadmap and reports use) are the scores' targets."""
    report = api.roadmap_files([responses], profile=profile)
    for org_plan in report.organisations:
        for dim in org_plan.scores.dimensions:
            assert (dim.target, dim.target_source) == org_plan.decision.targets[dim.id]


@pytest.mark.parametrize(("responses", "profile"), SAMPLES, ids=[s[0].stem for s in SAMPLES])
def test_html_and_deck_give_one_coverage(responses: Path, profile: Path) -> None:
    """The report's method appendix and the deck's give the same coverage of expected answers
    (they disagreed: a mean of dimension coverages against answered ÷ expected)."""
    rep = report.prepare(Job(responses=str(responses), profile=str(profile),
                             generated="2027-01-04"))  # fmt: skip
    (table,) = [b for b in rep.section("appendix").blocks if isinstance(b, report.Table)]
    shown = dict((str(k), v) for k, v in table.rows)["Coverage of expected answers"]
    assert shown == f"{rep.plan.scores.coverage:.0%}"
    deck = build_deck(rep.plan, rep.brand, rep.meta)
    texts = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes
             if shape.has_text_frame]  # fmt: skip
    assert any(f"Coverage: {shown} of expected answers" in text for text in texts)
