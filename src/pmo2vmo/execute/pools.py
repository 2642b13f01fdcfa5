"""Kernel pools: each batch worker keeps one kernel ahead of the client that needs it.

Two kinds, one per ``--kernels`` mode: :class:`ForkPool` forks each kernel from a warm process
(:mod:`pmo2vmo.execute.forkkernel`; a batch's workers share one); :class:`SpawnPool` starts each
from its kernelspec, like Jupyter does, and has it import pmo2vmo silently while the current
client runs. Every kernel gets SIGKILL when its worker dies; a kernel that fails to start is
retried once.
"""

from __future__ import annotations

import abc
import contextlib
import functools
import os
import queue
import secrets
import shutil
import tempfile
import time
from collections.abc import Mapping
from typing import Any

from pmo2vmo.errors import RunError
from pmo2vmo.execute.forkkernel import ForkedKernelManager, die_with_parent
from pmo2vmo.execute.manifest import describe
from pmo2vmo.execute.run import QUIET_KERNEL

WARM_UP = "__import__('pmo2vmo.render.report')"


class Pool(abc.ABC):
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
                    f"the kernel failed to start twice ({describe(first)}; then {describe(second)})"
                ) from second


class SpawnPool(Pool):
    """Kernels from the kernelspec: the next one is started, and imports pmo2vmo, while the
    current client runs."""

    def __init__(self, kernel_name: str, startup_timeout: float = 60) -> None:
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.next: tuple[Any, Any, str] | None = None
        self.error: str | None = None

    def prepare(self) -> None:
        """Start the next kernel from the kernelspec and send it the warm-up import."""
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
            self.error = describe(exc)

    def _ready(self) -> Any:
        """The started kernel once its warm-up has answered ok (stopped if it does not)."""
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
                if left <= 0 or not alive(km):
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
            shutdown(km)
            raise
        kc.stop_channels()
        return km

    def close(self) -> None:
        """Stop the kernel not yet used."""
        if self.next is not None:
            km, kc, _ = self.next
            kc.stop_channels()
            shutdown(km)
            self.next = None


class ForkPool(Pool):
    """One kernel ahead, forked from a warm process (see :mod:`pmo2vmo.execute.forkkernel`):
    a new process and an empty namespace per client, imports already paid."""

    def __init__(self, zygote: Any, env: Mapping[str, str] | None = None) -> None:
        """``zygote``: a :class:`~pmo2vmo.execute.forkkernel.Zygote` or a connection to one
        (:class:`~pmo2vmo.execute.forkkernel.ZygoteClient`); ``env``: variables each kernel
        gets on top of the zygote's environment."""
        self.zygote = zygote
        self.env = dict(env or {})
        self.folder = tempfile.mkdtemp(prefix="pmo2vmo-kernels-")
        self.next: Any = None
        self.error: str | None = None

    def prepare(self) -> None:
        """Fork the next kernel from the warm process, on a fresh connection file."""
        from jupyter_client.connect import write_connection_file

        self.next, self.error = None, None
        try:
            path = os.path.join(self.folder, f"kernel-{secrets.token_hex(6)}.json")
            write_connection_file(path, ip="127.0.0.1", transport="tcp",
                                  key=secrets.token_hex(16).encode("ascii"))  # fmt: skip
            pid = self.zygote.fork_kernel(path, self.folder, self.env)
            self.next = ForkedKernelManager(pid, path)
        except Exception as exc:  # a failed start is retried by take()
            self.error = describe(exc)

    def _ready(self) -> Any:
        """The forked kernel, if it is still alive."""
        km, self.next = self.next, None
        if km is None:
            raise RuntimeError(self.error or "no kernel was started")
        if not alive(km):
            shutdown(km)
            raise RuntimeError("the forked kernel exited before use")
        return km

    def close(self) -> None:
        """Stop the kernel not yet used, let go of the warm process (stopping it if it is this
        pool's own), and remove the connection files."""
        if self.next is not None:
            shutdown(self.next)
            self.next = None
        self.zygote.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def kernel_pid(km: Any) -> int | None:
    """The kernel's process id, so the parent can stop it if the worker must be killed."""
    if isinstance(km, ForkedKernelManager):
        return km.kernel_pid
    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    return pid if isinstance(pid, int) else None


def alive(km: Any) -> bool:
    """Whether the kernel's process is still running."""
    from jupyter_core.utils import run_sync

    return bool(run_sync(km.is_alive)())


def shutdown(km: Any) -> None:
    """Stop the kernel at once (errors ignored: it may be gone already)."""
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(km.shutdown_kernel)(now=True)
