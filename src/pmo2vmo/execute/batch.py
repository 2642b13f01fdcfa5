"""``pmo2vmo batch``: every client's report in one command — parallel, resumable, fault-isolated.

A client is an input file of ``IN_DIR`` (``.csv``, ``.xlsx``, ``.jsonl``), named by its stem; its
profile is ``STEM.yaml`` beside it or in ``--profile-dir``. Office lock files (``~$*``) and hidden
files are ignored; two files with one stem are refused before anything runs.

How it stays correct:

- **Fault isolation.** Clients run in worker processes; a client whose file is invalid, whose
  notebook raises, hangs past the timeout or whose kernel dies is recorded as failed with the
  reason, and the others go on. A worker process that dies is replaced and its client recorded
  as failed. A kernel that fails to start is retried once. Success is proven by the nonce
  sentinel the notebook's last cell writes (see :mod:`pmo2vmo.execute.run`), never by papermill alone.
- **Nothing lost, nothing half-written.** Every output is written atomically;
  ``OUT_DIR/manifest.json`` is rewritten (atomically) as each client finishes, so an
  interrupted batch keeps what it finished; re-running skips clients whose input, profile,
  formats, instrument, templates and package version are unchanged (their fingerprint), and
  redoes what changed or failed. A client is skipped only when its manifest entry is ok or
  skipped with the same fingerprint, lists exactly the outputs this run asks for, every one of
  them is on disk and its folder holds no ``FAILED.txt``.
- **One batch per output folder.** A batch holds an exclusive lock (``flock``) on
  ``OUT_DIR/.pmo2vmo.lock``, which holds its process id, from before it touches anything in
  ``OUT_DIR`` until it returns; a second batch on the same folder is refused as invalid input
  (exit code 2) naming that process. The operating system releases the lock when the process
  dies, however it dies: a killed batch never leaves a stale lock.
- **Nothing outlives the batch.** Workers, their warm processes and every kernel get SIGKILL
  when their parent dies (Linux, :func:`pmo2vmo.execute.forkkernel.die_with_parent`), so a batch killed
  with ``kill -9`` stops writing at once.
- **A folder never shows stale outputs as current.** Batch owns, in ``OUT_DIR/<slug>/``, the
  deliverable names (``report.html``, ``report.ipynb``, ``scores.xlsx``, ``deck.pptx``,
  ``report.pdf``, ``scores.json``), ``FAILED.txt`` and ``previous/``; it never touches any
  other file there.
  When a client fails (in its worker, or recorded by the parent for a worker that died or was
  stopped at the deadline) and its folder exists, ``FAILED.txt`` (the reason and the date) is
  written first, then the deliverables at the top of the folder are moved into ``previous/``,
  replacing an older ``previous/`` only when there is something to move: nothing is lost, and
  nothing at the top looks current. When a client succeeds, its outputs are built in staging,
  the deliverables at the top are moved into ``previous/``, the new ones moved in (each an
  atomic rename), then ``previous/`` and last ``FAILED.txt`` are removed: the top of the folder
  holds exactly the formats of this run. Each step is a rename, and a step cut short is finished
  by the next. So, whenever a batch is interrupted, a folder holding stale deliverables at its
  top says it failed; otherwise its top holds the last run's deliverables (some of them, while
  they are moved aside) or this run's (some of them, while they are moved in), never a mix, and
  the manifest lists the client as ok only once all is in place. A client with no folder (it
  never succeeded) gets none for a failure.
- **One folder per client.** Two clients whose names give the same folder (``Acme``,
  ``acme``, ``Acme!``) are refused before anything runs, and no client's folder can be one of
  the names batch writes at the top of ``OUT_DIR``.

How it stays fast, with a fresh kernel per client: the batch imports papermill and nbformat
and loads the HTML template once, before it forks the workers; kernels are forked from one zygote,
shared by the workers, that has imported pandas, plotly and pmo2vmo, parsed the data files and
rehearsed one report (so plotly's validators, python-pptx's and openpyxl's classes and the
templates are built before any client); each worker has the *next* client's kernel forked
while the current client runs; papermill hands the executed
notebook back in memory, and the HTML is rendered from it in-process (Jinja2, no nbconvert);
the PDF, when asked for, is printed from that HTML in the worker (:mod:`pmo2vmo.execute.pdf`).

Where it lives: the clients and their fingerprints in :mod:`pmo2vmo.execute.clients`, the
manifest in :mod:`~pmo2vmo.execute.manifest`, the lock in :mod:`~pmo2vmo.execute.lock`, a
client's folder in :mod:`~pmo2vmo.execute.outputs`, the kernel pools in
:mod:`~pmo2vmo.execute.pools`, the worker process in :mod:`~pmo2vmo.execute.worker` and the
parent's watch over the workers in :mod:`~pmo2vmo.execute.supervisor`; this module ties them
together.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmo2vmo.errors import InputProblem, InvalidInputError
from pmo2vmo.execute.clients import (
    INPUT_SUFFIXES,
    RESERVED,
    SUMMARY,
    Client,
    discover,
    environment_digest,
    fingerprint,
)
from pmo2vmo.execute.lock import LOCK_FILE, locked
from pmo2vmo.execute.manifest import (
    MANIFEST,
    ClientResult,
    from_json,
    manifest_content,
    read_manifest,
    write_manifest,
)
from pmo2vmo.execute.outputs import is_complete
from pmo2vmo.execute.pdf import require_chromium
from pmo2vmo.execute.run import report_date
from pmo2vmo.execute.staging import PREFIX, clean_stale
from pmo2vmo.execute.supervisor import run_all
from pmo2vmo.model.job import DEFAULT_FORMATS, SCORES, parse_formats
from pmo2vmo.render.summary import write_summary

__all__ = [
    "LOCK_FILE",
    "MANIFEST",
    "RESERVED",
    "STAGING_PREFIX",
    "SUMMARY",
    "BatchResult",
    "Client",
    "ClientResult",
    "discover",
    "environment_digest",
    "fingerprint",
    "read_manifest",
    "run_batch",
]

STAGING_PREFIX = (
    PREFIX  # staging folders (pmo2vmo.execute.staging); swept at start and end under the lock
)


@dataclass
class BatchResult:
    """What a batch did."""

    out_dir: Path
    results: list[ClientResult]
    summary: Path | None = None

    @property
    def failed(self) -> list[ClientResult]:
        """The clients that failed."""
        return [r for r in self.results if r.status == "failed"]

    def counts(self) -> dict[str, int]:
        """How many clients are ok, failed and skipped."""
        counts = {"ok": 0, "failed": 0, "skipped": 0}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts


def run_batch(
    in_dir: Path | str,
    out_dir: Path | str,
    *,
    workers: int = 2,
    timeout: float = 600,
    profile_dir: Path | str | None = None,
    formats: str | Sequence[str] = DEFAULT_FORMATS,
    progress: bool = True,
    notebook: Path | str | None = None,
    kernel_name: str = "python3",
    kernels: str = "fork",
) -> BatchResult:
    """Report on every client of ``in_dir`` into ``out_dir``; see the module docstring.

    ``kernels``: ``fork`` (default) forks each client's kernel from a warm process per worker;
    ``spawn`` starts each kernel from its kernelspec (``kernel_name``) like Jupyter does.
    """
    if kernels not in {"fork", "spawn"}:
        raise InvalidInputError([InputProblem("--kernels", f"unknown mode {kernels!r}",
                                              "use fork or spawn")])  # fmt: skip
    wanted = parse_formats(formats)
    if "pdf" in wanted:
        require_chromium()  # before anything runs: each worker prints its clients' PDFs
    in_dir, out_dir = Path(in_dir).resolve(), Path(out_dir).resolve()
    clients = discover(in_dir, Path(profile_dir) if profile_dir else None)
    if not clients:
        raise InvalidInputError([InputProblem(
            str(in_dir), "no client files", f"put one {', '.join(INPUT_SUFFIXES)} file per client"
        )])  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    with locked(out_dir) as lock_fd:  # before anything in OUT_DIR is touched
        return _run_locked(clients, wanted, out_dir, lock_fd, workers=workers, timeout=timeout,
                           progress=progress, notebook=notebook, kernel_name=kernel_name,
                           kernels=kernels)  # fmt: skip


def _sweep_staging(out_dir: Path) -> None:
    """Remove the staging folders an interrupted batch, a dead worker or a killed ``run`` left;
    a folder still locked by a live process (a ``pmo2vmo run`` into the same folder) stays."""
    clean_stale(out_dir)


def _triage(
    clients: list[Client], wanted: Sequence[str], out_dir: Path
) -> tuple[dict[str, ClientResult], list[dict[str, Any]]]:
    """The clients skipped (their manifest entry ok or skipped with the same fingerprint, their
    outputs complete) as results, and the tasks for the workers: every other client."""
    previous = read_manifest(out_dir)
    environment = environment_digest()
    results: dict[str, ClientResult] = {}
    todo: list[dict[str, Any]] = []
    for client in clients:
        prints = fingerprint(client, wanted, environment)
        before = previous.get(client.name)
        if (
            before is not None
            and before.get("status") in {"ok", "skipped"}
            and before.get("fingerprint") == prints["fingerprint"]
            and is_complete(out_dir, client.slug, before, wanted)
        ):
            kept = from_json(before)
            kept.status = "skipped"
            results[client.name] = kept
            continue
        todo.append({"name": client.name, "slug": client.slug, "path": str(client.path),
                     "profile": None if client.profile is None else str(client.profile),
                     "moderation": None if client.moderation is None else str(client.moderation),
                     **prints})  # fmt: skip
    return results, todo


def _run_locked(
    clients: list[Client],
    wanted: Sequence[str],
    out_dir: Path,
    lock_fd: int,
    *,
    workers: int,
    timeout: float,
    progress: bool,
    notebook: Path | str | None,
    kernel_name: str,
    kernels: str,
) -> BatchResult:
    """:func:`run_batch` once it holds ``out_dir``'s lock."""
    _sweep_staging(out_dir)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results, todo = _triage(clients, wanted, out_dir)
    write_manifest(out_dir, results, started)
    settings = {
        "out_dir": str(out_dir), "formats": list(wanted), "timeout": timeout,
        "generated": report_date(), "kernel_name": kernel_name, "kernels": kernels,
        "notebook": None if notebook is None else str(notebook),
        "parent_pid": os.getpid(), "lock_fd": lock_fd,
    }  # fmt: skip
    if todo:
        run_all(todo, settings, max(1, min(workers, len(todo))), results, out_dir, started,
                progress)  # fmt: skip
    _sweep_staging(out_dir)  # a worker that died left its own
    summary = _summary(out_dir, results, started)
    ordered = [results[c.name] for c in clients]
    return BatchResult(out_dir, ordered, summary)


def _summary(out_dir: Path, results: dict[str, ClientResult], started: str) -> Path | None:
    """Write the batch's index page from the manifest and each finished client's scores."""
    scores: dict[str, Any] = {}
    for name, result in results.items():
        scores[name] = None
        if result.status in {"ok", "skipped"}:
            with contextlib.suppress(OSError, ValueError):
                path = out_dir / result.slug / SCORES
                scores[name] = json.loads(path.read_text(encoding="utf-8"))
    return write_summary(out_dir, manifest_content(results, started), scores)
