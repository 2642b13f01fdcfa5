"""The offline HTML report rendered straight from the template is nbconvert's page."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from pmo2vmo import api
from pmo2vmo.model.job import Job
from pmo2vmo.render import html, report

SAMPLES = api.sample_files()


@pytest.mark.parametrize(("responses", "profile"), SAMPLES, ids=[s[0].stem for s in SAMPLES])
def test_direct_render_is_nbconverts_page(responses: Path, profile: Path) -> None:
    """notebook_to_html (Jinja2, no nbconvert) gives the document nbconvert's HTMLExporter gives
    with the same template: nbconvert's page is ours re-serialised by BeautifulSoup, no more."""
    built = report.prepare(Job(responses=str(responses), profile=str(profile),
                               generated="2027-01-04"))  # fmt: skip
    nb = built.to_notebook()
    direct = html.notebook_to_html(nb)
    converted, _ = html.exporter().from_notebook_node(nb, resources={"plotly_js": html.plotly_js()})
    assert str(BeautifulSoup(direct, features="html.parser")) == converted
    assert direct.count("Plotly.newPlot(") == converted.count("Plotly.newPlot(") > 0
