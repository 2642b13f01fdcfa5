"""The deck's framing slides: title, operating model, the method appendix, how the path was
decided, footers.

The method and data-quality appendix names suppressed groups only by name ("suppressed"), never
with a number; the footers are plain text (no fields) on every slide but the title. How the path
was decided is the one place the deck lists the decision's figures and thresholds (the client
slides say it in sentences). Every figure comes from the plan's
:class:`~pmo2vmo.render.view.ReportView`; only text (names, the decision's wording, warnings) is
read from the plan itself.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.util import Inches

from pmo2vmo.model.branding import ink_on_white
from pmo2vmo.render.deck_flow import Grid, Para, flow
from pmo2vmo.render.deck_layout import (
    CONTENT_HEIGHT,
    CONTENT_TOP,
    MARGIN,
    SLIDE_WIDTH,
    TEXT_GREY,
    Deck,
    add_note,
    add_para,
    add_table,
    add_textbox,
    deck_text,
    group_label,
    paginate,
    report_words,
    safe_text,
    subtitle,
)
from pmo2vmo.render.narrative import path_names
from pmo2vmo.render.view import ReportView


def title_slide(deck: Deck, view: ReportView, meta: Mapping[str, str]) -> list[str]:
    """Slide 1; returns problems worth reporting in the appendix (an unreadable logo)."""
    slide = deck.prs.slides.add_slide(deck.prs.slide_layouts[0])  # Title Slide
    _client_name(deck, slide.shapes.title)
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, Inches(3.6), SLIDE_WIDTH, Inches(0.08))
    bar.fill.solid()
    bar.fill.fore_color.rgb = deck.accent_rgb
    bar.line.fill.background()
    _subtitle(deck, slide.placeholders[1], view, meta)
    return _logo(deck, slide)


def _client_name(deck: Deck, title: Any) -> None:
    """The title placeholder as a brand-coloured band holding the client's name."""
    name = safe_text(deck.brand.name)
    size = 40 if len(name) <= 40 else 30 if len(name) <= 70 else 22
    deck.band(title, name, top=Inches(2.0), height=Inches(1.6), size=size, indent=Inches(0.6))


def _subtitle(deck: Deck, placeholder: Any, view: ReportView, meta: Mapping[str, str]) -> None:
    """The subtitle placeholder: the assessment, the organisation (if not the brand's name),
    the date and the number of respondents."""
    placeholder.left, placeholder.top = Inches(0.6), Inches(3.9)
    placeholder.width, placeholder.height = Inches(12), Inches(2.0)
    frame = placeholder.text_frame
    frame.clear()
    frame.word_wrap = True
    add_para(frame, subtitle(), size=26, bold=True, colour=ink_on_white(deck.primary))
    organisation = view.plan.scores.organisation
    if safe_text(organisation) != safe_text(deck.brand.name):
        line = deck_text("title_slide", "organisation", organisation=organisation)
        add_para(frame, line, size=16, colour=TEXT_GREY, space_before=6)
    line = deck_text("title_slide", "respondents", respondents=view.respondents)
    if meta.get("generated"):
        line = f"{meta['generated']} · {line}"
    add_para(frame, line, size=16, colour=TEXT_GREY, space_before=6)
    for paragraph in frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT


def _logo(deck: Deck, slide: Any) -> list[str]:
    """The brand's logo at the top right, at most 3.5 inches wide; the problem if unreadable."""
    logo = deck.brand.logo
    if logo is None:
        return []
    try:
        picture = slide.shapes.add_picture(
            io.BytesIO(logo.data), Inches(0), Inches(0.4), height=Inches(1.1)
        )
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's ways of saying "not an image"
        return [deck_text("title_slide", "logo_unreadable", error=type(exc).__name__)]
    most = Inches(3.5)
    if picture.width > most:
        picture.height = int(picture.height * most / picture.width)
        picture.width = most
    picture.left = SLIDE_WIDTH - MARGIN - picture.width
    picture.name = "Logo"
    return []


def operating_model_slide(deck: Deck, view: ReportView) -> None:
    """The recommended archetype's responsibility matrix (RACI), continued over slides."""
    archetype = view.plan.decision.archetype
    words = deck_text("operating_model")
    slide = deck.slide(words["title"])
    if archetype is None:
        add_note(slide, words["none"].format(path=view.plan.decision.path_name), top=CONTENT_TOP)
        return
    rows = [[r.function, *r.letters(), r.note] for r in archetype.operating_model]
    for page, chunk in enumerate(paginate(rows, 12)):
        if page:
            slide = deck.slide(words["title_continued"])
        add_table(deck, slide, words["headers"], chunk, [3.4, 1.1, 1.0, 1.3, 0.8, 0.8, 3.9])
    add_note(slide, words["note"].format(archetype=archetype.name))


def method_slide(
    deck: Deck, view: ReportView, meta: Mapping[str, str], problems: Sequence[str]
) -> None:
    """The appendix: responses and warnings on the left; confidentiality, scoring and
    provenance on the right."""
    slide = deck.slide(report_words("sections", "appendix", "title"))
    left = add_textbox(slide, MARGIN, CONTENT_TOP, Inches(6.0), CONTENT_HEIGHT)
    _responses_column(left, view, problems)
    right = add_textbox(slide, Inches(6.9), CONTENT_TOP, Inches(5.9), CONTENT_HEIGHT)
    _confidentiality_section(right, view)
    _scoring_section(right, view)
    _provenance_section(right, meta)


