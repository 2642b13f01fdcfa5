"""The client report as data: sections of text, tables and charts, then rendered.

:func:`build_report` turns one organisation's plan into a :class:`Report` — no HTML, no files.
Renderers take it from there: the report notebook displays each section
(:func:`show_section`), :mod:`pmo2vmo.render.html` turns the executed notebook into the offline HTML
report, :mod:`pmo2vmo.render.report_workbook` and :mod:`pmo2vmo.render.deck` write the Excel workbook and the
PowerPoint deck. :meth:`Report.to_notebook` builds the same outputs without a kernel.

Wording the client reads lives in ``templates/report.yaml``. Its placeholders are filled with
``str.format`` on our own strings; client text only ever arrives as a value, and every renderer
escapes it.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmo2vmo import __version__
from pmo2vmo.analysis.plan import OrganisationPlan, previous_dimension_scores, roadmap_files
from pmo2vmo.model.branding import Brand, brand_for
from pmo2vmo.model.job import NAMES, SCORES, Job
from pmo2vmo.render import charts
from pmo2vmo.render.deck import write_deck
from pmo2vmo.render.report_workbook import write_report_workbook
from pmo2vmo.render.show import (
    PLOTLY_MIME,
    Bundle,
    figure_bundle,
    show_bundle,
    table_bundle,
    text_bundle,
)
from pmo2vmo.resources import data_dir
from pmo2vmo.util.atomic import write_text_atomic
from pmo2vmo.util.text import capital, figure, json_text, slugify
from pmo2vmo.util.yamlio import read_yaml

if TYPE_CHECKING:
    import nbformat

REPORT_MIME = "application/vnd.pmo2vmo.report+json"
SUPPRESSED = "suppressed"


@cache
def report_text() -> dict[str, Any]:
    """The wording of the report (``templates/report.yaml``)."""

    data: dict[str, Any] = read_yaml(data_dir("templates") / "report.yaml")
    return data


# ------------------------------------------------------------------------------- the model ---


@dataclass(frozen=True)
class Text:
    paragraphs: tuple[str, ...]
    heading: str | None = None


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
        """The section as display outputs: its heading, then each block."""
        out: list[Bundle] = [{
            "text/html": f'<h2 id="{self.id}">{html.escape(self.title)}</h2>',
            "text/plain": self.title,
        }]  # fmt: skip
        for block in self.blocks:
            if isinstance(block, Text):
                out.append(text_bundle(block.paragraphs, heading=block.heading))
            elif isinstance(block, Table):
                out.append(
                    table_bundle(
                        block.columns, block.rows, caption=block.caption, numeric=block.numeric
                    )
                )
            else:
                out.append(figure_bundle(block.figure))
        return out


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
        def block(b: Block) -> dict[str, Any]:
            if isinstance(b, Text):
                return {"type": "text", "heading": b.heading, "paragraphs": list(b.paragraphs)}
            if isinstance(b, Table):
                return {"type": "table", "caption": b.caption, "columns": list(b.columns),
                        "rows": [list(r) for r in b.rows]}  # fmt: skip
            return {"type": "chart", "id": b.id, "figure": b.to_json()}

        return {
            **self.head(),
            "sections": [
                {"id": s.id, "title": s.title, "blocks": [block(b) for b in s.blocks]}
                for s in self.sections
            ],
        }


# ------------------------------------------------------------------------------- building ---


def _intro(key: str, **values: Any) -> Text:
    text = report_text()["sections"][key]
    return Text(tuple(p.format(**values) for p in text["intro"]))


def _title(key: str) -> str:
    title: str = report_text()["sections"][key]["title"]
    return title


def build_report(
    plan: OrganisationPlan,
    brand: Brand,
    meta: Mapping[str, str],
    *,
    questions: int,
    min_group_size: int,
    min_gap: float = 0.1,
    previous: Mapping[str, float | None] | None = None,
) -> Report:
    """Every section of the client report for one organisation, as data."""
    org, decision, roadmap = plan.scores, plan.decision, plan.roadmap
    words = report_text()
    targets = decision.target_levels
    dims = org.dimensions
    figs = charts.figures(org, decision, roadmap, previous)

    # Executive summary
    summary_words = words["sections"]["summary"]
    if decision.archetype is None:
        lines = [summary_words["insufficient"].format(missing="; ".join(decision.missing))]
    else:
        lines = [
            summary_words["recommendation"].format(archetype=decision.archetype.name),
            summary_words["why"].format(reasons="; ".join(decision.reasons)),
        ]
    for gate in decision.gates:
        key = "gate_fired" if gate.fired else "gate_clear" if gate.judged else "gate_unjudged"
        lines.append(summary_words[key].format(gate=gate.name, reason=gate.reason))
    gaps = sorted(
        (d for d in dims if d["score"] is not None and targets[d["id"]] - d["score"] >= min_gap),
        key=lambda d: (-(targets[d["id"]] - d["score"]), d["id"]),
    )
    headline = Table(
        "Headline figures",
        ("Measure", "Value"),
        (
            ("Respondents", org.respondents),
            ("Overall score (1–5)", figure(org.overall)),
            *((capital(v["label"]) + " (0–100)", figure(v["value"], 0))
              for v in decision.readiness.values()),
            ("Initiatives planned", len(roadmap.items)),
        ),
    )  # fmt: skip
    biggest = Table(
        "Largest gaps to target",
        ("Dimension", "Score", "Target", "Gap"),
        tuple((f"{d['name']} ({d['id']})", figure(d["score"]), figure(targets[d["id"]]),
               figure(targets[d["id"]] - d["score"])) for d in gaps[:5]),
        numeric=(1, 2, 3),
    )  # fmt: skip
    summary = Section("summary", _title("summary"), (
        _intro("summary", respondents=org.respondents, questions=questions),
        Text(tuple(lines), heading="Recommendation"),
        headline,
        Chart("readiness", figs["readiness"]),
        biggest,
    ))  # fmt: skip

    position = Section("position", _title("position"), (
        _intro("position"), Chart("radar", figs["radar"]),
    ))  # fmt: skip

    dim_rows = tuple(
        (d["pillar"], f"{d['name']} ({d['id']})", figure(d["score"]), figure(targets[d["id"]]),
         decision.targets[d["id"]][1],
         figure(None if d["score"] is None else targets[d["id"]] - d["score"]),
         figure(d.get("coverage")), figure(d.get("consensus")),
         figure((org.deltas or {}).get("dimensions", {}).get(d["id"])) if org.deltas else "—")
        for d in dims
    )  # fmt: skip
    pillars = Section("pillars", _title("pillars"), (
        _intro("pillars", min_gap=min_gap),
        Chart("pillars", figs["pillars"]),
        Chart("dimensions", figs["dimensions"]),
        Table("Dimensions", ("Pillar", "Dimension", "Score", "Target", "Target from", "Gap",
                             "Coverage", "Consensus", "Change since last"), dim_rows,
              numeric=(2, 3, 5, 6, 7, 8)),
    ))  # fmt: skip

    disputed = [i for i in org.items if i.get("disputed")]
    items = Section("items", _title("items"), (
        _intro("items"),
        Chart("items", figs["items"]),
        Table("Disputed questions", ("Question", "Score", "Consensus", "Answers"),
              tuple((i["id"], figure(i["score"]), figure(i["consensus"]), i["answered"])
                    for i in disputed), numeric=(1, 2, 3)),
    ))  # fmt: skip

    breakout_rows = tuple(
        (b["group_by"].replace("_", " "), org.group_name(b, short=True),
         b["status"].replace("_", " "),
         "" if b["status"] != "ok" else b["respondents"],
         "" if b["status"] != "ok" else figure(b["score"]))
        for b in org.breakouts
    )  # fmt: skip
    consensus = Section("consensus", _title("consensus"), (
        _intro("consensus", min_group_size=min_group_size),
        Chart("consensus", figs["consensus"]),
        Chart("perception_role_band", figs["perception_role_band"]),
        Chart("perception_unit", figs["perception_unit"]),
        Table("Groups", ("Grouped by", "Group", "Status", "Respondents", "Score"),
              breakout_rows, numeric=(3, 4)),
    ))  # fmt: skip

    archetype = decision.archetype
    rules = tuple(
        (r.archetype, "yes" if r.matched else "no", "; ".join(t for _, t in r.conditions))
        for r in decision.rules
    )
    gates = Table(
        "Gates",
        ("Gate", "Fired", "Figures"),
        tuple((g.name, "yes" if g.fired else "no", g.reason) for g in decision.gates),
    )
    if archetype is None:
        transition = Section("transition", _title("transition"), (
            _intro("transition_insufficient"),
            Text(tuple(capital(m) + "." for m in decision.missing), heading="Evidence missing"),
            gates,
        ))  # fmt: skip
    else:
        transition = Section("transition", _title("transition"), (
            _intro("transition", summary=archetype.summary, explanation=archetype.explanation),
            gates,
            Table("Rules, in order (the first that matches decides)",
                  ("Path", "Matched", "Figures"), rules),
            Table("Operating model: who is accountable", ("Function", "PMO", "VMO", "Note"),
                  tuple((r.function, r.pmo, r.vmo, r.note) for r in archetype.operating_model)),
        ))  # fmt: skip

    item_rows = tuple(
        (i.phase, i.initiative.title, i.start.isoformat(), i.end.isoformat(),
         i.initiative.owner_role, f"{i.initiative.effort:g}", "★" if i.quick_win else "",
         i.reason)
        for i in roadmap.items
    )  # fmt: skip
    phases = [p["id"] for p in roadmap.phases]
    exit_rows = tuple(
        (f"{row['name']} ({row['dimension']})", figure(row["current"]),
         *(figure(row["by_phase"].get(p)) for p in phases), figure(row["target"]))
        for row in roadmap.exit_criteria
    )  # fmt: skip
    roadmap_blocks: list[Block] = [
        _intro("roadmap", message=roadmap.message, capacity=f"{roadmap.capacity_people:g}",
               start=roadmap.start_date.isoformat(), horizon=roadmap.horizon_months),
    ]  # fmt: skip
    if "roadmap" in figs:
        roadmap_blocks.append(Chart("roadmap", figs["roadmap"]))
    roadmap_blocks += [
        Table("Initiatives", ("Phase", "Initiative", "Start", "End", "Owner",
                              "Person-months", "Quick win", "Why"), item_rows, numeric=(5,)),
        Table("Phase exit criteria: the level each dimension should reach by the end of the "
              "phase", ("Dimension", "Now", *(p["name"] for p in roadmap.phases), "Target"),
              exit_rows, numeric=tuple(range(1, len(phases) + 3))),
    ]  # fmt: skip
    if roadmap.residual_gaps:
        roadmap_blocks.append(Table(
            "Gaps still open at the end of the horizon", ("Dimension", "Gap", "Still open"),
            tuple((f"{g['name']} ({g['dimension']})", figure(g["gap"]), figure(g["remaining"]))
                  for g in roadmap.residual_gaps), numeric=(1, 2),
        ))  # fmt: skip
    roadmap_section = Section("roadmap", _title("roadmap"), tuple(roadmap_blocks))

    kpi_rows = tuple(
        (i.initiative.title, k.name, k.formula, k.unit, k.direction, k.cadence, k.owner_role)
        for i in roadmap.items
        for k in i.initiative.kpis
    )
    kpis = Section("kpis", _title("kpis"), (
        _intro("kpis"),
        Table("KPIs", ("Initiative", "KPI", "Formula", "Unit", "Direction", "Cadence", "Owner"),
              kpi_rows),
    ))  # fmt: skip

    voices = Section("voices", _title("voices"), (
        _intro("voices"),
        Table("Comments", ("Question", "Comment"),
              tuple((c.get("question") or "general", c["text"]) for c in org.comments)),
    ))  # fmt: skip

    suppressed = [f"{b['group_by'].replace('_', ' ')}: {org.group_name(b)}" for b in org.breakouts
                  if b["status"] == SUPPRESSED]  # fmt: skip
    answered = sum(i.get("answered", 0) for i in org.items)
    na = sum(i.get("not_applicable", 0) for i in org.items)
    dk = sum(i.get("dont_know", 0) for i in org.items)
    coverage = [d["coverage"] for d in dims if d.get("coverage") is not None]
    appendix = Section("appendix", _title("appendix"), (
        _intro("appendix"),
        Table("Method", ("Item", "Value"), (
            ("Respondents", org.respondents),
            ("Answers on the 1–5 scale", answered),
            ("Not applicable", na),
            ("Don't know", dk),
            ("Mean coverage of a dimension",
             f"{sum(coverage) / len(coverage):.0%}" if coverage else "—"),
            ("Smallest group shown", min_group_size),
            ("Suppressed groups", ", ".join(suppressed) or "none"),
            *((f"Data quality: {k.replace('_', ' ')}", org.quality_text(k)) for k in org.data_quality),
            ("Instrument", meta.get("instrument", "")),
            ("pmo2vmo version", meta.get("pmo2vmo_version", "")),
            ("Input SHA-256", meta.get("input_sha256", "")),
            ("Generated", meta.get("generated", "")),
        )),
        Text(tuple(org.warnings), heading="Data-quality warnings") if org.warnings
        else Text(("No data-quality warnings.",)),
    ))  # fmt: skip

    return Report(
        organisation=org.organisation,
        slug=slugify(org.organisation),
        brand=brand,
        title=words["title"],
        subtitle=words["subtitle"],
        meta=dict(meta),
        sections=(
            summary,
            position,
            pillars,
            items,
            consensus,
            transition,
            roadmap_section,
            kpis,
            voices,
            appendix,
        ),
        plan=plan,
    )


# ------------------------------------------------------------------ the report notebook ---


def prepare(job: Job) -> Report:
    """Score, decide, plan and build the report for the job's organisation."""

    result = roadmap_files([job.responses], profile=job.profile, previous=job.previous)
    plan = result.organisations[job.organisation_index]
    scores = result.scores
    meta = {
        "instrument": f"{scores.instrument_id} {scores.instrument_version}",
        "pmo2vmo_version": __version__,
        "input_sha256": scores.input_sha256,
        "generated": job.generated or dt.date.today().isoformat(),
        "catalogue": result.catalogue_version,
    }
    return build_report(
        plan,
        brand_for(result.profile, plan.scores.organisation, job.profile),
        meta,
        questions=len(result.instrument.questions),
        min_group_size=scores.min_group_size,
        min_gap=result.settings.min_gap,
        previous=previous_dimension_scores(job.previous, plan.scores.organisation),
    )


