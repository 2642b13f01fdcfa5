"""What the assessment found, in the words a steering committee reads: findings, pillars,
strengths and why each initiative is in the plan.

Everything here reads one organisation's :class:`~pmo2vmo.render.view.ReportView` (and the
comments' themes) and writes sentences from ``templates/narrative.yaml``. Groups are named only
where the view's perception gaps name them — those are between groups the confidentiality rules
show — so the narrative never names a suppressed group.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pmo2vmo.analysis.themes import CommentThemes, MergedComment
from pmo2vmo.model.results import ItemScore, PerceptionGap, Why
from pmo2vmo.render.narrative_text import in_sentence, index, listing, said, say, score, words
from pmo2vmo.render.view import DimensionRow, InitiativeRow, PillarRow, ReportView

#: The readiness scale's top and the score scale's top, as sentences name them.
READINESS_MAX = 100
SCORE_MAX = 5


@dataclass(frozen=True)
class Finding:
    """One finding: a plain-language title, what it means, and the evidence behind it."""

    kind: str
    title: str
    text: str
    evidence: tuple[str, ...]
    dimensions: tuple[str, ...]


@dataclass(frozen=True)
class PillarStory:
    """A pillar as the consultant tells it: what we heard → evidence → so what → what we do."""

    id: str
    name: str
    heard: str
    evidence: tuple[str, ...]
    so_what: str
    recommend: tuple[str, ...]  # the planned initiatives that address it, "Title (Phase)"
    meets: bool


@dataclass(frozen=True)
class Strength:
    """A pillar's dimensions at or above target, or its practices that already score at target
    where their dimension falls short, and where they help the transition."""

    pillar: str
    items: tuple[str, ...]
    helps: str
    practices: bool = False  # practices within dimensions that fall short, not dimensions


@dataclass(frozen=True)
class Facts:
    """What the narrative reads besides the view: question wording and the comments' themes."""

    view: ReportView
    questions: Mapping[str, str]  # question id → its statement
    themes: CommentThemes
    critical: frozenset[str] = frozenset()  # the dimensions no path can stand on when weak

    def dimension(self, dim_id: str) -> DimensionRow | None:
        return next((d for d in self.view.dimensions if d.id == dim_id), None)

    def items_of(self, dims: Sequence[str]) -> list[ItemScore]:
        return [i for i in self.view.items if i.dimension in dims]

    def quote(self, comment: MergedComment, sentence: bool = False) -> str:
        """A comment in quotation marks, with how many people said it; ending a sentence
        (``sentence``) when a full stop is needed after it."""
        how = said(comment.count, comment.people)
        people = say("findings", "people", said=how) if how else ""
        quoted = say("findings", "evidence_quote", text=comment.text, people=people)
        return quoted + "." if sentence and quoted.endswith(")") else quoted

    def top_quote(self, dims: Sequence[str], concern_only: bool = False) -> MergedComment | None:
        """The most repeated comment placed under ``dims`` (a concern, when asked)."""
        kinds = {t.id: t.kind for t in self.themes.themes}
        found = [
            c
            for c in self.themes.merged
            if c.dimension in dims
            and (not concern_only or any(kinds.get(t) == "concern" for t in c.themes))
        ]
        return min(found, key=lambda c: (-c.count, c.text), default=None)


# ------------------------------------------------------------------------------- findings ---


def _perception(facts: Facts, named: set[str]) -> Finding | None:
    """The widest flagged perception gap between shown groups, or the least agreed dimension."""
    view = facts.view
    flagged = [g for g in view.perception_gaps if g.flagged]
    if flagged:
        g = max(flagged, key=lambda g: (g.gap, g.dimension))
        return _gap_finding(facts, g)
    disputed = [d for d in view.dimensions if d.disputed_items and d.consensus is not None]
    if not disputed:
        return None
    d = min(disputed, key=lambda d: (d.consensus or 0.0, d.id))
    values = {"dimension": in_sentence(d.name), "consensus": score(d.consensus),
              "disputed": _disputed_clause(facts, d)}  # fmt: skip
    return Finding(
        "disagreement",
        say("findings", "perception_gap_hidden", "title", **values),
        say("findings", "perception_gap_hidden", "text", **values),
        _disputed_evidence(facts, d),
        (d.id,),
    )


def _gap_finding(facts: Facts, g: PerceptionGap) -> Finding | None:
    d = facts.dimension(g.dimension)
    if d is None:
        return None
    disputed = _disputed_clause(facts, d)
    values = {"high_group": g.high_group, "low_group": g.low_group, "dimension": in_sentence(d.name),
              "high": score(g.high), "low": score(g.low), "gap": score(g.gap),
              "disputed": disputed}  # fmt: skip
    return Finding(
        "perception_gap",
        say("findings", "perception_gap", "title", **values),
        say("findings", "perception_gap", "text", **values),
        _disputed_evidence(facts, d),
        (d.id,),
    )


