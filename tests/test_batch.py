"""`pmo2vmo batch`: one client per file, in parallel worker processes, each fault survived and
recorded, nothing half-written, re-runs skip what is unchanged and finish what is not."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from click.testing import CliRunner

from builders import two_organisations
from pmo2vmo.cli import main
from pmo2vmo.errors import InvalidInputError
from pmo2vmo.execute import batch, pools
from pmo2vmo.execute import clients as batch_clients
from pmo2vmo.resources import data_dir, samples_dir

pytestmark = pytest.mark.slow

# Behaviour by file name, injected before the report notebook's last cell: the same notebook
# raises, hangs, kills its kernel or kills its worker process depending on the client.
FAULTS = """
import os, pathlib, time
_name = pathlib.Path(spec.responses).stem
if "_previous_client" in globals():  # each client must get a fresh namespace
    raise RuntimeError("namespace shared with " + _previous_client)
_previous_client = _name
if _name.startswith("raises"):
    raise RuntimeError("this client's notebook raises")
if _name.startswith("hangs"):
    time.sleep(600)
if _name.startswith("dies"):
    os._exit(1)
if _name.startswith("kills-worker"):
    os.kill(int(os.environ["PMO2VMO_WORKER_PID"]), 9)
    time.sleep(600)
"""


def _client(folder: Path, name: str, sample: str = "lumen-digital") -> Path:
    """A client file (and its profile and logo) copied from a bundled sample."""
    source = next(p for p in samples_dir().glob(f"{sample}.*") if p.suffix in {".csv", ".xlsx"})
    target = folder / f"{name}{source.suffix}"
    shutil.copy(source, target)
    profile = (samples_dir() / f"{sample}.yaml").read_text(encoding="utf-8")
    logo = samples_dir() / f"{sample}-logo.png"
    profile = profile.replace(f"logo: {logo.name}", f"logo: {logo}")
    (folder / f"{name}.yaml").write_text(profile, encoding="utf-8")
    return target


def write_faulty_notebook(folder: Path) -> Path:
    """The report notebook with the FAULTS cell before its last cell, written into ``folder``."""
    nb = nbformat.read(str(data_dir("playbook") / "10-client-report.ipynb"), as_version=4)
    nb.cells.insert(len(nb.cells) - 1, nbformat.v4.new_code_cell(FAULTS))
    path = folder / "report.ipynb"
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="module")
def faulty_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_faulty_notebook(tmp_path_factory.mktemp("nb"))


@pytest.fixture(scope="module")
def faults_run(
    tmp_path_factory: pytest.TempPathFactory, faulty_notebook: Path
) -> tuple[Path, Path, batch.BatchResult]:
    """One batch with a good client, an invalid file and every kind of failing notebook."""
    in_dir = tmp_path_factory.mktemp("in")
    out_dir = tmp_path_factory.mktemp("out")
    _client(in_dir, "good")
    _client(in_dir, "raises")
    _client(in_dir, "hangs")
    _client(in_dir, "dies")
    _client(in_dir, "kills-worker")
    (in_dir / "invalid.csv").write_text("respondent,PB-GOV-01\nr1,9\n", encoding="utf-8")
    two_organisations(in_dir / "two-orgs.csv")
    (in_dir / "~$good.xlsx").write_bytes(b"lock file")
    result = batch.run_batch(in_dir, out_dir, workers=2, timeout=8, notebook=faulty_notebook,
                             formats="html,xlsx", progress=False)  # fmt: skip
    return in_dir, out_dir, result


def _by_client(result: batch.BatchResult) -> dict[str, batch.ClientResult]:
    return {r.client: r for r in result.results}


def test_every_fault_is_a_recorded_failure_and_the_good_client_succeeds(
    faults_run: tuple[Path, Path, batch.BatchResult],
) -> None:
    """Invalid file, a file of two organisations, raising notebook, hang past the timeout, dead
    kernel and dead worker each fail their own client with a clear reason; the good client still
    gets its report."""
    _, out_dir, result = faults_run
    got = _by_client(result)
    assert sorted(got) == ["dies", "good", "hangs", "invalid", "kills-worker", "raises",
                           "two-orgs"]  # fmt: skip
    assert got["good"].status == "ok", got["good"].error
    assert sorted(got["good"].outputs) == ["good/report.html", "good/scores.json",
                                           "good/scores.xlsx"]  # fmt: skip
    assert all((out_dir / p).is_file() for p in got["good"].outputs)
    errors = {name: r.error or "" for name, r in got.items() if r.status == "failed"}
    assert set(errors) == {"dies", "hangs", "invalid", "kills-worker", "raises", "two-orgs"}
    assert errors["invalid"].startswith("invalid input: invalid.csv, row 2, column B (PB-GOV-01)")
    assert errors["two-orgs"].startswith(
        "the file holds 2 organisations (Lumen Digital, Lumen Labs)"
    )
    assert "raised RuntimeError: this client's notebook raises" in errors["raises"]
    assert "timed out" in errors["hangs"].lower() or "timeout" in errors["hangs"].lower()
    assert "dead" in errors["dies"].lower() or "died" in errors["dies"].lower()
    assert errors["kills-worker"].startswith("the worker process died")
    for name in errors:
        assert got[name].outputs == []
        assert not (out_dir / name).exists() or not list((out_dir / name).iterdir())


def test_spawned_kernels_isolate_faults_too(tmp_path: Path, faulty_notebook: Path) -> None:
    """With kernels started from the kernelspec (--kernels spawn), a raising notebook and a
    dead kernel fail their clients and the good client succeeds."""
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    for name in ("good", "raises", "dies"):
        _client(in_dir, name)
    result = batch.run_batch(in_dir, tmp_path / "out", workers=2, timeout=30, formats="html",
                             notebook=faulty_notebook, progress=False, kernels="spawn")  # fmt: skip
    got = _by_client(result)
    assert got["good"].status == "ok", got["good"].error
    assert "raised RuntimeError: this client's notebook raises" in (got["raises"].error or "")
    assert got["dies"].status == "failed"


def test_manifest_records_status_error_hash_and_timings(
    faults_run: tuple[Path, Path, batch.BatchResult],
) -> None:
    """manifest.json lists every client with status, error, input hash, seconds and outputs."""
    in_dir, out_dir, _ = faults_run
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    clients = {c["client"]: c for c in manifest["clients"]}
    assert set(clients) == {"dies", "good", "hangs", "invalid", "kills-worker", "raises",
                            "two-orgs"}  # fmt: skip
    for entry in clients.values():
        assert set(entry) >= {"client", "status", "error", "input_sha256", "seconds", "outputs"}
    assert clients["good"]["input_sha256"] == batch_clients._sha256(in_dir / "good.csv")
    assert clients["good"]["error"] is None
    assert clients["good"]["seconds"] > 0
    assert clients["raises"]["status"] == "failed"
    assert not list(out_dir.glob(".pmo2vmo-*")), "staging folders are cleaned up"


def test_summary_page_links_every_client(faults_run: tuple[Path, Path, batch.BatchResult]) -> None:
    """index.html lists each client with its status and links the good client's report."""
    _, out_dir, result = faults_run
    page = (out_dir / "index.html").read_text(encoding="utf-8")
    assert result.summary == out_dir / "index.html"
    assert 'href="good/report.html"' in page
    for name in ("raises", "hangs", "dies", "kills-worker", "invalid"):
        assert name in page
    assert "at least five" in page  # one scored client: no cross-client comparison


