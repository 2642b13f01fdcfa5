"""Instrument 1.x ids read through ``assessment/mappings/1-to-2.yaml``: every entry resolves,
response files and profiles keyed by 1.x ids are read with a warning, ids removed are reported and
not scored, and a ``--previous`` scored with 1.x compares the dimensions that survive."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pydantic import ValidationError

from pmo2vmo.analysis.scoring import score
from pmo2vmo.cli import main
from pmo2vmo.ingest.responses import load_responses
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.model.mapping import Entry, Fate, IdMapping
from pmo2vmo.model.profile import Profile, Weights
from pmo2vmo.resources import assessment_dir, samples_dir

V1 = Path(__file__).parent / "corpus" / "v1"


def _v1_ids() -> tuple[set[str], set[str]]:
    """The 1.1.0 question and dimension ids, from a score output made with 1.1.0."""
    data = json.loads((V1 / "score-harbor-mutual-1.1.json").read_text(encoding="utf-8"))
    assert data["instrument"]["version"] == "1.1.0"
    org = data["organisations"][0]
    return {i["id"] for i in org["items"]}, {d["id"] for d in org["dimensions"]}


def test_every_v1_id_is_mapped_and_every_target_resolves(instrument: Instrument) -> None:
    """The mapping lists exactly the 81 question and 25 dimension ids of 1.1.0, and every id it
    maps to is a question (or dimension) of 2.0.0."""
    (mapping,) = instrument.mappings
    questions, dimensions = _v1_ids()
    assert (len(questions), len(dimensions)) == (81, 25)
    assert set(mapping.questions) == questions
    assert set(mapping.dimensions) == dimensions
    assert mapping.to_version == instrument.version == "2.0.0"
    for old, entry in mapping.questions.items():
        for new in entry.successors(old):
            assert new in instrument.questions, (old, new)
        if entry.status is Fate.SAME:
            assert old in instrument.questions, old
        else:
            assert old not in instrument.questions or entry.status is Fate.SPLIT, old
    for old in mapping.dimensions:
        assert mapping.dimension(old) in instrument.dimension_index, old
    # Every 2.0.0 question is either kept from 1.x or new; none is both retired and reused.
    retired = {q for q, e in mapping.questions.items() if e.target(q) != q}
    assert not retired & set(instrument.questions) - {
        q for q, e in mapping.questions.items() if e.status is Fate.SPLIT
    }


def test_mapping_entries_say_where_each_id_went() -> None:
    """A renamed id needs ``to``, a merged one ``into`` one id, a split ``into`` several; the
    kept and removed ones take neither."""
    assert Entry(status=Fate.RENAMED, to="PF-FUN-01").target("PF-GOV-04") == "PF-FUN-01"
    assert Entry(status=Fate.SPLIT, into=["A-B-01", "A-B-02"]).target("X") == "A-B-01"
    assert Entry(status=Fate.REMOVED).target("X") is None
    for bad in (
        {"status": "renamed"},
        {"status": "merged", "into": ["A-B-01", "A-B-02"]},
        {"status": "split", "into": "A-B-01"},
        {"status": "same", "to": "A-B-01"},
        {"status": "removed", "into": "A-B-01"},
    ):
        with pytest.raises(ValidationError):
            Entry.model_validate(bad)


def test_a_mapping_to_an_unknown_id_is_refused(tmp_path: Path) -> None:
    """Load time names the mapping file, the old id and the target the instrument lacks."""
    data = yaml.safe_load((assessment_dir() / "mappings" / "1-to-2.yaml").read_text("utf-8"))
    data["questions"]["PB-RES-03"] = {"status": "merged", "into": "PF-CAP-99"}
    mapping = IdMapping.model_validate(data)
    problems = mapping.problems({"PF-CAP-01"}, set(), "1-to-2.yaml")
    assert "1-to-2.yaml: questions.PB-RES-03: 'PF-CAP-99' is not an id of the instrument" in (
        problems
    )


def _v1_file(path: Path, columns: dict[str, str]) -> Path:
    """A wide file of one respondent answering the given 1.x (or 2.0) question ids."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Respondent ID", "Role", *columns])
        writer.writerow(["R01", "Portfolio manager", *columns.values()])
    return path


