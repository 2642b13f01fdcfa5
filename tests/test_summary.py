"""The batch summary page OUT_DIR/index.html (PRODUCT §9): the clients table with safe relative
links, escaping of client text, an offline page, and the leave-one-out cross-client comparison."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from conftest import HOSTILE_NAME
from pmo2vmo.render import summary
from pmo2vmo.render.summary import build_comparison, render_summary, write_summary

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
SHA = "0123456789abcdef" * 4


def _entry(client: str, status: str = "ok", **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "client": client,
        "slug": client.lower().replace(" ", "-"),
        "status": status,
        "error": None,
        "input_sha256": SHA,
        "seconds": 12.34,
        "outputs": [f"{client}/report.html", f"{client}/deck.pptx"],
    }
    entry.update(extra)
    return entry


def _manifest(*entries: dict[str, Any]) -> dict[str, Any]:
    return {
        "pmo2vmo_version": "0.1.0",
        "generated": "2027-01-04T10:00:00",
        "clients": list(entries),
    }


def _scores(
    name: str, dims: dict[str, float | None], overall: float | None = 3.0
) -> dict[str, Any]:
    """Minimal organisation scores: dimensions ``{id: score}``; the pillar is the id's prefix."""
    pillars = sorted({d.split("-")[0] for d in dims})
    return {
        "organisation": name,
        "respondents": 10,
        "overall": overall,
        "pillars": [
            {"id": p, "name": f"Pillar {p}", "score": overall, "achieved_level": 3} for p in pillars
        ],
        "dimensions": [
            {"id": d, "name": f"Dimension {d}", "pillar": d.split("-")[0], "score": s}
            for d, s in dims.items()
        ],
    }


def _row(comparison: summary.Comparison, row_id: str) -> dict[str, summary.Cell]:
    row = next(r for r in comparison.rows if r.id == row_id)
    return dict(zip(comparison.clients, row.cells, strict=True))


def _hrefs(page: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', page)


def _matrix_row(page: str, name: str) -> list[str]:
    """The cells (td contents) of the comparison row whose header starts with ``name``."""
    match = re.search(rf'<th class="row" scope="row">{re.escape(name)}\b.*?</tr>', page)
    assert match, name
    return re.findall(r"<td[^>]*>(.*?)</td>", match.group(0))


FIVE = {
    "A": _scores("A", {"X-ONE": 1.0, "X-TWO": None, "Y-ONE": 2.0}),
    "B": _scores("B", {"X-ONE": 2.0, "X-TWO": 2.0, "Y-ONE": 2.0}),
    "C": _scores("C", {"X-ONE": 3.0, "X-TWO": 3.0, "Y-ONE": 2.0}),
    "D": _scores("D", {"X-ONE": 4.0, "X-TWO": 4.0, "Y-ONE": 2.0}),
    "E": _scores("E", {"X-ONE": 5.0, "X-TWO": 5.0, "Y-ONE": 2.0}),
}


# --- the clients table ------------------------------------------------------------------------


def test_clients_table_lists_every_client_with_status_and_working_links(tmp_path: Path) -> None:
    """Every client appears with its status, and each output is a relative href to its file."""
    manifest = _manifest(
        _entry("acme"),
        _entry("Beta Co", outputs=["Beta Co/report #1.html"]),
        _entry("gamma", status="skipped"),
        _entry("delta", status="failed", error="Timed out after 600 s", outputs=[], seconds=None),
    )
    for entry in manifest["clients"]:
        for output in entry["outputs"]:
            (tmp_path / output).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / output).write_text("x", encoding="utf-8")
    page = write_summary(tmp_path, manifest, {}).read_text(encoding="utf-8")

    for client, status in [("acme", "ok"), ("Beta Co", "ok"), ("gamma", "skipped"),
                           ("delta", "failed")]:  # fmt: skip
        assert re.search(
            rf'<td class="client">{client}</td>\s*<td><span class="status status-{status}">',
            page,
        ), client
    hrefs = _hrefs(page)
    assert hrefs == [
        "acme/report.html",
        "acme/deck.pptx",
        "Beta%20Co/report%20%231.html",
        "gamma/report.html",
        "gamma/deck.pptx",
    ]
    for href in hrefs:
        assert (tmp_path / unquote(href)).is_file(), href
    assert '<pre class="error">Timed out after 600 s</pre>' in page
    assert "ok: 2" in page
    assert "failed: 1" in page
    assert "skipped: 1" in page
    assert f'<code title="{SHA}">{SHA[:12]}</code>' in page


