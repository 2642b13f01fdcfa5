"""Kernels forked from a warm process: a fresh kernel per client without paying for
interpreter start-up and imports each time.

A :class:`Zygote` is a small process, forked by a batch before it starts any thread (and shared
by its workers) or by a lone worker, that imports ipykernel, pandas, plotly and pmo2vmo once
and then waits. Each worker connects to it (:class:`ZygoteClient`, a Unix socket in a private
folder); for each client the zygote forks a child which becomes an ordinary IPython kernel
(``IPKernelApp``) on a connection file the worker wrote: a new process, a new, empty user
namespace — only ``sys.modules`` is already warm, shared copy-on-write.
:class:`ForkedKernelManager` lets papermill (nbclient) drive that kernel like any other: it is
alive while its process is, interrupting sends SIGINT, shutting down kills it. The zygote reaps
its children; when a worker's connection closes (the worker is done, or died) the zygote kills
the kernels forked for it; when its creator goes away it kills every kernel and exits, and each
kernel also exits if the zygote disappears.

Nothing outlives its parent, even one killed with SIGKILL (which runs no clean-up): on Linux each
process of the tree asks the kernel, right after the fork, to be sent SIGKILL when its parent
dies (:func:`die_with_parent`) — batch parent → workers and zygote → kernels.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import os
import queue
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from multiprocessing.connection import Connection, Pipe, wait
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager

from pmo2vmo.analysis.plan import preload as preload_data
from pmo2vmo.errors import ZygoteError
from pmo2vmo.execute.run import skip_slow_optional_imports
from pmo2vmo.render.report import rehearse

PRELOAD = (
    "ipykernel.kernelapp",
    # What IPKernelApp.initialize imports itself (the kernel, its shell, the debugger and
    # debugpy): about 130 modules, 0.1 s of every forked kernel's start-up otherwise.
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython",
    "pandas",
    "plotly.graph_objects",
    "pmo2vmo.render.report",
    "pmo2vmo.render.report_workbook",
    "pmo2vmo.render.deck",
)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

# Resolved once, in the parent: a freshly forked child (possibly of a multi-threaded process, as
# in a subprocess ``preexec_fn``) then only makes the call, and loads no library.
_LIBC: ctypes.CDLL | None = (
    ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
)


def die_with_parent(expected_ppid: int) -> None:
    """Have this process killed (SIGKILL) when its parent dies; call it first thing in a freshly
    forked child, with the parent's process id as the parent recorded it *before* forking.

    Linux only (``prctl(PR_SET_PDEATHSIG, SIGKILL)``); elsewhere the death signal is a no-op.
    The signal fires when the *thread* that forked this process exits, so the parent must fork
    from a thread that lives as long as it needs the child (its main thread, here). If the parent
    died before the death signal was set (it would then never fire), this process exits at once
    (``os._exit``, no clean-up: nothing of the parent's must run twice). Safe in a subprocess
    ``preexec_fn``.
    """
    if _LIBC is not None:  # a failure (a sandbox forbidding prctl) leaves just the check below
        zero = ctypes.c_ulong(0)
        _LIBC.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), zero, zero, zero)
    if os.getppid() != expected_ppid:
        os._exit(1)


def freeze_heap() -> None:
    """Move every object alive now out of the cyclic garbage collector's sight.

    A warm process holds some 280,000 objects (pandas, plotly, IPython, the parsed data). Each
    full collection walks them all — 0.16 s measured, one such collection in an in-process
    client of 0.57 s — and, in a process forked from it, writes to each one's header, so the
    pages shared copy-on-write get copied.
    Frozen (``gc.freeze``, meant for exactly this: before forking workers), they are still
    freed by reference counting; only the search for cycles among them is skipped. Collected
    first, so what is frozen is what is really alive.
    """
    gc.collect()
    gc.freeze()


class Zygote:
    """A warm process that forks kernels on request, for every process that connects to it.

    Its creator holds the process (:meth:`wait_ready`, :meth:`close`) and can fork kernels
    itself; other processes — a batch's workers, forked from the creator after it — connect to
    :attr:`address` (:class:`ZygoteClient`). Closing a connection, or the death of the process
    that held it, kills the kernels forked on it.
    """

    def __init__(
        self,
        preload: Sequence[str] = PRELOAD,
        timeout: float = 120,
        *,
        wait: bool = True,
        close_fds: Sequence[int] = (),
    ) -> None:
        """Fork the zygote; ``wait``: until it has warmed up (else see :meth:`wait_ready`);
        ``close_fds``: descriptors of the creator's that the zygote must not hold (a lock)."""
        self.timeout = timeout
        self.folder = tempfile.mkdtemp(prefix="pmo2vmo-zygote-")  # 0700: this user's only
        self.address = os.path.join(self.folder, "socket")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.address)
        listener.listen(64)  # connections wait here while the zygote warms up
        ours, theirs = Pipe()
        parent = os.getpid()
        # Forked by the calling thread (a worker's or the batch's main thread), which must
        # outlive the zygote for its death signal to be right (die_with_parent).
        pid = os.fork()
        if pid == 0:  # the zygote
            die_with_parent(parent)
            ours.close()
            for fd in close_fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            _zygote_main(theirs, listener, preload)  # never returns
        listener.close()
        theirs.close()
        self.pid = pid
        self.conn = ours
        self._own: ZygoteClient | None = None
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Wait until the zygote has warmed up; raise :class:`ZygoteError` if it failed to."""
        if not self.conn.poll(self.timeout):
            self.close()
            raise ZygoteError(f"the warm process did not get ready within {self.timeout:g} s")
        try:
            ready = self.conn.recv()
        except (EOFError, OSError):
            ready = "it exited"
        if ready != "ready":
            self.close()
            raise ZygoteError(f"the warm process failed to start: {ready}")

    def alive(self) -> bool:
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return False
        return pid == 0

    def fork_kernel(self, connection_file: str, cwd: str, env: Mapping[str, str]) -> int:
        """Start a kernel on ``connection_file``; return its process id."""
        if self._own is None:
            self._own = ZygoteClient(self.address, self.timeout)
        return self._own.fork_kernel(connection_file, cwd, env)

    def close(self) -> None:
        """Stop the zygote and every kernel it forked."""
        if self._own is not None:
            self._own.close()
        with contextlib.suppress(OSError, EOFError):
            self.conn.send(("exit",))
        self.conn.close()
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self.pid, 0)
        shutil.rmtree(self.folder, ignore_errors=True)


class ZygoteClient:
    """One process's connection to a :class:`Zygote` (``address``): kernels forked on request;
    closing it (or this process dying) kills them."""

    def __init__(self, address: str, timeout: float = 120) -> None:
        self.timeout = timeout
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            raise ZygoteError(f"the warm process cannot be reached ({exc})") from exc
        self.conn = Connection(sock.detach())

    def wait_ready(self) -> None:
        """Wait until the zygote has warmed up; :class:`ZygoteError` if it failed to (it then
        exits) or did not answer in time."""
        if self._ask(("ping",)) != "ready":
            raise ZygoteError("the warm process gave a wrong answer")

    def fork_kernel(self, connection_file: str, cwd: str, env: Mapping[str, str]) -> int:
        """Start a kernel on ``connection_file`` in ``cwd`` with ``env`` added to the
        zygote's environment; return its process id."""
        answer = self._ask(("fork", connection_file, cwd, dict(env)))
        if not isinstance(answer, int):
            raise ZygoteError(f"the warm process could not fork: {answer}")
        return answer

    def _ask(self, request: tuple[Any, ...]) -> Any:
        try:
            self.conn.send(request)
            if not self.conn.poll(self.timeout):  # the first waits for the warm-up too
                raise ZygoteError("the warm process did not answer")
            return self.conn.recv()
        except (OSError, EOFError) as exc:
            raise ZygoteError(f"the warm process is gone ({type(exc).__name__})") from exc

    def close(self) -> None:
        self.conn.close()


