"""The offline HTML report: an executed report notebook through our own nbconvert template.

The template (``templates/nbconvert/pmo2vmo-report``) hides code, links nothing (a
Content-Security-Policy forbids any network request), inlines plotly.js once and draws each
plotly JSON output with ``Plotly.newPlot``. Conversion runs in-process: no ``jupyter nbconvert``
start-up per report.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import nbformat

from pmo2vmo.model.branding import COLOUR
from pmo2vmo.resources import data_dir

TEMPLATE = "pmo2vmo-report"
_LOGO = re.compile(r"^data:image/(?:png|jpeg);base64,[A-Za-z0-9+/=]+$")


def _colour(value: Any, default: str) -> str:
    return value if isinstance(value, str) and COLOUR.match(value) else default


def _logo(value: Any) -> str:
    return value if isinstance(value, str) and _LOGO.match(value) else ""


@cache
def plotly_js() -> str:
    """plotly.js, the full bundle (radar charts need it), as shipped with the plotly package."""
    from plotly.offline import get_plotlyjs

    js: str = get_plotlyjs()
    return js


@cache
def exporter() -> Any:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_template_basedirs=[str(data_dir("templates") / "nbconvert")],
        template_name=TEMPLATE,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_filter("p2v_colour", _colour)
    exporter.register_filter("p2v_logo", _logo)
    return exporter


def notebook_to_html(nb: nbformat.NotebookNode) -> str:
    """Render an executed report notebook as a self-contained HTML page."""
    body, _ = exporter().from_notebook_node(nb, resources={"plotly_js": plotly_js()})
    text: str = body
    return text