def decided_slides(deck: Deck, view: ReportView) -> None:
    """The appendix on the decision, as the report's: each step that may come first, whether it
    is called for and the figures against its thresholds; then each path tested in turn."""
    decision = view.plan.decision
    words = deck_text("decided")
    answer = {True: words["yes"], False: words["no"]}
    blocks: list[Para | Grid] = [
        Para(words["gates"], size=13, bold=True, heading=True),
        Grid(words["gate_headers"], [[g.name, answer[g.fired], g.reason] for g in decision.gates],
             [3.4, 1.1, 7.833], size=9),
    ]  # fmt: skip
    if decision.rules:
        names = path_names()
        rows = [[names.get(r.archetype, r.archetype), answer[r.matched],
                 "; ".join(t for _, t in r.conditions)] for r in decision.rules]  # fmt: skip
        blocks += [Para(words["rules"], size=13, bold=True, space_before=6, heading=True),
                   Grid(words["rule_headers"], rows, [3.4, 1.1, 7.833], size=9)]  # fmt: skip
    flow(deck, deck.slide(words["title"]), words["title"], blocks)


def _responses_column(frame: Any, view: ReportView, problems: Sequence[str]) -> None:
    """Who answered, how much, data-quality flags, unscored dimensions and the warnings."""
    scores = view.plan.scores
    words = deck_text("method")
    add_para(frame, words["responses"], size=13, bold=True)
    line = words["respondents"].format(respondents=view.respondents)
    add_para(frame, line, size=11, bullet=True)
    line = words["answers"].format(
        answered=view.answered, na=view.not_applicable, dont_know=view.dont_know
    )
    add_para(frame, line, size=11, bullet=True)
    coverage = "—" if view.coverage is None else f"{view.coverage:.0%}"
    add_para(frame, words["coverage"].format(coverage=coverage), size=11, bullet=True)
    flags = ", ".join(
        f"{k.replace('_', ' ')} {scores.quality_text(k)}" for k in scores.data_quality
    )
    add_para(frame, words["flags"].format(flags=flags or words["none"]), size=11, bullet=True)
    unscored = view.unscored()
    if unscored:
        line = words["unscored"].format(dimensions=", ".join(unscored))
        add_para(frame, line, size=11, bullet=True)
    add_para(frame, words["warnings"], size=13, bold=True, space_before=8)
    for warning in [*scores.warnings, *problems] or [words["none"]]:
        add_para(frame, warning, size=11, bullet=True)


def _confidentiality_section(frame: Any, view: ReportView) -> None:
    """Suppressed groups by name only (never a number), and how comments are shown."""
    words = deck_text("method")
    add_para(frame, words["confidentiality"], size=13, bold=True)
    suppressed: dict[str, list[str]] = {}
    for group in view.suppressed:  # named in full: a folded row says what it stands for
        label = group_label(group.group_by).lower()
        suppressed.setdefault(label, []).append(group.description)
    if suppressed:
        for label, groups in suppressed.items():
            text = words["suppressed_groups"].format(label=label, groups="; ".join(groups))
            add_para(frame, text, size=11, bullet=True)
    else:
        add_para(frame, words["none_suppressed"], size=11, bullet=True)
    add_para(frame, words["comments"], size=11, bullet=True)


def _scoring_section(frame: Any, view: ReportView) -> None:
    """How scores are computed, and where the dimensions' targets come from."""
    words = deck_text("method")
    add_para(frame, words["scoring"], size=13, bold=True, space_before=8)
    sources = view.target_sources()
    add_para(frame, words["scoring_rule"], size=11, bullet=True)
    targets = ", ".join(
        words["target_source"].format(count=n, source=s) for s, n in sources.items()
    )
    add_para(frame, words["targets"].format(targets=targets), size=11, bullet=True)


def _provenance_section(frame: Any, meta: Mapping[str, str]) -> None:
    """The run's metadata: the known keys first, in the order of their labels (``meta_labels``
    in the wording), then the rest."""
    words = deck_text("method")
    labels = words["meta_labels"]
    add_para(frame, words["provenance"], size=13, bold=True, space_before=8)
    for key, value in [*((k, meta[k]) for k in labels if k in meta),
                       *((k, v) for k, v in meta.items() if k not in labels)]:  # fmt: skip
        label = labels.get(key, key)
        add_para(frame, [(f"{label}: ", True), (value, False)], size=10, bullet=True)


def add_footers(deck: Deck, meta: Mapping[str, str]) -> None:
    """Client, subtitle and page number on every slide but the title (plain text, no fields)."""
    slides = list(deck.prs.slides)
    name = " ".join(safe_text(deck.brand.name).split("\n"))  # one line
    left = f"{name} · {subtitle()}"
    if meta.get("generated"):
        left += f" · {meta['generated']}"
    for number, slide in enumerate(slides[1:], 2):
        frame = add_textbox(slide, MARGIN, Inches(7.05), Inches(10.5), Inches(0.3))
        add_para(frame, left, size=9, colour=TEXT_GREY)
        frame = add_textbox(
            slide, SLIDE_WIDTH - MARGIN - Inches(1.5), Inches(7.05), Inches(1.5), Inches(0.3)
        )
        paragraph = add_para(frame, f"{number} / {len(slides)}", size=9, colour=TEXT_GREY)
        paragraph.alignment = PP_ALIGN.RIGHT
