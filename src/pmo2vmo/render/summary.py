"""The batch summary page ``OUT_DIR/index.html`` (PRODUCT §9), for the consultant only.

It lists every client of a batch run with its status, error, timing, input hash and links to its
outputs, and — when enough clients have scores — compares each client with the *other* clients
(leave-one-out), dimension by dimension. Client reports never contain other clients' data; this
page is the one place where clients meet, which is why it is built afterwards from each client's
scores and is never sent to a client.

The comparison is data first (:func:`build_comparison`), then rendered by one autoescaping Jinja
environment (:func:`render_summary`, template ``templates/batch-index.html.j2``). The page makes no
network request: inline CSS, no script, and a Content-Security-Policy that forbids the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Literal
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from pmo2vmo.resources import data_dir
from pmo2vmo.util.atomic import write_text_atomic
from pmo2vmo.util.text import figure

TEMPLATE = "batch-index.html.j2"
MIN_CLIENTS = 5
STATUSES = ("ok", "failed", "skipped")

Band = Literal["low", "mid", "high", "none"]
RowKind = Literal["overall", "pillar", "dimension"]


@dataclass(frozen=True)
class Cell:
    """One client's score on one row, against the other clients' scores on that row.

    ``percentile`` is the client's percentile rank among the others (0–100: the share of others
    scoring lower, ties counting half); the ``others_*`` figures describe the others' scores only,
    never the client's own. ``band`` says where the score falls: ``low`` below the others' 25th
    percentile, ``high`` above their 75th, ``mid`` in between, ``none`` when there is no score or
    no other client to compare with. Every figure is ``None`` when it cannot be computed — never 0.
    """

    score: float | None
    percentile: float | None
    others_n: int
    others_min: float | None
    others_median: float | None
    others_max: float | None
    band: Band


@dataclass(frozen=True)
class Row:
    """One line of the comparison matrix: the overall score, a pillar or a dimension.

    ``cells`` are in the order of :attr:`Comparison.clients`.
    """

    kind: RowKind
    id: str
    name: str
    pillar: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Comparison:
    """Each scored client against the other scored clients: the overall row, one row per pillar,
    then one row per dimension grouped by pillar (in instrument order)."""

    clients: tuple[str, ...]
    rows: tuple[Row, ...]

    @property
    def summary_rows(self) -> tuple[Row, ...]:
        """The overall row and the pillar rows."""
        return tuple(r for r in self.rows if r.kind != "dimension")

    def dimension_groups(self) -> list[tuple[Row | None, list[Row]]]:
        """Dimension rows grouped by pillar, each group with its pillar row (``None`` if absent)."""
        pillars = {r.id: r for r in self.rows if r.kind == "pillar"}
        groups: dict[str, list[Row]] = {}
        for row in self.rows:
            if row.kind == "dimension":
                groups.setdefault(row.pillar, []).append(row)
        return [(pillars.get(pid), rows) for pid, rows in groups.items()]


# --- the comparison ---------------------------------------------------------------------------


def _client_key(name: str) -> tuple[str, str]:
    """Sort clients by name, case-insensitively; ties broken by the exact name (stable output)."""
    return (name.casefold(), name)


def _number(value: Any) -> float | None:
    """A usable score, or ``None`` (missing, null, not a number, NaN or infinite)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted, non-empty data, interpolating linearly between ranks (the
    numpy default, Excel's PERCENTILE.INC)."""
    position = (len(ordered) - 1) * q
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def percentile_rank(score: float, others: Sequence[float]) -> float:
    """The percentage of ``others`` below ``score``, ties counting half (0–100)."""
    below = sum(1 for o in others if o < score)
    equal = sum(1 for o in others if o == score)
    return 100.0 * (below + 0.5 * equal) / len(others)


def _cell(score: float | None, others: Sequence[float]) -> Cell:
    if not others:
        return Cell(score, None, 0, None, None, None, "none")
    ordered = sorted(others)
    low, mid, high = ordered[0], _quantile(ordered, 0.5), ordered[-1]
    if score is None:
        return Cell(None, None, len(ordered), low, mid, high, "none")
    band: Band = "mid"
    if score < _quantile(ordered, 0.25):
        band = "low"
    elif score > _quantile(ordered, 0.75):
        band = "high"
    return Cell(score, percentile_rank(score, ordered), len(ordered), low, mid, high, band)


def _cells(values: Mapping[str, float | None], clients: Sequence[str]) -> tuple[Cell, ...]:
    """Each client's cell, its "others" being every *other* client with a score on this row."""
    out = []
    for client in clients:
        others = [v for c, v in values.items() if c != client and v is not None]
        out.append(_cell(values.get(client), others))
    return tuple(out)


def _entries(scores: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    entries = scores.get(key)
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, Mapping) and isinstance(e.get("id"), str)]


