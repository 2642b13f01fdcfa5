"""The offline HTML report: an executed report notebook through our own nbconvert template.

The template (``templates/nbconvert/pmo2vmo-report``) hides code, links nothing (a
Content-Security-Policy forbids any network request), inlines plotly.js once and draws each
plotly JSON output with ``Plotly.newPlot``. It is a standalone template (no base template, no
preprocessor) that reads only the cells' outputs, so :func:`notebook_to_html` renders it with
Jinja2 directly, as nbconvert would, without nbconvert's deep copy of the notebook and its
preprocessors and its BeautifulSoup pass over the page (nearly all of a report's HTML time:
0.15–0.45 s against 0.01 s). :func:`exporter` is the same template through nbconvert's
``HTMLExporter`` (for ``jupyter nbconvert --template pmo2vmo-report``); a test checks that both
give the same document (nbconvert's page is ours re-serialised by BeautifulSoup).
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

import jinja2

from pmo2vmo.model.branding import COLOUR
from pmo2vmo.resources import data_dir

if TYPE_CHECKING:  # only a type here: importing nbformat pulls in jsonschema (see run.py)
    import nbformat

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


@cache
def template() -> jinja2.Template:
    """The report template in a Jinja2 environment set up as nbconvert sets up its own (the
    loop-controls extension, no auto-escaping: the template escapes what it shows)."""
    folder = data_dir("templates") / "nbconvert" / TEMPLATE
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), extensions=["jinja2.ext.loopcontrols"]
    )
    env.filters["p2v_colour"] = _colour
    env.filters["p2v_logo"] = _logo
    return env.get_template("index.html.j2")


def notebook_to_html(nb: nbformat.NotebookNode) -> str:
    """Render an executed report notebook as a self-contained HTML page."""
    return template().render(nb=nb, resources={"plotly_js": plotly_js()})
