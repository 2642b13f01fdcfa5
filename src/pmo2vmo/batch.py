"""``pmo2vmo batch``: every client's report in one command — parallel, resumable, fault-isolated.

A client is an input file of ``IN_DIR`` (``.csv``, ``.xlsx``, ``.jsonl``), named by its stem; its
profile is ``STEM.yaml`` beside it or in ``--profile-dir``. Office lock files (``~$*``) and hidden
files are ignored; two files with one stem are refused before anything runs.

How it stays correct:

- **Fault isolation.** Clients run in worker processes; a client whose file is invalid, whose
  notebook raises, hangs past the timeout or whose kernel dies is recorded as failed with the
  reason, and the others go on. A worker process that dies is replaced and its client recorded
  as failed. A kernel that fails to start is retried once. Success is proven by the nonce
  sentinel the notebook's last cell writes (see :mod:`pmo2vmo.run`), never by papermill alone.
- **Nothing lost, nothing half-written.** Every output is written atomically;
  ``OUT_DIR/manifest.json`` is rewritten (atomically) as each client finishes, so an
  interrupted batch keeps what it finished; re-running skips clients whose input, profile,
  formats, instrument, templates and package version are unchanged (their fingerprint), and
  redoes what changed or failed.

How it stays fast, with a fresh kernel per client: each worker imports papermill, nbconvert and
the HTML template once; it starts the *next* client's kernel, and has that kernel import
pmo2vmo silently, while the current client runs, so kernel start-up and imports overlap with
work and are paid before a client's cells run; HTML is converted in-process.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing as mp
import os
import queue
import secrets
import shutil
import signal
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmo2vmo.atomic import write_text_atomic
from pmo2vmo.errors import InputProblem, InvalidInputError, Pmo2vmoError
from pmo2vmo.resources import data_dir
from pmo2vmo.run import (
    FORMATS,
    NAMES,
    QUIET_KERNEL,
    REPORT_NOTEBOOK,
    SCORES,
    RunError,
    deliver,
    execute_report,
    make_job,
    parse_formats,
    report_date,
)

INPUT_SUFFIXES = (".csv", ".xlsx", ".jsonl")
PROFILE_SUFFIXES = (".yaml", ".yml")
MANIFEST = "manifest.json"
STAGING_PREFIX = ".pmo2vmo-"
WARM_UP = "__import__('pmo2vmo.report')"


# --------------------------------------------------------------------------- the clients ---


@dataclass(frozen=True)
class Client:
    """One input file of the batch."""

    name: str  # the file's stem: client text, used only as data
    slug: str  # safe folder name inside OUT_DIR
    path: Path
    profile: Path | None


def discover(in_dir: Path, profile_dir: Path | None = None) -> list[Client]:
    """The clients of ``in_dir``, sorted by name; :class:`InvalidInputError` when two files share
    a stem (or a folder name), naming them all."""
    from pmo2vmo.report import slugify

    if not in_dir.is_dir():
        raise InvalidInputError([InputProblem(str(in_dir), "not a folder")])
    files = sorted(
        p for p in in_dir.iterdir()
        if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
        and not p.name.startswith(("~$", "."))
    )  # fmt: skip
    by_stem: dict[str, list[Path]] = {}
    for path in files:
        by_stem.setdefault(path.stem, []).append(path)
    by_slug: dict[str, list[str]] = {}
    for stem in by_stem:
        by_slug.setdefault(slugify(stem, "client"), []).append(stem)
    problems = [
        InputProblem(str(in_dir), f"{len(paths)} files for client {stem!r}: "
                     f"{', '.join(p.name for p in paths)}", "keep one file per client")
        for stem, paths in by_stem.items() if len(paths) > 1
    ]  # fmt: skip
    problems += [
        InputProblem(str(in_dir), f"clients {', '.join(repr(s) for s in stems)} would share the "
                     f"output folder {slug!r}", "rename one of the files")
        for slug, stems in by_slug.items() if len(stems) > 1
    ]  # fmt: skip
    if problems:
        raise InvalidInputError(problems)
    clients = []
    for stem, (path,) in sorted(by_stem.items(), key=lambda kv: kv[0].lower()):
        profile = _profile_for(stem, in_dir, profile_dir)
        clients.append(Client(stem, slugify(stem, "client"), path, profile))
    return clients


def _profile_for(stem: str, in_dir: Path, profile_dir: Path | None) -> Path | None:
    for folder in (in_dir, profile_dir):
        if folder is None:
            continue
        for suffix in PROFILE_SUFFIXES:
            candidate = folder / f"{stem}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tree_digest(folders: Iterable[Path], skip: Sequence[str] = ()) -> str:
    """A digest of every file under ``folders`` (paths and contents)."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = path.relative_to(folder).as_posix()
            if any(rel.startswith(s) for s in skip) or "__pycache__" in rel:
                continue
            digest.update(f"{folder.name}/{rel}\0".encode())
            digest.update(_sha256(path).encode())
    return digest.hexdigest()


