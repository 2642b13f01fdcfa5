"""One batch per output folder: the exclusive lock a batch holds on ``OUT_DIR/.pmo2vmo.lock``.

The lock (``flock``) is taken before the batch touches anything in ``OUT_DIR`` and held until it
returns; the file holds the batch's process id, so a second batch is refused naming it. The
operating system releases the lock when the process dies, however it dies: a killed batch never
leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from pmo2vmo.errors import InputProblem, InvalidInputError

LOCK_FILE = ".pmo2vmo.lock"  # not matched by the staging prefix + "*": the sweep never removes it


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[int]:
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