def show_head(report: Report) -> None:
    """Display the report's head (title, brand, contents) for the HTML template."""

    show_bundle(report.head_bundle())


def show_section(report: Report, section_id: str) -> None:
    """Display one section of the report, as the client will read it."""

    for bundle in report.section(section_id).bundles():
        show_bundle(bundle)


def key_figures(report: Report) -> list[str]:
    """The figures a reviewer checks first (printed by the notebook, compared by nbval)."""
    plan = report.plan
    lines = [
        (
            f"{report.organisation}: {plan.scores.respondents} respondents, overall "
            f"{figure(plan.scores.overall)}"
        )
    ]
    lines += [f"{p['id']} {p['name']}: {figure(p['score'])} (level {p['achieved_level']})"
              for p in plan.scores.pillars]  # fmt: skip
    path = plan.decision.archetype.id if plan.decision.archetype else plan.decision.status
    lines.append(f"path: {path}; "
                 f"gates fired: {[g.id for g in plan.decision.gates if g.fired]}")  # fmt: skip
    lines.append(f"roadmap: {len(plan.roadmap.items)} initiatives; {plan.roadmap.message}")
    return lines


def finish(report: Report, job: Job) -> list[str]:
    """Write the deliverables built in the kernel (workbook, deck) and the success sentinel.

    The sentinel, written last and carrying the run's nonce, is how the runner knows every cell
    ran: papermill marks cells completed even after a timeout or a dead kernel.
    """
    import json

    if job.output_dir is None:
        return []
    out = Path(job.output_dir)
    written = []
    if "xlsx" in job.formats:
        written.append(str(write_report_workbook(report.plan, report.meta,
                                                 out / NAMES["xlsx"])))  # fmt: skip
    if "pptx" in job.formats:
        written.append(str(write_deck(report.plan, report.brand, report.meta,
                                      out / NAMES["pptx"])))  # fmt: skip
    # This organisation's scores alone, for the batch's cross-client summary page.
    scores = json_text(report.plan.scores.to_json(), indent=None)
    written.append(str(write_text_atomic(out / SCORES, scores)))
    write_text_atomic(out / "done.json", json.dumps({"nonce": job.nonce, "written": written}))
    return written
