"""The command line: thin calls into pmo2vmo.api, accurate help, exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner

from pmo2vmo import api
from pmo2vmo.cli import main
from pmo2vmo.model.profile import Profile


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize(
    "command", ["instrument", "template", "validate", "score", "roadmap", "demo"]
)
def test_every_command_has_help(runner: CliRunner, command: str) -> None:
    """`pmo2vmo COMMAND --help` works and describes the command."""
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage: main" in result.output or "Usage: pmo2vmo" in result.output
    assert len(result.output.splitlines()) > 4


def test_score_is_one_call_with_the_cli_keywords(runner: CliRunner, tmp_path: Path) -> None:
    """`score` passes its options to api.score_files under the same names."""
    data = tmp_path / "r.csv"
    with mock.patch.object(api, "score_files") as score_files:
        score_files.return_value.to_json.return_value = {"organisations": []}
        result = runner.invoke(
            main,
            ["score", str(data), "--json", "--profile", "p.yaml", "--previous", "old.json",
             "--moderation", "m.yaml"],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    score_files.assert_called_once_with(
        [data], profile=Path("p.yaml"), previous=Path("old.json"), instrument_dir=None,
        moderation=Path("m.yaml"),
    )  # fmt: skip


def test_validate_and_template_are_one_call_each(runner: CliRunner, tmp_path: Path) -> None:
    """`validate` and `template` call their pipeline functions with the CLI's keywords."""
    with mock.patch.object(api, "validate_files", return_value=[]) as validate_files:
        result = runner.invoke(main, ["validate", "a.csv", "b.xlsx", "--instrument", "inst"])
    assert result.exit_code == 0
    validate_files.assert_called_once_with(
        [Path("a.csv"), Path("b.xlsx")], profile=None, instrument_dir=Path("inst")
    )
    with mock.patch.object(api, "make_template", return_value=Path("t.xlsx")) as make:
        result = runner.invoke(main, ["template", "--out", "t.xlsx"])
    assert result.exit_code == 0
    make.assert_called_once_with(Path("t.xlsx"), profile=None, instrument_dir=None, audience=None)