def _disputed_clause(facts: Facts, d: DimensionRow) -> str:
    """ "all 4 of its questions are disputed", "2 of its 5 questions are disputed"."""
    questions = len(facts.items_of([d.id]))
    count = len(d.disputed_items)
    key = "all_disputed" if count == questions else "some_disputed"
    return say("findings", key, disputed=count, questions=questions)


def _disputed_evidence(facts: Facts, d: DimensionRow) -> tuple[str, ...]:
    evidence = [say("findings", "evidence_gap", dimension=d.name, score=score(d.score),
                    target=score(d.target))]  # fmt: skip
    if d.disputed_items:
        evidence.append(say("findings", "evidence_disputed", questions=", ".join(d.disputed_items)))
    quote = facts.top_quote([d.id])
    if quote is not None:
        evidence.append(facts.quote(quote))
    return tuple(evidence)


def _weakest_pillar(facts: Facts, named: set[str]) -> Finding | None:
    """The pillar furthest below its target, with its weakest dimension."""
    view = facts.view
    short = [p for p in view.pillars if p.score is not None and p.target is not None]
    if not short:
        return None
    p = max(short, key=lambda p: ((p.target or 0.0) - (p.score or 0.0), p.id))
    if (p.target or 0.0) - (p.score or 0.0) <= 0:
        return None
    dims = view.by_gap(p.id)
    if not dims:
        return None
    weakest = dims[0]
    values = {"pillar": p.name, "score": score(p.score), "target": score(p.target),
              "level": p.achieved_level, "level_name": (p.achieved_level_name or "").lower(),
              "dimension": in_sentence(weakest.name), "dimension_score": score(weakest.score),
              "dimension_target": score(weakest.target)}  # fmt: skip
    evidence = [say("findings", "evidence_gap", dimension=d.name, score=score(d.score),
                    target=score(d.target)) for d in dims[:3]]  # fmt: skip
    quote = facts.top_quote([d.id for d in dims], concern_only=True)
    if quote is not None:
        evidence.append(facts.quote(quote))
    return Finding(
        "weakest_pillar",
        say("findings", "weakest_pillar", "title", **values),
        say("findings", "weakest_pillar", "text", **values),
        tuple(evidence),
        tuple(d.id for d in dims[:3]),
    )


def _contradiction(facts: Facts, named: set[str]) -> Finding | None:
    """A dimension at or above target whose own comments raise a concern."""
    candidates = []
    for d in facts.view.scored_dimensions:
        if d.gap is None or d.gap > 0 or d.id in named:
            continue
        concerns = facts.themes.concerns_on(d.id)
        quote = facts.top_quote([d.id], concern_only=True)
        if concerns and quote is not None:
            rank = (d.id not in facts.critical, -quote.count, d.id)
            candidates.append((rank, d, concerns[0].name, quote))
    if not candidates:
        return None
    _, d, theme, quote = min(candidates, key=lambda c: c[0])
    values = {"dimension": d.name, "score": score(d.score), "target": score(d.target),
              "theme": theme.lower(), "quote": facts.quote(quote, sentence=True)}  # fmt: skip
    return Finding(
        "contradiction",
        say("findings", "contradiction", "title", **values),
        say("findings", "contradiction", "text", **values),
        (say("findings", "evidence_gap", dimension=d.name, score=score(d.score),
             target=score(d.target)), facts.quote(quote)),
        (d.id,),
    )  # fmt: skip


def _optimism(facts: Facts, named: set[str]) -> Finding | None:
    moderation = facts.view.moderation
    if moderation is None or not moderation.optimism:
        return None
    top = max(moderation.optimism, key=lambda o: (o.index or 0.0, o.group))
    higher = [m for m in facts.view.moderated if m.difference is not None and m.difference > 0]
    if not higher or top.index is None or top.index <= 0:
        return None
    values = {"count": len(higher), "group": top.group, "index": score(top.index)}
    return Finding(
        "optimism",
        say("findings", "optimism", "title", **values),
        say("findings", "optimism", "text", **values),
        tuple(say("findings", "evidence_moderated", dimension=m.label,
                  score=score(m.self_assessed), moderated=score(m.moderated)) for m in higher[:3]),
        tuple(m.id for m in higher),
    )  # fmt: skip


