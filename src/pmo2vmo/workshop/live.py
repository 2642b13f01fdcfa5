"""What moves on a workshop page: the live radar and the connection watch.

- :class:`LiveRadar` redraws the product's own radar (:func:`pmo2vmo.render.charts.radar`) as the
  ``outputs`` of an ``Output`` widget, in plotly's JSON mimetype, which JupyterLab and Voilà draw
  with the plotly.js the ``jupyterlab-plotly`` extension serves — nothing is fetched from a
  network. (A ``FigureWidget``
  would update in place, but its first construction imports every plotly graph object: about 3 s of
  a page's start-up here.)
- :class:`ConnectionWatch` is a small anywidget: the page pings the kernel every 2 s and shows a
  warning when no answer came for 8 s — a dead kernel or a dropped network says nothing in Voilà's
  page otherwise (voila #67). Its JavaScript is inline; no file is fetched.
"""

from __future__ import annotations

from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets

from pmo2vmo.analysis.score_report import OrganisationScores
from pmo2vmo.render.charts import radar
from pmo2vmo.render.show import figure_bundle

LOST_AFTER_MS = 8000

_WATCH_ESM = """
function render({ model, el }) {
  el.classList.add("p2v-connection");
  el.setAttribute("role", "status");
  let last = Date.now();
  const show = () => {
    const lost = Date.now() - last > LOST_AFTER_MS;
    el.textContent = lost
      ? "Connection lost. Answers that showed a receipt are saved; reload the page to go on."
      : "";
    el.style.display = lost ? "block" : "none";
    el.dataset.lost = lost ? "true" : "false";
  };
  model.on("msg:custom", (msg) => {
    if (msg && msg.pong) { last = Date.now(); show(); }
  });
  const timer = setInterval(() => {
    try { model.send({ ping: Date.now() }); } catch (err) { /* the warning will show */ }
    show();
  }, 2000);
  show();
  return () => clearInterval(timer);
}
export default { render };
""".replace("LOST_AFTER_MS", str(LOST_AFTER_MS))

_WATCH_CSS = """
.p2v-connection { background: #b00020; color: #fff; padding: 0.6em 1em; font-weight: bold;
                  border-radius: 4px; margin: 0.4em 0; }
"""


class ConnectionWatch(anywidget.AnyWidget):
    """A warning the page shows itself when the kernel stops answering its pings."""

    _esm = traitlets.Unicode(_WATCH_ESM).tag(sync=True)
    _css = traitlets.Unicode(_WATCH_CSS).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_msg(self._answer)

    def _answer(self, _widget: object, content: Any, _buffers: object) -> None:
        """Answer a ping (its time echoed back)."""
        if isinstance(content, dict) and "ping" in content:
            self.send({"pong": content["ping"]})


class LiveRadar:
    """A radar redrawn in place: ``widget`` goes on the page, :meth:`draw` updates it."""

    def __init__(self, css_class: str = "p2v-radar") -> None:
        self.widget = widgets.Output()
        self.widget.add_class(css_class)
        #: The traces last drawn (name -> radii), for tests and the facilitator's summary.
        self.drawn: dict[str, list[float | None]] = {}

    def draw(self, org: OrganisationScores, title: str) -> None:
        """Draw ``org``'s dimensions against their targets under ``title``."""
        fig = radar(org)
        # Markers: with few answers a dimension is a lone point that a line alone never shows.
        fig.update_traces(mode="lines+markers", selector={"name": "Current"})
        fig.update_layout(title={"text": title}, height=520, margin={"l": 60, "r": 60})
        self.drawn = {str(t.name): list(t.r) for t in fig.data}
        # Set as the widget's state, not captured from display(): a redraw from a timer runs
        # after the message that caused it is answered, and the page no longer routes output
        # for a finished message to the widget.
        self.widget.outputs = (
            {"output_type": "display_data", "data": figure_bundle(fig), "metadata": {}},
        )

    def clear(self) -> None:
        """Remove the chart (nothing answered)."""
        self.drawn = {}
        self.widget.outputs = ()