def test_rerun_skips_what_is_unchanged_and_redoes_failures(
    faults_run: tuple[Path, Path, batch.BatchResult], tmp_path: Path
) -> None:
    """A second run with the good notebook skips the unchanged good client and redoes the
    failed ones, which now succeed (the invalid file still fails)."""
    in_dir, out_dir, _ = faults_run
    work = tmp_path / "out"
    shutil.copytree(out_dir, work)
    before = (work / "good" / "report.html").stat().st_mtime_ns
    result = batch.run_batch(in_dir, work, workers=2, timeout=60, formats="html,xlsx",
                             progress=False)  # fmt: skip
    got = _by_client(result)
    assert got["good"].status == "skipped"
    assert (work / "good" / "report.html").stat().st_mtime_ns == before
    assert {n: r.status for n, r in got.items() if n != "good"} == {
        "dies": "ok", "hangs": "ok", "kills-worker": "ok", "raises": "ok", "invalid": "failed",
        "two-orgs": "failed",
    }  # fmt: skip


def test_changed_profile_or_formats_redo_a_client(tmp_path: Path) -> None:
    """Changing a client's profile redoes only that client; changing formats redoes all."""
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    _client(in_dir, "alpha")
    _client(in_dir, "beta", "harbor-mutual")
    first = batch.run_batch(in_dir, out_dir, formats="html", progress=False)
    assert [r.status for r in first.results] == ["ok", "ok"]
    profile = in_dir / "beta.yaml"
    text = profile.read_text(encoding="utf-8")
    assert "capacity_people: 4.0\n" in text
    profile.write_text(text.replace("capacity_people: 4.0\n", "capacity_people: 2\n"),
                       encoding="utf-8")  # fmt: skip
    second = batch.run_batch(in_dir, out_dir, formats="html", progress=False)
    assert [(r.client, r.status) for r in second.results] == [("alpha", "skipped"),
                                                               ("beta", "ok")]  # fmt: skip
    third = batch.run_batch(in_dir, out_dir, formats="html,xlsx", progress=False)
    assert [r.status for r in third.results] == ["ok", "ok"]
    assert (out_dir / "alpha" / "scores.xlsx").is_file()