def environment_digest() -> str:
    """What every client's report depends on besides its own files: the instrument, the
    templates, the report notebook and the package version."""
    from pmo2vmo import __version__

    digest = hashlib.sha256(__version__.encode())
    digest.update(_tree_digest([data_dir("assessment")], skip=("samples/",)).encode())
    digest.update(_tree_digest([data_dir("templates")]).encode())
    digest.update(_sha256(data_dir("playbook") / REPORT_NOTEBOOK).encode())
    return digest.hexdigest()


def fingerprint(client: Client, formats: Sequence[str], environment: str) -> dict[str, str]:
    """Everything that decides a client's outputs, hashed."""
    parts = {
        "input_sha256": _sha256(client.path),
        "profile_sha256": _sha256(client.profile) if client.profile else "",
        "logo_sha256": "",
        "formats": ",".join(formats),
        "environment": environment,
    }
    if client.profile:
        with contextlib.suppress(Exception):  # a broken profile fails the client later, loudly
            from pmo2vmo.profile import load_profile

            logo = load_profile(client.profile).branding.logo
            if logo:
                logo_path = Path(logo) if Path(logo).is_absolute() else client.profile.parent / logo
                parts["logo_sha256"] = _sha256(logo_path)
    combined = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return {"input_sha256": parts["input_sha256"], "fingerprint": combined}


# ------------------------------------------------------------------------------ manifest ---


