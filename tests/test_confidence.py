"""A decision with confidence (issue 14): the bootstrap's shares, tipping points, hold and reset,
critical dimensions tested one by one, and an operating model with one accountable per row."""

from __future__ import annotations

import csv
import itertools
import json
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pmo2vmo.analysis.plan import fixed_plan_problems, roadmap_files
from pmo2vmo.cli import main
from pmo2vmo.model.archetypes import RACI_COLUMNS, Responsibility, TransitionFile, leaves
from pmo2vmo.model.catalogue import Catalogue
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.resources import samples_dir

ROLES = ["Executive", "Business unit lead", "Project manager", "Delivery team member",
         "PMO analyst", "Finance partner"]  # fmt: skip
Answer = Callable[[int, str, str], object]  # (respondent, role, question id) -> answer


def _write(path: Path, instrument: Instrument, answer: Answer, people: int = 12) -> Path:
    """A tidy file of one organisation; every respondent's role cycles through :data:`ROLES`."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["organisation", "respondent", "role", "question", "answer"])
        for r in range(people):
            role = ROLES[r % len(ROLES)]
            for q in instrument.questions:
                writer.writerow(["Hand Built Ltd", f"r{r:02d}", role, q, answer(r, role, q)])
    return path


def _archetype(path: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["roadmap", str(path), "--json"])
    assert result.exit_code == 0, result.output
    org = json.loads(result.stdout)["organisations"][0]
    archetype: dict[str, object] = org["archetype"]
    archetype["items"] = org["items"]
    return archetype


INSTRUMENT = load_instrument()


@settings(max_examples=6, deadline=None)
@given(low=st.sampled_from([4, 5]), seed=st.integers(0, 10_000))
def test_far_from_every_threshold_the_confidence_is_one(
    tmp_path_factory: pytest.TempPathFactory, low: int, seed: int
) -> None:
    """Answers of 4 and 5 everywhere: every resample evolves, whatever the mix."""
    path = _write(
        tmp_path_factory.mktemp("far") / "far.csv",
        INSTRUMENT,
        lambda r, role, q: low if (r * 31 + zlib.crc32(q.encode()) + seed) % 3 else 5,
    )
    archetype = _archetype(path)
    assert archetype["id"] == "evolve"
    assert archetype["confidence"] == 1.0
    assert archetype["alternatives"] == {"evolve": 1.0}
    assert archetype["resamples"] == 500


def test_at_a_threshold_the_confidence_is_below_one(tmp_path: Path) -> None:
    """PMO baseline answered 2, 3 and 4 in equal parts (readiness exactly 50): some resamples
    fall under 50 and strengthen the PMO, some do not."""
    path = _write(
        tmp_path / "edge.csv",
        INSTRUMENT,
        lambda r, role, q: (2 + r % 3) if q.startswith("PB-") else 3,
    )
    archetype = _archetype(path)
    shares = archetype["alternatives"]
    assert isinstance(shares, dict)
    assert 0 < archetype["confidence"] < 1  # type: ignore[operator]
    assert set(shares) == {"integrated", "strengthen-pmo"}
    assert sum(shares.values()) == pytest.approx(1.0)
    again = _archetype(path)
    assert again["alternatives"] == shares  # seeded: the same input, the same shares


def test_disputed_sponsorship_and_low_consensus_hold_and_reset(tmp_path: Path) -> None:
    """Executives rate sponsorship 5, everyone else 1, and people disagree everywhere: the path
    is hold and reset, a plan of at most six items ending at the decision checkpoint."""

    def answer(r: int, role: str, q: str) -> int:
        if q.startswith("PB-SPO-"):
            return 5 if role in ("Executive", "Business unit lead") else 1
        return 1 if r % 2 else 5

    archetype = _archetype(_write(tmp_path / "hold.csv", INSTRUMENT, answer))
    assert archetype["id"] == "hold"
    items = [i["id"] for i in archetype["items"]]  # type: ignore[attr-defined, index]
    assert len(items) <= 6
    assert items[-1] == "path-decision-checkpoint"
    steps = archetype["items"]
    for before, after in itertools.pairwise(steps):  # type: ignore[arg-type]
        assert after["start_month"] >= before["start_month"] + before["duration"]  # one by one
    assert "secure-executive-sponsor" in items
    assert all(i["why"] in ("path", "prerequisite") for i in archetype["items"])  # type: ignore[attr-defined, index]
    reentry = archetype["reentry"]
    assert isinstance(reentry, list)
    assert [r["met"] for r in reentry] == [False, False, False]  # none of the criteria met yet
    assert reentry[0]["text"] == "executive sponsorship score 2.33 < 2.5"


def test_tipping_points_of_the_samples_are_the_distances_to_their_thresholds() -> None:
    """Harbor Mutual tips to strengthen the PMO if its PMO baseline readiness falls to under 50;
    every tipping point's change is its threshold minus its current figure."""
    sample = samples_dir()
    report = roadmap_files([sample / "harbor-mutual.csv"], profile=sample / "harbor-mutual.yaml")
    confidence = report.organisations[0].decision.confidence
    assert confidence is not None
    assert confidence.confidence == 1.0
    points = {(t.metric, t.path): t for t in confidence.tipping_points}
    pb = points[("readiness.pmo_baseline", "strengthen-pmo")]
    assert pb.threshold == 50
    assert pb.change == pytest.approx(50 - pb.current)
    assert pb.text.startswith("tips to Strengthen the PMO first if PMO baseline readiness falls")
    for t in confidence.tipping_points:
        assert t.change == pytest.approx(t.threshold - t.current) or abs(t.change) <= 0.05
    gated = [t for t in confidence.tipping_points if t.gates_fired or t.gates_silenced]
    assert any(t.metric == "perception_gap.PF-PRI" for t in gated)  # the disputed gate


