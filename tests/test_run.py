"""`pmo2vmo run`: the report notebook executed with papermill in a fresh kernel, deliverables
written atomically under safe names, failures reported with the cell and the error."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from builders import two_organisations
from conftest import HOSTILE_NAME
from pmo2vmo.cli import main
from pmo2vmo.errors import InputProblem, InvalidInputError, NotOneOrganisation, PlanningError
from pmo2vmo.execute import run
from pmo2vmo.model.job import Job, read_refusal, refusal
from pmo2vmo.render import html, report
from pmo2vmo.resources import data_dir, samples_dir

pytestmark = pytest.mark.slow
EPOCH = "1798848000"  # 2027-01-02


@pytest.fixture(scope="module")
def northwind_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, run.Outcome]:
    out = tmp_path_factory.mktemp("run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        (outcome,) = run.run_report(
            samples_dir() / "northwind-utilities.xlsx",
            out,
            profile=samples_dir() / "northwind-utilities.yaml",
        )
    return out, outcome


def test_deliverables_carry_no_local_paths(northwind_run: tuple[Path, run.Outcome]) -> None:
    """The executed notebook and the HTML name no folder of the consultant's machine: not the
    output, input, staging or working folder, nor the home folder (papermill recorded them)."""
    import os

    out, outcome = northwind_run
    folders = {str(out), str(samples_dir()), str(data_dir("playbook")), os.getcwd(),
               str(Path.home())}  # fmt: skip
    for path in outcome.outputs:
        if path.suffix in {".ipynb", ".html"}:
            text = path.read_text(encoding="utf-8")
            found = sorted(f for f in folders if f in text)
            assert not found, f"{path.name} holds {found}"
            assert ".pmo2vmo-" not in text
    nb = nbformat.read(str(out / "northwind-utilities-report.ipynb"), as_version=4)
    assert nb.metadata["papermill"]["parameters"] == {"job": "job.json"}


def _broken_notebook(tmp_path: Path, source: str, *, drop_last: bool = False) -> Path:
    """The report notebook with ``source`` as an extra cell before its last one."""
    nb = nbformat.read(str(data_dir("playbook") / run.REPORT_NOTEBOOK), as_version=4)
    last = nb.cells.pop()
    nb.cells.append(nbformat.v4.new_code_cell(source))
    if not drop_last:
        nb.cells.append(last)
    path = tmp_path / "report.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_run_writes_every_deliverable(northwind_run: tuple[Path, run.Outcome]) -> None:
    """One run writes the HTML, the executed notebook, the workbook and the deck, named by the
    organisation's slug, and leaves no staging folder behind."""
    out, outcome = northwind_run
    assert outcome.status == "ok", outcome.error
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "northwind-utilities-deck.pptx",
        "northwind-utilities-report.html",
        "northwind-utilities-report.ipynb",
        "northwind-utilities-scores.xlsx",
    ]
    assert sorted(p.name for p in outcome.outputs) == names
    assert outcome.seconds["notebook"] > 0


