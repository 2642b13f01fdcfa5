"""Parsed once per process: data files are remembered by their content, so a file that changed is
read again and one that did not is never parsed twice.

A report run, a batch worker or a notebook loads the instrument, the catalogue, the transition
data and the roadmap settings several times; parsing and validating them is most of the cost of
a small client (PyYAML, then pydantic). :func:`memoised` keeps the last results by a key that
includes :func:`digest` of the files they came from.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

from pmo2vmo.errors import NotReadable
from pmo2vmo.util.safeio import read_bounded

T = TypeVar("T")
MAX_ENTRIES = 64
MAX_FILE_BYTES = 2 * 1024 * 1024
_CACHE: OrderedDict[Hashable, Any] = OrderedDict()


def digest(paths: Iterable[Path]) -> str:
    """A digest of the files' names and contents (a file that cannot be read counts as absent:
    whoever loads it then reports why)."""
    hasher = hashlib.sha256()
    for path in paths:
        hasher.update(str(Path(path).resolve()).encode() + b"\0")
        try:
            hasher.update(hashlib.sha256(read_bounded(path, MAX_FILE_BYTES)).digest())
        except NotReadable as exc:
            hasher.update(b"unreadable:" + exc.reason.encode())
    return hasher.hexdigest()


def memoised(key: Hashable, make: Callable[[], T]) -> T:
    """``make()``, or what it returned for the same key before (the last :data:`MAX_ENTRIES`
    kept). An exception is not remembered: bad input is reported every time."""
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return cast(T, _CACHE[key])
    value = make()
    _CACHE[key] = value
    if len(_CACHE) > MAX_ENTRIES:
        _CACHE.popitem(last=False)
    return value


def memoised_for(owner: object, key: Hashable, make: Callable[[], T]) -> T:
    """:func:`memoised` for a value made from ``owner`` (an object compared by identity, such as
    a loaded instrument): keyed by its id as well, and ``owner`` kept with the result, so the id
    is never reused by another object while the result is remembered."""
    kept: tuple[object, T] = memoised((key, id(owner)), lambda: (owner, make()))
    return kept[1]


def clear() -> None:
    """Forget everything remembered (tests that edit data files in place use it)."""
    _CACHE.clear()