def _contrast(facts: Facts, named: set[str]) -> Finding | None:
    r = facts.view.readiness
    needed = ("pmo_baseline", "value_culture", "portfolio", "metrics")
    if any(k not in r or r[k].value is None for k in needed):
        return None
    value_side = [r[k].value or 0.0 for k in needed[1:]]
    pmo = next((p for p in facts.view.pillars if p.id == r["pmo_baseline"].pillar), None)
    meets = pmo is not None and pmo.score is not None and pmo.target is not None
    if not meets or pmo is None or (pmo.score or 0.0) < (pmo.target or 0.0):
        return None
    if (r["pmo_baseline"].value or 0.0) <= max(value_side):
        return None
    values = {"pmo": index(r["pmo_baseline"].value), "value_culture": index(r["value_culture"].value),
              "portfolio": index(r["portfolio"].value), "metrics": index(r["metrics"].value)}  # fmt: skip
    return Finding(
        "contrast",
        say("findings", "contrast", "title"),
        say("findings", "contrast", "text", **values),
        tuple(f"{r[k].label[:1].upper()}{r[k].label[1:]}: {index(r[k].value)}" for k in needed),
        (),
    )


def _critical(facts: Facts, named: set[str]) -> Finding | None:
    """The critical practice furthest below its target that no earlier finding names, with the
    first planned initiative that lifts it."""
    short = [d for d in facts.view.scored_dimensions
             if d.id in facts.critical and d.id not in named and (d.gap or 0.0) > 0]  # fmt: skip
    if not short:
        return None
    d = max(short, key=lambda d: (d.gap or 0.0, d.id))
    first = next((i for i in facts.view.plan.roadmap.items if d.id in i.closes), None)
    values = {"dimension": d.name, "score": score(d.score),
              "target": score(d.target)}  # fmt: skip
    key = "planned" if first is not None else "unplanned"
    text = say("findings", "critical", key, **values, phase=first.phase if first else "",
               initiative=first.initiative.title.lower() if first else "")  # fmt: skip
    return Finding(
        "critical",
        say("findings", "critical", "title", **values),
        text,
        (say("findings", "evidence_gap", dimension=d.name, score=score(d.score),
             target=score(d.target)),),
        (d.id,),
    )  # fmt: skip


FINDERS: tuple[Callable[[Facts, set[str]], Finding | None], ...] = (
    _perception, _weakest_pillar, _contradiction, _optimism, _contrast,
)  # fmt: skip


def findings(facts: Facts, count: int = 3) -> tuple[Finding, ...]:
    """The ``count`` findings that matter most, in order of importance: the widest disagreement
    on a practice, the pillar furthest from its target, a score its own comments contradict, the
    assessor's view against the self-assessment, the PMO against the value pillars — then the
    critical practices furthest below target that none of these names."""
    out: list[Finding] = []
    for finder in FINDERS:
        found = finder(facts, {d for f in out for d in f.dimensions})
        if found is not None:
            out.append(found)
        if len(out) == count:
            return tuple(out)
    while len(out) < count:
        extra = _critical(facts, {d for f in out for d in f.dimensions})
        if extra is None:
            break
        out.append(extra)
    return tuple(out)


# -------------------------------------------------------------------------------- pillars ---


def _practice(facts: Facts, item: ItemScore) -> str:
    return facts.questions.get(item.id, item.id)


def pillar_story(facts: Facts, p: PillarRow) -> PillarStory:
    """One pillar: its figures, strongest and weakest questions, disputes, named perception
    gaps, comment themes, the implication for the path and the initiatives that address it."""
    view = facts.view
    dims = [d.id for d in view.dimensions if d.pillar == p.id]
    meets = p.score is not None and p.target is not None and p.score >= p.target
    if p.score is None:
        heard = say("pillars", "heard_unscored", pillar=p.name)
    else:
        heard = say("pillars", "heard", pillar=p.name, score=score(p.score), scale_max=SCORE_MAX,
                    level=p.achieved_level, level_name=(p.achieved_level_name or "").lower(),
                    target=score(p.target), readiness=index(p.readiness), scale=READINESS_MAX)  # fmt: skip
    scored = sorted((i for i in facts.items_of(dims) if i.score is not None),
                    key=lambda i: (-(i.score or 0.0), i.id))  # fmt: skip
    evidence: list[str] = []
    if scored:
        top, bottom = scored[0], scored[-1]
        evidence.append(
            say("pillars", "strongest", text=_practice(facts, top), score=score(top.score))
        )
        if bottom.id != top.id:
            evidence.append(say("pillars", "weakest", text=_practice(facts, bottom),
                                score=score(bottom.score)))  # fmt: skip
    disputed = [i.id for i in facts.items_of(dims) if i.disputed]
    if disputed:
        evidence.append(say("pillars", "disputed", questions=", ".join(disputed)))
    names = {d.id: d.name for d in view.dimensions}
    for g in (g for g in view.perception_gaps if g.flagged and g.dimension in dims):
        evidence.append(say("pillars", "gap", dimension=names[g.dimension], high_group=g.high_group,
                            high=score(g.high), low_group=g.low_group, low=score(g.low)))  # fmt: skip
    counts = [t for t in facts.themes.for_dimensions(dims) if t.id != "other"][:3]
    if counts:
        evidence.append(say("pillars", "themes", themes=listing(
            [say("pillars", "theme", name=t.name, count=t.count) for t in counts])))  # fmt: skip
    so_what = (
        words("pillars", "so_what").get(p.id, {}).get("meets" if meets else "short", "")
        if p.score is not None
        else ""
    )
    return PillarStory(p.id, p.name, heard, tuple(evidence), so_what,
                       _addressing(view, dims), meets)  # fmt: skip


