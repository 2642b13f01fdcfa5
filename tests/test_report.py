"""The client report as data and its offline HTML (PRODUCT §8): sections, confidentiality,
escaping, branding and a page that needs no network — all in-process, without a kernel."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import plotly.graph_objects as go
import pytest

from conftest import HOSTILE_COMMENTS, HOSTILE_NAME
from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.branding import Brand, Logo, brand_for, load_logo
from pmo2vmo.model.job import Job
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.results import Status
from pmo2vmo.render import html, report
from pmo2vmo.render.show import PLOTLY_MIME
from pmo2vmo.resources import samples_dir
from pmo2vmo.util.text import figure

SECTIONS = ["executive-summary", "findings", "strengths", "position", "pillars", "items",
            "consensus", "transition", "roadmap", "kpis", "voices", "appendix",
            "references"]  # fmt: skip
# A 1×1 PNG (a whole one: logos are checked chunk by chunk, checksums included).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8ffff3f030008fc02fea79aa0a00000000049454e44ae426082"
)


def _job(slug: str, **extra: str) -> Job:
    data = next(p for p in samples_dir().glob(f"{slug}.*") if p.suffix in {".csv", ".xlsx"})
    return Job(
        responses=str(data), profile=str(samples_dir() / f"{slug}.yaml"), generated="2027-01-04",
        **extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def reports() -> dict[str, report.Report]:
    return {
        slug: report.prepare(_job(slug))
        for slug in ("northwind-utilities", "harbor-mutual", "lumen-digital")
    }


@pytest.fixture(scope="module")
def harbor_html(reports: dict[str, report.Report]) -> str:
    return html.notebook_to_html(reports["harbor-mutual"].to_notebook())


def _text_of(rep: report.Report) -> str:
    """Every string the report shows, tables and text blocks."""
    parts = []
    for section in rep.sections:
        for block in section.blocks:
            if isinstance(block, report.Text):
                parts += block.paragraphs
            elif isinstance(block, report.Table):
                parts += [str(v) for row in block.rows for v in row]
    return "\n".join(parts)


def test_report_has_every_section_in_order(reports: dict[str, report.Report]) -> None:
    """A report holds the sections of PRODUCT §8 and issue 16, in reading order, each with
    content."""
    for rep in reports.values():
        assert [s.id for s in rep.sections] == SECTIONS
        assert all(s.blocks for s in rep.sections)


def test_summary_states_the_path_and_why_in_words(reports: dict[str, report.Report]) -> None:
    """The executive summary names the recommended path and says why in a sentence that quotes
    its figure, with no rule arithmetic (">=", "<") in it."""
    rep = reports["northwind-utilities"]
    summary = rep.section("executive-summary")
    text = "\n".join(p for b in summary.blocks if isinstance(b, report.Text) for p in b.paragraphs)
    assert "We recommend: Strengthen the PMO first." in text
    assert "PMO baseline readiness is 29.8 of 100" in text
    assert not re.search(r"\d\s*(?:>=|<=|<|>)\s*\d", text)
    charts = [b.id for s in rep.sections for b in s.blocks if isinstance(b, report.Chart)]
    assert charts == ["radar", "readiness", "pillars", "dimensions", "items", "consensus",
                      "perception_role_band", "perception_unit", "roadmap"]  # fmt: skip


def test_roadmap_and_kpi_tables_follow_the_plan(reports: dict[str, report.Report]) -> None:
    """The roadmap table lists every planned item with the client's reason; the KPI tables show
    at most twelve KPIs of planned initiatives, each with a baseline, a target and a date."""
    rep = reports["harbor-mutual"]
    items = rep.plan.roadmap.items
    story = rep.narrative
    assert story is not None
    (table, *_) = [b for b in rep.section("roadmap").blocks if isinstance(b, report.Table)]
    assert [row[1] for row in table.rows] == [i.initiative.title for i in items]
    assert [row[-1] for row in table.rows] == [story.why[i.initiative.id] for i in items]
    assert not any("still open" in row[-1] for row in table.rows)
    kpis = [b for b in rep.section("kpis").blocks if isinstance(b, report.Table)]
    rows = [row for t in kpis for row in t.rows]
    planned = {i.initiative.title for i in items}
    assert 0 < len(rows) <= 12 < sum(len(i.initiative.kpis) for i in items)
    assert all(r[1] in planned and r[2] and r[3] and re.fullmatch(r"\d{4}-\d\d-\d\d", r[4])
               for r in rows)  # fmt: skip
    assert [t.caption for t in kpis] == [g.outcome for g in story.kpi_groups]


def test_suppressed_groups_never_show_a_number(reports: dict[str, report.Report]) -> None:
    """A suppressed group is listed as suppressed, with no respondents and no score."""
    seen = 0
    for rep in reports.values():
        (groups,) = [b for b in rep.section("consensus").blocks
                     if isinstance(b, report.Table) and b.caption == "Groups"]  # fmt: skip
        for row in groups.rows:
            if row[2] == "suppressed":
                assert set(row[3:]) == {""}  # respondents, overall and every pillar
                assert len(row) == len(groups.columns)
                seen += 1
        suppressed = {
            b.group
            for b in rep.plan.scores.breakouts
            if b.status is Status.SUPPRESSED and b.group is not None
        }
        for chart in (b for b in rep.section("consensus").blocks if isinstance(b, report.Chart)):
            for trace in chart.to_json()["data"]:
                if trace.get("name") in suppressed:
                    assert "suppressed" in str(trace.get("text", "")).lower()
    assert seen, "the samples are expected to have at least one suppressed group"


def test_appendix_carries_versions_hash_and_coverage(reports: dict[str, report.Report]) -> None:
    """The method appendix gives respondents, coverage, instrument, version and input hash."""
    rep = reports["lumen-digital"]
    (table, *_) = [b for b in rep.section("appendix").blocks if isinstance(b, report.Table)]
    rows = dict((str(k), v) for k, v in table.rows)
    assert rows["Respondents"] == rep.plan.scores.respondents
    assert rows["Instrument"] == "pmo2vmo-core 2.0.0"
    assert re.fullmatch(r"[0-9a-f]{64}", str(rows["Input SHA-256"]))
    assert rows["Generated"] == "2027-01-04"
    assert str(rows["Coverage of expected answers"]).endswith("%")


def test_no_score_shows_as_a_dash_not_zero() -> None:
    """A missing score renders as an em dash in tables, never as 0."""
    assert figure(None) == "—"
    (bundle,) = report.Section("s", "S", (report.Table("t", ("a",), ((None,),)),)).bundles()
    assert "<td>—</td>" in bundle["text/html"]


def test_a_run_of_text_and_tables_is_one_output() -> None:
    """A section displays one output per run of text and tables and one per chart, in order,
    the run's plain text its pieces' plain text with a blank line between them."""
    chart = report.Chart("c", go.Figure())
    section = report.Section("s", "S", (report.Text(("one",)), report.Table("t", ("a",), ((1,),)),
                                        chart, report.Text(("two",))))  # fmt: skip
    joined = section.bundles()
    assert [set(b) for b in joined] == [{"text/html", "text/plain"}, {PLOTLY_MIME, "text/plain"},
                                        {"text/html", "text/plain"}]  # fmt: skip
    pieces = section.block_bundles()
    assert joined[0]["text/plain"] == "\n\n".join(b["text/plain"] for b in pieces[:3])
    assert joined[2] == pieces[4]  # a run of one stays as it was


def test_joined_outputs_give_the_same_page(reports: dict[str, report.Report]) -> None:
    """The HTML page of a report whose text runs are joined is byte for byte the page of the
    same report with every block its own output."""
    for rep in reports.values():
        joined = rep.to_notebook()
        apart = rep.to_notebook()
        for cell, section in zip(apart.cells[1:], rep.sections, strict=True):
            cell.outputs = [nbformat.v4.new_output("display_data", data=b, metadata={})
                            for b in section.block_bundles()]  # fmt: skip
        assert sum(map(len, (c.outputs for c in joined.cells))) < sum(
            map(len, (c.outputs for c in apart.cells))
        )
        assert html.notebook_to_html(joined) == html.notebook_to_html(apart)


# ------------------------------------------------------------------------------------ HTML ---


def test_html_needs_no_network(harbor_html: str) -> None:
    """The page loads nothing: no external script, stylesheet, image or font, and a CSP that
    forbids any request; plotly.js is inlined exactly once."""
    outside_plotly = re.sub(r"<script>.*?</script>", "", harbor_html, flags=re.S)
    assert not re.search(r"<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)=\"(?!data:|#)",
                         outside_plotly)  # fmt: skip
    assert "default-src 'none'" in harbor_html
    assert harbor_html.count("plotly.js v") == 1  # the bundle's banner
    assert "require.js" not in outside_plotly
    assert "mathjax" not in outside_plotly.lower()


def test_html_hides_code_and_draws_every_chart(
    harbor_html: str, reports: dict[str, report.Report]
) -> None:
    """No notebook source appears; one chart holder and JSON spec per chart of the report."""
    assert "report.show_section" not in harbor_html
    charts = sum(isinstance(b, report.Chart) for s in reports["harbor-mutual"].sections
                 for b in s.blocks)  # fmt: skip
    assert len(re.findall(r'<div[^>]*class="p2v-output p2v-chart"', harbor_html)) == charts
    assert len(re.findall(r'<script[^>]*type="application/json"', harbor_html)) == charts


def test_html_is_branded_from_the_profile(harbor_html: str) -> None:
    """The profile's primary colour and client name brand the page."""
    assert "--primary: #134f5c" in harbor_html
    assert '<div class="client">Harbor Mutual Insurance</div>' in harbor_html


