"""The deck's score slides: radar, pillars, dimensions by gap, moderation, consensus, groups and
comments.

A dimension with no answers (score ``None``) is left out of charts, never drawn as 0; breakout
groups with status ``suppressed`` appear only as "suppressed", never with a number. Every figure
and row comes from the plan's :class:`~pmo2vmo.render.view.ReportView`.
"""

from __future__ import annotations

from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.util import Inches

from pmo2vmo.analysis.themes import MergedComment
from pmo2vmo.model.results import Status
from pmo2vmo.render.deck_charts import (
    add_chart,
    chart_data,
    colour_series,
    level_axis,
    top_down,
    value_labels,
)
from pmo2vmo.render.deck_layout import (
    CONTENT_HEIGHT,
    CONTENT_TOP,
    MARGIN,
    ROWS_PER_SLIDE,
    TABLE_INCHES,
    TEXT_GREY,
    Deck,
    add_note,
    add_para,
    add_table,
    add_textbox,
    deck_text,
    group_label,
    paged_title,
    paginate,
    paginate_by_height,
    report_words,
    row_inches,
    safe_text,
)
from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.narrative_text import said
from pmo2vmo.render.view import DimensionRow, ReportView
from pmo2vmo.util.text import figure

COMMENTS_SHOWN = 10
COMMENT_CHARS = 400
THEMES_SHOWN = 14  # the comment themes beside the comments, most mentioned first
THEME_WIDTHS = (2.6, 0.9, 0.9)  # inches: theme, kind, comments
COMMENTS_LEFT = Inches(5.1)  # the comments table, right of the themes
COMMENT_WIDTHS = (2.1, 5.633)  # inches: dimension, comment


def _score(dimension: DimensionRow) -> float:
    """The score of a dimension known to have one (from ``scored_dimensions``), 2 decimals."""
    assert dimension.score is not None
    return round(dimension.score, 2)


def _current_and_target(dims: list[DimensionRow]) -> list[tuple[str, list[float | None]]]:
    """The "Current" and "Target" series of scored dimensions, 2 decimals."""
    common = deck_text("common")
    return [
        (common["current"], [_score(d) for d in dims]),
        (common["target"], [round(float(d.target), 2) for d in dims]),
    ]


def _unscored_note(view: ReportView) -> str:
    """A sentence naming the dimensions without answers, or "" when every one is scored."""
    missing = view.unscored()
    if not missing:
        return ""
    note: str = deck_text("common", "unscored", dimensions=", ".join(missing))
    return " " + note


def radar_slide(deck: Deck, view: ReportView) -> None:
    """Current against target for every scored dimension, on a radar, with a key of names."""
    words = deck_text("radar")
    slide = deck.slide(words["title"])
    dims = list(view.scored_dimensions)
    if not dims:
        add_note(slide, words["empty"], top=CONTENT_TOP)
        return
    data = chart_data([d.id for d in dims], _current_and_target(dims), "0.00")
    chart = add_chart(slide, XL_CHART_TYPE.RADAR_MARKERS, data, width=Inches(8.2))
    level_axis(chart)
    current, target = chart.plots[0].series
    colour_series(current, deck.primary_rgb, line=True)
    colour_series(target, deck.accent_rgb, line=True)
    target.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
    key = add_textbox(slide, Inches(8.9), CONTENT_TOP, Inches(3.9), CONTENT_HEIGHT)
    add_para(key, words["key"], size=11, bold=True)
    for d in dims:
        add_para(key, [(f"{d.id}  ", True), (d.name, False)], size=9)
    add_note(slide, words["note"] + _unscored_note(view))


def pillar_slide(deck: Deck, view: ReportView) -> None:
    """Each pillar's score and achieved level against the mean of its dimensions' targets."""
    words = deck_text("pillars")
    slide = deck.slide(words["title"])
    pillars = view.pillars
    targets: list[float | None] = [p.target for p in pillars]
    categories = [
        words["no_score"].format(pillar=p.name)
        if p.score is None
        else words["level"].format(
            pillar=p.name, level=p.achieved_level, level_name=p.achieved_level_name
        )
        for p in pillars
    ]
    data = chart_data(
        categories,
        [
            (
                words["score"],
                [None if p.score is None else round(p.score, 2) for p in pillars],
            ),
            (words["target"], targets),
        ],
        "0.00",
    )
    chart = add_chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, data)
    level_axis(chart)
    chart.plots[0].gap_width = 60
    score, target = chart.plots[0].series
    colour_series(score, deck.primary_rgb)
    colour_series(target, deck.accent_rgb)
    value_labels(score)
    value_labels(target)
    add_note(slide, words["note"])


