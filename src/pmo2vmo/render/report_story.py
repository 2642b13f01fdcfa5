"""The client report's narrative sections: executive summary, findings, strengths, comments as
themes and references — laid out from one :class:`~pmo2vmo.render.narrative.Narrative`.

Their titles and headings are in ``templates/report.yaml`` (``story``); their sentences come from
the narrative, which took them from ``templates/narrative.yaml``. The anchors (``id`` of each
section and sub-heading) are fixed names so that a reader, a link or a test can find them.
"""

from __future__ import annotations

from typing import Any

from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.narrative_text import money, person_months, report_text, said
from pmo2vmo.render.report_model import Block, Section, Table, Text
from pmo2vmo.render.view import ReportView


def _words(*keys: str) -> Any:
    node: Any = report_text()["story"]
    for key in keys:
        node = node[key]
    return node


def summary_section(story: Narrative) -> Section:
    """One page: the recommendation, its confidence and what would change it, what matters most,
    the decisions asked for, the first ninety days, the investment and the main risks."""
    head = [story.recommendation]
    if story.rationale:
        head.append(story.rationale)
    if story.confidence:
        head.append(story.confidence)
    if story.would_change:
        head.append(f"{_words('would_change')}: " + "; ".join(story.would_change) + ".")
    blocks: list[Block] = [Text(tuple(head), heading=_words("recommendation"), compact=True)]
    if story.findings:
        blocks.append(Text(tuple(f"{f.title}. {f.text}" for f in story.findings),
                           heading=_words("matters"), bullets=True, compact=True))  # fmt: skip
    if story.decisions:
        blocks.append(Text(story.decisions, heading=_words("decisions"), anchor="decisions",
                           bullets=True, compact=True))  # fmt: skip
    if story.first_days:
        blocks.append(Text((story.first_days_intro,), heading=_words("first_90_days"),
                           anchor="first-90-days", compact=True))  # fmt: skip
        blocks.append(Text(tuple(s.text for s in story.first_days), bullets=True, compact=True))
    if story.investment_text:
        blocks.append(Text(story.investment_text, heading=_words("investment"),
                           anchor="investment", compact=True))  # fmt: skip
    if story.risks:
        blocks.append(Text(tuple(f"{r.title} — {r.text} {r.mitigation}" for r in story.risks),
                           heading=_words("risks"), anchor="risks", bullets=True,
                           compact=True))  # fmt: skip
    return Section("executive-summary", _words("summary_title"), tuple(blocks))


def investment_table(story: Narrative) -> list[Block]:
    """The investment by phase as a table (the roadmap section shows it)."""
    inv = story.investment
    if inv is None or not inv.phases:
        return []
    priced = inv.currency is not None
    columns = ("Phase", "Person-months", *((f"Cost ({inv.currency})",) if priced else ()))
    rows = [
        (p.name, person_months(p.person_months),
         *((money(p.cost, inv.currency),) if priced and p.cost is not None and inv.currency else ()))
        for p in inv.phases
    ]  # fmt: skip
    total_cost = (
        (money(inv.cost, inv.currency),) if priced and inv.cost is not None and inv.currency else ()
    )
    rows.append((_words("total"), person_months(inv.person_months), *total_cost))
    return [
        Table(_words("investment"), columns, tuple(rows), numeric=tuple(range(1, len(columns))))
    ]


def findings_section(story: Narrative, intro: Text) -> Section:
    """The findings with their evidence, then each pillar: what we heard → evidence → so what →
    what we recommend (after ``intro``: who answered what)."""
    blocks: list[Block] = [intro]
    for f in story.findings:
        blocks.append(Text((f.text,), heading=f.title))
        if f.evidence:
            blocks.append(Text(f.evidence, bullets=True))
    for p in story.pillars:
        blocks.append(Text((p.heard,), heading=p.name))
        if p.evidence:
            blocks.append(Text(p.evidence, bullets=True))
        if p.so_what:
            blocks.append(Text((f"{_words('so_what')}: {p.so_what}",)))
        recommend = (
            f"{_words('we_recommend')}: " + "; ".join(p.recommend) + "."
            if p.recommend
            else _words("recommend_none")
        )
        blocks.append(Text((recommend,)))
    return Section("findings", _words("findings_title"), tuple(blocks))


def strengths_section(story: Narrative) -> Section:
    """What is at or above target already, and where it helps the transition."""
    if not story.strengths:
        return Section("strengths", _words("strengths_title"), (Text((_words("no_strengths"),)),))
    return Section("strengths", _words("strengths_title"), (
        Text((_words("strengths_intro"),)),
        Table(_words("strengths_title"), (_words("pillar"), _words("strength"), _words("helps")),
              tuple((s.pillar, "; ".join(s.items), s.helps) for s in story.strengths)),
    ))  # fmt: skip


def voices_section(view: ReportView, story: Narrative) -> Section:
    """The comments as themes (counts), then under the dimension of their question, identical
    ones merged with how many people said them."""
    themes = story.themes
    names = {d.id: d.label for d in view.dimensions}
    blocks: list[Block] = [Text(tuple(report_text()["sections"]["voices"]["intro"]))]
    if themes.themes:
        blocks.append(Table(_words("themes"), (_words("theme"), _words("kind"), _words("mentions")),
                            tuple((t.name, _words("kinds", t.kind), t.count) for t in themes.themes),
                            numeric=(2,)))  # fmt: skip
    for group in themes.by_dimension:
        heading = names.get(group.dimension or "", _words("general"))
        lines = tuple(
            c.text + (f" ({said(c.count, c.people)})" if c.count > 1 else "")
            for c in group.comments
        )
        blocks.append(Text(lines, heading=heading, bullets=True))
    if view.plan.scores.comments_withheld:
        blocks.append(Text((report_text()["deck"]["comments"]["withheld"],)))
    elif not themes.merged:
        blocks.append(Text((_words("no_comments"),)))
    return Section("voices", report_text()["sections"]["voices"]["title"], tuple(blocks))


def references_section(story: Narrative) -> Section:
    """The sources the instrument, the paths and the plan draw on."""
    return Section("references", _words("references_title"), (
        Text((_words("references_intro"),)),
        Text(tuple(r.text for r in story.references), bullets=True),
    ))  # fmt: skip


def why_table(view: ReportView, story: Narrative) -> tuple[str, ...]:
    """Each initiative's client reason, in plan order (the roadmap table's last column)."""
    return tuple(story.why.get(r.id, "") for r in view.initiatives)