def test_hostile_client_name_and_error_are_escaped() -> None:
    """A script-bearing client name, error and dimension name come out as text, never as tags."""
    scores = {f"client {i}": _scores(f"client {i}", {"X-ONE": float(i)}) for i in range(4)}
    hostile = _scores(HOSTILE_NAME, {"X-ONE": 2.5})
    hostile["dimensions"][0]["name"] = "<script>alert(2)</script>"
    scores[HOSTILE_NAME] = hostile
    manifest = _manifest(
        *[_entry(c) for c in scores],
        _entry("broken", status="failed", error="<script>alert(1)</script>\nline two"),
    )
    page = render_summary(manifest, scores)

    assert "<script" not in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\nline two" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "<th>&lt;img src=x onerror=alert(1)&gt;</th>" in page  # comparison column
    assert "%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E/report.html" in _hrefs(page)


@pytest.mark.parametrize(
    "path",
    [
        "../secret.html",
        "acme/../../secret.html",
        "..",
        "/etc/passwd",
        "//evil.example/report.html",
        "..\\up.html",
        "C:\\reports\\acme.html",
        "C:acme.html",
        "",
        "./",
    ],
)
def test_output_outside_the_folder_is_not_linked(path: str) -> None:
    """An output path that is absolute, has a drive or climbs with '..' is shown but not linked."""
    manifest = _manifest(_entry("acme", outputs=[path, "acme/report.html"]))
    page = render_summary(manifest, {})
    assert summary.output_href(path) is None
    assert _hrefs(page) == ["acme/report.html"]


def test_output_href_quotes_each_segment() -> None:
    """Each path segment is URL-quoted; a scheme-like first segment stays a relative path."""
    assert summary.output_href("acme/report.html") == "acme/report.html"
    assert summary.output_href("./a b/c?d#e.html") == "a%20b/c%3Fd%23e.html"
    assert summary.output_href("http://evil.example/x") == "http%3A/evil.example/x"
    assert summary.output_href("javascript:alert(1)") == "javascript%3Aalert%281%29"


def test_page_needs_no_network() -> None:
    """No src/href points off the machine, nothing is scripted, and a CSP forbids the rest."""
    scores = {c: FIVE[c] for c in FIVE}
    manifest = _manifest(
        *[_entry(c) for c in FIVE],
        _entry("evil", outputs=["http://evil.example/x", "//evil.example/y", "https://e.example"]),
    )
    page = render_summary(manifest, scores)
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", page, re.IGNORECASE)
    for needle in ("<script", "<link", "<iframe", "@import", "url("):
        assert needle not in page.lower()


def test_clients_sorted_case_insensitively_and_page_deterministic() -> None:
    """Clients are listed by name ignoring case, and the same input gives the same page."""
    entries = [_entry("beta"), _entry("Alpha"), _entry("charlie")]
    first = render_summary(_manifest(*entries), {})
    again = render_summary(_manifest(*reversed(entries)), {})
    assert first == again
    order = re.findall(r'<td class="client">([^<]*)</td>', first)
    assert order == ["Alpha", "beta", "charlie"]


def test_footnote_says_the_page_is_for_the_consultant_only() -> None:
    """The page says it is for the consultant and that client reports hold no other client's data."""
    page = render_summary(_manifest(_entry("acme")), {})
    assert "For the consultant only" in page
    assert "client reports never contain other clients' data" in page


# --- the comparison ---------------------------------------------------------------------------


