"""A batch's record: each client's result, and ``OUT_DIR/manifest.json`` read and written.

The manifest is rewritten (atomically) as each client finishes, so an interrupted batch keeps
what it finished; the next run reads it to skip what is unchanged (see
:mod:`pmo2vmo.execute.batch`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmo2vmo import __version__
from pmo2vmo.errors import NotReadable
from pmo2vmo.util.atomic import write_text_atomic
from pmo2vmo.util.safeio import read_bounded
from pmo2vmo.util.text import json_text

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 50 * 1024 * 1024


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
        """The manifest's entry: seconds and timings rounded to milliseconds."""
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


def manifest_content(results: dict[str, ClientResult], started: str) -> dict[str, Any]:
    """The manifest's content: the version, the batch's start, the clients sorted by name."""
    return {
        "pmo2vmo_version": __version__,
        "generated": started,
        "clients": [results[k].to_json() for k in sorted(results, key=str.lower)],
    }


def write_manifest(out_dir: Path, results: dict[str, ClientResult], started: str) -> None:
    """Rewrite ``OUT_DIR/manifest.json`` (atomically) with ``results``."""
    text = json_text(manifest_content(results, started))
    write_text_atomic(out_dir / MANIFEST, text + "\n")


def from_json(entry: dict[str, Any]) -> ClientResult:
    """A manifest entry (a previous run's, or a worker's reply) as a :class:`ClientResult`."""
    return ClientResult(
        client=entry["client"], slug=entry.get("slug", ""), status=entry.get("status", "failed"),
        error=entry.get("error"), input_sha256=entry.get("input_sha256", ""),
        fingerprint=entry.get("fingerprint", ""), seconds=entry.get("seconds"),
        outputs=list(entry.get("outputs", [])), timings=dict(entry.get("timings", {})),
    )  # fmt: skip


def describe(exc: BaseException) -> str:
    """An exception as a one-line reason, the way the manifest records it."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