def test_a_weak_critical_dimension_blocks_evolve(tmp_path: Path) -> None:
    """Every pillar high enough to evolve, but benefits realisation at level 2: integrated, and
    the reason names the critical dimension."""
    weak = {q for q in INSTRUMENT.questions if q.startswith("MR-BEN-")}
    path = _write(tmp_path / "weak.csv", INSTRUMENT, lambda r, role, q: 2 if q in weak else 4)
    archetype = _archetype(path)
    assert archetype["id"] == "integrated"
    result = CliRunner().invoke(main, ["roadmap", str(path), "--json"])
    evolve = next(r for r in json.loads(result.stdout)["organisations"][0]["rules"]
                  if r["archetype"] == "evolve")  # fmt: skip
    failed = [c["text"] for c in evolve["conditions"] if not c["met"]]
    assert failed == ["benefits realisation level 2 < 3"]


def test_every_critical_dimension_is_watched_for_perception_gaps(spec: TransitionFile) -> None:
    """Each critical dimension has a perception-gap condition in some gate, and the rules test
    critical dimensions one by one (not only pillar averages)."""
    gated = {c.metric for g in spec.gates for c in leaves(g.conditions)}
    assert set(spec.critical_dimensions) == {"PB-SPO", "VC-OBJ", "VC-CHG", "PF-PRI", "MR-BEN"}
    for dim in spec.critical_dimensions:
        assert f"perception_gap.{dim}" in gated, dim
    tested = {c.metric.split(".")[1] for r in spec.rules for c in leaves(r.conditions)
              if c.metric.startswith("dimension.")}  # fmt: skip
    assert set(spec.critical_dimensions) <= tested


def test_the_hold_plan_is_short_and_known(spec: TransitionFile, catalogue: Catalogue) -> None:
    """Hold's fixed plan names known hold initiatives, at most six with their prerequisites,
    and ends at a checkpoint; its re-entry criteria are conditions on known figures."""
    hold = spec.archetype("hold")
    needed: set[str] = set()
    stack = list(hold.plan)
    while stack:
        ini = catalogue.by_id[stack.pop()]
        assert "hold" in ini.archetypes, ini.id
        needed.add(ini.id)
        stack.extend(p for p in ini.prerequisites if p not in needed)
    assert len(needed) <= 6
    assert hold.plan[-1] == "path-decision-checkpoint"
    assert hold.reentry


def test_operating_models_have_one_accountable_per_row(spec: TransitionFile) -> None:
    """Every row of every archetype has exactly one A; benefit rows make the business (benefit
    owners) accountable, never the VMO."""
    assert list(RACI_COLUMNS.values()) == ["Business", "Finance", "Executive committee", "PMO",
                                           "VMO"]  # fmt: skip
    for archetype in spec.archetypes:
        for row in archetype.operating_model:
            assert row.letters().count("A") == 1, (archetype.id, row.function)
            if "benefit" in row.function.lower():
                assert row.raci.get("business") == "A", (archetype.id, row.function)


@pytest.mark.parametrize(
    "raci",
    [{"pmo": "A", "vmo": "A"}, {"pmo": "R", "business": "C"}, {"pmo": "X"}, {"cfo": "A"}],
)
def test_a_bad_raci_row_is_refused(raci: dict[str, str]) -> None:
    """Two accountables, none, a letter that is not R/A/C/I, or an unknown column: refused."""
    with pytest.raises(ValidationError):
        Responsibility.model_validate({"function": "Benefits", "raci": raci})


def test_roadmap_json_carries_confidence_and_raci() -> None:
    """``roadmap --json``: archetype gains confidence, resamples, alternatives, tipping points;
    the operating model is one RACI letter per column."""
    sample = samples_dir()
    result = CliRunner().invoke(
        main, ["roadmap", str(sample / "lumen-digital.csv"), "--profile",
               str(sample / "lumen-digital.yaml"), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    archetype = json.loads(result.stdout)["organisations"][0]["archetype"]
    assert {"confidence", "resamples", "alternatives", "tipping_points"} <= set(archetype)
    assert archetype["resamples"] >= 500
    point = archetype["tipping_points"][0]
    assert {"metric", "current", "threshold", "path"} <= set(point)
    row = archetype["operating_model"][0]
    assert set(row["raci"]) == set(RACI_COLUMNS)
    assert set(row["raci"].values()) <= {"R", "A", "C", "I", ""}


def test_a_fixed_plan_is_checked_when_loaded(spec: TransitionFile, catalogue: Catalogue) -> None:
    """An unknown step, a step not suited to the path, or more than six steps with their
    prerequisites is refused naming transition.yaml and the path."""
    assert fixed_plan_problems(spec, catalogue) == []
    hold = spec.archetype("hold")
    gap_only = next(i.id for i in catalogue.initiatives if "hold" not in i.archetypes)
    bad = hold.model_copy(update={"plan": ["no-such-step", gap_only]})
    other = spec.model_copy(update={"archetypes": [bad]})
    problems = fixed_plan_problems(other, catalogue)
    assert "transition.yaml: archetypes[hold].plan: unknown initiative 'no-such-step'" in problems
    assert f"transition.yaml: archetypes[hold].plan: {gap_only} is not suited to hold" in problems
    with_prerequisites = [i.id for i in catalogue.initiatives if i.prerequisites][:6]
    assert len(with_prerequisites) == 6  # six steps that each bring at least one more along
    too_long = spec.model_copy(
        update={"archetypes": [hold.model_copy(update={"plan": with_prerequisites})]}
    )
    assert any(p.endswith("steps with their prerequisites, at most 6")
               for p in fixed_plan_problems(too_long, catalogue))  # fmt: skip
