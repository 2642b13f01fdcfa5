"""Reading a file a user named: regular files only, and never more than a limit.

A size cap that trusts ``stat`` is no cap: ``/dev/zero``, a FIFO or ``/proc`` files report a size
of 0 and then stream without end (``--profile /dev/zero`` once took all 24 GB). So a named file is
opened without blocking (a FIFO with no writer would hang the open), checked to be a regular file
on the open descriptor (no race with a rename), and read to at most ``limit + 1`` bytes.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from pmo2vmo.errors import NotReadable


def open_regular(path: str | os.PathLike[str]) -> tuple[BinaryIO, int]:
    """Open ``path`` for reading if it is a regular file; return the handle and its size.

    Raises :class:`NotReadable` for a missing path, a folder, a device, pipe or socket, or a
    file that cannot be read.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise NotReadable("file not found") from None
    except IsADirectoryError:
        raise NotReadable("is a folder, not a file") from None
    except OSError as exc:
        raise NotReadable(f"cannot be read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise NotReadable("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable(
                "is not a regular file (a device, pipe or socket)", "give the path of a saved file"
            )
        os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return handle, info.st_size


def too_large(size: int, limit: int) -> NotReadable:
    """The error for a file over its limit."""
    return NotReadable(f"the file is {size:,} bytes; the limit is {limit:,} bytes")


def read_at_most(handle: BinaryIO, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes from ``handle``, in chunks (one big ``read(n)`` would allocate
    ``n`` bytes up front, however small the file)."""
    chunks, total = [], 0
    while total <= limit:
        chunk = handle.read(min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file ``path``, refused (:class:`NotReadable`) over ``limit``.

    The size is checked before reading and again while reading, since a file can grow.
    """
    handle, size = open_regular(path)
    with handle:
        if size > limit:
            raise too_large(size, limit)
        try:
            data = read_at_most(handle, limit)
        except OSError as exc:
            raise NotReadable(f"cannot be read: {exc.strerror}") from None
    if len(data) > limit:
        raise too_large(len(data), limit)
    return data