def _ordered_union(lists: Sequence[Sequence[str]]) -> list[str]:
    """Ids in the order the clients list them (instrument order), even when some clients lack a
    few (excluded dimensions): the longest list sets the order, and an id missing from it goes
    right after the id that precedes it in the list that has it."""
    order: list[str] = []
    for ids in sorted(lists, key=len, reverse=True):  # stable: ties keep the clients' order
        for i, item in enumerate(ids):
            if item in order:
                continue
            before = next((ids[j] for j in range(i - 1, -1, -1) if ids[j] in order), None)
            order.insert(order.index(before) + 1 if before is not None else 0, item)
    return order


def build_comparison(
    scores: Mapping[str, Mapping[str, Any] | None], min_clients: int = MIN_CLIENTS
) -> Comparison | None:
    """Compare each scored client with the other scored clients, or ``None`` when fewer than
    ``min_clients`` clients have scores.

    ``scores`` maps a client to its organisation scores (``OrganisationScores.to_json()``), or to
    ``None`` when it has none. Leave-one-out: a client's own score is never part of its "others";
    a client without a score on a row (null or absent) shows no score there and is left out of the
    other clients' distributions for that row.
    """
    scored = {client: s for client, s in scores.items() if s is not None}
    clients = tuple(sorted(scored, key=_client_key))
    if len(clients) < max(min_clients, 1):
        return None

    pillar_names: dict[str, str] = {}
    dimension_info: dict[str, tuple[str, str]] = {}  # id -> (name, pillar id)
    pillar_lists: list[list[str]] = []
    dimension_lists: list[list[str]] = []
    for client in clients:
        pillars = _entries(scored[client], "pillars")
        dimensions = _entries(scored[client], "dimensions")
        pillar_lists.append([p["id"] for p in pillars])
        dimension_lists.append([d["id"] for d in dimensions])
        for p in pillars:
            pillar_names.setdefault(p["id"], str(p.get("name") or p["id"]))
        for d in dimensions:
            dimension_info.setdefault(
                d["id"], (str(d.get("name") or d["id"]), str(d.get("pillar") or ""))
            )

    def values(key: str, row_id: str) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for client in clients:
            entry = next((e for e in _entries(scored[client], key) if e["id"] == row_id), None)
            out[client] = _number(entry.get("score")) if entry is not None else None
        return out

    overall = {c: _number(scored[c].get("overall")) for c in clients}
    rows = [Row("overall", "overall", "Overall", "", _cells(overall, clients))]
    pillar_order = _ordered_union(pillar_lists)
    for pid in pillar_order:
        rows.append(
            Row("pillar", pid, pillar_names[pid], pid, _cells(values("pillars", pid), clients))
        )
    # Dimensions grouped by pillar, pillars in their own order, dimensions of a pillar the
    # instrument does not list as a pillar (should not happen) last.
    rank = {pid: i for i, pid in enumerate(pillar_order)}
    dimension_order = _ordered_union(dimension_lists)
    grouped = sorted(
        enumerate(dimension_order),
        key=lambda item: (rank.get(dimension_info[item[1]][1], len(rank)), item[0]),
    )
    for _, did in grouped:
        name, pillar = dimension_info[did]
        rows.append(Row("dimension", did, name, pillar, _cells(values("dimensions", did), clients)))
    return Comparison(clients, tuple(rows))


