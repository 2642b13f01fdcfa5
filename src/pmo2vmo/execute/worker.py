"""A batch's worker process: clients taken one by one from a queue, run, delivered.

Each worker finds papermill and nbformat imported and the HTML template loaded (:func:`warm_up`,
paid once by the batch before it forks the workers), keeps the next
client's kernel starting while the current client runs (:mod:`pmo2vmo.execute.pools`), and
replies to the parent (``start``, ``kernel``, ``done``) on its results queue. A client that fails
is recorded with the reason and its folder marked failed; the worker goes on with the next.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path
from typing import Any

from pmo2vmo.errors import RunError, ZygoteError
from pmo2vmo.execute.forkkernel import Zygote, ZygoteClient, die_with_parent, freeze_heap
from pmo2vmo.execute.manifest import ClientResult
from pmo2vmo.execute.outputs import mark_failed, publish
from pmo2vmo.execute.pools import ForkPool, Pool, SpawnPool, kernel_pid, shutdown
from pmo2vmo.execute.run import deliver, execute_report, make_job, skip_slow_optional_imports
from pmo2vmo.execute.staging import staging_folder
from pmo2vmo.model.job import NAMES, SCORES
from pmo2vmo.render import html


def _execute_client(
    client: dict[str, Any],
    settings: dict[str, Any],
    pool: Pool,
    results: Any,
    staging: Path,
    result: ClientResult,
) -> None:
    """Run one client's notebook in ``staging`` and publish its outputs; ``result`` is updated
    in place (status, outputs, timings, error). The notebook reads the client's file, once: an
    input it refuses (invalid, or not one organisation) fails the client with that reason."""
    out_dir = Path(settings["out_dir"])
    km = None
    try:
        km = pool.take()
        results.put(("kernel", client["name"], os.getpid(), kernel_pid(km)))
        pool.prepare()  # the next client's kernel starts while this one works
        formats = settings["formats"]
        job = make_job(client["path"], staging, formats, settings["generated"],
                       profile=client["profile"], moderation=client.get("moderation"),
                       one_organisation=True)  # fmt: skip
        notebook = Path(settings["notebook"]) if settings.get("notebook") else None
        nb, timings = execute_report(job, staging, timeout=settings["timeout"],
                                     notebook=notebook, km=km)  # fmt: skip
        result.timings.update(timings)
        # Every output complete in staging first, then renamed into place (see publish).
        targets = {f: staging / NAMES[f] for f in formats} | {"scores": staging / SCORES}
        staged = deliver(nb, staging, targets, result.timings, generated=settings["generated"])
        written = publish(out_dir, client["slug"], staged)
        result.outputs = [p.relative_to(out_dir).as_posix() for p in written]
        result.status = "ok"
    except RunError as exc:
        result.error = str(exc)
    finally:
        if km is not None:
            shutdown(km)


def _run_client(
    client: dict[str, Any], settings: dict[str, Any], pool: Pool, results: Any
) -> ClientResult:
    """Execute and deliver one client (inside a worker)."""
    started = time.perf_counter()
    result = ClientResult(client["name"], client["slug"], "failed",
                          input_sha256=client["input_sha256"],
                          fingerprint=client["fingerprint"])  # fmt: skip
    out_dir = Path(settings["out_dir"])
    with staging_folder(out_dir) as staging:  # locked while used: a sweep leaves it alone
        _execute_client(client, settings, pool, results, staging, result)
    result.seconds = time.perf_counter() - started
    return result


def warm_up() -> None:
    """What a worker needs before its first client, paid once: papermill and nbformat imported,
    plotly.js and the HTML template loaded, the heap frozen. The batch does this itself, before
    it forks the workers, which inherit it."""
    skip_slow_optional_imports()
    import nbformat  # noqa: F401 - imported once per worker, not per client
    import papermill  # noqa: F401

    html.plotly_js()
    html.template()
    freeze_heap()  # papermill, nbformat, pandas and the template: no longer walked per client


def _fork_pool(settings: dict[str, Any]) -> ForkPool | None:
    """Kernels forked from the batch's warm process (``settings["zygote"]``, its address), else
    from one of this worker's own; None when neither can be had."""
    env = {"PMO2VMO_WORKER_PID": str(os.getpid())}  # each kernel's worker (tests use it)
    try:
        address = settings.get("zygote")
        if address:
            client = ZygoteClient(address)
            try:
                client.wait_ready()  # the batch forked it: it may still be warming up
            except ZygoteError:
                client.close()
                raise
            return ForkPool(client, env)
        return ForkPool(Zygote(), env)
    except (ZygoteError, OSError):
        return None


def _start_worker(settings: dict[str, Any]) -> Pool:
    """Set up this worker process and its kernel pool: tied to the parent's life, the lock's
    descriptor closed, Ctrl-C left to the parent, a kernel started (from the kernelspec if no
    kernel can be forked). The slow imports are the batch's, inherited (:func:`warm_up`)."""
    die_with_parent(settings["parent_pid"])  # first: a batch killed with SIGKILL takes us along
    with contextlib.suppress(OSError):
        os.close(settings["lock_fd"])  # the lock lives exactly as long as the batch process
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    os.environ["PMO2VMO_WORKER_PID"] = str(os.getpid())  # spawned kernels inherit it
    forked = _fork_pool(settings) if settings["kernels"] == "fork" else None
    pool: Pool = SpawnPool(settings["kernel_name"]) if forked is None else forked
    pool.prepare()
    return pool


def _serve(
    client: dict[str, Any], settings: dict[str, Any], pool: Pool, results: Any
) -> ClientResult:
    """Run one client and, when it failed (however it failed), mark its folder failed."""
    try:
        result = _run_client(client, settings, pool, results)
    except Exception as exc:
        result = ClientResult(client["name"], client["slug"], "failed",
                              error=f"{type(exc).__name__}: {exc}",
                              input_sha256=client["input_sha256"],
                              fingerprint=client["fingerprint"])  # fmt: skip
    if result.status == "failed":
        result.error = mark_failed(Path(settings["out_dir"]), client["slug"], client["name"],
                                   result.error)  # fmt: skip
    return result


def work(tasks: Any, results: Any, settings: dict[str, Any]) -> None:
    """A worker process: pays imports once, keeps a kernel ready, runs clients from ``tasks``."""
    pool = _start_worker(settings)
    try:
        while True:
            client = tasks.get()
            if client is None:
                break
            results.put(("start", client["name"], os.getpid(), None))
            result = _serve(client, settings, pool, results)
            results.put(("done", client["name"], os.getpid(), result.to_json()))
    finally:
        pool.close()
