"""A batch's parent side: worker processes started, watched and replaced; each result recorded.

Clients go to the workers (:mod:`pmo2vmo.execute.worker`) through a task queue; their replies
come back on another. Each client's result is written to the manifest as it arrives. A worker
that dies, or holds a client past the deadline (and is then killed, with its kernel), has that
client recorded as failed and its folder marked failed, and is replaced while clients remain.
Ctrl-C kills every worker and records what finished.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import signal
import time
from pathlib import Path
from typing import Any

from pmo2vmo.errors import BatchInterrupted
from pmo2vmo.execute.forkkernel import Zygote
from pmo2vmo.execute.manifest import MANIFEST, ClientResult, from_json, write_manifest
from pmo2vmo.execute.outputs import mark_failed
from pmo2vmo.execute.worker import warm_up, work

Holding = tuple[str, float, int | None]  # what a worker holds: its client, since when, the kernel


def _kill(proc: Any, kernel_pid: int | None) -> None:
    """Kill a worker process (and the kernel it was running, if known)."""
    with contextlib.suppress(Exception):
        proc.kill()
        proc.join(timeout=10)
    if kernel_pid:
        with contextlib.suppress(Exception):
            os.kill(kernel_pid, signal.SIGKILL)


class _Bar:
    """The progress bar: one step per client recorded."""

    def __init__(self, total: int, enabled: bool) -> None:
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: the batch forks replacement workers
        self.tqdm = tqdm(total=total, unit="client", disable=None if enabled else True,
                         dynamic_ncols=True)  # fmt: skip

    def __call__(self, name: str, status: str) -> None:
        """Count one client, showing its status and name."""
        self.tqdm.set_postfix_str(f"{status}: {name}"[:40], refresh=False)
        self.tqdm.update(1)

    def close(self) -> None:
        """Close the bar."""
        self.tqdm.close()


def _progress(total: int, enabled: bool) -> _Bar:
    """A progress bar over ``total`` clients (silent unless ``enabled``)."""
    return _Bar(total, enabled)


class _Supervisor:
    """The worker processes of one batch, the clients they hold, and the results they send."""

    def __init__(
        self,
        todo: list[dict[str, Any]],
        settings: dict[str, Any],
        results: dict[str, ClientResult],
        out_dir: Path,
        started: str,
    ) -> None:
        self.ctx = mp.get_context("fork")
        self.tasks: Any = self.ctx.Queue()
        self.replies: Any = self.ctx.Queue()
        self.by_name = {c["name"]: c for c in todo}
        for client in todo:
            self.tasks.put(client)
        self.settings, self.results = settings, results
        self.out_dir, self.started = out_dir, started
        self.procs: dict[int, Any] = {}
        self.running: dict[int, Holding] = {}  # worker pid → client, start, kernel
        self.deadline = max(settings["timeout"] * 4, settings["timeout"] + 300)
        self.pending = set(self.by_name)
        self.bar: _Bar | None = None

    def spawn(self) -> None:
        """Start one worker process, told to stop (a ``None`` task) once the queue is empty."""
        # Always from this thread, the one running the batch, which outlives every worker: a
        # worker's death signal (die_with_parent) fires when the thread that forked it exits.
        proc = self.ctx.Process(target=work, args=(self.tasks, self.replies, self.settings),
                                daemon=False)  # fmt: skip
        proc.start()
        assert proc.pid is not None
        self.procs[proc.pid] = proc

    def start(self, workers: int) -> None:
        """Start ``workers`` worker processes."""
        for _ in range(workers):
            self.spawn()
        for _ in range(workers):
            self.tasks.put(None)

    def supervise(self, bar: _Bar) -> None:
        """Until every client is recorded: take the workers' replies, watch the workers."""
        self.bar = bar
        while self.pending:
            self._receive()
            self._watch()
            if self.pending and not self.procs:
                self._replace()

    def _receive(self) -> None:
        """Take one reply from a worker, if one comes within half a second."""
        try:
            kind, name, pid, payload = self.replies.get(timeout=0.5)
        except queue.Empty:
            return
        if kind == "start":
            self.running[pid] = (name, time.monotonic(), None)
        elif kind == "kernel":
            since = self.running.get(pid, (name, time.monotonic(), None))[1]
            self.running[pid] = (name, since, payload)
        elif kind == "done":
            self.running.pop(pid, None)
            self._record(name, from_json(payload))

    def _watch(self) -> None:
        """Workers that died, or clients past the deadline: record, replace, go on."""
        for wpid, proc in list(self.procs.items()):
            holding = self.running.get(wpid)
            overdue = holding is not None and time.monotonic() - holding[1] > self.deadline
            if overdue:
                _kill(proc, holding[2] if holding else None)
            if not proc.is_alive():
                proc.join()
                del self.procs[wpid]
                if holding is not None:
                    self.running.pop(wpid, None)
                    self._lost(holding[0], proc, overdue)

    def _lost(self, name: str, proc: Any, overdue: bool) -> None:
        """Record as failed the client a worker held when it died or was stopped; replace it."""
        client = self.by_name[name]
        reason = (
            f"no result after {self.deadline:g} s: the worker was stopped"
            if overdue
            else f"the worker process died (exit code {proc.exitcode})"
        )
        error = mark_failed(self.out_dir, client["slug"], client["name"], reason)
        self._record(name, ClientResult(
            client["name"], client["slug"], "failed", error=error,
            input_sha256=client["input_sha256"], fingerprint=client["fingerprint"],
        ))  # fmt: skip
        if self.pending:
            self._replace()

    def _replace(self) -> None:
        """Start a worker in place of one that is gone."""
        self.spawn()
        self.tasks.put(None)

    def _record(self, name: str, result: ClientResult) -> None:
        """Record a client's result: in the results, the manifest and the progress bar."""
        self.results[name] = result
        self.pending.discard(name)
        write_manifest(self.out_dir, self.results, self.started)
        if self.bar is not None:
            self.bar(name, result.status)

    def kill_all(self) -> None:
        """Kill every worker process."""
        for proc in self.procs.values():
            _kill(proc, None)

    def join(self) -> None:
        """Wait for the workers to finish (30 seconds each); kill those that do not."""
        for proc in self.procs.values():
            proc.join(timeout=30)
            if proc.is_alive():
                _kill(proc, None)