def test_kernel_and_in_process_reports_are_identical(
    northwind_run: tuple[Path, run.Outcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTML from the executed notebook equals the HTML built in-process without a kernel."""
    out, _ = northwind_run
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    job = Job(
        responses=str(samples_dir() / "northwind-utilities.xlsx"),
        profile=str(samples_dir() / "northwind-utilities.yaml"),
        generated=run.report_date(),
    )
    in_process = html.notebook_to_html(report.prepare(job).to_notebook())
    assert (out / "northwind-utilities-report.html").read_text(encoding="utf-8") == in_process


def test_executed_notebook_is_an_audit_trail_without_respondent_rows(
    northwind_run: tuple[Path, run.Outcome],
) -> None:
    """The executed notebook keeps every cell's output and the key figures, but never a
    respondent-level row (no respondent id appears anywhere in it)."""
    out, _ = northwind_run
    nb = nbformat.read(str(out / "northwind-utilities-report.ipynb"), as_version=4)
    stdout = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "Northwind Utilities: 18 respondents" in stdout
    assert "path: strengthen-pmo" in stdout
    text = nbformat.writes(nb)
    import openpyxl

    sheet = openpyxl.load_workbook(samples_dir() / "northwind-utilities.xlsx")["Responses"]
    header = [str(c.value or "").lower() for c in next(sheet.iter_rows(max_row=1))]
    column = next(i for i, h in enumerate(header) if "respondent" in h or h in {"id", "email"})
    ids = {str(r[column]) for r in sheet.iter_rows(min_row=2, values_only=True) if r[column]}
    assert ids
    assert not [i for i in ids if re.search(rf"\b{re.escape(i)}\b", text)]


def test_a_raising_notebook_is_a_failure_with_its_cell(tmp_path: Path) -> None:
    """A cell that raises fails the organisation with the cell and error; nothing is written
    and an earlier deliverable of the same name is left intact."""
    out = tmp_path / "out"
    out.mkdir()
    earlier = out / "lumen-digital-report.html"
    earlier.write_text("earlier report", encoding="utf-8")
    notebook = _broken_notebook(tmp_path, 'raise RuntimeError("boom in the report")')
    (outcome,) = run.run_report(
        samples_dir() / "lumen-digital.csv", out,
        profile=samples_dir() / "lumen-digital.yaml", notebook=notebook,
    )  # fmt: skip
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert re.match(r"cell \d+ \('raise RuntimeError\(.*\)'\) raised RuntimeError: boom in the "
                    r"report$", outcome.error)  # fmt: skip
    assert outcome.outputs == []
    assert earlier.read_text(encoding="utf-8") == "earlier report"
    assert sorted(p.name for p in out.iterdir()) == ["lumen-digital-report.html"]


def test_a_notebook_without_its_sentinel_is_a_failure(tmp_path: Path) -> None:
    """A run whose last cell never wrote the nonce sentinel is a failure, even though papermill
    reported success."""
    notebook = _broken_notebook(tmp_path, "print('skipping the finish cell')", drop_last=True)
    (outcome,) = run.run_report(
        samples_dir() / "lumen-digital.csv", tmp_path / "out",
        profile=samples_dir() / "lumen-digital.yaml", notebook=notebook, formats="html",
    )  # fmt: skip
    assert outcome.status == "failed"
    assert outcome.error == (
        "the report notebook did not finish (no success sentinel from its last cell)"
    )
    assert list((tmp_path / "out").iterdir()) == []


def test_a_hanging_cell_times_out_as_a_failure(tmp_path: Path) -> None:
    """A cell running past --timeout fails the organisation, naming the timeout."""
    notebook = _broken_notebook(tmp_path, "import time\ntime.sleep(120)")
    (outcome,) = run.run_report(
        samples_dir() / "lumen-digital.csv", tmp_path / "out",
        profile=samples_dir() / "lumen-digital.yaml", notebook=notebook, formats="html",
        timeout=5,
    )  # fmt: skip
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "timed out" in outcome.error.lower() or "timeout" in outcome.error.lower()


def test_hostile_organisation_names_stay_inside_out(
    tmp_path: Path, hostile_sample: tuple[Path, Path]
) -> None:
    """A script-bearing client name gives a safe slug inside --out and escaped HTML."""
    responses, profile = hostile_sample
    out = tmp_path / "out"
    (outcome,) = run.run_report(responses, out, profile=profile, formats="html,xlsx,pptx")
    assert outcome.status == "ok", outcome.error
    assert sorted(p.name for p in out.iterdir()) == [
        "img-src-x-onerror-alert-1-deck.pptx",
        "img-src-x-onerror-alert-1-report.html",
        "img-src-x-onerror-alert-1-scores.xlsx",
    ]
    page = (out / "img-src-x-onerror-alert-1-report.html").read_text(encoding="utf-8")
    assert HOSTILE_NAME not in page


def test_job_file_is_the_only_parameter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """papermill receives one parameter, the job file's path; client text stays in the job."""
    seen: dict[str, object] = {}

    def fake_parameterize(nb: object, parameters: object, **kwargs: object) -> None:
        seen["parameters"] = parameters
        raise RuntimeError("stop here")

    monkeypatch.setattr("papermill.parameterize.parameterize_notebook", fake_parameterize)
    (outcome,) = run.run_report(
        samples_dir() / "harbor-mutual.csv", tmp_path,
        profile=samples_dir() / "harbor-mutual.yaml", formats="html",
    )  # fmt: skip
    params = seen["parameters"]
    assert isinstance(params, dict)
    assert list(params) == ["job"]
    assert outcome.error == "RuntimeError: stop here"


def test_formats_are_checked() -> None:
    """Unknown formats are invalid input naming the choices; order is canonical."""
    assert run.parse_formats("pptx, HTML") == ("html", "pptx")
    with pytest.raises(InvalidInputError) as caught:
        run.parse_formats("html,docx")
    assert "unknown format(s) docx" in str(caught.value.problems[0])


# ------------------------------------------------------------------------------------- CLI ---


def test_cli_run_prints_paths_and_exits_0(tmp_path: Path) -> None:
    """`pmo2vmo run` lists each organisation's deliverables and exits 0."""
    result = CliRunner().invoke(main, [
        "run", str(samples_dir() / "lumen-digital.csv"), "--out", str(tmp_path),
        "--profile", str(samples_dir() / "lumen-digital.yaml"), "--formats", "html",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Lumen Digital: ok" in result.output
    assert str(tmp_path / "lumen-digital-report.html") in result.output


def test_cli_run_failure_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed report exits 1 and says which organisation failed and why."""
    notebook = _broken_notebook(tmp_path, "1 / 0")
    monkeypatch.setattr(run, "REPORT_NOTEBOOK", str(notebook))
    result = CliRunner().invoke(main, [
        "run", str(samples_dir() / "lumen-digital.csv"), "--out", str(tmp_path / "out"),
        "--formats", "html",
    ])  # fmt: skip
    assert result.exit_code == 1
    assert "Lumen Digital: FAILED — cell" in result.output
    assert "ZeroDivisionError: division by zero" in result.output


def test_cli_run_invalid_input_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    """Invalid input or formats exit 2 with a message, and nothing is written."""
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent,PB-GOV-01\nr1,7\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not out.exists() or not list(out.iterdir())
    result = CliRunner().invoke(main, [
        "run", str(samples_dir() / "lumen-digital.csv"), "--out", str(out), "--formats", "docx",
    ])  # fmt: skip
    assert result.exit_code == 2
    assert "unknown format(s) docx" in result.output


def test_run_help_is_accurate() -> None:
    """`run --help` documents every option and the exit codes."""
    result = CliRunner().invoke(main, ["run", "--help"])
    for option in ("--out", "--profile", "--previous", "--formats", "--timeout"):
        assert option in result.output
    assert "Exit code 1" in result.output


def test_previous_scores_show_changes(tmp_path: Path) -> None:
    """With --previous, the report's dimension table shows the change since then."""
    previous = tmp_path / "previous.json"
    result = CliRunner().invoke(main, [
        "score", str(samples_dir() / "lumen-digital.csv"), "--json",
        "--profile", str(samples_dir() / "lumen-digital.yaml"),
    ])  # fmt: skip
    data = json.loads(result.output)
    for dim in data["organisations"][0]["dimensions"]:
        if dim["score"] is not None:
            dim["score"] = round(dim["score"] - 0.5, 4)
    previous.write_text(json.dumps(data), encoding="utf-8")
    job = Job(
        responses=str(samples_dir() / "lumen-digital.csv"),
        profile=str(samples_dir() / "lumen-digital.yaml"), previous=str(previous),
    )  # fmt: skip
    rep = report.prepare(job)
    (table,) = [b for b in rep.section("pillars").blocks
                 if isinstance(b, report.Table) and b.caption == "Dimensions"]  # fmt: skip
    assert {row[-1] for row in table.rows} == {"0.50"}
    radar = next(b for b in rep.section("position").blocks if isinstance(b, report.Chart))
    assert [t["name"] for t in radar.to_json()["data"]] == ["Previous", "Target", "Current"]


def test_relative_out_folder_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative --out (as the demo's default) works: the kernel gets absolute paths."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [
        "run", str(samples_dir() / "lumen-digital.csv"), "--out", "reports",
        "--profile", str(samples_dir() / "lumen-digital.yaml"), "--formats", "html,xlsx",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "lumen-digital-report.html", "lumen-digital-scores.xlsx",
    ]  # fmt: skip


def test_a_refused_input_is_recorded_with_its_nonce(tmp_path: Path) -> None:
    """prepare() records why it refused a job's input (invalid file; for a batch, more than one
    organisation) beside the job, under that job's nonce, and still raises."""
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent,PB-GOV-01\nr1,9\n", encoding="utf-8")
    with pytest.raises(InvalidInputError):
        report.prepare(Job(responses=str(bad), output_dir=str(tmp_path), nonce="n1"))
    refused = read_refusal(tmp_path, "n1")
    assert refused is not None
    assert refused.startswith("invalid input: bad.csv, row 2, column B (PB-GOV-01)")
    assert read_refusal(tmp_path, "another run") is None  # a stale file is not this run's

    both = two_organisations(tmp_path / "both.csv")
    job = Job(responses=str(both), output_dir=str(tmp_path), nonce="n2", one_organisation=True)
    with pytest.raises(NotOneOrganisation):
        report.prepare(job)
    assert read_refusal(tmp_path, "n2") == (
        "the file holds 2 organisations (Lumen Digital, Lumen Labs); a batch takes one client "
        "per file — split it, or use `pmo2vmo run` on it"
    )


def test_a_refusal_lists_twenty_problems_then_counts_the_rest() -> None:
    """An invalid input's refusal is one line: its first twenty problems, then how many more."""
    problems = [InputProblem("f.csv", f"problem {i}", row=i + 2) for i in range(23)]
    text = refusal(InvalidInputError(problems))
    assert text.startswith("invalid input: f.csv, row 2")
    assert "problem 19" in text
    assert "problem 20" not in text
    assert text.endswith("; … and 3 more")
    assert refusal(PlanningError("the horizon must be at least 1 month (got 0)")) == (
        "invalid profile or settings: the horizon must be at least 1 month (got 0)"
    )


def test_the_report_notebook_is_read_once_per_process_and_again_when_it_changes(
    tmp_path: Path,
) -> None:
    """report_notebook() hands out a fresh copy without stored outputs each time, from one read
    of the file (papermill's metadata added), and reads the file again once it changes."""
    source = tmp_path / "report.ipynb"
    nb = nbformat.read(str(data_dir("playbook") / "10-client-report.ipynb"), as_version=4)
    assert any(cell.get("outputs") for cell in nb.cells)  # the bundled one keeps nbval's outputs
    nbformat.write(nb, str(source))
    first = run.report_notebook(source)
    first.cells[1].source = "changed by one run"
    second = run.report_notebook(source)
    assert second.cells[1].source == nb.cells[1].source  # each run has its own copy
    assert not any(cell.get("outputs") for cell in second.cells)
    assert "papermill" in second.metadata
    nb.cells[1].source = "# Parameters\njob = None"
    nbformat.write(nb, str(source))
    os.utime(source, ns=(1, 1))  # a new modification time, whatever the clock's resolution
    assert run.report_notebook(source).cells[1].source == "# Parameters\njob = None"
