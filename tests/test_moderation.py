"""Assessor moderation (issue 14 §6): the assessor's level beside the self-assessed score, what
drives gaps, decision and roadmap, the optimism index per role band, the file formats (YAML and
the template's Moderation sheet) and their errors, and the batch's STEM.moderation.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from pmo2vmo.analysis.plan import roadmap_files
from pmo2vmo.cli import main
from pmo2vmo.execute.clients import discover, fingerprint
from pmo2vmo.model.job import job_from_parameters
from pmo2vmo.render import report
from pmo2vmo.resources import samples_dir

HARBOR = samples_dir() / "harbor-mutual.csv"
PROFILE = samples_dir() / "harbor-mutual.yaml"
TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "moderation.yaml"


def _moderation(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


SPONSOR = """\
assessor: A. Consultant
date: 2026-11-20
dimensions:
  PB-SPO:
    level: 2
    rationale: The sponsor changes with every reorganisation.
    evidence: [Stage-gate attendance 2026, Interview with the COO]
  MR-BEN:
    level: 1.5
    rationale: No benefit has a named owner after go-live.
    evidence: [Benefits register 2025-03]
"""


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    return result


def _org(command: str, *extra: str) -> dict[str, Any]:
    result = _cli(command, "--json", "--profile", str(PROFILE), str(HARBOR), *extra)
    assert result.exit_code == 0, result.output
    org: dict[str, Any] = json.loads(result.stdout)["organisations"][0]
    return org


@pytest.fixture(scope="module")
def sponsor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _moderation(tmp_path_factory.mktemp("mod") / "m.yaml", SPONSOR)


def test_moderated_levels_drive_gaps_decision_and_plan(sponsor: Path) -> None:
    """Harbor's sponsorship, self-assessed 4.05, moderated to 2: the score that drives is 2, its
    gap follows, the sponsorship gate fires and the plan starts by securing a sponsor; the
    metrics pillar rolls up from MR-BEN's 1.5. Without the moderation none of this happens."""
    plain = _org("roadmap")
    moderated = _org("roadmap", "--moderation", str(sponsor))
    dims = {d["id"]: d for d in moderated["dimensions"]}
    assert dims["PB-SPO"]["score"] == 2.0
    assert dims["PB-SPO"]["moderated"] == 2.0
    assert dims["PB-SPO"]["self_assessed"] == pytest.approx(4.0544, abs=1e-4)
    assert dims["PB-SPO"]["gap"] == pytest.approx(dims["PB-SPO"]["target"] - 2.0, abs=1e-4)
    assert dims["PB-GOV"]["moderated"] is None
    assert dims["PB-GOV"]["score"] == dims["PB-GOV"]["self_assessed"]
    gate = {g["id"]: g for g in moderated["gates"]}["executive-sponsorship"]
    before = {g["id"]: g for g in plain["gates"]}["executive-sponsorship"]
    assert gate["fired"]
    assert not before["fired"]
    assert "secure-executive-sponsor" in [i["id"] for i in moderated["items"]]
    readiness = {k: v["score"] for k, v in moderated["readiness_detail"].items()}
    plain_readiness = {k: v["score"] for k, v in plain["readiness_detail"].items()}
    assert readiness["metrics"] < plain_readiness["metrics"]  # MR-BEN 2.12 -> 1.5 inside MR


def test_self_assessed_drive_shows_the_moderation_without_letting_it_drive(
    sponsor: Path, tmp_path: Path
) -> None:
    """With ``drive: self_assessed`` the moderated level is shown beside the score, which stays
    the respondents' own, and the gate stays silent."""
    profile = tmp_path / "p.yaml"  # the sample's profile without its logo, plus the drive
    text = "".join(line for line in PROFILE.read_text(encoding="utf-8").splitlines(True)
                   if "logo" not in line)  # fmt: skip
    profile.write_text(text + "\ndrive: self_assessed\n", encoding="utf-8")
    result = _cli("roadmap", "--json", "--profile", str(profile), str(HARBOR),
                  "--moderation", str(sponsor))  # fmt: skip
    assert result.exit_code == 0, result.output
    org = json.loads(result.stdout)["organisations"][0]
    dims = {d["id"]: d for d in org["dimensions"]}
    assert dims["PB-SPO"]["moderated"] == 2.0
    assert dims["PB-SPO"]["score"] == dims["PB-SPO"]["self_assessed"]
    assert not {g["id"]: g for g in org["gates"]}["executive-sponsorship"]["fired"]
    assert org["moderation"]["drives"] is False


