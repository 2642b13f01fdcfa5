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
  ``scores.json``), ``FAILED.txt`` and ``previous/``; it never touches any other file there.
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

How it stays fast, with a fresh kernel per client: each worker imports papermill, nbconvert and
the HTML template once; it starts the *next* client's kernel, and has that kernel import
pmo2vmo silently, while the current client runs, so kernel start-up and imports overlap with
work and are paid before a client's cells run; HTML is converted in-process.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import json
import multiprocessing as mp
import os
import queue
import secrets
import shutil
import signal
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmo2vmo import __version__
from pmo2vmo.analysis.plan import roadmap_files
from pmo2vmo.errors import (
    BatchInterrupted,
    InputProblem,
    InstrumentError,
    InvalidInputError,
    NotReadable,
    PlanningError,
    RunError,
    ZygoteError,
)
from pmo2vmo.execute.forkkernel import ForkedKernelManager, Zygote, die_with_parent
from pmo2vmo.execute.run import (
    QUIET_KERNEL,
    deliver,
    execute_report,
    make_job,
    report_date,
    skip_slow_optional_imports,
)
from pmo2vmo.execute.staging import PREFIX, clean_stale, staging_folder
from pmo2vmo.model.job import FORMATS, NAMES, REPORT_NOTEBOOK, SCORES, parse_formats
from pmo2vmo.model.profile import load_profile
from pmo2vmo.render import html
from pmo2vmo.render.summary import write_summary
from pmo2vmo.resources import data_dir
from pmo2vmo.util.atomic import write_text_atomic
from pmo2vmo.util.safeio import open_regular, read_bounded
from pmo2vmo.util.text import json_text, slugify

