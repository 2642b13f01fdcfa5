"""Private staging folders inside an output folder, and the clean-up of those a killed run left.

A report is built in a hidden folder ``OUT/.pmo2vmo-<random suffix>`` and moved into place when
complete.
A run killed with ``kill -9`` cannot remove its folder, so each folder holds a lock (``flock``)
for as long as its process lives: the next run removes every staging folder whose lock it can
take — its owner is dead — and leaves alone those still held by a live run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PREFIX = ".pmo2vmo-"
LOCK = ".owner.lock"
GRACE_SECONDS = 600  # a folder with no lock yet is being made; only an old one is stale


@contextlib.contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A fresh staging folder inside ``out``, locked while in use and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=out))
    fd = os.open(folder / LOCK, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, str(os.getpid()).encode())
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def clean_stale(out: Path) -> list[Path]:
    """Remove the staging folders in ``out`` that no live process holds; return them."""
    removed = []
    for folder in sorted(out.glob(f"{PREFIX}*")):
        if not folder.is_dir() or folder.is_symlink():
            continue
        if _stale(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _stale(folder: Path) -> bool:
    try:
        fd = os.open(folder / LOCK, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        try:
            return time.time() - folder.stat().st_mtime > GRACE_SECONDS
        except OSError:
            return False
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held: its run is alive
    finally:
        os.close(fd)
    return True
