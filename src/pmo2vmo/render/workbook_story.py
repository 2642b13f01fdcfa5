"""The report workbook's narrative sheets: the executive summary, the pillars' stories, the
strengths, the comments as themes and merged, and the references — the rows of the one
:class:`~pmo2vmo.render.narrative.Narrative` the HTML report and the deck tell too.

Each function returns a :class:`Sheet` (title, columns, rows); the report workbook writes it as
it writes every sheet, client text neutralised. Figures stay numbers: person-months, costs (in
the profile's currency, with a currency number format) and counts. The section names are the
report's own headings (``story:`` in ``templates/report.yaml``), so that a reader finds in the
workbook what the report calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.narrative_text import SYMBOLS, report_text
from pmo2vmo.render.view import ReportView

COUNT = "0"
DATE = "yyyy-mm-dd"
PERSON_MONTHS = "0.0"


@dataclass(frozen=True)
class Column:
    """A sheet's column: its header, width, number format and whether its text wraps."""

    header: str
    width: int
    number_format: str | None = None
    wrap: bool = False


@dataclass(frozen=True)
class Sheet:
    """A sheet to write: its title, columns and rows (values in column order)."""

    title: str
    columns: Sequence[Column]
    rows: list[list[Any]]


def currency_format(currency: str | None) -> str:
    """Excel's number format for whole amounts in ``currency`` (an ISO 4217 code): ``"€"#,##0``
    for a currency with a symbol, ``#,##0 "CHF"`` otherwise; ``#,##0`` without one."""
    if currency is None:
        return "#,##0"
    code = currency.replace('"', "")
    symbol = SYMBOLS.get(code)
    return f'"{symbol}"#,##0' if symbol else f'#,##0 "{code}"'


def _words(key: str) -> str:
    return str(report_text()["story"][key])


def executive_summary(story: Narrative) -> Sheet:
    """The executive summary, a row a statement: the recommendation, its rationale and
    confidence, what would change it, the findings with their evidence, the decisions, the first
    ninety days (with dates), the investment by phase (person-months and cost as numbers) and
    the risks with their mitigation."""
    inv = story.investment
    currency = inv.currency if inv is not None else None
    columns = [
        Column("Part", 30), Column("Title", 40, wrap=True), Column("Text", 90, wrap=True),
        Column("Detail", 60, wrap=True), Column("Date", 12, DATE),
        Column("Person-months", 13, PERSON_MONTHS),
        Column(f"Cost ({currency})" if currency else "Cost", 14, currency_format(currency)),
    ]  # fmt: skip
    recommendation, first = _words("recommendation"), _words("first_90_days")
    rows: list[list[Any]] = [[recommendation, "", story.recommendation]]
    rows += [[recommendation, "Rationale", story.rationale]] if story.rationale else []
    rows += [[recommendation, "Confidence", story.confidence]] if story.confidence else []
    rows += [[_words("would_change"), "", line] for line in story.would_change]
    rows += [[_words("matters"), f.title, f.text, "\n".join(f.evidence)] for f in story.findings]
    rows += [[_words("decisions"), "", text] for text in story.decisions]
    if story.first_days:
        rows.append([first, "", story.first_days_intro])
        rows += [[first, "", step.text, "", step.date] for step in story.first_days]
    rows += _investment(story)
    rows += [[_words("risks"), r.title, r.text, r.mitigation] for r in story.risks]
    return Sheet("Executive summary", columns, [r + [None] * (len(columns) - len(r)) for r in rows])


def _investment(story: Narrative) -> list[list[Any]]:
    """The investment's sentences, then a row per phase and the total: person-months and cost
    (when priced) as numbers."""
    inv = story.investment
    if inv is None or not inv.phases:
        return []
    label = _words("investment")
    rows: list[list[Any]] = [[label, "", text] for text in story.investment_text]
    rows += [[label, p.name, "", "", None, p.person_months, p.cost] for p in inv.phases]
    rows.append([label, _words("total"), "", "", None, inv.person_months, inv.cost])
    return rows


def findings(story: Narrative) -> Sheet:
    """Each pillar's story: what we heard, the evidence, so what, and what we recommend."""
    columns = [
        Column("Pillar", 22), Column("What we heard", 60, wrap=True),
        Column("Evidence", 80, wrap=True), Column(_words("so_what"), 60, wrap=True),
        Column(_words("we_recommend"), 60, wrap=True), Column("Meets its target", 10),
    ]  # fmt: skip
    rows = [
        [p.name, p.heard, "\n".join(p.evidence), p.so_what,
         "\n".join(p.recommend) or _words("recommend_none"), "yes" if p.meets else ""]
        for p in story.pillars
    ]  # fmt: skip
    return Sheet("Findings", columns, rows)


def strengths(story: Narrative) -> Sheet:
    """Per pillar, what already meets its target and where it helps the transition."""
    columns = [
        Column(_words("pillar"), 22), Column(_words("strength"), 80, wrap=True),
        Column(_words("helps"), 50, wrap=True), Column("Practices, not dimensions", 12),
    ]  # fmt: skip
    rows = [[s.pillar, "\n".join(s.items), s.helps, "yes" if s.practices else ""]
            for s in story.strengths]  # fmt: skip
    return Sheet("Strengths", columns, rows)


def comment_themes(story: Narrative) -> Sheet:
    """The comments' themes, most mentioned first: how many comments raise each."""
    kinds = report_text()["story"].get("kinds", {})
    columns = [Column(_words("theme"), 40), Column(_words("kind"), 12),
               Column(_words("mentions"), 11, COUNT)]  # fmt: skip
    rows = [[t.name, kinds.get(t.kind, t.kind), t.count] for t in story.themes.themes]
    return Sheet("Comment themes", columns, rows)


def comments(view: ReportView, story: Narrative) -> Sheet:
    """Every comment once (identical ones merged), under the dimension of its questions: how
    many people gave it, on which questions, and the themes it raises."""
    names = {d.id: d.label for d in view.dimensions}
    themes = {t.id: t.name for t in story.themes.themes}
    columns = [
        Column("Dimension", 36), Column("Comment (author, role and time withheld)", 90, wrap=True),
        Column("Times given", 11, COUNT), Column("At least (people)", 11, COUNT),
        Column("Questions", 30, wrap=True),
        Column("Themes", 40, wrap=True),
    ]  # fmt: skip
    rows = [
        [names.get(group.dimension or "", _words("general")), c.text, c.count, c.people,
         ", ".join(c.questions), ", ".join(themes.get(t, t) for t in c.themes)]
        for group in story.themes.by_dimension
        for c in group.comments
    ]  # fmt: skip
    return Sheet("Comments", columns, rows)


def references(story: Narrative) -> Sheet:
    """The sources the instrument, the paths and the plan draw on."""
    columns = [Column("Kind", 10), Column("Reference", 120, wrap=True), Column("Source id", 28)]
    return Sheet("References", columns, [[r.kind, r.text, r.id] for r in story.references])
