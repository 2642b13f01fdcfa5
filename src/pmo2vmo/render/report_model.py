"""The client report's data model: text, tables and charts in sections, and the report itself.

A :class:`Report` is data only — no HTML, no files. It turns into display bundles
(:meth:`Section.bundles`, :meth:`Report.head_bundle`), a notebook built without a kernel
(:meth:`Report.to_notebook`) and JSON (:meth:`Report.to_json`); :mod:`pmo2vmo.render.report_sections`
builds its sections and :mod:`pmo2vmo.render.report` assembles it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pmo2vmo.analysis.plan import OrganisationPlan
from pmo2vmo.model.branding import Brand
from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.show import (
    PLOTLY_MIME,
    Bundle,
    figure_bundle,
    joined,
    table_bundle,
    text_bundle,
)
from pmo2vmo.render.view import ReportView

if TYPE_CHECKING:
    import nbformat

REPORT_MIME = "application/vnd.pmo2vmo.report+json"


@dataclass(frozen=True)
class Text:
    paragraphs: tuple[str, ...]
    heading: str | None = None
    anchor: str | None = None  # the heading's id in the HTML (our own names only)
    bullets: bool = False  # a list rather than paragraphs
    compact: bool = False  # set tighter in print (the one-page executive summary)


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    numeric: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chart:
    id: str
    figure: Any  # plotly.graph_objects.Figure

    def to_json(self) -> dict[str, Any]:
        spec: dict[str, Any] = figure_bundle(self.figure)[PLOTLY_MIME]
        return spec


Block = Text | Table | Chart


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]

    def bundles(self) -> list[Bundle]:
        """The section as display outputs: :meth:`block_bundles`, consecutive text and tables
        joined into one output (:func:`~pmo2vmo.render.show.joined`; the same HTML page)."""
        return joined(self.block_bundles())

    def block_bundles(self) -> list[Bundle]:
        """One display bundle per piece of the section: its heading, then each block."""
        out: list[Bundle] = [{
            "text/html": f'<h2 id="{self.id}">{html.escape(self.title)}</h2>',
            "text/plain": self.title,
        }]  # fmt: skip
        for block in self.blocks:
            if isinstance(block, Text):
                out.append(text_bundle(block.paragraphs, heading=block.heading,
                                       anchor=block.anchor, bullets=block.bullets,
                                       compact=block.compact))  # fmt: skip
            elif isinstance(block, Table):
                out.append(
                    table_bundle(
                        block.columns, block.rows, caption=block.caption, numeric=block.numeric
                    )
                )
            else:
                out.append(figure_bundle(block.figure))
        return out


def _block_json(b: Block) -> dict[str, Any]:
    """One block of a section as JSON."""
    if isinstance(b, Text):
        return {"type": "text", "heading": b.heading, "anchor": b.anchor, "bullets": b.bullets,
                "paragraphs": list(b.paragraphs)}  # fmt: skip
    if isinstance(b, Table):
        return {"type": "table", "caption": b.caption, "columns": list(b.columns),
                "rows": [list(r) for r in b.rows]}  # fmt: skip
    return {"type": "chart", "id": b.id, "figure": b.to_json()}


@dataclass(frozen=True)
class Report:
    """One organisation's client report, as data."""

    organisation: str
    slug: str
    brand: Brand
    title: str
    subtitle: str
    meta: dict[str, str]
    sections: tuple[Section, ...]
    plan: OrganisationPlan = field(repr=False)
    view: ReportView = field(repr=False)  # the plan's rows, as every renderer shows them
    narrative: Narrative | None = field(default=None, repr=False)  # what its sentences say

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(f"no section {section_id!r}; sections: {[s.id for s in self.sections]}")

    def head(self) -> dict[str, Any]:
        """What the HTML template needs besides the sections: title, brand, contents, meta."""
        return {
            "organisation": self.organisation,
            "title": self.title,
            "subtitle": self.subtitle,
            "brand": {
                "name": self.brand.name,
                "primary": self.brand.primary,
                "accent": self.brand.accent,
                "logo": self.brand.logo.data_uri if self.brand.logo else None,
            },
            "contents": [{"id": s.id, "title": s.title} for s in self.sections],
            "meta": dict(self.meta),
        }

    def head_bundle(self) -> Bundle:
        return {
            REPORT_MIME: self.head(),
            "text/plain": f"{self.title} — {self.organisation}",
        }

    def to_notebook(self) -> nbformat.NotebookNode:
        """The report as an executed-looking notebook, built without a kernel: one cell for the
        head and one per section, their outputs exactly what the report notebook displays."""
        import nbformat  # here, not at module level: the report's kernel never needs it

        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}  # fmt: skip
        cells = [("report.show_head(r)", [self.head_bundle()])]
        cells += [(f"report.show_section(r, {s.id!r})", s.bundles()) for s in self.sections]
        for source, bundles in cells:
            cell = nbformat.v4.new_code_cell(source)
            cell.outputs = [
                nbformat.v4.new_output("display_data", data=b, metadata={}) for b in bundles
            ]
            nb.cells.append(cell)
        return nb

    def to_json(self) -> dict[str, Any]:
        return {
            **self.head(),
            "sections": [
                {"id": s.id, "title": s.title, "blocks": [_block_json(b) for b in s.blocks]}
                for s in self.sections
            ],
        }