# --- the clients table ------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """One output file of a client: its path as the manifest gives it and, when it is safely
    inside the output folder, a relative href (each segment URL-quoted)."""

    path: str
    href: str | None


def output_href(path: str) -> str | None:
    """A relative href for an output path relative to the output folder, or ``None`` when the path
    could leave that folder (absolute, a drive, a ``..`` segment) or is empty."""
    if not isinstance(path, str) or not path.strip() or "\x00" in path:
        return None
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute() or PureWindowsPath(path).drive or posix.startswith("//"):
        return None
    segments = [s for s in posix.split("/") if s not in ("", ".")]
    if not segments or ".." in segments:
        return None
    # safe="" quotes ':' too, so a first segment never reads as a URL scheme.
    return "/".join(quote(s, safe="") for s in segments)


@dataclass(frozen=True)
class ClientRow:
    """One line of the clients table, read from a manifest entry."""

    client: str
    status: str
    status_class: str  # one of STATUSES or "unknown": safe as a CSS class name
    error: str | None
    seconds: float | None
    sha256: str | None
    outputs: tuple[Output, ...]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def client_rows(manifest: Mapping[str, Any]) -> list[ClientRow]:
    """The manifest's clients, sorted by name (case-insensitively)."""
    entries = manifest.get("clients")
    if not isinstance(entries, list):
        raise TypeError(f"manifest 'clients' must be a list (got {type(entries).__name__})")
    rows = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise TypeError(f"each manifest client must be a mapping (got {type(entry).__name__})")
        status = entry.get("status")
        outputs = entry.get("outputs")
        rows.append(
            ClientRow(
                client=str(entry.get("client", "")),
                status=str(status),
                status_class=status
                if isinstance(status, str) and status in STATUSES
                else "unknown",
                error=_text(entry.get("error")),
                seconds=_number(entry.get("seconds")),
                sha256=_text(entry.get("input_sha256")),
                outputs=tuple(
                    Output(p, output_href(p))
                    for p in (outputs if isinstance(outputs, list) else [])
                    if isinstance(p, str)
                ),
            )
        )
    rows.sort(key=lambda r: _client_key(r.client))
    return rows


# --- rendering --------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _words(number: int) -> str:
    return _WORDS[number] if 0 <= number < len(_WORDS) else str(number)


@cache
def _environment() -> Environment:
    # autoescape=True: select_autoescape() does not cover *.html.j2, and client text is hostile.
    env = Environment(
        autoescape=True,
        loader=FileSystemLoader(data_dir("templates")),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["p2v_num"] = figure
    env.filters["p2v_pct"] = _pct
    return env


def render_summary(
    manifest: Mapping[str, Any], scores: Mapping[str, Mapping[str, Any] | None]
) -> str:
    """The summary page for a batch manifest and each client's scores, as HTML.

    Only clients of the manifest that did not fail take part in the comparison; a client missing
    from ``scores`` has none. The same input always gives the same page.
    """
    clients = client_rows(manifest)
    counts = {s: sum(1 for c in clients if c.status == s) for s in STATUSES}
    comparable = {c.client: scores.get(c.client) for c in clients if c.status != "failed"}
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            version=str(manifest.get("pmo2vmo_version", "")),
            generated=str(manifest.get("generated", "")),
            counts=counts,
            total=len(clients),
            clients=clients,
            comparison=build_comparison(comparable, MIN_CLIENTS),
            min_clients_words=_words(MIN_CLIENTS),
        )
    )


def write_summary(
    out_dir: Path | str,
    manifest: Mapping[str, Any],
    scores: Mapping[str, Mapping[str, Any] | None],
) -> Path:
    """Render the summary page and write it to ``out_dir/index.html`` atomically: a reader sees the
    previous page or the new one, and a failed render leaves the previous page in place."""
    text = render_summary(manifest, scores)
    return write_text_atomic(Path(out_dir) / "index.html", text)
