"""The client report as data: sections of text, tables and charts, then rendered.

:func:`build_report` turns one organisation's plan into a :class:`Report` — no HTML, no files.
The model (:class:`Report`, :class:`Section`, :class:`Text`, :class:`Table`, :class:`Chart`) lives
in :mod:`pmo2vmo.render.report_model`, the builder of each section in
:mod:`pmo2vmo.render.report_sections`; both are importable from here. Renderers take it from there:
the report notebook displays each section (:func:`show_section`), :mod:`pmo2vmo.render.html` turns
the executed notebook into the offline HTML report, :mod:`pmo2vmo.render.report_workbook` and
:mod:`pmo2vmo.render.deck` write the Excel workbook and the PowerPoint deck.
:meth:`Report.to_notebook` builds the same outputs without a kernel.

Wording the client reads lives in ``templates/report.yaml``. Its placeholders are filled with
``str.format`` on our own strings; client text only ever arrives as a value, and every renderer
escapes it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path

from pmo2vmo import __version__
from pmo2vmo.analysis.plan import OrganisationPlan, previous_dimension_scores, roadmap_files
from pmo2vmo.errors import NotOneOrganisation
from pmo2vmo.model.branding import Brand, brand_for
from pmo2vmo.model.job import NAMES, REFUSALS, SCORES, Job, record_refusal
from pmo2vmo.render.deck import build_deck, write_deck
from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.narrative_text import report_text
from pmo2vmo.render.report_model import REPORT_MIME as REPORT_MIME
from pmo2vmo.render.report_model import Block as Block
from pmo2vmo.render.report_model import Chart as Chart
from pmo2vmo.render.report_model import Report
from pmo2vmo.render.report_model import Section as Section
from pmo2vmo.render.report_model import Table as Table
from pmo2vmo.render.report_model import Text as Text
from pmo2vmo.render.report_sections import SUPPRESSED as SUPPRESSED
from pmo2vmo.render.report_sections import build_sections
from pmo2vmo.render.report_workbook import build_report_workbook, write_report_workbook
from pmo2vmo.render.show import show_bundle
from pmo2vmo.render.view import ReportView
from pmo2vmo.resources import samples_dir
from pmo2vmo.util.atomic import write_text_atomic
from pmo2vmo.util.text import figure, json_text
from pmo2vmo.util.text import slugify as slugify

# ------------------------------------------------------------------------------- building ---


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
    words = report_text()
    view = ReportView.of(plan)
    story = Narrative.of(view)
    sections = build_sections(
        plan,
        meta,
        questions=questions,
        min_group_size=min_group_size,
        min_gap=min_gap,
        previous=previous,
        view=view,
        story=story,
    )
    return Report(
        organisation=plan.scores.organisation,
        slug=slugify(plan.scores.organisation),
        brand=brand,
        title=words["title"],
        subtitle=words["subtitle"],
        meta=dict(meta),
        sections=sections,
        plan=plan,
        view=view,
        narrative=story,
    )


# ------------------------------------------------------------------ the report notebook ---


def prepare(job: Job) -> Report:
    """Score, decide, plan and build the report for the job's organisation.

    Input the job cannot use (responses, profile, moderation or settings; for a batch's job, a
    file that does not hold one organisation) raises, after its reason is recorded in the job's
    folder (:func:`~pmo2vmo.model.job.record_refusal`): the runner reports that reason, not
    the failing cell — a batch reads each client's file once, here.
    """

    try:
        result = roadmap_files(
            [job.responses], profile=job.profile, previous=job.previous, moderation=job.moderation
        )
        if job.one_organisation and len(result.organisations) != 1:
            raise NotOneOrganisation(p.scores.organisation for p in result.organisations)
    except REFUSALS as exc:
        record_refusal(job, exc)
        raise
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
    plan, view = report.plan, report.view
    lines = [
        (
            f"{report.organisation}: {plan.scores.respondents} respondents, overall "
            f"{figure(plan.scores.overall)}"
        )
    ]
    lines += [f"{p.id} {p.name}: {figure(p.score)} (level {p.achieved_level})"
              for p in view.pillars]  # fmt: skip
    path = plan.decision.archetype.id if plan.decision.archetype else plan.decision.status
    lines.append(f"path: {path}; "
                 f"gates fired: {[g.id for g in plan.decision.gates if g.fired]}")  # fmt: skip
    lines.append(f"roadmap: {len(view.initiatives)} initiatives; {plan.roadmap.message}")
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
    view, story = report.view, report.narrative  # made once, for every output
    if "xlsx" in job.formats:
        written.append(str(write_report_workbook(report.plan, report.meta, out / NAMES["xlsx"],
                                                 view=view, story=story)))  # fmt: skip
    if "pptx" in job.formats:
        written.append(str(write_deck(report.plan, report.brand, report.meta,
                                      out / NAMES["pptx"], view=view, story=story)))  # fmt: skip
    # This organisation's scores alone, for the batch's cross-client summary page.
    scores = json_text(report.plan.scores.to_json(), indent=None)
    written.append(str(write_text_atomic(out / SCORES, scores)))
    write_text_atomic(out / "done.json", json.dumps({"nonce": job.nonce, "written": written}))
    return written


def rehearse() -> None:
    """Build the bundled Harbor Mutual sample's report, the outputs its notebook displays, its
    workbook and deck once, in memory, and throw them away.

    plotly builds a trace or layout property's validator the first time it is set, python-pptx
    and openpyxl their element classes and templates, Jinja2 its compiled templates — per
    process. A batch's zygote rehearses once, so every client's kernel forked from it starts with
    all of that built (0.3–0.5 s a client otherwise). Writes no file.
    """
    sample = samples_dir() / "harbor-mutual.csv"
    built = prepare(Job(responses=str(sample), profile=str(sample.with_suffix(".yaml"))))
    # What the report notebook's cells display, not a notebook of it: a kernel never needs
    # nbformat, so its warm process need not import it (0.17 s of the rehearsal).
    built.head_bundle()
    for section in built.sections:
        section.bundles()
    view, story = built.view, built.narrative
    build_report_workbook(built.plan, built.meta, view=view, story=story).save(io.BytesIO())
    build_deck(built.plan, built.brand, built.meta, view=view, story=story).save(io.BytesIO())