def test_score_json_carries_self_assessed_moderated_and_optimism(sponsor: Path) -> None:
    """``score --json`` dimensions gain ``self_assessed`` and ``moderated`` (null without a
    moderation); the optimism index is self-assessed − moderated, averaged per group shown."""
    plain = _org("score")
    assert all(d["moderated"] is None and d["self_assessed"] == d["score"]
               for d in plain["dimensions"])  # fmt: skip
    assert plain["moderation"] is None
    org = _org("score", "--moderation", str(sponsor))
    dims = {d["id"]: d for d in org["dimensions"]}
    optimism = {o["group"]: o for o in org["moderation"]["optimism"]}
    expected = (
        (dims["PB-SPO"]["self_assessed"] - 2.0) + (dims["MR-BEN"]["self_assessed"] - 1.5)
    ) / 2
    assert optimism["All respondents"]["index"] == pytest.approx(expected, abs=0.005)
    shown = {b["group"]: b for b in org["breakouts"]
             if b["group_by"] == "role_band" and b["status"] == "ok"}  # fmt: skip
    assert set(optimism) - {"All respondents"} == set(shown)
    for band, row in shown.items():
        mine = [row["dimensions"]["PB-SPO"] - 2.0, row["dimensions"]["MR-BEN"] - 1.5]
        assert optimism[band]["index"] == pytest.approx(sum(mine) / 2, abs=0.005)
    assert [m["dimension"] for m in org["moderation"]["levels"]] == ["PB-SPO", "MR-BEN"]


def test_the_bootstrap_keeps_the_assessors_levels(tmp_path: Path) -> None:
    """Moderating governance to 1.5 sends Harbor to strengthen-pmo in every resample: the
    assessor's level is not resampled with the respondents."""
    path = _moderation(tmp_path / "m.yaml", "dimensions:\n  PB-GOV:\n    level: 1.5\n"
                       "    rationale: No gate has stopped a project in two years.\n"
                       "    evidence: [Portfolio board minutes]\n")  # fmt: skip
    org = _org("roadmap", "--moderation", str(path))
    assert org["archetype"]["id"] == "strengthen-pmo"
    assert org["archetype"]["confidence"] == 1.0


def test_the_template_moderation_sheet_is_a_moderation(tmp_path: Path) -> None:
    """The Moderation sheet of ``pmo2vmo template``, filled in and saved, is a valid
    ``--moderation``: levels, rationale, evidence one per line, assessor and date."""
    out = tmp_path / "t.xlsx"
    assert _cli("template", "--out", str(out), "--profile", str(PROFILE)).exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["Moderation"]
    ws["B3"] = "A. Consultant"
    for row in ws.iter_rows(min_row=6):
        if row[0].value == "MR-BEN":
            row[3].value, row[4].value = 1.5, "No owner after go-live."
            row[5].value = "Register 2025\nMinutes Q3"
    wb.save(out)
    org = _org("score", "--moderation", str(out))
    moderation = org["moderation"]
    assert moderation["assessor"] == "A. Consultant"
    assert moderation["levels"] == [{"dimension": "MR-BEN", "level": 1.5,
                                     "rationale": "No owner after go-live.",
                                     "evidence": ["Register 2025", "Minutes Q3"]}]  # fmt: skip