def test_hostile_client_text_is_escaped(hostile_sample: tuple[Path, Path]) -> None:
    """A script-bearing client name and comments appear as text, never as markup, in the page
    and in the chart JSON."""
    responses, profile = hostile_sample
    rep = report.prepare(Job(responses=str(responses), profile=str(profile)))
    page = html.notebook_to_html(rep.to_notebook())
    assert HOSTILE_NAME not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>alert" not in page
    assert re.search(
        r"&lt;script&gt;alert\((?:&quot;|\")comment(?:&quot;|\")\)&lt;/script&gt;", page
    )
    assert "</script><img" not in page
    # Chart titles carry the name escaped for plotly (which renders label markup), inside
    # <script type="application/json">; the raw name is nowhere (checked above).
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page
    voices = _text_of(rep)
    assert HOSTILE_COMMENTS[0] in voices


def test_rendering_is_deterministic(reports: dict[str, report.Report]) -> None:
    """The same report renders to the same bytes twice."""
    nb = reports["lumen-digital"].to_notebook()
    assert html.notebook_to_html(nb) == html.notebook_to_html(nb)


def test_template_refuses_bad_colours_and_non_image_logos() -> None:
    """Only #rrggbb colours and PNG/JPEG data URIs reach the page."""
    assert html._colour("#12ab9F", "#000000") == "#12ab9F"
    assert html._colour("red;}</style><script>", "#000000") == "#000000"
    assert html._logo("data:image/png;base64,iVBORw0KGgo=") == "data:image/png;base64,iVBORw0KGgo="
    assert html._logo("data:image/svg+xml;base64,PHN2Zz4=") == ""
    assert html._logo('data:image/png;base64,AA" onload="x') == ""