def _warm_up(preload: Sequence[str]) -> None:
    """What the zygote imports and builds once, for every kernel it forks."""
    # Should anything here import jsonschema (nbformat does), it must not compile
    # rfc3987_syntax's grammar (about 1 s of a zygote's start when the rehearsal still did).
    skip_slow_optional_imports()
    # debugpy (imported with ipykernel's debugger) otherwise warns on stderr, over the batch's
    # progress bar, that frozen modules may hide breakpoints: no one debugs here.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in preload:
        importlib.import_module(name)
    preload_data()  # the data files too: each client's kernel starts with them parsed
    # plotly, python-pptx, openpyxl and Jinja2 warmed by one report; a failure here only
    # leaves kernels unwarmed (slower, not wrong), so it must not stop the zygote.
    with contextlib.suppress(Exception):
        rehearse()


def _zygote_main(control: Connection, listener: socket.socket, preload: Sequence[str]) -> None:
    """The zygote's loop: warm up once, then fork a kernel per request of a connection, and
    kill a connection's kernels when it closes. ``control`` is the creator's pipe (``ready``
    or the failure goes back on it; ``exit``, or its end, stops the zygote)."""
    status = 0
    clients: dict[Connection, set[int]] = {}
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            _warm_up(preload)
        except Exception as exc:  # reported to the creator, which falls back or fails
            control.send(f"{type(exc).__name__}: {exc}")
            return
        freeze_heap()
        control.send("ready")
        while True:
            for ready in wait([control, listener, *clients], timeout=1.0):
                if ready is control:
                    with contextlib.suppress(EOFError, OSError):
                        if control.recv()[0] != "exit":
                            continue
                    return  # told to exit, or the creator is gone
                if ready is listener:
                    sock, _ = listener.accept()
                    clients[Connection(sock.detach())] = set()
                elif isinstance(ready, Connection):  # a worker's connection
                    _serve(ready, clients, listener, control)
            _reap(clients)
    except BaseException:
        status = 1
    finally:
        for kernels in clients.values():
            _kill_all(kernels)
        os._exit(status)