@pytest.mark.parametrize(
    ("kernels", "pool"), [("fork", pools.ForkPool), ("spawn", pools.SpawnPool)]
)
def test_a_kernel_that_fails_to_start_is_retried_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernels: str, pool: Any
) -> None:
    """The first kernel start of each worker fails: the retry succeeds and the client is ok;
    when every start fails, the client fails saying so (forked and spawned kernels alike)."""
    real = pool.prepare
    calls = {"n": 0}

    def flaky(self: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:  # per worker process (forked): its very first start fails
            self.next, self.error = None, "Kernel died before replying to kernel_info"
            return
        real(self)

    monkeypatch.setattr(pool, "prepare", flaky)
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    _client(in_dir, "alpha")
    result = batch.run_batch(in_dir, tmp_path / "out", workers=1, formats="html", progress=False,
                             kernels=kernels)  # fmt: skip
    assert result.results[0].status == "ok", result.results[0].error

    def broken(self: Any) -> None:
        self.next, self.error = None, "Kernel died before replying to kernel_info"

    monkeypatch.setattr(pool, "prepare", broken)
    result = batch.run_batch(in_dir, tmp_path / "out2", workers=1, formats="html",
                             progress=False, kernels=kernels)  # fmt: skip
    (failed,) = result.results
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.startswith("the kernel failed to start twice")


def test_an_interrupted_batch_finishes_on_rerun(tmp_path: Path) -> None:
    """A batch killed (SIGKILL) after its first client keeps that client in the manifest; the
    same command again skips it, finishes the rest and compares all five on the summary, with
    no kernel start-up noise on its standard error."""
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    for name, sample in (("a", "lumen-digital"), ("b", "harbor-mutual"), ("c", "lumen-digital"),
                         ("d", "harbor-mutual"), ("e", "northwind-utilities")):  # fmt: skip
        _client(in_dir, name, sample)
    command = [sys.executable, "-m", "pmo2vmo.cli", "batch", str(in_dir), "--out", str(out_dir),
               "--workers", "1", "--formats", "html"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    manifest = out_dir / "manifest.json"
    deadline = time.monotonic() + 180
    done: list[dict[str, Any]] = []
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done = [c for c in json.loads(manifest.read_text())["clients"] if c["status"] == "ok"]
        except (OSError, ValueError):
            done = []
        if done:
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the batch, its workers and their kernels
    proc.wait()
    assert done, "the first client should have finished before the kill"
    finished_first = {c["client"] for c in done}
    assert len(finished_first) < 5
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert "Debugger warning" not in rerun.stderr  # the warm process's debugpy stays quiet
    statuses = {c["client"]: c["status"] for c in json.loads(manifest.read_text())["clients"]}
    assert set(statuses) == {"a", "b", "c", "d", "e"}
    assert {statuses[c] for c in finished_first} == {"skipped"}
    assert set(statuses.values()) <= {"ok", "skipped"}
    assert all((out_dir / c / "report.html").is_file() for c in "abcde")
    assert not list(out_dir.glob(".pmo2vmo-*"))
    # Five scored clients: the summary compares them, skipped ones included.
    page = (out_dir / "index.html").read_text(encoding="utf-8")
    assert "needs at least" not in page
    assert "<th>e</th>" in page


# ------------------------------------------------------------------------- discovery, CLI ---


def test_discovery_ignores_lock_files_and_finds_profiles(tmp_path: Path) -> None:
    """Lock files and hidden files are ignored; a profile is found beside the file or in
    --profile-dir."""
    in_dir, profiles = tmp_path / "in", tmp_path / "profiles"
    in_dir.mkdir()
    profiles.mkdir()
    (in_dir / "Acme Ltd.csv").write_text("x", encoding="utf-8")
    (in_dir / "beta.xlsx").write_text("x", encoding="utf-8")
    (in_dir / "~$beta.xlsx").write_text("x", encoding="utf-8")
    (in_dir / ".hidden.csv").write_text("x", encoding="utf-8")
    (in_dir / "notes.txt").write_text("x", encoding="utf-8")
    (in_dir / "Acme Ltd.yaml").write_text("client: Acme\n", encoding="utf-8")
    (profiles / "beta.yml").write_text("client: Beta\n", encoding="utf-8")
    clients = batch.discover(in_dir, profiles)
    assert [(c.name, c.slug, c.profile.name if c.profile else None) for c in clients] == [
        ("Acme Ltd", "acme-ltd", "Acme Ltd.yaml"), ("beta", "beta", "beta.yml"),
    ]  # fmt: skip


def test_two_files_for_one_client_are_refused(tmp_path: Path) -> None:
    """Two files with one stem (or one output folder) are invalid input naming them all."""
    (tmp_path / "acme.csv").write_text("x", encoding="utf-8")
    (tmp_path / "acme.xlsx").write_text("x", encoding="utf-8")
    (tmp_path / "Beta Co.csv").write_text("x", encoding="utf-8")
    (tmp_path / "beta-co.csv").write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        batch.discover(tmp_path)
    messages = [str(p) for p in caught.value.problems]
    assert any("2 files for client 'acme': acme.csv, acme.xlsx" in m for m in messages)
    assert any("'Beta Co', 'beta-co' would share the output folder 'beta-co'" in m
               for m in messages)  # fmt: skip


def test_cli_exit_codes(tmp_path: Path) -> None:
    """Exit 0 when every client is ok, 1 when one failed, 2 for two files of one client."""
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    _client(in_dir, "alpha")
    runner = CliRunner()
    ok = runner.invoke(main, ["batch", str(in_dir), "--out", str(tmp_path / "o1"),
                              "--formats", "html"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "1 ok, 0 failed, 0 skipped" in ok.output
    (in_dir / "broken.csv").write_text("respondent,PB-GOV-01\nr1,9\n", encoding="utf-8")
    failed = runner.invoke(main, ["batch", str(in_dir), "--out", str(tmp_path / "o1"),
                                  "--formats", "html"])  # fmt: skip
    assert failed.exit_code == 1
    assert "failed   broken — invalid input: broken.csv" in failed.output
    assert "0 ok, 1 failed, 1 skipped" in failed.output
    shutil.copy(in_dir / "alpha.csv", in_dir / "broken.xlsx")
    refused = runner.invoke(main, ["batch", str(in_dir), "--out", str(tmp_path / "o2")])
    assert refused.exit_code == 2
    assert "2 files for client 'broken'" in refused.output


def test_batch_help_is_accurate() -> None:
    """`batch --help` documents every option and the exit codes."""
    result = CliRunner().invoke(main, ["batch", "--help"])
    for option in ("--out", "--workers", "--timeout", "--profile-dir", "--formats", "--kernels"):
        assert option in result.output
    assert "Exit code 1" in result.output


def test_relative_folders_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative IN_DIR and --out work: workers and kernels get absolute paths."""
    (tmp_path / "in").mkdir()
    _client(tmp_path / "in", "alpha")
    monkeypatch.chdir(tmp_path)
    result = batch.run_batch("in", "out", workers=1, formats="html", progress=False)
    assert [r.status for r in result.results] == ["ok"], result.results[0].error
    assert (tmp_path / "out" / "alpha" / "report.html").is_file()