def dimension_slides(deck: Deck, view: ReportView) -> None:
    """A slide per pillar: its scored dimensions' current and target, largest gap on top."""
    words = deck_text("dimensions")
    common = deck_text("common")
    for pillar in view.pillars:
        dims = view.by_gap(pillar.id)
        missing = view.unscored(pillar.id)
        slide = deck.slide(words["title"].format(pillar=pillar.name))
        if not dims:
            add_note(slide, words["empty"], top=CONTENT_TOP)
            continue
        data = chart_data(
            [words["category"].format(dimension=d.id, name=d.name, gap=d.gap) for d in dims],
            _current_and_target(dims),
            "0.00",
        )
        chart = add_chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, data)
        level_axis(chart)
        top_down(chart)  # largest gap at the top
        chart.plots[0].gap_width = 50
        current, target = chart.plots[0].series
        colour_series(current, deck.primary_rgb)
        colour_series(target, deck.accent_rgb)
        value_labels(current)
        note = words["note"]
        if missing:
            note += " " + common["unscored"].format(dimensions=", ".join(missing))
        add_note(slide, note)


def consensus_slide(deck: Deck, view: ReportView) -> None:
    """The dimensions stakeholders agree on least, and the perception gaps between groups."""
    words = deck_text("consensus")
    slide = deck.slide(report_words("sections", "consensus", "title"))
    frame = add_textbox(slide, MARGIN, CONTENT_TOP, Inches(5.6), Inches(0.4))
    add_para(frame, words["agree_least"], size=13, bold=True)
    lowest = view.least_agreed(6)
    rows = [
        [f"{d.id} {d.name}", figure(d.score), figure(d.consensus),
         ", ".join(d.disputed_items) or "—"]
        for d in lowest
    ]  # fmt: skip
    add_table(
        deck, slide, words["agree_headers"], rows, [2.6, 0.7, 0.9, 1.4], top=CONTENT_TOP + Inches(0.45), size=9, numeric=[1, 2],
    )  # fmt: skip
    flagged, notable = view.notable_gaps()
    shown = notable[:8]
    frame = add_textbox(slide, Inches(6.5), CONTENT_TOP, Inches(6.3), Inches(0.4))
    add_para(frame, words["gaps" if flagged else "gaps_largest"], size=13, bold=True)
    names = {d.id: d.name for d in view.dimensions}
    rows = [
        [group_label(g.group_by), f"{g.dimension} {names.get(g.dimension, '')}",
         f"{g.high_group} {figure(g.high)}", f"{g.low_group} {figure(g.low)}", figure(g.gap)]
        for g in shown
    ]  # fmt: skip
    if rows:
        add_table(
            deck, slide, words["gap_headers"], rows,
            [1.0, 2.0, 1.35, 1.35, 0.6], left=Inches(6.5), top=CONTENT_TOP + Inches(0.45),
            size=9, numeric=[4],
        )  # fmt: skip
    else:
        add_para(frame, words["no_gaps"], size=11, colour=TEXT_GREY)
    add_note(slide, words["note"])


def _breakout_rows(view: ReportView) -> list[list[str]]:
    """One row per breakout group; a suppressed group shows "suppressed" and no number at all."""
    common = deck_text("common")
    rows = []
    for g in view.groups:
        if g.shown:
            values = [str(g.respondents), figure(g.score), *(figure(p) for p in g.pillars)]
        else:
            word = common["suppressed" if g.status is Status.SUPPRESSED else "no_data"]
            values = [word] * (2 + len(view.pillars))
        rows.append([group_label(g.group_by), g.name, *values])
    return rows


def breakout_slides(deck: Deck, view: ReportView) -> None:
    """The views by group, a table paged ten rows a slide; suppressed groups show no number."""
    words = deck_text("breakouts")
    rows = _breakout_rows(view)
    headers = [*words["headers"], *(p.name for p in view.pillars)]
    widths = [1.1, 2.2, 1.2, 1.1, *([6.6 / max(1, len(view.pillars))] * len(view.pillars))]
    pages = paginate(rows, ROWS_PER_SLIDE)
    for page, chunk in enumerate(pages, 1):
        slide = deck.slide(paged_title(words["title"], page, len(pages)))
        if chunk:
            add_table(deck, slide, headers, chunk, widths, numeric=range(2, len(headers)))
        else:
            add_note(slide, words["empty"], top=CONTENT_TOP)
        add_note(slide, words["note"])