INPUT_SUFFIXES = (".csv", ".xlsx", ".jsonl")
PROFILE_SUFFIXES = (".yaml", ".yml")
MANIFEST = "manifest.json"
SUMMARY = "index.html"  # written by pmo2vmo.render.summary
STAGING_PREFIX = (
    PREFIX  # staging folders (pmo2vmo.execute.staging); swept at start and end under the lock
)
MAX_MANIFEST_BYTES = 50 * 1024 * 1024
LOCK_FILE = ".pmo2vmo.lock"  # not matched by STAGING_PREFIX + "*": the sweep never removes it
RESERVED = (MANIFEST, SUMMARY, LOCK_FILE)  # names at the top of OUT_DIR no client folder may take
FAILED = "FAILED.txt"
PREVIOUS = "previous"
OWNED = (*NAMES.values(), SCORES)  # the deliverables batch writes at the top of OUT_DIR/<slug>/
_RETIRING = ".pmo2vmo-retiring"  # inside OUT_DIR/<slug>/: the next previous/, being filled
_DISCARD = ".pmo2vmo-discard"  # inside OUT_DIR/<slug>/: an older previous/, being deleted
WARM_UP = "__import__('pmo2vmo.render.report')"


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
    for stem in by_stem:  # slugs are lower-case ASCII; casefold() keeps it so if that changes
        by_slug.setdefault(slugify(stem, "client").casefold(), []).append(stem)
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
    problems += [
        InputProblem(str(in_dir), f"client {stems[0]!r} would get the output folder {slug!r}, "
                     "a name the batch itself uses", "rename the file")
        for slug, stems in by_slug.items()
        if slug in {r.casefold() for r in RESERVED} or slug.startswith((".", STAGING_PREFIX))
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
    """The file's digest; a regular file only (:class:`NotReadable` otherwise), since a logo or
    profile named ``/dev/zero`` or a FIFO would be read forever."""
    digest = hashlib.sha256()
    handle, _size = open_regular(path)
    with handle:
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

    digest = hashlib.sha256(__version__.encode())
    digest.update(_tree_digest([data_dir("assessment")], skip=("samples/",)).encode())
    digest.update(_tree_digest([data_dir("templates")]).encode())
    digest.update(_sha256(data_dir("playbook") / REPORT_NOTEBOOK).encode())
    return digest.hexdigest()


def fingerprint(client: Client, formats: Sequence[str], environment: str) -> dict[str, str]:
    """Everything that decides a client's outputs, hashed."""
    parts = {
        "input_sha256": _sha256(client.path),
        "profile_sha256": "",
        "logo_sha256": "",
        "formats": ",".join(formats),
        "environment": environment,
    }
    if client.profile:
        with contextlib.suppress(Exception):  # a broken profile fails the client later, loudly
            parts["profile_sha256"] = _sha256(client.profile)

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
        data = json.loads(read_bounded(out_dir / MANIFEST, MAX_MANIFEST_BYTES).decode("utf-8"))
        return {c["client"]: c for c in data["clients"] if isinstance(c, dict) and "client" in c}
    except (OSError, NotReadable, ValueError, KeyError, TypeError, RecursionError):
        return {}


def _manifest(results: dict[str, ClientResult], started: str) -> dict[str, Any]:

    return {
        "pmo2vmo_version": __version__,
        "generated": started,
        "clients": [results[k].to_json() for k in sorted(results, key=str.lower)],
    }


def _write_manifest(out_dir: Path, results: dict[str, ClientResult], started: str) -> None:
    text = json_text(_manifest(results, started))
    write_text_atomic(out_dir / MANIFEST, text + "\n")


# ---------------------------------------------------------------------------- the lock ---


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[int]:
    """Hold ``out_dir``'s batch lock (yielding its file descriptor), or raise
    :class:`InvalidInputError` naming the batch that holds it.

    An exclusive, non-blocking ``flock`` on :data:`LOCK_FILE`, which then holds this process's
    id (emptied again on release). The lock belongs to the open file, so the operating system
    releases it when every process holding the descriptor is gone (workers close their copy).
    The file is opened without following a symbolic link: a link planted there is refused, never
    truncated through.
    """
    path = out_dir / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise InvalidInputError([InputProblem("--out", f"cannot open the lock file {path}: "
                                              f"{exc.strerror or exc}")]) from exc  # fmt: skip
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InvalidInputError([InputProblem("--out", f"the lock file {path} is not a file",
                                                  "remove it")])  # fmt: skip
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            who = f"another batch (process {holder})" if holder.isdigit() else "another batch"
            raise InvalidInputError([InputProblem(
                "--out", f"{who} is writing to {out_dir}; wait for it to finish or choose "
                "another --out",
            )]) from None  # fmt: skip
        except OSError as exc:
            raise InvalidInputError([InputProblem(
                "--out", f"cannot lock {out_dir} ({exc.strerror or exc})",
                "choose an output folder on a local disk",
            )]) from exc  # fmt: skip
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield fd
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


# ------------------------------------------------------------------- a client's folder ---


def _remove(path: Path) -> None:
    """Remove a file, a link or a folder tree, if there."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path)


def _retire(folder: Path) -> None:
    """Move the deliverables at the top of ``folder`` into ``folder/previous/``, replacing an
    older ``previous/`` only when there is something to move.

    Each step is a rename: the deliverables go one by one into a hidden folder, which then takes
    the place of ``previous/`` (the older one is moved aside, then deleted). A step cut short is
    finished by the next call: the hidden folder is still filled and swapped in, an older
    ``previous/`` moved aside is deleted.
    """
    retiring, discard, previous = folder / _RETIRING, folder / _DISCARD, folder / PREVIOUS
    _remove(discard)
    current = [name for name in OWNED if (folder / name).is_file()]
    if not current and not retiring.is_dir():
        return
    retiring.mkdir(exist_ok=True)
    for name in current:
        os.replace(folder / name, retiring / name)
    if previous.exists() or previous.is_symlink():
        os.replace(previous, discard)
    os.replace(retiring, previous)
    _remove(discard)


def _mark_failed(out_dir: Path, slug: str, client: str, reason: str | None) -> str | None:
    """Mark a client's folder failed: ``FAILED.txt`` first, then its deliverables moved into
    ``previous/`` (:func:`_retire`). A client with no folder gets none. Returns the reason,
    extended if the folder could not be tidied (never raises: the failure is still recorded)."""
    folder = out_dir / slug
    if not folder.is_dir():
        return reason
    when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = (
        f"The report for client {client!r} failed on {when}.\n"
        f"Reason: {reason or 'unknown'}\n\n"
        "Nothing at the top of this folder is current. The outputs of the client's last\n"
        "successful run, if any, are in previous/. A successful run removes this file and\n"
        "previous/.\n"
    )
    try:
        write_text_atomic(folder / FAILED, text)
        _retire(folder)
    except OSError as exc:
        return f"{reason}; and its old outputs could not be moved to {PREVIOUS}/: {_describe(exc)}"
    return reason


def _publish(out_dir: Path, slug: str, staged: Sequence[Path]) -> list[Path]:
    """Put a successful run's outputs (complete, in staging, on the same file system) into the
    client's folder: older deliverables into ``previous/``, the new ones in, then ``previous/``
    and last ``FAILED.txt`` removed. Returns the outputs' final paths."""
    folder = out_dir / slug
    folder.mkdir(exist_ok=True)
    _retire(folder)
    written = []
    for source in staged:
        os.replace(source, folder / source.name)
        written.append(folder / source.name)
    _remove(folder / PREVIOUS)
    (folder / FAILED).unlink(missing_ok=True)
    return written


def _complete(out_dir: Path, slug: str, before: dict[str, Any], wanted: Sequence[str]) -> bool:
    """Whether a client's outputs from an earlier run are all there, as this run would write
    them, and its folder is not marked failed."""
    outputs = before.get("outputs")
    expected = {f"{slug}/{NAMES[f]}" for f in wanted} | {f"{slug}/{SCORES}"}
    return (
        isinstance(outputs, list)
        and set(outputs) == expected
        and all((out_dir / p).is_file() for p in expected)
        and not (out_dir / slug / FAILED).exists()
    )


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
            # preexec_fn reaches Popen (jupyter_client passes start_kernel's extra keywords
            # on): the kernel gets SIGKILL when this worker dies. run_sync runs the launch on
            # this, the worker's main, thread (no loop is running here): the thread that forks
            # must outlive the kernel for the death signal to be right.
            run_sync(km.start_kernel)(
                extra_arguments=QUIET_KERNEL,
                preexec_fn=functools.partial(die_with_parent, os.getpid()),
            )
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
    """One kernel ahead, forked from the worker's warm process (see :mod:`pmo2vmo.execute.forkkernel`):
    a new process and an empty namespace per client, imports already paid."""

    def __init__(self, zygote: Any) -> None:
        self.zygote = zygote
        self.folder = tempfile.mkdtemp(prefix="pmo2vmo-kernels-")
        self.next: Any = None
        self.error: str | None = None

    def prepare(self) -> None:
        from jupyter_client.connect import write_connection_file

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


def _execute_client(
    client: dict[str, Any],
    settings: dict[str, Any],
    pool: _Pool,
    results: Any,
    staging: Path,
    result: ClientResult,
) -> None:
    """Run one validated client's notebook in ``staging`` and publish its outputs; ``result``
    is updated in place (status, outputs, timings, error)."""
    out_dir = Path(settings["out_dir"])
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
        # Every output complete in staging first, then renamed into place (see _publish).
        targets = {f: staging / NAMES[f] for f in formats} | {"scores": staging / SCORES}
        staged = deliver(nb, staging, targets, result.timings)
        written = _publish(out_dir, client["slug"], staged)
        result.outputs = [p.relative_to(out_dir).as_posix() for p in written]
        result.status = "ok"
    except RunError as exc:
        result.error = str(exc)
    finally:
        if km is not None:
            _shutdown(km)


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
        return result  # the worker marks the folder failed
    with staging_folder(out_dir) as staging:  # locked while used: a sweep leaves it alone
        _execute_client(client, settings, pool, results, staging, result)
    result.seconds = time.perf_counter() - started
    return result


def _worker(tasks: Any, results: Any, settings: dict[str, Any]) -> None:
    """A worker process: pays imports once, keeps a kernel ready, runs clients from ``tasks``."""

    die_with_parent(settings["parent_pid"])  # first: a batch killed with SIGKILL takes us along
    with contextlib.suppress(OSError):
        os.close(settings["lock_fd"])  # the lock lives exactly as long as the batch process
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    os.environ["PMO2VMO_WORKER_PID"] = str(os.getpid())  # kernels inherit it (tests use it)
    out_dir = Path(settings["out_dir"])
    pool: _Pool = _KernelPool(settings["kernel_name"])
    if settings["kernels"] == "fork":
        # Forked first, before this process opens any socket or thread.
        with contextlib.suppress(ZygoteError, OSError):
            pool = _ForkPool(Zygote())

    skip_slow_optional_imports()
    import nbformat  # noqa: F401 - imported once per worker, not per client
    import papermill  # noqa: F401

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
            if result.status == "failed":
                result.error = _mark_failed(out_dir, client["slug"], client["name"],
                                            result.error)  # fmt: skip
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
    with _locked(out_dir) as lock_fd:  # before anything in OUT_DIR is touched
        return _run_locked(clients, wanted, out_dir, lock_fd, workers=workers, timeout=timeout,
                           progress=progress, notebook=notebook, kernel_name=kernel_name,
                           kernels=kernels)  # fmt: skip


def _sweep_staging(out_dir: Path) -> None:
    """Remove the staging folders an interrupted batch, a dead worker or a killed ``run`` left;
    a folder still locked by a live process (a ``pmo2vmo run`` into the same folder) stays."""
    clean_stale(out_dir)


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
            and _complete(out_dir, client.slug, before, wanted)
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
        "parent_pid": os.getpid(), "lock_fd": lock_fd,
    }  # fmt: skip
    if todo:
        _run_all(todo, settings, max(1, min(workers, len(todo))), results, out_dir, started,
                 progress)  # fmt: skip
    _sweep_staging(out_dir)  # a worker that died left its own
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
        # Always from this thread, the one running the batch, which outlives every worker: a
        # worker's death signal (die_with_parent) fires when the thread that forked it exits.
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
                        error = _mark_failed(out_dir, client["slug"], client["name"], reason)
                        results[holding[0]] = ClientResult(
                            client["name"], client["slug"], "failed", error=error,
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

    scores: dict[str, Any] = {}
    for name, result in results.items():
        scores[name] = None
        if result.status in {"ok", "skipped"}:
            with contextlib.suppress(OSError, ValueError):
                path = out_dir / result.slug / SCORES
                scores[name] = json.loads(path.read_text(encoding="utf-8"))
    return write_summary(out_dir, _manifest(results, started), scores)
