"""The deck's narrative slides: the executive summary, the decisions and the first ninety days,
the investment and the risks, the findings, each pillar's story, the strengths and the
references — the sentences of the one :class:`~pmo2vmo.render.narrative.Narrative` the HTML
report tells too, so that both say the same things with the same figures.

Headings the report has are read from its wording (``story:`` in ``templates/report.yaml``);
the deck's own from ``deck:``. Running text is laid out by :func:`~pmo2vmo.render.deck_flow.flow`,
which continues it on a "(cont.)" slide rather than let it run off one.
"""

from __future__ import annotations

import re
from typing import Any

from pptx.util import Inches

from pmo2vmo.model.branding import ink_on_white
from pmo2vmo.render.deck_flow import Grid, Para, flow
from pmo2vmo.render.deck_layout import (
    CONTENT_TOP,
    TEXT_GREY,
    Deck,
    add_note,
    add_para,
    add_speaker_notes,
    add_table,
    add_textbox,
    deck_text,
    paged_title,
    report_words,
)
from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.narrative_text import money, person_months
from pmo2vmo.render.view import ReportView
from pmo2vmo.util.text import capital, figure

SUMMARY_WIDTH = Inches(7.6)  # the summary's text column; the headline figures sit beside it
BIG_RECOMMENDATION = 60  # a recommendation up to this long is set large
SENTENCE = re.compile(r"(.+?[.!?][”\"’)]*)(?=\s+[A-Z“\"])", re.S)


def _heading(deck: Deck, text: str, *, first: bool = False) -> Para:
    """A heading in the accent colour, kept with what follows it."""
    return Para(text, size=12, bold=True, colour=ink_on_white(deck.accent),
                space_before=0 if first else 10, heading=True)  # fmt: skip


def _bullets(lines: tuple[str, ...], size: float = 12) -> list[Para]:
    return [Para(line, size=size, bullet=True, space_before=2) for line in lines]


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it when it is one): a finding in one line."""
    found = SENTENCE.match(text)
    return found.group(1) if found else text


# ------------------------------------------------------------------- executive summary ---


def summary_slides(deck: Deck, view: ReportView) -> None:
    """The recommendation, its rationale and confidence, what would change it and the three
    findings that matter most; beside them the readiness indices and the overall score."""
    story = deck.story
    title = report_words("story", "summary_title")
    slide = deck.slide(title)
    flow(deck, slide, title, _summary_blocks(deck, story), width=SUMMARY_WIDTH)
    words = deck_text("summary")
    rows = [
        [capital(v.label), figure(v.value, 1), "—" if v.achieved_level is None else str(v.achieved_level)]
        for v in view.readiness.values()
    ]  # fmt: skip
    add_table(deck, slide, words["headers"], rows, [2.0, 1.2, 1.3], left=Inches(8.3),
              numeric=[1, 2])  # fmt: skip
    _overall(slide, view)
    decision = view.plan.decision
    add_speaker_notes(slide, [
        decision.archetype.explanation if decision.archetype else words["insufficient"],
        *(words["gate_note"].format(gate=g.name, explanation=g.explanation)
          for g in decision.gates if g.fired),
    ])  # fmt: skip


def _summary_blocks(deck: Deck, story: Narrative) -> list[Para | Grid]:
    size = 20 if len(story.recommendation) <= BIG_RECOMMENDATION else 14
    blocks: list[Para | Grid] = [
        _heading(deck, report_words("story", "recommendation"), first=True),
        Para(story.recommendation, size=size, bold=True, colour=ink_on_white(deck.primary)),
    ]
    blocks += [Para(text, size=12, space_before=4) for text in (story.rationale, story.confidence)
               if text]  # fmt: skip
    if story.would_change:
        blocks.append(_heading(deck, report_words("story", "would_change")))
        blocks += _bullets(story.would_change, size=11)
    if story.findings:
        blocks.append(_heading(deck, report_words("story", "matters")))
        blocks += [
            Para([(f.title, True), ("\n" + first_sentence(f.text), False)], size=11,
                 bullet=True, space_before=3)
            for f in story.findings
        ]  # fmt: skip
    return blocks


def _overall(slide: Any, view: ReportView) -> None:
    """The box under the readiness table: overall score, respondents, how readiness is read."""
    words = deck_text("summary")
    side = add_textbox(slide, Inches(8.3), Inches(3.0), Inches(4.5), Inches(3.0))
    overall = view.overall
    score = "—" if overall is None else words["overall_value"].format(score=figure(overall))
    add_para(side, [(words["overall"], True), (score, False)], size=12)
    add_para(side, [(words["respondents"], True), (str(view.respondents), False)], size=12)
    add_para(side, words["readiness_note"], size=10, colour=TEXT_GREY, space_before=8)


def decisions_slides(deck: Deck, view: ReportView) -> None:
    """The decisions asked of the steering committee, then what starts in the first ninety
    days (initiatives and checkpoints, with owner and dates)."""
    story = deck.story
    if not story.decisions and not story.first_days:
        return
    title = deck_text("decisions", "title")
    blocks: list[Para | Grid] = []
    if story.decisions:
        blocks.append(_heading(deck, report_words("story", "decisions"), first=True))
        blocks += _bullets(story.decisions)
    if story.first_days:
        blocks.append(_heading(deck, report_words("story", "first_90_days"), first=not blocks))
        blocks.append(Para(story.first_days_intro, size=12, space_before=2))
        blocks += _bullets(tuple(s.text for s in story.first_days))
    flow(deck, deck.slide(title), title, blocks)


def investment_slides(deck: Deck, view: ReportView) -> None:
    """The investment by phase (person-months, and cost when the profile prices it) with its
    total, then the main risks as "title — what could happen" (mitigations in the notes)."""
    story = deck.story
    invest = _investment(deck, story)
    if not invest and not story.risks:
        return
    title = deck_text("investment", "title") if invest else report_words("story", "risks")
    blocks = invest
    if story.risks:
        blocks.append(_heading(deck, report_words("story", "risks"), first=not blocks))
        blocks += [Para([(r.title, True), (" — " + r.text, False)], size=12, bullet=True,
                        space_before=2) for r in story.risks]  # fmt: skip
    slides = flow(deck, deck.slide(title), title, blocks)
    notes = [deck_text("investment", "mitigation", title=r.title, mitigation=r.mitigation)
             for r in story.risks]  # fmt: skip
    add_speaker_notes(slides[0], notes)


def _investment(deck: Deck, story: Narrative) -> list[Para | Grid]:
    """The investment table, as the report's: phase, person-months, cost; then the total."""
    inv = story.investment
    if inv is None or not inv.phases:
        return []
    words = deck_text("investment")
    currency = inv.currency
    headers = [*words["headers"], *([words["cost"].format(currency=currency)] if currency else [])]
    rows = [
        [p.name, person_months(p.person_months),
         *([money(p.cost, currency)] if currency and p.cost is not None else [])]
        for p in inv.phases
    ]  # fmt: skip
    total = [money(inv.cost, currency)] if currency and inv.cost is not None else []
    rows.append([report_words("story", "total"), person_months(inv.person_months), *total])
    widths = [2.4, 2.2, 2.0][: len(headers)]
    return [
        _heading(deck, report_words("story", "investment"), first=True),
        Grid(headers, [r + [""] * (len(headers) - len(r)) for r in rows], widths, size=11,
             numeric=tuple(range(1, len(headers)))),
        *(Para(text, size=12, space_before=2) for text in story.investment_text),
    ]  # fmt: skip