def test_comparison_needs_five_scored_clients() -> None:
    """Four scored clients give no comparison (a sentence says why); five give the matrix."""
    four = {c: FIVE[c] for c in "ABCD"}
    assert build_comparison(four) is None
    page = render_summary(_manifest(*[_entry(c) for c in four]), four)
    assert "needs at least five clients with scores" in page
    assert 'class="matrix"' not in page

    assert build_comparison(FIVE) is not None
    page = render_summary(_manifest(*[_entry(c) for c in FIVE]), FIVE)
    assert "needs at least five" not in page
    assert 'class="matrix"' in page


def test_clients_without_scores_or_failed_do_not_count_towards_five() -> None:
    """A client whose scores are None, or that failed, is not compared (nor counted)."""
    with_none: dict[str, dict[str, Any] | None] = {**{c: FIVE[c] for c in "ABCD"}, "E": None}
    assert build_comparison(with_none) is None
    manifest = _manifest(*[_entry(c) for c in "ABCD"], _entry("E", status="failed", error="boom"))
    assert 'class="matrix"' not in render_summary(manifest, FIVE)
    manifest = _manifest(*[_entry(c) for c in "ABCD"], _entry("E", status="skipped"))
    assert 'class="matrix"' in render_summary(manifest, FIVE)


def test_percentile_and_median_math_by_hand() -> None:
    """Percentile rank among others (ties count half), others' min/median/max and the bands."""
    comparison = build_comparison(FIVE)
    assert comparison is not None
    assert comparison.clients == ("A", "B", "C", "D", "E")
    x_one = _row(comparison, "X-ONE")
    # C = 3 against others [1, 2, 4, 5]: two of four below; median (2 + 4) / 2; quartiles 1.75, 4.25.
    assert x_one["C"] == summary.Cell(3.0, 50.0, 4, 1.0, 3.0, 5.0, "mid")
    # A = 1 against [2, 3, 4, 5]: lowest, below the others' 25th percentile (2.75).
    assert x_one["A"] == summary.Cell(1.0, 0.0, 4, 2.0, 3.5, 5.0, "low")
    # E = 5 against [1, 2, 3, 4]: highest, above the others' 75th percentile (3.25).
    assert x_one["E"] == summary.Cell(5.0, 100.0, 4, 1.0, 2.5, 4.0, "high")
    # B = 2 against [1, 3, 4, 5]: one of four below; others' 25th percentile is 2.5.
    assert x_one["B"] == summary.Cell(2.0, 25.0, 4, 1.0, 3.5, 5.0, "low")
    # Everyone equal: every other client ties, so the rank is 50 and the band the middle.
    assert all(
        c == summary.Cell(2.0, 50.0, 4, 2.0, 2.0, 2.0, "mid")
        for c in _row(comparison, "Y-ONE").values()
    )
    assert summary.percentile_rank(3.0, [1.0, 3.0, 3.0, 4.0]) == 50.0


def test_comparison_rows_are_overall_pillars_then_dimensions_by_pillar() -> None:
    """The matrix starts with overall and the pillars, then each pillar's dimensions."""
    comparison = build_comparison(FIVE)
    assert comparison is not None
    assert [(r.kind, r.id) for r in comparison.rows] == [
        ("overall", "overall"), ("pillar", "X"), ("pillar", "Y"),
        ("dimension", "X-ONE"), ("dimension", "X-TWO"), ("dimension", "Y-ONE"),
    ]  # fmt: skip
    page = render_summary(_manifest(*[_entry(c) for c in FIVE]), FIVE)
    assert page.index(">Overall<") < page.index(">Pillar X<") < page.index("Pillar X — dimensions")
    assert page.index("Pillar X — dimensions") < page.index("Dimension X-TWO")
    assert page.index("Dimension X-TWO") < page.index("Pillar Y — dimensions")


def test_row_order_survives_a_client_without_some_dimensions() -> None:
    """A client that lacks a pillar's first dimension (excluded) does not reorder the rows."""
    scores: dict[str, dict[str, Any] | None] = dict(FIVE)
    scores["0 first"] = _scores("0 first", {"X-TWO": 3.0})
    comparison = build_comparison(scores)
    assert comparison is not None
    assert comparison.clients[0] == "0 first"
    assert [r.id for r in comparison.rows] == ["overall", "X", "Y", "X-ONE", "X-TWO", "Y-ONE"]
    assert _row(comparison, "Y-ONE")["0 first"].score is None
    assert _row(comparison, "Y")["0 first"].score is None


