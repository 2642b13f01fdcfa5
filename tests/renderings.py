"""What each renderer shows, read back from its output: the HTML page's tables and text, the
deck's tables, chart series and text, the workbook's sheets (for the agreement tests)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from bs4 import BeautifulSoup
from pptx import Presentation

from pmo2vmo.model.job import Job
from pmo2vmo.render import html, report
from pmo2vmo.render.deck import build_deck
from pmo2vmo.render.report_workbook import build_report_workbook

NUMBER = re.compile(r"(?<![\w.-])[-+−]?\d+\.\d+(?![\w.])")  # figures with decimals


@dataclass
class Rendered:
    """One organisation's report as the client sees it in each format."""

    report: report.Report
    html_tables: dict[str, list[dict[str, str]]]  # caption -> rows by column header
    html_text: str  # every visible text of the page, tables included
    deck_tables: list[list[dict[str, str]]]  # per table: rows by column header
    deck_charts: list[dict[str, Any]]  # per chart: title, categories, series name -> values
    deck_text: str  # every text frame and table cell of the deck
    sheets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # rows by header
    html_chart_figures: set[str] = field(default_factory=set)  # the charts' data, as shown


def _html(page: str) -> tuple[dict[str, list[dict[str, str]]], str]:
    """The page's tables by caption, and its visible text (scripts left out)."""
    soup = BeautifulSoup(page, features="html.parser")
    tables: dict[str, list[dict[str, str]]] = {}
    for table in soup.find_all("table"):
        caption = table.find("caption")
        heads = [th.get_text(strip=True) for th in table.find("thead").find_all("th")]
        rows = [[td.get_text(strip=True) for td in tr.find_all("td")]
                for tr in table.find("tbody").find_all("tr")]  # fmt: skip
        key = caption.get_text(strip=True) if caption else f"table {len(tables)}"
        tables[key] = [dict(zip(heads, r, strict=True)) for r in rows]
    for script in soup.find_all(["script", "style"]):
        script.decompose()
    return tables, soup.get_text(" ")


def _deck(prs: Any) -> tuple[list[list[dict[str, str]]], list[dict[str, Any]], str]:
    """The deck's tables, chart data and text."""
    tables, charts, texts = [], [], []
    for slide in prs.slides:
        title = slide.shapes.title.text if slide.shapes.title is not None else ""
        for shape in slide.shapes:
            if shape.has_table:
                cells = [[c.text for c in row.cells] for row in shape.table.rows]
                tables.append([dict(zip(cells[0], r, strict=True)) for r in cells[1:]])
                texts += [c for row in cells for c in row]
            elif shape.has_chart:
                plot = shape.chart.plots[0]
                charts.append({"title": title, "categories": [str(c) for c in plot.categories],
                               "series": {s.name: list(s.values) for s in plot.series}})  # fmt: skip
            elif shape.has_text_frame:
                texts.append(shape.text_frame.text)
    return tables, charts, "\n".join(texts)


def _sheets(wb: Any) -> dict[str, list[dict[str, Any]]]:
    """Every sheet's rows by its header row."""
    out = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if rows:
            out[ws.title] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return out


def render(responses: Path, profile: Path, previous: Path | None = None) -> Rendered:
    """The organisation's HTML page, deck and workbook, read back."""
    job = Job(responses=str(responses), profile=str(profile),
              previous=None if previous is None else str(previous), generated="2027-01-04")  # fmt: skip
    built = report.prepare(job)
    tables, text = _html(html.notebook_to_html(built.to_notebook()))
    buffer = io.BytesIO()
    build_deck(built.plan, built.brand, built.meta).save(buffer)
    d_tables, d_charts, d_text = _deck(Presentation(io.BytesIO(buffer.getvalue())))
    buffer = io.BytesIO()
    build_report_workbook(built.plan, built.meta).save(buffer)
    wb = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    charts = set()
    for section in built.sections:
        for block in section.blocks:
            if isinstance(block, report.Chart):
                charts |= chart_figures(block.to_json())
    return Rendered(built, tables, text, d_tables, d_charts, d_text, _sheets(wb), charts)


def chart_figures(spec: Any) -> set[str]:
    """Every figure a plotly chart's data holds: numbers as shown (2 decimals), and the figures
    in its text, hover and label strings."""
    out: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, int | float):
            out.add(f"{value:.2f}")
        elif isinstance(value, str):
            out.update(figures_in(value))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    walk(spec.get("data", []))
    return out


def figures_in(text: str) -> set[str]:
    """The figures with decimals a text shows, signs normalised (+1.35 and 1.35 are one)."""
    return {m.lstrip("+").replace("−", "-") for m in NUMBER.findall(text)}