# --------------------------------------------------------------- findings and pillars ---


def findings_slides(deck: Deck, view: ReportView) -> None:
    """A slide per finding: its title, what it means and the evidence behind it."""
    story = deck.story
    title = report_words("story", "findings_title")
    for number, f in enumerate(story.findings, 1):
        paged = paged_title(title, number, len(story.findings))
        blocks: list[Para | Grid] = [
            Para(f.title, size=20, bold=True, colour=ink_on_white(deck.primary)),
            Para(f.text, size=14, space_before=6),
        ]
        if f.evidence:
            blocks.append(_heading(deck, deck_text("findings", "evidence")))
            blocks += _bullets(f.evidence)
        flow(deck, deck.slide(paged), paged, blocks)


def pillar_slides(deck: Deck, view: ReportView) -> None:
    """Each pillar's story: what we heard, the evidence, so what, and what we recommend."""
    words = deck_text("pillar_story")
    for p in deck.story.pillars:
        title = words["title"].format(pillar=p.name)
        blocks: list[Para | Grid] = [_heading(deck, words["heard"], first=True),
                                     Para(p.heard, size=13)]  # fmt: skip
        if p.evidence:
            blocks.append(_heading(deck, words["evidence"]))
            blocks += _bullets(p.evidence)
        if p.so_what:
            blocks += [_heading(deck, report_words("story", "so_what")), Para(p.so_what, size=12)]
        blocks.append(_heading(deck, report_words("story", "we_recommend")))
        blocks += (
            _bullets(p.recommend)
            if p.recommend
            else [Para(report_words("story", "recommend_none"), size=12)]
        )
        flow(deck, deck.slide(title), title, blocks)


def strengths_slides(deck: Deck, view: ReportView) -> None:
    """Per pillar, what already meets its target and where it helps the transition."""
    story = deck.story
    title = report_words("story", "strengths_title")
    slide = deck.slide(title)
    if not story.strengths:
        add_note(slide, report_words("story", "no_strengths"), top=CONTENT_TOP)
        return
    headers = [report_words("story", key) for key in ("pillar", "strength", "helps")]
    rows = [[s.pillar, "; ".join(s.items), s.helps] for s in story.strengths]
    flow(deck, slide, title, [
        Para(report_words("story", "strengths_intro"), size=12, colour=TEXT_GREY),
        Grid(headers, rows, [2.2, 6.6, 3.533], size=10),
    ])  # fmt: skip


def references_slides(deck: Deck, view: ReportView) -> None:
    """The sources the instrument, the paths and the plan draw on."""
    story = deck.story
    title = report_words("story", "references_title")
    blocks: list[Para | Grid] = [
        Para(report_words("story", "references_intro"), size=12, colour=TEXT_GREY)
    ]
    blocks += _bullets(tuple(r.text for r in story.references), size=11)
    flow(deck, deck.slide(title), title, blocks)