def test_instrument_json_has_the_contract_keys(runner: CliRunner) -> None:
    """`instrument --json` carries id, version, levels and pillars/dimensions/questions."""
    result = runner.invoke(main, ["instrument", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {"id", "version", "levels", "pillars"} <= set(data)
    assert [lv["value"] for lv in data["levels"]] == [1, 2, 3, 4, 5]
    question = data["pillars"][0]["dimensions"][0]["questions"][0]
    assert {"id", "text", "descriptors", "weight", "source"} <= set(question)
    assert len(question["descriptors"]) == 5
    dimension = data["pillars"][0]["dimensions"][0]
    assert {"id", "name", "weight", "questions"} <= set(dimension)


def test_instrument_text_lists_counts(runner: CliRunner) -> None:
    """`instrument` prints pillars and a count line."""
    result = runner.invoke(main, ["instrument"])
    assert result.exit_code == 0
    assert "4 pillars, 29 dimensions, 90 questions." in result.output


def test_score_json_on_a_sample(
    runner: CliRunner, samples: dict[str, tuple[Path, Profile]]
) -> None:
    """`score --json --profile` on a bundled sample gives the PRODUCT §12 shape."""
    data, _ = samples["harbor-mutual"]
    profile = data.with_suffix(".yaml")
    result = runner.invoke(main, ["score", str(data), "--json", "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["instrument"]["id"] == "pmo2vmo-core"
    assert len(out["input_sha256"]) == 64
    org = out["organisations"][0]
    assert org["organisation"] == "Harbor Mutual Insurance"
    assert {"organisation", "respondents", "overall", "pillars", "dimensions", "items",
            "breakouts", "warnings"} <= set(org)  # fmt: skip
    target = next(d for d in org["dimensions"] if d["id"] == "MR-BEN")
    assert (target["target"], target["target_source"]) == (4.0, "profile")


def test_score_text_output_on_a_sample(
    runner: CliRunner, samples: dict[str, tuple[Path, Profile]]
) -> None:
    """`score` without --json prints a readable table with achieved levels."""
    data, _ = samples["northwind-utilities"]
    result = runner.invoke(main, ["score", str(data)])
    assert result.exit_code == 0, result.output
    assert "Northwind Utilities" in result.output
    assert "achieved level" in result.output


def test_bad_profile_exits_2_without_traceback(runner: CliRunner, tmp_path: Path) -> None:
    """A profile naming an unknown dimension is reported with the id, exit code 2, no traceback."""
    profile = tmp_path / "client.yaml"
    profile.write_text("targets:\n  XX-YYY: 4\n")
    result = runner.invoke(main, ["instrument", "--profile", str(profile)])
    assert result.exit_code == 2
    assert "XX-YYY" in result.output
    assert "Traceback" not in result.output


def test_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    """Scoring a file that does not exist is invalid input: exit 2, the file named."""
    result = runner.invoke(main, ["score", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "nope.csv: file not found" in result.output


def test_previous_that_is_not_json_exits_2(
    runner: CliRunner, samples: dict[str, tuple[Path, Profile]], tmp_path: Path
) -> None:
    """--previous must be a `score --json` output; anything else is exit 2 with a hint."""
    data, _ = samples["lumen-digital"]
    old = tmp_path / "old.json"
    old.write_text("not json")
    result = runner.invoke(main, ["score", str(data), "--previous", str(old)])
    assert result.exit_code == 2
    assert "old.json: not JSON" in result.output
    assert "score --json" in result.output


def test_previous_gives_deltas(
    runner: CliRunner, samples: dict[str, tuple[Path, Profile]], tmp_path: Path
) -> None:
    """Scoring against an earlier `score --json` output reports deltas (zero for the same data)."""
    data, _ = samples["lumen-digital"]
    first = runner.invoke(main, ["score", str(data), "--json"])
    old = tmp_path / "old.json"
    old.write_text(first.output)
    result = runner.invoke(main, ["score", str(data), "--json", "--previous", str(old)])
    org = json.loads(result.output)["organisations"][0]
    assert org["deltas"]["previous_found"] is True
    assert set(org["deltas"]["dimensions"].values()) == {0.0}


def test_demo_writes_the_workbook(runner: CliRunner, tmp_path: Path) -> None:
    """`demo --out DIR` scores the three samples and says where the workbook is."""
    result = runner.invoke(main, ["demo", "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    for name in ("Northwind Utilities", "Harbor Mutual Insurance", "Lumen Digital"):
        assert name in result.output
    assert (tmp_path / "d" / "sample-scores.xlsx").is_file()
    assert str(tmp_path / "d" / "sample-scores.xlsx") in result.output


def test_template_command_writes_a_readable_workbook(runner: CliRunner, tmp_path: Path) -> None:
    """`template --out` writes a workbook that validate accepts once a row is filled."""
    import openpyxl

    out = tmp_path / "t.xlsx"
    assert runner.invoke(main, ["template", "--out", str(out)]).exit_code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["Instructions", "Responses", "Questions"]
    ws = wb["Responses"]
    ws["B2"] = "R1"
    ws["E2"] = "3 - Defined"
    wb.save(out)
    result = runner.invoke(main, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output


def test_roadmap_is_one_call_with_the_cli_keywords(runner: CliRunner) -> None:
    """`roadmap` passes files, profile, dates, capacity and horizon to api.roadmap_files."""
    import datetime as dt

    with mock.patch.object(api, "roadmap_files") as roadmap_files:
        roadmap_files.return_value.to_json.return_value = {"organisations": []}
        result = runner.invoke(
            main,
            ["roadmap", "r.csv", "--json", "--profile", "p.yaml", "--start-date", "2027-03-01",
             "--capacity", "2.5", "--horizon", "12", "--moderation", "m.yaml"],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    roadmap_files.assert_called_once_with(
        [Path("r.csv")],
        profile=Path("p.yaml"),
        start_date=dt.date(2027, 3, 1),
        capacity_people=2.5,
        horizon_months=12,
        instrument_dir=None,
        moderation=Path("m.yaml"),
    )


def test_roadmap_json_on_a_sample(
    runner: CliRunner, samples: dict[str, tuple[Path, Profile]]
) -> None:
    """`roadmap --json` gives readiness, archetype with reasons, gates and explained items."""
    data, _ = samples["northwind-utilities"]
    result = runner.invoke(
        main, ["roadmap", str(data), "--json", "--profile", str(data.with_suffix(".yaml"))]
    )
    assert result.exit_code == 0, result.output
    org = json.loads(result.output)["organisations"][0]
    assert set(org["readiness"]) == {"pmo_baseline", "value_culture", "portfolio", "metrics"}
    assert org["archetype"]["id"] == "strengthen-pmo"
    assert org["archetype"]["reasons"]
    assert org["gates"][0] == {**org["gates"][0], "id": "executive-sponsorship", "fired": True}
    first = org["items"][0]
    assert first["id"] == "secure-executive-sponsor"
    for item in org["items"]:
        assert {"id", "title", "phase", "start", "end", "effort", "prerequisites", "dimensions",
                "reason", "quick_win"} <= set(item)  # fmt: skip
        assert item["reason"]


def test_roadmap_text_output(runner: CliRunner, samples: dict[str, tuple[Path, Profile]]) -> None:
    """`roadmap` prints the recommended path, the gates and a dated table."""
    data, _ = samples["lumen-digital"]
    result = runner.invoke(
        main, ["roadmap", str(data), "--profile", str(data.with_suffix(".yaml"))]
    )
    assert result.exit_code == 0, result.output
    assert "Recommended path: Evolve the PMO into a VMO" in result.output
    assert "Gate executive-sponsorship: not fired" in result.output
    assert "2027-01-04" in result.output


def test_infeasible_capacity_exits_2(
    runner: CliRunner, samples: dict[str, tuple[Path, Profile]]
) -> None:
    """A capacity too small for any initiative is a clear message and exit code 2."""
    data, _ = samples["harbor-mutual"]
    result = runner.invoke(main, ["roadmap", str(data), "--capacity", "0.1"])
    assert result.exit_code == 2
    assert "capacity of 0.1 people a month is less than any initiative needs" in result.output
    assert "Traceback" not in result.output
