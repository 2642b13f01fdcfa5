"""A client's folder ``OUT_DIR/<slug>/``: its deliverables published, retired and marked failed.

Batch owns, in a client's folder, the deliverable names (``report.html``, ``report.ipynb``,
``scores.xlsx``, ``deck.pptx``, ``report.pdf``, ``scores.json``), ``FAILED.txt`` and
``previous/``; it never
touches any other file there. Every step is a rename, and a step cut short is finished by the
next, so a folder never shows stale outputs as current (see :mod:`pmo2vmo.execute.batch`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pmo2vmo.execute.manifest import describe
from pmo2vmo.model.job import NAMES, SCORES
from pmo2vmo.util.atomic import write_text_atomic

FAILED = "FAILED.txt"
PREVIOUS = "previous"
OWNED = (*NAMES.values(), SCORES)  # the deliverables batch writes at the top of OUT_DIR/<slug>/
RETIRING = ".pmo2vmo-retiring"  # inside OUT_DIR/<slug>/: the next previous/, being filled
DISCARD = ".pmo2vmo-discard"  # inside OUT_DIR/<slug>/: an older previous/, being deleted


def _remove(path: Path) -> None:
    """Remove a file, a link or a folder tree, if there."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path)


def retire(folder: Path) -> None:
    """Move the deliverables at the top of ``folder`` into ``folder/previous/``, replacing an
    older ``previous/`` only when there is something to move.

    Each step is a rename: the deliverables go one by one into a hidden folder, which then takes
    the place of ``previous/`` (the older one is moved aside, then deleted). A step cut short is
    finished by the next call: the hidden folder is still filled and swapped in, an older
    ``previous/`` moved aside is deleted.
    """
    retiring, discard, previous = folder / RETIRING, folder / DISCARD, folder / PREVIOUS
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


def mark_failed(out_dir: Path, slug: str, client: str, reason: str | None) -> str | None:
    """Mark a client's folder failed: ``FAILED.txt`` first, then its deliverables moved into
    ``previous/`` (:func:`retire`). A client with no folder gets none. Returns the reason,
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
        retire(folder)
    except OSError as exc:
        return f"{reason}; and its old outputs could not be moved to {PREVIOUS}/: {describe(exc)}"
    return reason


def publish(out_dir: Path, slug: str, staged: Sequence[Path]) -> list[Path]:
    """Put a successful run's outputs (complete, in staging, on the same file system) into the
    client's folder: older deliverables into ``previous/``, the new ones in, then ``previous/``
    and last ``FAILED.txt`` removed. Returns the outputs' final paths."""
    folder = out_dir / slug
    folder.mkdir(exist_ok=True)
    retire(folder)
    written = []
    for source in staged:
        os.replace(source, folder / source.name)
        written.append(folder / source.name)
    _remove(folder / PREVIOUS)
    (folder / FAILED).unlink(missing_ok=True)
    return written


def is_complete(out_dir: Path, slug: str, before: dict[str, Any], wanted: Sequence[str]) -> bool:
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
