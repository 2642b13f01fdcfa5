"""`--formats pdf`: the HTML report printed to A4 by the OS's Chromium (Playwright), offline,
with the client and date in the header, "page X of Y" in the footer and a page per section; a
missing browser is a usage error found before anything runs."""

from __future__ import annotations

import html as markup
import http.server
import inspect
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from pmo2vmo.cli import main
from pmo2vmo.execute import batch, pdf, run
from pmo2vmo.model.job import DEFAULT_FORMATS, FORMATS, NAMES, parse_formats
from pmo2vmo.resources import samples_dir

pytestmark = pytest.mark.slow
EPOCH = "1798848000"  # 2027-01-02
HEADER_PT, FOOTER_PT = 51, 45  # the 18 mm top and 16 mm bottom margins, in PDF points
SCRIPT_NAME = "<script>alert(1)</script>"
NAMES_PDF = "harbor-mutual-insurance-" + NAMES["pdf"]


def _needs_chromium() -> None:
    if pdf.find_chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run must install it")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")


def _page_bands(page: Any) -> tuple[str, str, str]:
    """A page's text as (header, body, footer), told apart by height on the page."""
    height = float(page.mediabox.height)
    bands: dict[str, list[str]] = {"header": [], "body": [], "footer": []}

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            y = cm[5] + tm[5] * cm[3]
            band = "header" if y > height - HEADER_PT else "footer" if y < FOOTER_PT else "body"
            bands[band].append(text.strip())

    page.extract_text(visitor_text=visit)
    header, body, footer = (" ".join(bands[b]) for b in ("header", "body", "footer"))
    return header, body, footer


def _bands(path: Path) -> list[tuple[str, str, str]]:
    """Each page's (header, body, footer) text."""
    from pypdf import PdfReader

    return [_page_bands(page) for page in PdfReader(str(path)).pages]


def _run(out: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["run", *args, "--out", str(out)], catch_exceptions=False)


@pytest.fixture(scope="module")
def harbor_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _needs_chromium()
    out = tmp_path_factory.mktemp("pdf")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = _run(out, str(samples_dir() / "harbor-mutual.csv"), "--profile",
                      str(samples_dir() / "harbor-mutual.yaml"), "--formats", "html,pdf")  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_run_prints_the_report_to_a4_pdf(harbor_pdf: Path) -> None:
    """`run --formats html,pdf` writes the HTML and a PDF of it: more than 5 A4 pages, each
    headed with the organisation and the report date and footed "page X of Y"."""
    assert sorted(p.name for p in harbor_pdf.iterdir()) == [
        "harbor-mutual-insurance-report.html", "harbor-mutual-insurance-report.pdf",
    ]  # fmt: skip
    path = harbor_pdf / NAMES_PDF
    assert path.read_bytes().startswith(b"%PDF")
    pages = _bands(path)
    assert len(pages) > 5
    for number, (header, _body, footer) in enumerate(pages, start=1):
        assert header == "Harbor Mutual Insurance 2027-01-02"
        assert footer.endswith(f"page {number} of {len(pages)}")
    from pypdf import PdfReader

    width, height = PdfReader(str(path)).pages[0].mediabox[2:]
    assert (round(float(width)), round(float(height))) == (596, 843)  # A4 in points


def test_each_section_starts_a_page(harbor_pdf: Path) -> None:
    """Every top-level section of the report is in the PDF and starts a page; the first shares
    the title page (no blank page before it)."""
    page = (harbor_pdf / "harbor-mutual-insurance-report.html").read_text(encoding="utf-8")
    titles = [markup.unescape(t) for t in re.findall(r'<h2 id="[^"]+">([^<]+)</h2>', page)]
    assert len(titles) >= 8
    bodies = [body for _header, body, _footer in _bands(harbor_pdf / NAMES_PDF)]
    assert titles[0] in bodies[0]
    starts = [b for b in bodies if any(b.startswith(t) for t in titles[1:])]
    assert len(starts) == len(titles) - 1
    assert all(b.strip() for b in bodies)


def test_default_formats_leave_out_pdf() -> None:
    """pdf is a format but not a default: run, batch and the command line default to html,
    ipynb, xlsx and pptx; `--help` names pdf."""
    assert DEFAULT_FORMATS == ("html", "ipynb", "xlsx", "pptx")
    assert (*DEFAULT_FORMATS, "pdf") == FORMATS
    assert parse_formats("PDF, html") == ("html", "pdf")
    for function in (run.run_report, batch.run_batch):
        assert inspect.signature(function).parameters["formats"].default == DEFAULT_FORMATS
    for command in ("run", "batch"):
        option = next(p for p in main.commands[command].params if p.name == "formats")
        assert option.default == "html,ipynb,xlsx,pptx"
        shown = CliRunner().invoke(main, [command, "--help"]).output
        assert "pdf (not a default" in " ".join(shown.split())