def run_all(
    todo: list[dict[str, Any]],
    settings: dict[str, Any],
    workers: int,
    results: dict[str, ClientResult],
    out_dir: Path,
    started: str,
    progress: bool,
) -> None:
    """Run the clients of ``todo`` on ``workers`` worker processes, recording each one in
    ``results`` and the manifest as it finishes; Ctrl-C raises :class:`BatchInterrupted`.

    With forked kernels, one warm process serves every worker: forked first (before any thread
    of this process starts), it warms up on one core while this process pays the workers'
    imports (:func:`~pmo2vmo.execute.worker.warm_up`) on the other, and the workers, forked
    after, inherit those.
    """
    zygote = _shared_zygote(settings)
    warm_up()
    supervisor = _Supervisor(todo, settings, results, out_dir, started)
    supervisor.start(workers)
    bar = _progress(len(todo), progress)
    try:
        supervisor.supervise(bar)
    except KeyboardInterrupt:
        supervisor.kill_all()
        write_manifest(out_dir, results, started)
        raise BatchInterrupted(
            f"interrupted: {len(results)} clients recorded in {out_dir / MANIFEST}; run the same "
            "command again to finish the rest"
        ) from None
    finally:
        bar.close()
        supervisor.join()
        if zygote is not None:
            zygote.close()


def _shared_zygote(settings: dict[str, Any]) -> Zygote | None:
    """The workers' warm process, not waited for (its address in ``settings["zygote"]``), or
    None: spawned kernels, or a fork that failed (each worker then tries its own)."""
    settings["zygote"] = None
    if settings["kernels"] != "fork":
        return None
    try:
        zygote = Zygote(wait=False, close_fds=(settings["lock_fd"],))
    except OSError:
        return None
    settings["zygote"] = zygote.address
    return zygote