def test_none_scores_show_a_dash_and_leave_the_distribution() -> None:
    """A None dimension score is a dash, never 0, and is left out of the others' figures."""
    scores: dict[str, dict[str, Any] | None] = dict(FIVE)
    # F has no X-TWO at all (an excluded dimension): same as None.
    scores["F"] = _scores("F", {"X-ONE": 3.0, "Y-ONE": 2.0})
    comparison = build_comparison(scores)
    assert comparison is not None
    x_two = _row(comparison, "X-TWO")
    assert x_two["A"] == summary.Cell(None, None, 4, 2.0, 3.5, 5.0, "none")
    assert x_two["F"] == summary.Cell(None, None, 4, 2.0, 3.5, 5.0, "none")
    # B's others are C, D, E only: A and F have no score here.
    assert x_two["B"] == summary.Cell(2.0, 0.0, 3, 3.0, 4.0, 5.0, "low")

    page = render_summary(_manifest(*[_entry(c) for c in scores]), scores)
    cells = _matrix_row(page, "Dimension X-TWO")
    assert len(cells) == 6
    assert cells[0].startswith('<span class="score">—</span>')  # A
    assert cells[5].startswith('<span class="score">—</span>')  # F
    assert "0.00" not in cells[0] + cells[5]
    assert "others 3.00–4.00–5.00" in cells[1]  # B


def test_leave_one_out_excludes_the_clients_own_score() -> None:
    """A client's "others" never include its own score, however extreme it is."""
    scores = {c: _scores(c, {"X-ONE": 1.0}) for c in "BCDE"}
    scores["A"] = _scores("A", {"X-ONE": 5.0})
    comparison = build_comparison(scores)
    assert comparison is not None
    x_one = _row(comparison, "X-ONE")
    assert x_one["A"] == summary.Cell(5.0, 100.0, 4, 1.0, 1.0, 1.0, "high")
    assert x_one["B"] == summary.Cell(1.0, 37.5, 4, 1.0, 1.0, 5.0, "mid")


def test_comparison_of_real_scores() -> None:
    """Real organisation scores (OrganisationScores.to_json) render the full matrix."""
    from pmo2vmo.analysis.plan import score_files
    from pmo2vmo.api import sample_files

    real = {
        data.stem: score_files([data], profile=profile).organisations[0].to_json()
        for data, profile in sample_files()
    }
    scores = {f"{slug} {i}": s for i in range(2) for slug, s in real.items()}
    comparison = build_comparison(scores)
    assert comparison is not None
    first = next(iter(real.values()))
    assert len(comparison.rows) == 1 + len(first["pillars"]) + len(first["dimensions"])
    page = render_summary(_manifest(*[_entry(c) for c in scores]), scores)
    assert page.count('<tr class="dimension">') == len(first["dimensions"])


# --- writing ----------------------------------------------------------------------------------


def test_write_summary_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """index.html is written whole; a failing render or write leaves the previous page."""
    manifest = _manifest(_entry("acme"))
    target = write_summary(tmp_path, manifest, {})
    assert target == tmp_path / "index.html"
    previous = target.read_text(encoding="utf-8")
    assert previous == render_summary(manifest, {})

    with pytest.raises(TypeError, match="'clients' must be a list"):
        write_summary(tmp_path, {"clients": "not a list"}, {})
    assert target.read_text(encoding="utf-8") == previous

    def half_write(self: Path, text: str, *args: Any, **kwargs: Any) -> int:
        with open(self, "w", encoding="utf-8") as handle:
            handle.write(text[: len(text) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", half_write)
    with pytest.raises(OSError, match="disk full"):
        write_summary(tmp_path, _manifest(_entry("acme"), _entry("beta")), {})
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]