def _serve(
    conn: Connection,
    clients: dict[Connection, set[int]],
    listener: socket.socket,
    control: Connection,
) -> None:
    """Answer one request of ``conn`` (``ping``: ready; ``fork``: a kernel's pid), or, when it
    has closed, kill its kernels."""
    try:
        message = conn.recv()
    except (EOFError, OSError):
        _kill_all(clients.pop(conn))
        conn.close()
        return
    if message[0] == "ping":  # answered once warm: this loop starts after the warm-up
        conn.send("ready")
        return
    if message[0] != "fork":
        return
    _, connection_file, cwd, env = message
    zygote = os.getpid()
    try:
        pid = os.fork()  # by the zygote's only thread: the kernel's death signal holds
    except OSError as exc:
        conn.send(f"{type(exc).__name__}: {exc}")
        return
    if pid == 0:
        die_with_parent(zygote)
        listener.close()
        for other in (control, *clients):
            other.close()
        _kernel_main(connection_file, cwd, env)  # never returns
    clients[conn].add(pid)
    with contextlib.suppress(OSError):
        conn.send(pid)


def _reap(clients: dict[Connection, set[int]]) -> None:
    """Collect the kernels that exited, so that their process ids, free again, are never
    killed by mistake."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        for kernels in clients.values():
            kernels.discard(pid)


def _kill_all(kernels: set[int]) -> None:
    for pid in kernels:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _kernel_main(connection_file: str, cwd: str, env: Mapping[str, str]) -> None:
    """Become an IPython kernel on ``connection_file`` (in a freshly forked child)."""
    status = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.environ.update(env)
        os.chdir(cwd)
        from ipykernel.kernelapp import IPKernelApp

        # Errors only: the kernel's start-up warnings (plain-TCP transport on 127.0.0.1) would
        # otherwise be printed once per client over the batch's progress bar.
        app = IPKernelApp.instance(
            connection_file=connection_file, parent_handle=os.getppid(), log_level="ERROR"
        )
        app.initialize([])
        # traitlets leaves the logger itself at DEBUG and filters in its handler: every
        # message the kernel handles would still build a debug record (four a cell).
        app.log.setLevel(app.log_level)
        app.start()
    except BaseException:
        status = 1
    finally:
        os._exit(status)


class ForkedKernelClient(AsyncKernelClient):
    """nbclient's client for a forked kernel: ready once the kernel answers ``kernel_info`` and
    its output channel is seen connected, as jupyter_client checks it — without the fixed 0.2 s
    wait for output silence jupyter_client adds after that (0.2 s of every client). What is
    already waiting is drained; anything later is ignored anyway, nbclient reading only the
    outputs of the requests it makes."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except queue.Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # IOPub connected: the kernel's status for the request has arrived
                    await self.iopub_channel.get_msg(timeout=0.2)
                except queue.Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:  # drain what has arrived, without waiting for more
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except queue.Empty:
                break


class ForkedKernelManager(AsyncKernelManager):
    """Drive a kernel forked by a :class:`Zygote` as nbclient drives any kernel."""

    def __init__(self, pid: int, connection_file: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client_factory = ForkedKernelClient  # what km.client() makes for nbclient
        self.load_connection_file(connection_file)
        self.kernel_pid = pid
        self._running = True

    @property
    def has_kernel(self) -> bool:
        return self._running

    async def _async_start_kernel(self, **kwargs: Any) -> None:
        raise RuntimeError("a forked kernel is already started")

    async def _async_is_alive(self) -> bool:
        if not self._running:
            return False
        try:
            os.kill(self.kernel_pid, 0)
        except ProcessLookupError:
            return False
        return not _is_zombie(self.kernel_pid)

    async def _async_interrupt_kernel(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.kernel_pid, signal.SIGINT)

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.kernel_pid, signal.SIGKILL)
        self._running = False
        with contextlib.suppress(OSError):
            os.remove(self.connection_file)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        return None

    # jupyter_client calls both the public names and (from its clients) the private ones.
    start_kernel = _async_start_kernel
    is_alive = _async_is_alive
    interrupt_kernel = _async_interrupt_kernel
    shutdown_kernel = _async_shutdown_kernel
    cleanup_resources = _async_cleanup_resources


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False