@dataclass
class ClientResult:
    """One client's line in the manifest."""

    client: str
    slug: str
    status: str  # ok, failed, skipped
    error: str | None = None
    input_sha256: str = ""
    fingerprint: str = ""
    seconds: float | None = None
    outputs: list[str] = field(default_factory=list)  # relative to OUT_DIR
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "slug": self.slug,
            "status": self.status,
            "error": self.error,
            "input_sha256": self.input_sha256,
            "fingerprint": self.fingerprint,
            "seconds": None if self.seconds is None else round(self.seconds, 3),
            "outputs": self.outputs,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def read_manifest(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The previous run's client entries by client name (empty when absent or unreadable)."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return {c["client"]: c for c in data["clients"] if isinstance(c, dict) and "client" in c}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _manifest(results: dict[str, ClientResult], started: str) -> dict[str, Any]:
    from pmo2vmo import __version__

    return {
        "pmo2vmo_version": __version__,
        "generated": started,
        "clients": [results[k].to_json() for k in sorted(results, key=str.lower)],
    }


def _write_manifest(out_dir: Path, results: dict[str, ClientResult], started: str) -> None:
    text = json.dumps(_manifest(results, started), indent=2, ensure_ascii=False)
    write_text_atomic(out_dir / MANIFEST, text + "\n")


# ------------------------------------------------------------------------------- workers ---


class _Pool(abc.ABC):
    """One kernel ahead of the client that needs it."""

    @abc.abstractmethod
    def prepare(self) -> None:
        """Start the next kernel (errors are kept for :meth:`take` to report)."""

    @abc.abstractmethod
    def _ready(self) -> Any:
        """The prepared kernel, ready for a client, or an exception."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop the kernel not yet used and release what the pool holds."""

    def take(self) -> Any:
        """A ready kernel; a kernel that fails to start is retried once."""
        try:
            return self._ready()
        except Exception as first:
            self.prepare()
            try:
                return self._ready()
            except Exception as second:
                raise RunError(
                    f"the kernel failed to start twice ({_describe(first)}; then "
                    f"{_describe(second)})"
                ) from second


class _KernelPool(_Pool):
    """Kernels from the kernelspec: the next one is started, and imports pmo2vmo, while the
    current client runs."""

    def __init__(self, kernel_name: str, startup_timeout: float = 60) -> None:
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.next: tuple[Any, Any, str] | None = None
        self.error: str | None = None

    def prepare(self) -> None:
        # An *async* kernel manager: nbclient (under papermill) needs one for its per-cell
        # timeout to work; the warm-up talks to the kernel through its own blocking client.
        from jupyter_client.blocking.client import BlockingKernelClient
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.next, self.error = None, None
        try:
            km = AsyncKernelManager(kernel_name=self.kernel_name)
            run_sync(km.start_kernel)(extra_arguments=QUIET_KERNEL)
            kc = BlockingKernelClient()
            kc.load_connection_info(km.get_connection_info())
            kc.start_channels()
            msg_id = kc.execute(WARM_UP, silent=True, store_history=False)
            self.next = (km, kc, msg_id)
        except Exception as exc:  # a failed start is retried by take()
            self.error = _describe(exc)

    def _ready(self) -> Any:
        if self.next is None:
            raise RuntimeError(self.error or "no kernel was started")
        km, kc, msg_id = self.next
        self.next = None
        try:
            # The warm-up's reply proves the kernel is up (no wait_for_ready: it would swallow
            # the reply while waiting for its own kernel_info).
            deadline = time.monotonic() + self.startup_timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not _alive(km):
                    raise RuntimeError("the kernel did not answer within "
                                       f"{self.startup_timeout:g} s")  # fmt: skip
                try:
                    reply = kc.get_shell_msg(timeout=min(1.0, left))
                except queue.Empty:
                    continue
                if reply["parent_header"].get("msg_id") == msg_id:
                    if reply["content"].get("status") != "ok":
                        raise RuntimeError(f"warm-up failed: {reply['content'].get('evalue')}")
                    break
        except Exception:
            kc.stop_channels()
            _shutdown(km)
            raise
        kc.stop_channels()
        return km

    def close(self) -> None:
        if self.next is not None:
            km, kc, _ = self.next
            kc.stop_channels()
            _shutdown(km)
            self.next = None


class _ForkPool(_Pool):
    """One kernel ahead, forked from the worker's warm process (see :mod:`pmo2vmo.forkkernel`):
    a new process and an empty namespace per client, imports already paid."""

    def __init__(self, zygote: Any) -> None:
        self.zygote = zygote
        self.folder = tempfile.mkdtemp(prefix="pmo2vmo-kernels-")
        self.next: Any = None
        self.error: str | None = None

    def prepare(self) -> None:
        from jupyter_client.connect import write_connection_file

        from pmo2vmo.forkkernel import ForkedKernelManager

        self.next, self.error = None, None
        try:
            path = os.path.join(self.folder, f"kernel-{secrets.token_hex(6)}.json")
            write_connection_file(path, ip="127.0.0.1", transport="tcp",
                                  key=secrets.token_hex(16).encode("ascii"))  # fmt: skip
            pid = self.zygote.fork_kernel(path, self.folder, {})
            self.next = ForkedKernelManager(pid, path)
        except Exception as exc:  # a failed start is retried by take()
            self.error = _describe(exc)

    def _ready(self) -> Any:
        km, self.next = self.next, None
        if km is None:
            raise RuntimeError(self.error or "no kernel was started")
        if not _alive(km):
            _shutdown(km)
            raise RuntimeError("the forked kernel exited before use")
        return km

    def close(self) -> None:
        if self.next is not None:
            _shutdown(self.next)
            self.next = None
        self.zygote.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _kernel_pid(km: Any) -> int | None:
    """The kernel's process id, so the parent can stop it if the worker must be killed."""
    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    return pid if isinstance(pid, int) else None


def _alive(km: Any) -> bool:
    from jupyter_core.utils import run_sync

    return bool(run_sync(km.is_alive)())


def _shutdown(km: Any) -> None:
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(km.shutdown_kernel)(now=True)


def _validate(client: dict[str, Any]) -> str | None:
    """Why the client's file cannot be reported on, or None."""
    from pmo2vmo.errors import InstrumentError
    from pmo2vmo.pipeline import roadmap_files
    from pmo2vmo.roadmap import PlanningError

    try:
        result = roadmap_files([client["path"]], profile=client["profile"])
    except InvalidInputError as exc:
        shown = "; ".join(str(p) for p in exc.problems[:20])
        more = f"; … and {len(exc.problems) - 20} more" if len(exc.problems) > 20 else ""
        return f"invalid input: {shown}{more}"
    except (InstrumentError, PlanningError) as exc:
        return f"invalid profile or settings: {exc}"
    count = len(result.organisations)
    if count != 1:
        names = ", ".join(o.scores.organisation for o in result.organisations)
        return (f"the file holds {count} organisations ({names}); a batch takes one client per "
                "file — split it, or use `pmo2vmo run` on it")  # fmt: skip
    return None


def _run_client(
    client: dict[str, Any], settings: dict[str, Any], pool: _Pool, results: Any
) -> ClientResult:
    """Validate, execute and deliver one client (inside a worker)."""
    started = time.perf_counter()
    result = ClientResult(client["name"], client["slug"], "failed",
                          input_sha256=client["input_sha256"],
                          fingerprint=client["fingerprint"])  # fmt: skip
    out_dir = Path(settings["out_dir"])
    error = _validate(client)
    result.timings["validate"] = time.perf_counter() - started
    if error:
        result.error = error
        result.seconds = time.perf_counter() - started
        return result
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    km = None
    try:
        km = pool.take()
        results.put(("kernel", client["name"], os.getpid(), _kernel_pid(km)))
        pool.prepare()  # the next client's kernel starts while this one works
        formats = settings["formats"]
        job = make_job(client["path"], staging, formats, settings["generated"],
                       profile=client["profile"])  # fmt: skip
        notebook = Path(settings["notebook"]) if settings.get("notebook") else None
        nb, timings = execute_report(job, staging, timeout=settings["timeout"],
                                     notebook=notebook, km=km)  # fmt: skip
        result.timings.update(timings)
        target = out_dir / client["slug"]
        target.mkdir(exist_ok=True)
        targets = {f: target / NAMES[f] for f in formats} | {"scores": target / SCORES}
        written = deliver(nb, staging, targets, result.timings)
        result.outputs = [p.relative_to(out_dir).as_posix() for p in written]
        result.status = "ok"
    except RunError as exc:
        result.error = str(exc)
    finally:
        if km is not None:
            _shutdown(km)
        shutil.rmtree(staging, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def _worker(tasks: Any, results: Any, settings: dict[str, Any]) -> None:
    """A worker process: pays imports once, keeps a kernel ready, runs clients from ``tasks``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    os.environ["PMO2VMO_WORKER_PID"] = str(os.getpid())  # kernels inherit it (tests use it)
    pool: _Pool = _KernelPool(settings["kernel_name"])
    if settings["kernels"] == "fork":
        from pmo2vmo.forkkernel import Zygote, ZygoteError

        # Forked first, before this process opens any socket or thread.
        with contextlib.suppress(ZygoteError, OSError):
            pool = _ForkPool(Zygote())
    from pmo2vmo.run import skip_slow_optional_imports

    skip_slow_optional_imports()
    import nbformat  # noqa: F401 - imported once per worker, not per client
    import papermill  # noqa: F401

    from pmo2vmo import html

    html.plotly_js()
    html._exporter()
    pool.prepare()
    try:
        while True:
            client = tasks.get()
            if client is None:
                break
            results.put(("start", client["name"], os.getpid(), None))
            try:
                result = _run_client(client, settings, pool, results)
            except Exception as exc:
                result = ClientResult(client["name"], client["slug"], "failed",
                                      error=f"{type(exc).__name__}: {exc}",
                                      input_sha256=client["input_sha256"],
                                      fingerprint=client["fingerprint"])  # fmt: skip
            results.put(("done", client["name"], os.getpid(), result.to_json()))
    finally:
        pool.close()


# -------------------------------------------------------------------------------- parent ---


@dataclass
class BatchResult:
    """What a batch did."""

    out_dir: Path
    results: list[ClientResult]
    summary: Path | None = None

    @property
    def failed(self) -> list[ClientResult]:
        return [r for r in self.results if r.status == "failed"]

    def counts(self) -> dict[str, int]:
        counts = {"ok": 0, "failed": 0, "skipped": 0}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts


class BatchInterrupted(Pmo2vmoError):
    """The batch was interrupted; what finished is in the manifest."""


def _from_json(entry: dict[str, Any]) -> ClientResult:
    return ClientResult(
        client=entry["client"], slug=entry.get("slug", ""), status=entry.get("status", "failed"),
        error=entry.get("error"), input_sha256=entry.get("input_sha256", ""),
        fingerprint=entry.get("fingerprint", ""), seconds=entry.get("seconds"),
        outputs=list(entry.get("outputs", [])), timings=dict(entry.get("timings", {})),
    )  # fmt: skip


def run_batch(
    in_dir: Path | str,
    out_dir: Path | str,
    *,
    workers: int = 2,
    timeout: float = 600,
    profile_dir: Path | str | None = None,
    formats: str | Sequence[str] = FORMATS,
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
    in_dir, out_dir = Path(in_dir).resolve(), Path(out_dir).resolve()
    clients = discover(in_dir, Path(profile_dir) if profile_dir else None)
    if not clients:
        raise InvalidInputError([InputProblem(
            str(in_dir), "no client files", f"put one {', '.join(INPUT_SUFFIXES)} file per client"
        )])  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(f"{STAGING_PREFIX}*"):  # left by an interrupted batch
        shutil.rmtree(stale, ignore_errors=True)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    previous = read_manifest(out_dir)
    environment = environment_digest()
    results: dict[str, ClientResult] = {}
    todo = []
    for client in clients:
        prints = fingerprint(client, wanted, environment)
        before = previous.get(client.name)
        if (
            before is not None
            and before.get("status") in {"ok", "skipped"}
            and before.get("fingerprint") == prints["fingerprint"]
            and before.get("outputs")
            and all((out_dir / p).is_file() for p in before["outputs"])
        ):
            kept = _from_json(before)
            kept.status = "skipped"
            results[client.name] = kept
            continue
        todo.append({"name": client.name, "slug": client.slug, "path": str(client.path),
                     "profile": None if client.profile is None else str(client.profile),
                     **prints})  # fmt: skip
    _write_manifest(out_dir, results, started)
    settings = {
        "out_dir": str(out_dir), "formats": list(wanted), "timeout": timeout,
        "generated": report_date(), "kernel_name": kernel_name, "kernels": kernels,
        "notebook": None if notebook is None else str(notebook),
    }  # fmt: skip
    if todo:
        _run_all(todo, settings, max(1, min(workers, len(todo))), results, out_dir, started,
                 progress)  # fmt: skip
    for stale in out_dir.glob(f"{STAGING_PREFIX}*"):  # a worker that died left its own
        shutil.rmtree(stale, ignore_errors=True)
    summary = _summary(out_dir, results, started)
    ordered = [results[c.name] for c in clients]
    return BatchResult(out_dir, ordered, summary)


def _run_all(
    todo: list[dict[str, Any]],
    settings: dict[str, Any],
    workers: int,
    results: dict[str, ClientResult],
    out_dir: Path,
    started: str,
    progress: bool,
) -> None:
    ctx = mp.get_context("fork")
    tasks: Any = ctx.Queue()
    replies: Any = ctx.Queue()
    by_name = {c["name"]: c for c in todo}
    for client in todo:
        tasks.put(client)
    procs: dict[int, Any] = {}

    def spawn() -> None:
        proc = ctx.Process(target=_worker, args=(tasks, replies, settings), daemon=False)
        proc.start()
        assert proc.pid is not None
        procs[proc.pid] = proc

    for _ in range(workers):
        spawn()
    for _ in range(workers):
        tasks.put(None)
    running: dict[int, tuple[str, float, int | None]] = {}  # worker pid → client, start, kernel
    deadline = max(settings["timeout"] * 4, settings["timeout"] + 300)
    bar = _progress(len(todo), progress)
    pending = set(by_name)
    try:
        while pending:
            try:
                kind, name, pid, payload = replies.get(timeout=0.5)
            except queue.Empty:
                kind = ""
            if kind == "start":
                running[pid] = (name, time.monotonic(), None)
            elif kind == "kernel":
                running[pid] = (name, running.get(pid, (name, time.monotonic(), None))[1],
                                payload)  # fmt: skip
            elif kind == "done":
                running.pop(pid, None)
                results[name] = _from_json(payload)
                pending.discard(name)
                _write_manifest(out_dir, results, started)
                bar(name, results[name].status)
            # Workers that died, or clients past the deadline: record, replace, go on.
            for wpid, proc in list(procs.items()):
                holding = running.get(wpid)
                overdue = holding is not None and time.monotonic() - holding[1] > deadline
                if overdue:
                    _kill(proc, holding[2] if holding else None)
                if not proc.is_alive():
                    proc.join()
                    del procs[wpid]
                    if holding is not None:
                        running.pop(wpid, None)
                        client = by_name[holding[0]]
                        reason = (
                            f"no result after {deadline:g} s: the worker was stopped"
                            if overdue
                            else f"the worker process died (exit code {proc.exitcode})"
                        )
                        results[holding[0]] = ClientResult(
                            client["name"], client["slug"], "failed", error=reason,
                            input_sha256=client["input_sha256"],
                            fingerprint=client["fingerprint"],
                        )  # fmt: skip
                        pending.discard(holding[0])
                        _write_manifest(out_dir, results, started)
                        bar(holding[0], "failed")
                        if pending:
                            spawn()
                            tasks.put(None)
            if pending and not procs:
                spawn()
                tasks.put(None)
    except KeyboardInterrupt:
        for proc in procs.values():
            _kill(proc, None)
        _write_manifest(out_dir, results, started)
        raise BatchInterrupted(
            f"interrupted: {len(results)} clients recorded in {out_dir / MANIFEST}; run the same "
            "command again to finish the rest"
        ) from None
    finally:
        bar.close()
        for proc in procs.values():
            proc.join(timeout=30)
            if proc.is_alive():
                _kill(proc, None)


def _kill(proc: Any, kernel_pid: int | None) -> None:
    with contextlib.suppress(Exception):
        proc.kill()
        proc.join(timeout=10)
    if kernel_pid:
        with contextlib.suppress(Exception):
            os.kill(kernel_pid, signal.SIGKILL)


class _Bar:
    def __init__(self, total: int, enabled: bool) -> None:
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: the batch forks replacement workers
        self.tqdm = tqdm(total=total, unit="client", disable=None if enabled else True,
                         dynamic_ncols=True)  # fmt: skip

    def __call__(self, name: str, status: str) -> None:
        self.tqdm.set_postfix_str(f"{status}: {name}"[:40], refresh=False)
        self.tqdm.update(1)

    def close(self) -> None:
        self.tqdm.close()


def _progress(total: int, enabled: bool) -> _Bar:
    return _Bar(total, enabled)


def _summary(out_dir: Path, results: dict[str, ClientResult], started: str) -> Path | None:
    from pmo2vmo.summary import write_summary

    scores: dict[str, Any] = {}
    for name, result in results.items():
        scores[name] = None
        if result.status in {"ok", "skipped"}:
            with contextlib.suppress(OSError, ValueError):
                path = out_dir / result.slug / SCORES
                scores[name] = json.loads(path.read_text(encoding="utf-8"))
    return write_summary(out_dir, _manifest(results, started), scores)