@pytest.mark.parametrize(
    ("chromium", "says"),
    [("/nonexistent", "PMO2VMO_CHROMIUM=/nonexistent is not an executable file"),
     (None, "none of chromium, chromium-browser, google-chrome, google-chrome-stable is on PATH"),
     ("/bin/false", "/bin/false does not start")],
)  # fmt: skip
@pytest.mark.parametrize("command", ["run", "batch"])
def test_no_chromium_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chromium: str | None, says: str, command: str
) -> None:
    """Without a Chromium that starts, `--formats pdf` exits 2 with one line saying what is
    missing and how to fix it, no traceback, and nothing written."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    if chromium is None:
        monkeypatch.delenv(pdf.ENV, raising=False)
    else:
        monkeypatch.setenv(pdf.ENV, chromium)
    out = tmp_path / "out"
    source = samples_dir() / "harbor-mutual.csv" if command == "run" else samples_dir()
    result = CliRunner().invoke(main, [command, str(source), "--out", str(out), "--formats",
                                       "html,pdf"])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    first = result.output.splitlines()[0]
    assert first.startswith(f"error: --formats: pdf needs Chromium, and {says}")
    assert first.endswith(f"— {pdf.HINT}")
    assert (
        pdf.HINT == "install it (apt-get install -y chromium) or set PMO2VMO_CHROMIUM to its path"
    )
    assert "Traceback" not in result.output
    assert not out.exists()


def test_header_template_escapes_client_text() -> None:
    """The page header shows a script-bearing client name and date as text: markup escaped."""
    header = pdf.header_template(SCRIPT_NAME, '2027-01-02"><b>')
    assert "<script" not in header
    assert "<b>" not in header
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in header
    assert 'class="pageNumber"' in pdf.footer_template()
    assert 'class="totalPages"' in pdf.footer_template()


def test_hostile_organisation_is_text_in_the_header(
    tmp_path: Path, hostile_sample: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An organisation named <script>alert(1)</script> reads as that text in every page's
    header; `--formats pdf` alone writes the PDF and no HTML."""
    _needs_chromium()
    responses, profile_path = hostile_sample
    profile = yaml.safe_load(profile_path.read_text(encoding="utf-8"))
    profile["client"] = profile["branding"]["name"] = SCRIPT_NAME
    profile_path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = tmp_path / "out"
    result = _run(out, str(responses), "--profile", str(profile_path), "--formats", "pdf")
    assert result.exit_code == 0, result.output
    (path,) = out.iterdir()
    assert path.name.endswith("-report.pdf")
    pages = _bands(path)
    assert {header for header, _body, _footer in pages} == {f"{SCRIPT_NAME} 2027-01-02"}


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []  # noqa: RUF012 - one list for the test's server

    def do_GET(self) -> None:
        self.seen.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_printing_fetches_nothing(tmp_path: Path, server: str) -> None:
    """A page asking for an image, a script and a stylesheet over HTTP prints to PDF without
    a single request reaching the network, and no partial file is left beside the PDF."""
    _needs_chromium()
    _Recorder.seen.clear()
    page = tmp_path / "page.html"
    page.write_text(f'<link rel="stylesheet" href="{server}/s.css"><script src="{server}/x.js">'
                    f'</script><h1>Offline</h1><img src="{server}/i.png">', encoding="utf-8")  # fmt: skip
    target = pdf.print_pdf(page, tmp_path / "page.pdf", organisation="Acme", generated="2027")
    assert target.read_bytes().startswith(b"%PDF")
    assert _Recorder.seen == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "page.pdf"]


def test_batch_prints_each_clients_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`batch --formats html,pdf` prints each client's PDF in its folder beside the HTML, the
    manifest lists it, and a re-run skips the client (its PDF counts as a complete output)."""
    _needs_chromium()
    # The instrument's and templates' digest held still: only the outputs decide the skip here.
    monkeypatch.setattr(batch, "environment_digest", lambda: "held")
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    for source in samples_dir().glob("lumen-digital*"):
        shutil.copy(source, in_dir / source.name)
    out = tmp_path / "out"
    args = ["batch", str(in_dir), "--out", str(out), "--formats", "html,pdf", "--workers", "1"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    folder = out / "lumen-digital"
    assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.pdf", "scores.json"]
    pages = _bands(folder / "report.pdf")
    assert len(pages) > 5
    assert pages[0][0].startswith("Lumen Digital")
    (entry,) = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["clients"]
    assert "lumen-digital/report.pdf" in entry["outputs"]
    again = CliRunner().invoke(main, args, catch_exceptions=False)
    assert "0 ok, 0 failed, 1 skipped" in again.output
