"""`pmo2vmo batch` against hostile or careless use: two batches on one output folder, the batch
killed with SIGKILL, stale outputs after a failure or narrower formats, client names that would
share a folder or take one of the batch's own names."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pmo2vmo.cli import main
from pmo2vmo.errors import InvalidInputError
from pmo2vmo.execute import batch, outputs
from pmo2vmo.execute import clients as batch_clients
from pmo2vmo.execute.lock import locked
from test_batch import _client, write_faulty_notebook

INVALID = "respondent,PB-GOV-01\nr1,9\n"  # fails validation, before any kernel is used
EVERY_FORMAT = "html,ipynb,xlsx,pptx"
DELIVERABLES = {"report.html", "report.ipynb", "scores.xlsx", "deck.pptx", "scores.json"}

# The kernel writes its process id where the test can see it, then hangs.
HANG = """
import os, pathlib, time
pathlib.Path(os.environ["PMO2VMO_TEST_PIDS"], str(os.getpid())).write_text("kernel")
time.sleep(600)
"""

RUN_BATCH = """
import sys
from pmo2vmo.execute.batch import run_batch
run_batch(sys.argv[1], sys.argv[2], workers=1, timeout=600, notebook=sys.argv[3],
          formats="html", progress=False, kernels=sys.argv[4])
"""


@pytest.fixture(scope="module")
def hanging_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report notebook whose kernel records its pid and hangs right after the parameters."""
    nb = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })  # fmt: skip
    nb.cells = [
        nbformat.v4.new_code_cell("job = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(HANG),
    ]
    path = tmp_path_factory.mktemp("nb") / "hangs.ipynb"
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="module")
def faulty_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report notebook with test_batch's FAULTS cell before its last cell."""
    return write_faulty_notebook(tmp_path_factory.mktemp("nb"))


