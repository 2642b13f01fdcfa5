"""The client deck: a 16:9 PowerPoint presentation with native, editable charts (PRODUCT §8).

One organisation's plan in, a :class:`pptx.presentation.Presentation` out — title, executive
summary, decisions and the first ninety days, investment and risks, the findings, each pillar's
story, strengths, operating model, radar, pillar and dimension bars, the assessor's moderation
(when given), consensus and perception gaps, views by group, comments and their themes, roadmap
Gantt and tables, KPIs, phase exit criteria, a method and data-quality appendix, how the path was
decided, and the references. Every chart is a python-pptx chart (its data opens in Excel from
PowerPoint), never a picture of one. The sentences are the
:class:`~pmo2vmo.render.narrative.Narrative`'s — the HTML report's and the workbook's too.

This module assembles the deck; the pieces live beside it: :mod:`~pmo2vmo.render.deck_layout`
(geometry, colours, safe text, text boxes, tables, paging), :mod:`~pmo2vmo.render.deck_flow`
(running text continued over slides), :mod:`~pmo2vmo.render.deck_charts` (native charts with
safely embedded data), and the slides themselves in :mod:`~pmo2vmo.render.deck_story` (the
narrative: summary, decisions, investment and risks, findings, pillars, strengths, references),
:mod:`~pmo2vmo.render.deck_overview` (title, operating model, method, how the path was decided,
footers), :mod:`~pmo2vmo.render.deck_scores` (scores, moderation, consensus, groups, comments)
and :mod:`~pmo2vmo.render.deck_roadmap` (Gantt, roadmap items, KPIs, exit criteria).

Safety rules, each pinned by a test:

- all client text goes through :func:`pmo2vmo.render.deck_layout.safe_text` (XML-illegal control
  characters removed, tab and line feed kept) and is written as plain runs, never as fields;
- chart data is embedded with formulas, URLs and numbers-in-strings *off*, so a category such as
  ``=cmd|' /C calc'!A0`` stays text when someone clicks "Edit data";
- breakout groups with status ``suppressed`` appear only as "suppressed", never with a number;
- a dimension with no answers (score ``None``) is left out of charts, never drawn as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pptx
import pptx.presentation

from pmo2vmo.analysis.plan import OrganisationPlan
from pmo2vmo.model.branding import Brand
from pmo2vmo.render.deck_layout import SLIDE_HEIGHT, SLIDE_WIDTH, Deck, safe_text, subtitle
from pmo2vmo.render.deck_overview import (
    add_footers,
    decided_slides,
    method_slide,
    operating_model_slide,
    title_slide,
)
from pmo2vmo.render.deck_roadmap import (
    exit_criteria_slides,
    gantt_slides,
    kpi_slides,
    roadmap_table_slides,
)
from pmo2vmo.render.deck_scores import (
    breakout_slides,
    comments_slide,
    consensus_slide,
    dimension_slides,
    moderation_slides,
    pillar_slide,
    radar_slide,
)
from pmo2vmo.render.deck_story import (
    decisions_slides,
    findings_slides,
    investment_slides,
    pillar_slides,
    references_slides,
    strengths_slides,
    summary_slides,
)
from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.view import ReportView
from pmo2vmo.util.atomic import write_atomic

SLIDES: tuple[Callable[[Deck, ReportView], None], ...] = (
    summary_slides,
    decisions_slides,
    investment_slides,
    findings_slides,
    pillar_slides,
    strengths_slides,
    operating_model_slide,
    radar_slide,
    pillar_slide,
    dimension_slides,
    moderation_slides,
    consensus_slide,
    breakout_slides,
    comments_slide,
    gantt_slides,
    roadmap_table_slides,
    kpi_slides,
    exit_criteria_slides,
)


def build_deck(
    plan: OrganisationPlan,
    brand: Brand,
    meta: Mapping[str, str],
    *,
    view: ReportView | None = None,
    story: Narrative | None = None,
) -> pptx.presentation.Presentation:
    """The client deck for one organisation, in memory (see the module doc for its slides).

    Every figure and row the slides show comes from the plan's :class:`ReportView`, and every
    sentence from its :class:`Narrative` — the report's own when given, else built here once;
    the slides only format and lay them out."""
    view = ReportView.of(plan) if view is None else view
    story = Narrative.of(view) if story is None else story
    prs = pptx.Presentation()
    prs.slide_width = SLIDE_WIDTH
    prs.slide_height = SLIDE_HEIGHT
    deck = Deck(prs, brand, brand.primary.lower(), brand.accent.lower(), story)
    problems = title_slide(deck, view, meta)
    for add in SLIDES:
        add(deck, view)
    method_slide(deck, view, meta, problems)
    decided_slides(deck, view)
    references_slides(deck, view)
    add_footers(deck, meta)
    props = prs.core_properties
    props.title = safe_text(f"{brand.name}: {subtitle()}")[:255]
    props.subject = subtitle()
    props.author = "pmo2vmo"
    props.last_modified_by = "pmo2vmo"
    return prs


def write_deck(
    plan: OrganisationPlan,
    brand: Brand,
    meta: Mapping[str, str],
    path: Path | str,
    *,
    view: ReportView | None = None,
    story: Narrative | None = None,
) -> Path:
    """Build the deck and write it to ``path`` atomically (the old file or the new, never half)."""
    prs = build_deck(plan, brand, meta, view=view, story=story)
    return write_atomic(path, lambda tmp: prs.save(str(tmp)))


__all__ = ["build_deck", "write_deck"]