def _addressing(view: ReportView, dims: Sequence[str], count: int = 4) -> tuple[str, ...]:
    """The ``count`` planned initiatives that lift the pillar's dimensions most, in plan order."""
    lifted = [(n, i) for n, i in enumerate(view.plan.roadmap.items)
              if any(d in dims for d in i.closes)]  # fmt: skip
    chosen = sorted(lifted, key=lambda t: -sum(v for d, v in t[1].closes.items() if d in dims))
    return tuple(f"{i.initiative.title} ({i.phase})" for _, i in sorted(chosen[:count]))


# ------------------------------------------------------------------------------ strengths ---


def strengths(facts: Facts, count: int = 3) -> tuple[Strength, ...]:
    """Per pillar, the dimensions at or above target (highest first); where a pillar has none,
    its practices (at most ``count``) that already score at their dimension's target."""
    view = facts.view
    helps = words("strengths", "helps")
    targets = {d.id: d for d in view.dimensions}
    out = []
    for p in view.pillars:
        dims = sorted((d for d in view.scored_dimensions if d.pillar == p.id and d.gap is not None
                       and d.gap <= 0), key=lambda d: (-(d.score or 0.0), d.id))  # fmt: skip
        if dims:
            items = tuple(say("strengths", "item", dimension=d.name, score=score(d.score),
                              target=score(d.target)) for d in dims)  # fmt: skip
            out.append(Strength(p.name, items, helps.get(p.id, "")))
            continue
        practices = sorted(
            (i for i in view.items if i.score is not None and i.dimension in targets
             and targets[i.dimension].pillar == p.id and i.score >= targets[i.dimension].target),
            key=lambda i: (-(i.score or 0.0), i.id),
        )[:count]  # fmt: skip
        if practices:
            items = tuple(say("strengths", "practice", text=_practice(facts, i), score=score(i.score),
                              target=score(targets[i.dimension].target)) for i in practices)  # fmt: skip
            out.append(Strength(p.name, items, helps.get(p.id, ""), practices=True))
    return tuple(out)


# ------------------------------------------------------------------------------------ why ---


def why(view: ReportView, row: InitiativeRow) -> str:
    """Why an initiative is in the plan, in a sentence the client reads."""
    archetype = view.plan.decision.archetype
    path = archetype.name if archetype else ""
    parts = []
    if row.why is Why.GATE:
        gates = [g.name for g in view.plan.decision.gates if g.fired and row.id in g.first]
        parts.append(say("why", "gate", gate=gates[0] if gates else ""))
    elif row.why is Why.PATH:
        fixed = archetype is not None and row.id in archetype.plan
        parts.append(say("why", "fixed" if fixed else "defining", path=path))
    elif row.why is Why.PREREQUISITE:
        needed = [r.title for r in view.initiatives if row.id in r.prerequisites]
        parts.append(say("why", "prerequisite", needed_by=(needed[0] if needed else "").lower()))
    gap = _main_gap(view, row.id)
    if gap is not None:
        parts.append(gap)
    return say("why", "joiner").join(parts)


def _main_gap(view: ReportView, initiative: str) -> str | None:
    """The gap an initiative closes most, said as the largest of its pillar or as narrowed."""
    closes = next((i.closes for i in view.plan.roadmap.items if i.initiative.id == initiative), {})
    if not closes:
        return None
    dim_id = max(closes, key=lambda d: (closes[d], d))
    d = next((d for d in view.dimensions if d.id == dim_id), None)
    if d is None or d.score is None:
        return None
    pillar = next((p.name for p in view.pillars if p.id == d.pillar), d.pillar)
    ranked = view.by_gap(d.pillar)
    key = "largest" if ranked and ranked[0].id == d.id else "narrows"
    return say("why", key, pillar=in_sentence(pillar), dimension=in_sentence(d.name), score=score(d.score),
               target=score(d.target))  # fmt: skip