def _comment_rows(view: ReportView, story: Narrative) -> tuple[list[list[str]], int]:
    """The comments to show (dimension, text with how many said it) and how many are left out.

    The narrative's merged comments, each text once: the most repeated first, at most two per
    dimension before any third, as many as fit beside the themes (:data:`COMMENTS_SHOWN` at
    most); shown in the report's order (by dimension, general comments last).
    """
    gaps = {d.id: d.gap for d in view.scored_dimensions if d.gap is not None}
    merged = [c for c in story.themes.merged if safe_text(c.text).strip()]
    ranked = sorted(merged, key=lambda c: (-c.count, -gaps.get(c.dimension or "", 0.0)))
    first: list[MergedComment] = []
    rest: list[MergedComment] = []
    taken: dict[str | None, int] = {}
    for comment in ranked:
        times = taken.get(comment.dimension, 0)
        (first if times < 2 else rest).append(comment)
        taken[comment.dimension] = times + 1
    names = {d.id: d.label for d in view.dimensions}
    general = report_words("story", "general")
    chosen: list[tuple[MergedComment, list[str]]] = []
    used = 0.0
    seen: set[str] = set()
    for comment in first + rest:
        text = safe_text(comment.text).strip()
        if text in seen:  # merged apart only by characters a slide cannot show
            continue
        seen.add(text)
        if len(text) > COMMENT_CHARS:
            text = text[: COMMENT_CHARS - 1] + "…"
        if comment.count > 1:
            text += f" ({said(comment.count, comment.people)})"
        row = [names.get(comment.dimension or "", general), text]
        height = row_inches(row, COMMENT_WIDTHS, 9)
        if len(chosen) == COMMENTS_SHOWN or (chosen and used + height > TABLE_INCHES - 0.3):
            break
        chosen.append((comment, row))
        used += height
    order = {id(c): n for n, g in enumerate(story.themes.by_dimension) for c in g.comments}
    chosen.sort(key=lambda pair: order.get(id(pair[0]), len(order)))
    return [row for _, row in chosen], len(merged) - len(chosen)


def comments_slide(deck: Deck, view: ReportView) -> None:
    """The comments' themes with how many comments raise each, and beside them the comments
    chosen by :func:`_comment_rows` — or why there are none."""
    words = deck_text("comments")
    slide = deck.slide(words["title"])
    themes = deck.story.themes.themes
    theme_rows = [[t.name, report_words("story", "kinds", t.kind), str(t.count)] for t in themes]
    shown = paginate_by_height(theme_rows, THEME_WIDTHS, 9, most=THEMES_SHOWN)[0]
    if shown:
        headers = [report_words("story", key) for key in ("theme", "kind", "mentions")]
        add_table(deck, slide, headers, shown, THEME_WIDTHS, size=9, numeric=[2])
    rows, left_out = _comment_rows(view, deck.story)
    if rows:
        add_table(deck, slide, words["headers"], rows, COMMENT_WIDTHS, left=COMMENTS_LEFT,
                  size=9)  # fmt: skip
    if view.plan.scores.comments_withheld:
        note = words["withheld"]
    elif not rows:
        note = report_words("story", "no_comments")
    else:
        note = words["note"]
        if left_out:
            note += " " + words["left_out"].format(count=left_out)
        if len(shown) < len(theme_rows):
            note += " " + words["themes_left_out"].format(count=len(theme_rows) - len(shown))
    add_note(slide, note)


MODERATED_PER_SLIDE = 7


def moderation_slides(deck: Deck, view: ReportView) -> None:
    """The assessor's levels beside the self-assessed scores, with the optimism index of each
    group (only when a moderation was given)."""
    moderation = view.moderation
    if moderation is None:
        return
    words = deck_text("moderation")
    pages = paginate(view.moderated, MODERATED_PER_SLIDE)
    for page, chunk in enumerate(pages, 1):
        slide = deck.slide(paged_title(words["title"], page, len(pages)))
        rows = [
            [m.label, figure(m.self_assessed), figure(m.moderated),
             figure(m.difference, signed=True), m.rationale]
            for m in chunk
        ]  # fmt: skip
        add_table(deck, slide, words["headers"], rows, [2.6, 1.0, 1.0, 0.9, 4.2], size=9,
                  numeric=[1, 2, 3])  # fmt: skip
        if page == 1 and moderation.optimism:
            frame = add_textbox(slide, Inches(10.4), CONTENT_TOP, Inches(2.5), Inches(0.4))
            add_para(frame, words["optimism"], size=13, bold=True)
            add_table(
                deck, slide, words["optimism_headers"],
                [[o.group, figure(o.index, signed=True)] for o in moderation.optimism],
                [1.7, 0.8], left=Inches(10.4), top=CONTENT_TOP + Inches(0.45), size=9,
                numeric=[1],
            )  # fmt: skip
        add_note(slide, words["drives" if moderation.drives else "shown"])