def test_bad_moderations_are_refused_with_every_problem(tmp_path: Path) -> None:
    """Unknown dimension, a level off the scale, a missing rationale, another organisation:
    exit 2, every problem named with the file, nothing printed on stdout."""
    bad = _moderation(tmp_path / "bad.yaml", "dimensions:\n  XX-NOPE:\n    level: 3\n"
                      "    rationale: r\n    evidence: [e]\n  PB-GOV:\n    level: 6\n"
                      "    evidence: [e]\n")  # fmt: skip
    result = _cli("score", "--json", str(HARBOR), "--moderation", str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "bad.yaml" in result.stderr
    assert "PB-GOV" in result.stderr
    assert "level" in result.stderr
    assert "rationale" in result.stderr
    unknown = _moderation(tmp_path / "unknown.yaml", "dimensions:\n  XX-NOPE:\n    level: 3\n"
                          "    rationale: r\n    evidence: [e]\n")  # fmt: skip
    result = _cli("score", "--json", str(HARBOR), "--moderation", str(unknown))
    assert result.exit_code == 2
    assert "XX-NOPE" in result.stderr
    other = _moderation(tmp_path / "other.yaml", "organisation: Somebody Else\n"
                        + SPONSOR.split("\n", 2)[2])  # fmt: skip
    result = _cli("roadmap", "--json", str(HARBOR), "--moderation", str(other))
    assert result.exit_code == 2
    assert "Somebody Else" in result.stderr


def test_a_bad_sheet_row_is_named_by_row_and_column(tmp_path: Path) -> None:
    """A Moderation sheet row with a level of 7 is refused naming sheet, row and column."""
    out = tmp_path / "t.xlsx"
    assert _cli("template", "--out", str(out)).exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["Moderation"]
    ws.cell(7, 4).value, ws.cell(7, 5).value, ws.cell(7, 6).value = 7, "r", "e"
    wb.save(out)
    result = _cli("score", "--json", str(HARBOR), "--moderation", str(out))
    assert result.exit_code == 2
    assert "sheet Moderation, row 7, column Level (1–5)" in result.stderr


def test_the_moderation_template_file_is_valid() -> None:
    """templates/moderation.yaml, the documented example, loads against the instrument."""
    from pmo2vmo.ingest.moderation import load_moderation
    from pmo2vmo.model.instrument import load_instrument

    moderation = load_moderation(TEMPLATE, load_instrument())
    assert set(moderation.dimensions) == {"PB-SPO", "MR-BEN"}


def test_a_batch_reads_stem_moderation_and_fingerprints_it(tmp_path: Path) -> None:
    """In a batch, ``acme.moderation.yaml`` is acme's moderation (never a client of its own) and
    part of acme's fingerprint: changing it re-runs acme."""
    (tmp_path / "acme.csv").write_bytes(HARBOR.read_bytes())
    mod = _moderation(tmp_path / "acme.moderation.yaml", SPONSOR)
    (clients,) = [discover(tmp_path)]
    assert [c.name for c in clients] == ["acme"]
    assert clients[0].moderation == mod
    before = fingerprint(clients[0], ["html"], "env")["fingerprint"]
    mod.write_text(SPONSOR.replace("level: 2\n", "level: 2.5\n"), encoding="utf-8")
    assert fingerprint(clients[0], ["html"], "env")["fingerprint"] != before


def test_the_report_shows_the_moderation_beside_the_scores(sponsor: Path) -> None:
    """The client report (from the job a run writes) shows the self-assessed and moderated
    figures, the rationale and the optimism index."""
    job = job_from_parameters(responses=HARBOR, profile=PROFILE, moderation=sponsor)
    rep = report.prepare(job)
    pillars = rep.section("pillars")
    tables = {b.caption: b for b in pillars.blocks if hasattr(b, "caption")}
    assert "Self-assessed" in tables["Dimensions"].columns
    rows = {r[0]: r for r in tables["Moderated dimensions"].rows}
    assert rows["Executive sponsorship (PB-SPO)"][1:4] == ("4.05", "2.00", "+2.05")
    assert "changes with every reorganisation" in rows["Executive sponsorship (PB-SPO)"][4]
    assert "All respondents" in {r[0] for r in tables["Optimism index"].rows}


def test_roadmap_files_without_moderation_have_none() -> None:
    """No moderation given: nothing is moderated and the score is the self-assessed one."""
    result = roadmap_files([HARBOR], profile=PROFILE, confidence=False)
    org = result.organisations[0].scores
    assert org.moderation is None
    assert all(d.moderated is None and d.self_assessed == d.score for d in org.dimensions)


def test_changes_since_a_previous_compare_self_assessments(sponsor: Path, tmp_path: Path) -> None:
    """With the same answers, a moderated run shows no change since an unmoderated previous:
    changes compare what the respondents said, never a moderated level with a self-assessment."""
    previous = tmp_path / "prev.json"
    previous.write_text(_cli("score", "--json", "--profile", str(PROFILE), str(HARBOR)).stdout,
                        encoding="utf-8")  # fmt: skip
    org = _org("score", "--previous", str(previous), "--moderation", str(sponsor))
    assert set(org["deltas"]["dimensions"].values()) == {0.0}
    assert org["deltas"]["overall"] == 0.0
    moderated = tmp_path / "moderated.json"  # a previous whose moderation drove
    moderated.write_text(json.dumps({"organisations": [_org("score", "--moderation", str(sponsor))]}),
                         encoding="utf-8")  # fmt: skip
    again = _org("score", "--previous", str(moderated))
    assert set(again["deltas"]["dimensions"].values()) == {0.0}  # self-assessed on both sides
    assert again["deltas"]["overall"] is None  # its overall rested on moderated levels


def test_hostile_moderations_are_refused_without_a_traceback(tmp_path: Path) -> None:
    """A damaged Moderation sheet, a level of true and control characters in the assessor's
    name: exit 2 with the file named."""
    out = tmp_path / "t.xlsx"
    assert _cli("template", "--out", str(out)).exit_code == 0
    import zipfile

    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet") and b"Dimension ID" in data:
                data = data[: len(data) // 2]
            elif item.filename == "xl/sharedStrings.xml":
                pass
            dst.writestr(item, data)
    for path in (
        broken,
        _moderation(tmp_path / "flag.yaml", "dimensions:\n  PB-GOV:\n    level: true\n"
                    "    rationale: r\n    evidence: [e]\n"),
        _moderation(tmp_path / "esc.yaml", 'assessor: "A\\u001b[31m"\n' + SPONSOR.split("\n", 2)[2]),
    ):  # fmt: skip
        result = _cli("score", "--json", str(HARBOR), "--moderation", str(path))
        assert result.exit_code == 2, (path, result.output)
        assert path.name in result.stderr
        assert "Traceback" not in result.output