def _top(folder: Path) -> set[str]:
    """The batch-owned deliverables at the top of a client's folder."""
    return {p.name for p in folder.iterdir() if p.name in DELIVERABLES}


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture
def held_lock(tmp_path: Path) -> Iterator[Path]:
    """An output folder whose lock another batch (process 4242) holds."""
    out = tmp_path / "out"
    out.mkdir()
    with open(out / batch.LOCK_FILE, "w", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.write("4242\n")
        handle.flush()
        yield out


# ------------------------------------------------------------------------------ the lock ---


def test_a_second_batch_on_a_locked_folder_is_refused_before_touching_it(
    tmp_path: Path, held_lock: Path
) -> None:
    """A batch on a locked folder is refused naming folder and holder, touching nothing there."""
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    (in_dir / "alpha.csv").write_text(INVALID, encoding="utf-8")
    staging = held_lock / ".pmo2vmo-abc123"
    staging.mkdir()
    (held_lock / "manifest.json").write_text("theirs", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        batch.run_batch(in_dir, held_lock, progress=False)
    (problem,) = caught.value.problems
    assert str(problem) == (
        f"--out: another batch (process 4242) is writing to {held_lock}; wait for it to finish "
        "or choose another --out"
    )
    assert staging.is_dir()
    assert (held_lock / "manifest.json").read_text(encoding="utf-8") == "theirs"


def test_the_cli_exits_2_on_a_locked_folder(tmp_path: Path, held_lock: Path) -> None:
    """`pmo2vmo batch` on a folder another batch holds exits with code 2, naming its process."""
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    (in_dir / "alpha.csv").write_text(INVALID, encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(in_dir), "--out", str(held_lock)])
    assert result.exit_code == 2, result.output
    assert "another batch (process 4242) is writing to" in result.output


def test_the_lock_holds_our_pid_is_released_and_survives_the_staging_sweep(
    tmp_path: Path,
) -> None:
    """The held lock holds our pid, refuses a second holder, survives the sweep, then is freed."""
    with locked(tmp_path) as fd:
        assert fd >= 0
        lock = tmp_path / batch.LOCK_FILE
        assert lock.read_text(encoding="ascii") == f"{os.getpid()}\n"
        with (
            pytest.raises(InvalidInputError, match=f"process {os.getpid()}"),
            locked(tmp_path),
        ):
            pass
        batch._sweep_staging(tmp_path)
        assert lock.is_file()
    assert lock.read_text(encoding="ascii") == ""
    with open(lock, "a", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: does not raise


def test_a_planted_lock_link_is_refused_not_followed(tmp_path: Path) -> None:
    """A symbolic link planted as the lock file is refused, and what it points to is untouched."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / batch.LOCK_FILE).symlink_to(victim)
    with pytest.raises(InvalidInputError, match="cannot open the lock file"), locked(out):
        pass
    assert victim.read_text(encoding="utf-8") == "precious"


# --------------------------------------------------------------- kill -9 of the batch ---


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of a process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), fields[0], int(fields[19])


def _descendants(root: int) -> dict[int, int]:
    """Every live descendant of ``root``: pid → start time (to tell a reused pid apart)."""
    stats = {int(e): s for e in os.listdir("/proc") if e.isdigit() and (s := _stat(int(e)))}
    found: dict[int, int] = {}
    stack = [root]
    while stack:
        parent = stack.pop()
        for pid, (ppid, state, start) in stats.items():
            if ppid == parent and pid not in found and state not in "ZX":
                found[pid] = start
                stack.append(pid)
    return found


def _alive(pid: int, start: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[1] not in "ZX" and stat[2] == start


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("kernels", ["fork", "spawn"])
def test_killing_the_batch_kills_its_workers_and_kernels(
    tmp_path: Path, hanging_notebook: Path, kernels: str
) -> None:
    """kill -9 of a running batch (holding the lock) kills every descendant and frees the lock."""
    in_dir, out_dir, pids = tmp_path / "in", tmp_path / "out", tmp_path / "pids"
    for folder in (in_dir, pids):
        folder.mkdir()
    _client(in_dir, "alpha")
    env = {**os.environ, "PMO2VMO_TEST_PIDS": str(pids)}
    command = [sys.executable, "-c", RUN_BATCH, str(in_dir), str(out_dir), str(hanging_notebook),
               kernels]  # fmt: skip
    with open(tmp_path / "stderr.txt", "wb") as stderr:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    tree: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 120
        while not list(pids.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert proc.poll() is None, (tmp_path / "stderr.txt").read_text(encoding="utf-8")
        (kernel,) = (int(p.name) for p in pids.iterdir())
        tree = _descendants(proc.pid)
        assert kernel in tree
        assert len(tree) >= (4 if kernels == "fork" else 3)  # worker, (zygote,) kernel, next
        with pytest.raises(InvalidInputError, match=f"another batch \\(process {proc.pid}\\)"):
            batch.run_batch(in_dir, out_dir, progress=False)

        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while any(_alive(p, s) for p, s in tree.items()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p, s in tree.items() if _alive(p, s)], "descendants outlived the batch"
        with open(out_dir / batch.LOCK_FILE, "a", encoding="ascii") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released: does not raise
    finally:
        for pid, start in tree.items() | _descendants(proc.pid).items():
            if _alive(pid, start):
                os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()


# ------------------------------------------------------------------------- stale outputs ---


@pytest.mark.slow
def test_a_failed_client_keeps_nothing_current_and_loses_nothing(tmp_path: Path) -> None:
    """Narrow formats leave only those; a failure moves outputs to previous/; success clears it."""
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    source = _client(in_dir, "alpha")
    good = source.read_bytes()
    folder = out_dir / "alpha"

    first = batch.run_batch(in_dir, out_dir, formats=EVERY_FORMAT, workers=1, progress=False)
    assert first.results[0].status == "ok", first.results[0].error
    assert _top(folder) == DELIVERABLES
    (folder / "notes.txt").write_text("mine", encoding="utf-8")

    narrower = batch.run_batch(in_dir, out_dir, formats="html,xlsx", workers=1, progress=False)
    assert narrower.results[0].status == "ok", narrower.results[0].error
    assert _top(folder) == {"report.html", "scores.xlsx", "scores.json"}
    assert not (folder / "previous").exists()
    last_good = {k: v for k, v in _digests(folder).items() if k in DELIVERABLES}

    source.write_text(INVALID, encoding="utf-8")
    for _ in range(2):  # the second failure has nothing new to move: previous/ is kept
        failed = batch.run_batch(in_dir, out_dir, formats="html,xlsx", workers=1, progress=False)
        (result,) = failed.results
        assert result.status == "failed"
        assert (result.error or "").startswith("invalid input: alpha.csv")
        assert _top(folder) == set()
        assert _digests(folder / "previous") == last_good
        text = (folder / "FAILED.txt").read_text(encoding="utf-8")
        assert "'alpha' failed on 20" in text
        assert f"Reason: {result.error}" in text
        assert sorted(p.name for p in folder.iterdir()) == ["FAILED.txt", "notes.txt", "previous"]
        entry = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))["clients"][0]
        assert (entry["status"], entry["error"], entry["outputs"]) == ("failed", result.error, [])
        assert 'href="alpha/' not in (out_dir / "index.html").read_text(encoding="utf-8")

    source.write_bytes(good)
    again = batch.run_batch(in_dir, out_dir, formats="html", workers=1, progress=False)
    assert again.results[0].status == "ok", again.results[0].error
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "report.html", "scores.json"]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert 'href="alpha/report.html"' in (out_dir / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_worker_that_dies_leaves_its_client_marked_failed(
    tmp_path: Path, faulty_notebook: Path
) -> None:
    """A worker's death makes the parent write FAILED.txt and move the outputs into previous/."""
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    _client(in_dir, "kills-worker")
    folder = out_dir / "kills-worker"
    first = batch.run_batch(in_dir, out_dir, formats="html,xlsx", workers=1, progress=False)
    assert first.results[0].status == "ok", first.results[0].error
    before = _digests(folder)
    second = batch.run_batch(in_dir, out_dir, formats="html", workers=1, progress=False,
                             notebook=faulty_notebook)  # fmt: skip
    (result,) = second.results
    assert (result.error or "").startswith("the worker process died")
    assert sorted(p.name for p in folder.iterdir()) == ["FAILED.txt", "previous"]
    assert _digests(folder / "previous") == before
    assert "the worker process died" in (folder / "FAILED.txt").read_text(encoding="utf-8")


def test_an_interrupted_retirement_is_finished_by_the_next(tmp_path: Path) -> None:
    """A move into previous/ cut short is finished by the next: newest outputs kept, no debris."""
    folder = tmp_path / "alpha"
    (folder / outputs.RETIRING).mkdir(parents=True)
    (folder / outputs.RETIRING / "report.html").write_text("new html", encoding="utf-8")
    (folder / "deck.pptx").write_text("new deck", encoding="utf-8")
    (folder / outputs.DISCARD).mkdir()
    (folder / outputs.DISCARD / "report.html").write_text("oldest", encoding="utf-8")
    (folder / "previous").mkdir()
    (folder / "previous" / "scores.xlsx").write_text("old", encoding="utf-8")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    outputs.retire(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "previous"]
    assert {p.name: p.read_text(encoding="utf-8") for p in (folder / "previous").iterdir()} == {
        "report.html": "new html", "deck.pptx": "new deck",
    }  # fmt: skip


def test_nothing_to_retire_keeps_previous(tmp_path: Path) -> None:
    """With no deliverable at the top of the folder, previous/ is left as it is."""
    (tmp_path / "previous").mkdir()
    (tmp_path / "previous" / "report.html").write_text("old", encoding="utf-8")
    (tmp_path / "report.html.bak").write_text("not ours", encoding="utf-8")
    outputs.retire(tmp_path)
    assert (tmp_path / "previous" / "report.html").read_text(encoding="utf-8") == "old"
    assert (tmp_path / "report.html.bak").is_file()


def test_a_client_that_never_succeeded_gets_no_folder(tmp_path: Path) -> None:
    """Marking failed a client with no folder creates nothing."""
    assert outputs.mark_failed(tmp_path, "alpha", "alpha", "boom") == "boom"
    assert list(tmp_path.iterdir()) == []


def test_a_client_is_skipped_only_with_every_output_and_no_failure_mark(tmp_path: Path) -> None:
    """Skipping needs exactly this run's outputs, all on disk, and no FAILED.txt."""
    folder = tmp_path / "alpha"
    folder.mkdir()
    for name in ("report.html", "scores.xlsx", "scores.json"):
        (folder / name).write_text("x", encoding="utf-8")
    entry = {"outputs": ["alpha/report.html", "alpha/scores.xlsx", "alpha/scores.json"]}
    assert outputs.is_complete(tmp_path, "alpha", entry, ["html", "xlsx"])
    assert not outputs.is_complete(tmp_path, "alpha", entry, ["html"])
    assert not outputs.is_complete(tmp_path, "alpha", entry, ["html", "xlsx", "pptx"])
    assert not outputs.is_complete(tmp_path, "alpha", {"outputs": entry["outputs"][:1]}, ["html"])
    (folder / "scores.xlsx").unlink()
    assert not outputs.is_complete(tmp_path, "alpha", entry, ["html", "xlsx"])
    (folder / "scores.xlsx").write_text("x", encoding="utf-8")
    (folder / "FAILED.txt").write_text("x", encoding="utf-8")
    assert not outputs.is_complete(tmp_path, "alpha", entry, ["html", "xlsx"])


# ------------------------------------------------------------------------- unique names ---


def test_names_that_share_a_folder_are_refused_naming_them(tmp_path: Path) -> None:
    """Acme, Acme!, acme (acme) and Acme 2, acme-2, ACME_2 (acme-2) are refused, groups named."""
    for stem in ("Acme", "Acme!", "acme", "Acme 2", "acme-2", "ACME_2", "Beta"):
        (tmp_path / f"{stem}.csv").write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        batch.discover(tmp_path)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 2
    acme = next(m for m in messages if "folder 'acme'" in m)
    acme2 = next(m for m in messages if "folder 'acme-2'" in m)
    assert all(f"{name!r}" in acme for name in ("Acme", "Acme!", "acme"))
    assert all(f"{name!r}" in acme2 for name in ("Acme 2", "acme-2", "ACME_2"))
    assert "Beta" not in " ".join(messages)


STEM = st.text(alphabet=st.sampled_from(list("Aa cmE!-_2.é~$ÀＡ")), min_size=1, max_size=6)


def _discover(stems: list[str]) -> list[batch.Client] | list[str]:
    """The clients of a folder holding one file per stem, or the problems refusing them."""
    with tempfile.TemporaryDirectory() as folder:
        for stem in stems:
            Path(folder, f"{stem}.csv").write_text("x", encoding="utf-8")
        try:
            return batch.discover(Path(folder))
        except InvalidInputError as exc:
            return [str(p) for p in exc.problems]


@given(st.lists(STEM, min_size=1, max_size=6, unique=True))
def test_no_two_clients_ever_share_a_folder(stems: list[str]) -> None:
    """Any file names: refused, or a distinct (case-insensitively), unreserved folder each."""
    reserved = {name.casefold() for name in batch.RESERVED}
    found = _discover(stems)
    problems = [p for p in found if isinstance(p, str)]
    if problems:
        assert all("would share the output folder" in p for p in problems)
        return
    clients = [c for c in found if isinstance(c, batch.Client)]
    slugs = [c.slug.casefold() for c in clients]
    assert len(set(slugs)) == len(slugs)
    for slug in slugs:
        assert slug not in reserved
        assert not slug.startswith((".", batch.STAGING_PREFIX))


def test_a_folder_name_the_batch_uses_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client whose folder would be a name batch writes at the top of OUT_DIR is refused."""
    taken = {"m": "manifest.json", "i": "Index.html", "l": batch.LOCK_FILE, "s": ".pmo2vmo-x"}
    monkeypatch.setattr(batch_clients, "slugify", lambda name, fallback="": taken.get(name, name))
    for stem in (*taken, "fine"):
        (tmp_path / f"{stem}.csv").write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        batch.discover(tmp_path)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 4
    for stem, slug in taken.items():
        assert any(f"client {stem!r} would get the output folder {slug.casefold()!r}" in m
                   for m in messages)  # fmt: skip