def test_a_v1_file_is_read_through_the_mapping_with_a_warning(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A renamed id counts for its new id, a merged one for the question it merged into unless
    the file answers that question itself, a split one for its first successor; the warning
    says each."""
    path = _v1_file(
        tmp_path / "v1.csv",
        {"PB-GOV-01": "3", "PF-GOV-04": "4", "PB-RES-03": "2", "PF-CAP-01": "5",
         "PF-VST-03": "1", "MR-TRN-03": "2"},
    )  # fmt: skip
    rs = load_responses([path], instrument)
    answers = dict(zip(rs.answers["question"], rs.answers["value"], strict=True))
    assert answers == {"PB-GOV-01": 3, "PF-FUN-01": 4, "PF-CAP-01": 5, "PF-SUP-01": 1,
                       "MR-BEN-05": 2}  # fmt: skip
    (warning,) = [w.message for w in rs.warnings if "1.x" in w.message]
    assert "read through assessment/mappings/1-to-2.yaml" in warning
    assert "PF-GOV-04 → PF-FUN-01 (renamed)" in warning
    assert "PF-VST-03 → PF-SUP-01 (split)" in warning
    assert "MR-TRN-03 → MR-BEN-05 (merged)" in warning
    assert "not read because the file answers the new id itself: PB-RES-03 (→ PF-CAP-01)" in (
        warning
    )


def test_a_merged_id_alone_counts_for_the_question_it_merged_into(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Without the new id in the file, the old merged id's answer is the new question's."""
    rs = load_responses([_v1_file(tmp_path / "v1.csv", {"PB-RES-03": "2"})], instrument)
    assert list(rs.answers["question"]) == ["PF-CAP-01"]


def test_a_removed_id_is_reported_and_not_scored(tmp_path: Path, instrument: Instrument) -> None:
    """An id the mapping marks removed is named in the warning and never scored or an error."""
    data = yaml.safe_load((assessment_dir() / "mappings" / "1-to-2.yaml").read_text("utf-8"))
    data["questions"]["MR-TRN-03"] = {"status": "removed"}
    folder = tmp_path / "assessment"
    shutil.copytree(assessment_dir(), folder, ignore=shutil.ignore_patterns("samples"))
    (folder / "mappings" / "1-to-2.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    edited = load_instrument(folder)
    path = _v1_file(tmp_path / "v1.csv", {"PB-GOV-01": "3", "MR-TRN-03": "2"})
    rs = load_responses([path], edited)
    assert list(rs.answers["question"]) == ["PB-GOV-01"]
    (warning,) = [w.message for w in rs.warnings if "1.x" in w.message]
    assert "removed in 2.0.0 and not scored: MR-TRN-03" in warning


def test_a_tidy_v1_file_keeps_the_first_of_two_answers_merged_into_one(
    tmp_path: Path, instrument: Instrument
) -> None:
    """In the long form, an answer under a merged id and one under its new id are not "answered
    twice": the first is kept and the other reported."""
    path = tmp_path / "tidy.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["respondent", "role", "question", "answer"])
        writer.writerow(["R01", "Executive", "VC-OBJ-01", "3"])
        writer.writerow(["R01", "Executive", "VC-OBJ-03", "5"])
    rs = load_responses([path], instrument)
    assert dict(zip(rs.answers["question"], rs.answers["value"], strict=True)) == {"VC-OBJ-01": 3}
    assert any("VC-OBJ-03 (→ VC-OBJ-01)" in w.message for w in rs.warnings)


def test_the_bundled_v1_samples_still_score(instrument: Instrument) -> None:
    """Harbor Mutual's and Lumen Digital's 1.1.0 files (wide and tidy) load and score under 2.0."""
    for name in ("harbor-mutual-1.1.csv", "lumen-digital-1.1.csv"):
        rs = load_responses([V1 / name], instrument)
        assert any("1.x" in w.message for w in rs.warnings), name
        org = score(rs, instrument).organisations[0]
        assert org.overall is not None
        assert 0 < (org.coverage or 0) <= 1


def test_profile_weights_keyed_by_v1_ids_apply_to_the_new_ids(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A profile weighting PF-GOV-04 weights PF-FUN-01, with a warning on the response file."""
    profile = Profile(weights=Weights(questions={"PF-GOV-04": 3.0}))
    assert instrument.problems_of(profile) == []
    tailored = instrument.tailored(profile)
    assert tailored.questions["PF-FUN-01"].question.weight == 3.0
    rs = load_responses([_v1_file(tmp_path / "v2.csv", {"PB-GOV-01": "3"})], instrument, profile)
    assert any("PF-GOV-04 → PF-FUN-01" in w.message for w in rs.warnings)


def test_previous_scored_with_v1_compares_the_dimensions_that_survive(tmp_path: Path) -> None:
    """``score --previous`` with a 1.1.0 output: deltas for every surviving dimension, none for
    the new ones, and a warning naming them."""
    sample = samples_dir()
    result = CliRunner().invoke(
        main,
        ["score", str(sample / "harbor-mutual.csv"), "--profile", str(sample / "harbor-mutual.yaml"),
         "--previous", str(V1 / "score-harbor-mutual-1.1.json"), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    org = json.loads(result.stdout)["organisations"][0]
    deltas = org["deltas"]
    assert deltas["previous_version"] == "1.1.0"
    assert set(deltas["not_in_previous"]) == {"PF-FUN", "PF-SUP", "PF-VMF", "MR-FLO"}
    assert deltas["not_in_current"] == []
    changed = {k for k, v in deltas["dimensions"].items() if v is not None}
    assert changed == {d["id"] for d in org["dimensions"]} - set(deltas["not_in_previous"])
    assert any("new since 1.1.0, no change shown: PF-FUN" in w for w in org["warnings"])
