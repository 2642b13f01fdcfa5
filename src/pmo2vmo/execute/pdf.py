"""The PDF deliverable: the offline HTML report printed to A4 by the system's Chromium.

Playwright (sync API) drives the operating system's Chromium, never a browser of Playwright's
own download: the path in ``PMO2VMO_CHROMIUM`` when set, else the first of ``chromium``,
``chromium-browser``, ``google-chrome`` and ``google-chrome-stable`` on ``PATH``. The report
loads with every request but ``file:`` and ``data:`` refused (it is offline by design), its
plotly charts are drawn, then it is printed: A4, backgrounds kept, the client's name and the
report's date in the header (escaped: client text is hostile), "page X of Y" in the footer, and
each top-level section on a new page (the report template's print stylesheet).

:func:`require_chromium` is called before any work starts, so a missing or broken browser is a
usage error (exit code 2) and nothing is written; :func:`print_pdf` writes the PDF atomically.
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path
from typing import Any

from pmo2vmo.errors import InputProblem, InvalidInputError, RunError
from pmo2vmo.util.atomic import atomic_path

ENV = "PMO2VMO_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HINT = f"install it (apt-get install -y chromium) or set {ENV} to its path"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--no-default-browser-check"]  # fmt: skip

# Page geometry: A4 (210 mm wide) with 12 mm side margins leaves 186 mm, 703 CSS pixels; printed
# at SCALE, the page lays out VIEWPORT pixels wide. The charts are drawn at that width, so they
# fit the page as drawn (plotly sizes a chart once, when it is drawn).
SCALE = 0.8
VIEWPORT = {"width": round(186 / 25.4 * 96 / SCALE), "height": 1200}
MARGIN = {"top": "18mm", "bottom": "16mm", "left": "12mm", "right": "12mm"}
CHART_TIMEOUT_MS = 60_000
# Every chart of the report drawn (the template marks each holder data-drawn), and any other
# plotly div holding its SVG.
CHARTS_DRAWN = """() =>
  [...document.querySelectorAll("div.p2v-chart[data-chart]")]
    .every(d => d.getAttribute("data-drawn") === "true")
  && [...document.querySelectorAll(".plotly-graph-div")]
    .every(d => d.querySelector("svg.main-svg") !== null)"""
TEMPLATE_STYLE = "font-family: Helvetica, Arial, sans-serif; font-size: 8px; color: #555;"


def _problem(message: str, hint: str = HINT) -> InvalidInputError:
    return InvalidInputError([InputProblem("--formats", message, hint)])


def find_chromium() -> str | None:
    """The Chromium to print with: ``PMO2VMO_CHROMIUM``'s when set (None when that is not an
    executable), else the first of :data:`CANDIDATES` on ``PATH``, else None."""
    explicit = os.environ.get(ENV)
    if explicit:
        return shutil.which(explicit)
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def require_chromium() -> str:
    """The Chromium to print with, checked by launching it once; :class:`InvalidInputError`
    (exit code 2) saying what is missing and how to fix it when there is none, or when
    Playwright cannot be imported or cannot launch it."""
    executable = find_chromium()
    if executable is None:
        explicit = os.environ.get(ENV)
        found = (f"{ENV}={explicit} is not an executable file" if explicit
                 else f"none of {', '.join(CANDIDATES)} is on PATH")  # fmt: skip
        raise _problem(f"pdf needs Chromium, and {found}")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise _problem("pdf needs the playwright package, which is not installed",
                       "pip install playwright") from None  # fmt: skip
    try:
        with sync_playwright() as pw:
            pw.chromium.launch(executable_path=executable, args=ARGS, headless=True).close()
    except Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise _problem(f"pdf needs Chromium, and {executable} does not start ({first})") from None
    return executable


def header_template(organisation: str, generated: str) -> str:
    """The page header: the client's name and the report's date, as escaped text."""
    return (
        f'<div style="{TEMPLATE_STYLE} width: 100%; margin: 0 12mm; display: flex; '
        'justify-content: space-between;">'
        f"<span>{html.escape(organisation)}</span><span>{html.escape(generated)}</span></div>"
    )


def footer_template() -> str:
    """The page footer: "page X of Y" (Chromium fills the pageNumber and totalPages spans)."""
    return (
        f'<div style="{TEMPLATE_STYLE} width: 100%; text-align: center;">page '
        '<span class="pageNumber"></span> of <span class="totalPages"></span></div>'
    )


def _offline(route: Any) -> None:
    """Let the report's own file and data URIs load; refuse every other request."""
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()


def _print(browser: Any, html_file: Path, tmp: Path, organisation: str, generated: str) -> None:
    """Load the report offline in a fresh context, wait for its charts, print it to ``tmp``."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    try:
        context.route("**/*", _offline)
        page = context.new_page()
        page.goto(html_file.resolve().as_uri(), wait_until="load")
        page.wait_for_function(CHARTS_DRAWN, timeout=CHART_TIMEOUT_MS)
        page.pdf(path=str(tmp), format="A4", print_background=True, scale=SCALE, margin=MARGIN,
                 display_header_footer=True,
                 header_template=header_template(organisation, generated),
                 footer_template=footer_template())  # fmt: skip
    finally:
        context.close()


def print_pdf(
    html_file: Path,
    target: Path,
    *,
    organisation: str,
    generated: str,
    executable: str | None = None,
) -> Path:
    """Print the HTML report ``html_file`` to ``target`` (atomically); :class:`RunError` when
    Chromium fails or the charts do not draw in time."""
    from playwright.sync_api import Error, sync_playwright

    executable = executable or find_chromium()
    if executable is None:
        raise RunError(f"pdf needs Chromium, which is no longer found — {HINT}")
    try:
        with atomic_path(target) as tmp, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
            try:
                _print(browser, html_file, tmp, organisation, generated)
            finally:
                browser.close()
    except Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RunError(f"printing the PDF with {executable} failed: {first}") from exc
    return target
