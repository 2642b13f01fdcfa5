"""The HTML report in a real browser: headless Chromium (the OS package, driven by Playwright)
with every network request blocked. Every chart draws, nothing logs an error, nothing is fetched,
and a script-bearing client name and comments show as text without running."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import HOSTILE_COMMENTS, HOSTILE_NAME, HOSTILE_THEME_COMMENT
from pmo2vmo.model.job import Job
from pmo2vmo.render import html, report
from pmo2vmo.resources import samples_dir

pytestmark = pytest.mark.slow


def _open(browser: Any, page_file: Path) -> dict[str, Any]:
    """Load a report with the network blocked; collect what happened."""
    seen: dict[str, Any] = {"requests": [], "console": [], "dialogs": [], "errors": []}
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(r: Any) -> None:
        url = r.request.url
        seen["requests"].append(url)
        if url.startswith("file://"):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: seen["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(page_file.as_uri())
    page.wait_for_selector("body[data-charts-done]", timeout=60_000)
    seen["charts"] = page.eval_on_selector_all(
        "div.p2v-chart", "els => els.map(e => e.getAttribute('data-drawn'))"
    )
    seen["svgs"] = page.eval_on_selector_all("div.p2v-chart .main-svg", "els => els.length")
    seen["text"] = page.inner_text("body")
    seen["images"] = page.eval_on_selector_all("img", "els => els.map(e => e.getAttribute('src'))")
    context.close()
    return seen


def _write(tmp_path: Path, responses: Path, profile: Path) -> Path:
    job = Job(responses=str(responses), profile=str(profile), generated="2027-01-04")
    page = tmp_path / f"{responses.stem}.html"
    page.write_text(html.notebook_to_html(report.prepare(job).to_notebook()), encoding="utf-8")
    return page


def test_report_draws_every_chart_offline(browser: Any, tmp_path: Path) -> None:
    """Every chart of the Northwind report draws with the network blocked, with no console
    error and no request beyond the file itself."""
    page = _write(tmp_path, samples_dir() / "northwind-utilities.xlsx",
                  samples_dir() / "northwind-utilities.yaml")  # fmt: skip
    seen = _open(browser, page)
    assert len(seen["charts"]) == 9
    assert seen["charts"] == ["true"] * 9
    assert seen["svgs"] >= 9
    assert [r for r in seen["requests"] if not r.startswith("file://")] == []
    assert [c for c in seen["console"] if c[0] in {"error", "warning"}] == []
    assert seen["errors"] == []
    assert "We recommend: Strengthen the PMO first." in seen["text"]


def test_hostile_client_text_shows_as_text(
    browser: Any, tmp_path: Path, hostile_sample: tuple[Path, Path]
) -> None:
    """A client named <img src=x onerror=alert(1)> with script-bearing comments: the name and
    comments read as text, no dialog opens, no image loads, every chart still draws."""
    seen = _open(browser, _write(tmp_path, *hostile_sample))
    assert seen["dialogs"] == []
    assert seen["errors"] == []
    # only the profile's logo, as a data URI: no injected <img>
    assert len(seen["images"]) == 1
    assert seen["images"][0].startswith("data:image/png;base64,")
    assert HOSTILE_NAME in seen["text"]
    assert '<script>alert("comment")</script>' in seen["text"]
    assert HOSTILE_COMMENTS[1].split("\x07")[0] in seen["text"]
    assert set(seen["charts"]) == {"true"}


def test_hostile_comment_in_a_theme_shows_as_text(
    browser: Any, tmp_path: Path, hostile_theme_sample: tuple[Path, Path]
) -> None:
    """A comment with markup and str.format fields, quoted as a finding's evidence and counted
    in a theme, reads as that text in the findings and the comments: no element is injected,
    no handler runs."""
    page_file = _write(tmp_path, *hostile_theme_sample)
    seen = _open(browser, page_file)
    assert seen["dialogs"] == []
    assert seen["errors"] == []
    context = browser.new_context()
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
                  else r.abort())  # fmt: skip
    page = context.new_page()
    page.goto(page_file.as_uri())
    injected = page.eval_on_selector_all("main b[onmouseover]", "els => els.length")
    body = page.inner_text("body")
    context.close()
    assert injected == 0
    assert body.count(HOSTILE_THEME_COMMENT) >= 2  # a finding's evidence and the comments
    assert set(seen["charts"]) == {"true"}


def test_link_in_a_unit_name_is_text_in_the_chart(
    browser: Any, tmp_path: Path, linked_unit_sample: tuple[Path, Path]
) -> None:
    """A unit named <a href="https://evil.example/">…</a> shows as that text in the perception
    heatmap: plotly draws no link (it renders label markup unless escaped)."""
    from conftest import LINK_UNIT

    page_file = _write(tmp_path, *linked_unit_sample)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
                  else r.abort())  # fmt: skip
    page = context.new_page()
    page.goto(page_file.as_uri())
    page.wait_for_selector("body[data-charts-done]", timeout=60_000)
    links = page.eval_on_selector_all(
        "div.p2v-chart a",
        "els => els.map(e => e.getAttribute('href') || e.getAttribute('xlink:href'))",
    )
    chart_text = page.eval_on_selector_all("div.p2v-chart", "els => els.map(e => e.textContent)")
    context.close()
    assert not [link for link in links if link and "evil.example" in link]
    assert any(LINK_UNIT in text for text in chart_text)