# -------------------------------------------------------------------------------- branding ---


def test_logo_png_and_jpeg_accepted_svg_refused(tmp_path: Path) -> None:
    """Logos are recognised by content: PNG and JPEG pass, SVG (script-capable) is refused."""
    png = tmp_path / "logo.png"
    png.write_bytes(PNG)
    assert load_logo(png) == Logo("image/png", PNG)
    jpeg = tmp_path / "logo.jpg"
    from PIL import Image

    Image.new("RGB", (8, 8), (19, 79, 92)).save(jpeg, "JPEG")
    assert load_logo(jpeg).mime == "image/jpeg"
    svg = tmp_path / "logo.png"
    svg.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
    with pytest.raises(InstrumentError, match="not a PNG or JPEG image"):
        load_logo(svg)
    with pytest.raises(InstrumentError, match="file not found"):
        load_logo(tmp_path / "missing.png")


def test_logo_path_is_relative_to_the_profile(tmp_path: Path) -> None:
    """A relative logo path is read next to the profile and embedded as a data URI."""
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.png").write_bytes(PNG)
    profile = Profile.model_validate({"client": "Acme", "branding": {"logo": "brand/logo.png"}})
    brand = brand_for(profile, "Acme", tmp_path / "client.yaml")
    assert brand.logo is not None
    assert brand.logo.data_uri.startswith("data:image/png;base64,iVBORw0KGgo")
    assert brand == Brand("Acme", "#1f4e79", "#c55a11", Logo("image/png", PNG))


def test_slugs_are_safe_file_names() -> None:
    """Organisation names become ASCII slugs that cannot climb out of the output folder."""
    assert report.slugify("Northwind Utilities") == "northwind-utilities"
    assert report.slugify("../../etc/passwd") == "etc-passwd"
    assert report.slugify(HOSTILE_NAME) == "img-src-x-onerror-alert-1"
    assert report.slugify("Société Générale") == "societe-generale"
    assert report.slugify("…") == "organisation"
    assert len(report.slugify("x" * 500)) <= 60
