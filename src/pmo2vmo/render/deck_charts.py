"""The deck's native charts: chart data embedded safely, chart placement, series, labels, axes.

Chart data is embedded with XlsxWriter's formula, URL and number conversions *off*, so a category
such as ``=cmd|' /C calc'!A0`` stays text when someone clicks "Edit data" in PowerPoint.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Inches, Pt

from pmo2vmo.render.deck_layout import CONTENT_TOP, CONTENT_WIDTH, MARGIN, hex_rgb, safe_text

# ---------------------------------------------------------------------------- chart data ---


class _SafeWorkbookWriter(CategoryWorkbookWriter):
    """python-pptx's chart-data writer with XlsxWriter's string conversions turned off, so text
    starting with ``=`` is stored as text, not as a formula, in the chart's embedded workbook."""

    @contextmanager
    def _open_worksheet(self, xlsx_file: io.BytesIO) -> Any:
        """XlsxWriter's workbook and worksheet, with its string conversions off."""
        from xlsxwriter import Workbook  # type: ignore[import-untyped]  # python-pptx's writer

        options = {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        }
        workbook = Workbook(xlsx_file, options)
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class _ChartData(CategoryChartData):
    """Category chart data whose embedded workbook is written by :class:`_SafeWorkbookWriter`."""

    @cached_property
    def _workbook_writer(self) -> Any:
        """The writer of the chart's embedded workbook: :class:`_SafeWorkbookWriter`."""
        return _SafeWorkbookWriter(self)  # type: ignore[no-untyped-call]


def chart_data(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], fmt: str
) -> Any:
    """Category chart data for ``categories`` and (name, values) ``series``, text made safe;
    a ``None`` value leaves a gap."""
    data = _ChartData(number_format=fmt)  # type: ignore[no-untyped-call]
    data.categories = [safe_text(c) for c in categories]
    for name, values in series:
        data.add_series(safe_text(name), list(values))  # type: ignore[no-untyped-call]
    return data


# -------------------------------------------------------------------------------- charts ---


def add_chart(
    slide: Any,
    chart_type: Any,
    data: Any,
    *,
    left: int = MARGIN,
    width: int = CONTENT_WIDTH,
    height: int = Inches(5.3),
) -> Any:
    """A native chart in the content area, legend at the bottom, no chart title (the slide's)."""
    chart = slide.shapes.add_chart(chart_type, left, CONTENT_TOP, width, height, data).chart
    chart.font.size = Pt(10)
    chart.has_title = False
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    return chart


def colour_series(series: Any, colour: RGBColor, *, line: bool = False) -> None:
    """Fill a bar series with ``colour``, or for a line series its line and round markers."""
    if line:
        series.format.line.color.rgb = colour
        series.format.line.width = Pt(2.25)
        series.marker.style = XL_MARKER_STYLE.CIRCLE
        series.marker.size = 6
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = colour
        series.marker.format.line.color.rgb = colour
    else:
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = colour


def value_labels(series: Any, fmt: str = "0.00") -> None:
    """Show each point's value (``fmt``) just outside its bar, at 9 points."""
    labels = series.data_labels
    labels.show_value = True
    labels.number_format = fmt
    labels.number_format_is_linked = False
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size = Pt(9)


def level_axis(chart: Any) -> None:
    """A value axis from 0 to 5 in whole levels, with light grey gridlines."""
    axis = chart.value_axis
    axis.minimum_scale = 0
    axis.maximum_scale = 5
    axis.major_unit = 1
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = hex_rgb("D9D9D9")
    axis.tick_labels.number_format = "0"
    axis.tick_labels.number_format_is_linked = False


def top_down(chart: Any) -> None:
    """First category at the top of a horizontal bar chart, value axis still at the bottom.

    Reversing the categories alone moves the value axis to the top; ``c:valAx/c:crosses = max``
    (Excel's "horizontal axis crosses at maximum category") brings it back. python-pptx only
    offers ``crosses`` on the value axis, which writes the category axis' element.
    """
    chart.category_axis.reverse_order = True
    crosses = chart.value_axis._element.find(qn("c:crosses"))
    if crosses is None:  # pragma: no cover - python-pptx always writes one
        crosses = OxmlElement("c:crosses")
        chart.value_axis._element.find(qn("c:crossAx")).addnext(crosses)
    crosses.set("val", "max")
