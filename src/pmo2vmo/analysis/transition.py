"""Readiness indices and the transition decision, from scores and ``assessment/transition.yaml``.

Readiness for each pillar is ``(pillar score − 1) ÷ 4 × 100`` with the pillar's achieved level
beside it. Gates are checked in order (first: executive sponsorship, seed 000); then the rules, an
ordered first-match list of conditions (data, never evaluated code), choose the archetype, with a
fallback. Every gate and rule is reported with the figures behind it ("value culture readiness
31.2 < 55"). The chosen archetype brings default targets; the precedence is profile, archetype,
instrument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pmo2vmo.analysis.score_engine import achieved_level
from pmo2vmo.analysis.scoring import OrganisationScores
from pmo2vmo.model.archetypes import (
    OPS,
    READINESS_KEYS,
    SHOWN_OPS,
    AnyOf,
    Archetype,
    Clause,
    Condition,
    Evidence,
    TransitionFile,
    leaves,
)
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.results import Confidence, DecisionStatus, Readiness, TargetSource
from pmo2vmo.util.text import compact, plural

# ------------------------------------------------------------------------------------ decide ---


class Figures:
    """The figures conditions name (``readiness.portfolio``, ``dimension.PB-SPO.consensus``, …),
    read from one organisation's scores; :meth:`value` is all a decision needs, so the bootstrap
    and the tipping points (:mod:`pmo2vmo.analysis.confidence`) give their own."""

    def __init__(self, org: OrganisationScores, spec: TransitionFile, tolerance: float) -> None:
        self.pillars = {p.id: p for p in org.pillars}
        self.dims = {d.id: d for d in org.dimensions}
        self.overall = org.overall
        self.readiness_spec = spec.readiness
        self.tolerance = tolerance
        self.gaps: dict[str, float] = {}
        for gap in org.perception_gaps:
            self.gaps[gap.dimension] = max(self.gaps.get(gap.dimension, 0.0), gap.gap)
        agreed = [d.consensus for d in org.dimensions if d.consensus is not None]
        self.consensus = sum(agreed) / len(agreed) if agreed else None

    def readiness(self, key: str) -> float | None:
        pillar = self.pillars.get(self.readiness_spec[key].pillar)
        score = None if pillar is None else pillar.score
        return None if score is None else (score - 1) / 4 * 100

    def value(self, metric: str) -> float | None:
        """The figure ``metric`` names; None when nothing is scored behind it."""
        parts = metric.split(".")
        result: Any
        if parts[0] == "overall":
            result = self.overall
        elif parts[0] == "consensus":  # mean consensus over the scored dimensions
            result = self.consensus
        elif parts[0] == "readiness":
            result = self.readiness(parts[1])
        elif parts[0] == "pillar":  # a field of the pillar's record ("score", "achieved_level")
            result = getattr(self.pillars.get(parts[1]), parts[2], None)
        elif parts[0] == "dimension" and parts[2] == "level":  # the level the dimension reaches
            score = getattr(self.dims.get(parts[1]), "score", None)
            result = None if score is None else achieved_level([score], self.tolerance)
        elif parts[0] == "dimension":
            result = getattr(self.dims.get(parts[1]), parts[2], None)
        else:  # perception_gap
            result = self.gaps.get(parts[1])
        return None if result is None else float(result)


class _Metrics:
    """Checks conditions against figures, saying each as the outputs quote it."""

    def __init__(self, figures: Any, spec: TransitionFile) -> None:
        self.figures = figures
        self.readiness_spec = spec.readiness

    def value(self, metric: str) -> float | None:
        found: float | None = self.figures.value(metric)
        return found

    def clause(self, clause: Clause) -> tuple[bool, str]:
        """A condition or a group of them: whether it holds, and the figures behind it."""
        if isinstance(clause, Condition):
            return self.check(clause)
        group = clause.any_of if isinstance(clause, AnyOf) else clause.all_of
        checks = [self.check(c) for c in group]
        mets = [m for m, _ in checks]
        met = any(mets) if isinstance(clause, AnyOf) else all(mets)
        shown = (
            [t for m, t in checks if m]
            if met and isinstance(clause, AnyOf)
            else [t for _, t in checks]
        )
        inner = "; ".join(shown)
        return met, f"{clause.label} ({inner})" if clause.label else inner

    def judged(self, clauses: list[Clause]) -> bool:
        """Whether any figure behind ``clauses`` has a score."""
        return any(self.value(c.metric) is not None for c in leaves(clauses))

    def label(self, cond: Condition) -> str:
        if cond.label:
            return cond.label
        parts = cond.metric.split(".")
        if parts[0] == "readiness":
            return self.readiness_spec[parts[1]].label
        return cond.metric

    def check(self, cond: Condition) -> tuple[bool, str]:
        value = self.value(cond.metric)
        label = self.label(cond)
        if value is None:
            return False, f"{label} has no score"
        met = OPS[cond.op](round(value, 4), cond.value)
        sign = cond.op if met else {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!="}[cond.op]
        # Show 1 decimal (readiness) or 2, more only when rounding would contradict the sign
        # ("readiness 49.96" must not read "50 < 50").
        digits = 1 if cond.metric.startswith("readiness.") else 2
        while digits < 4 and not SHOWN_OPS[sign](round(value, digits), cond.value):
            digits += 1
        return (
            met,
            f"{label} {compact(round(value, digits), digits)} {sign} {compact(cond.value, 4)}",
        )


@dataclass
class GateResult:
    """One gate: fired or not, and the figures behind it."""

    id: str
    name: str
    fired: bool
    reason: str
    first: list[str]
    explanation: str
    judged: bool = True  # False: none of its figures has a score, so it says nothing

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "fired": self.fired, "reason": self.reason,
                "first": self.first, "judged": self.judged}  # fmt: skip


@dataclass
class RuleResult:
    """One rule as evaluated (rules after the first match are not evaluated)."""

    archetype: str
    matched: bool
    conditions: list[tuple[bool, str]]


RECOMMENDED = DecisionStatus.RECOMMENDED
INSUFFICIENT = DecisionStatus.INSUFFICIENT
NO_PATH = "No path recommended: too little evidence"


@dataclass
class Decision:
    """The transition decision for one organisation.

    ``status`` is ``"recommended"``, or ``"insufficient_evidence"`` when the answers fall below
    the evidence ``transition.yaml`` asks for: then ``archetype`` is ``None`` and ``missing`` says
    what evidence is missing, one sentence each.
    """

    organisation: str
    readiness: dict[str, Readiness]
    archetype: Archetype | None
    reasons: list[str]
    fallback: bool
    gates: list[GateResult]
    rules: list[RuleResult] = field(default_factory=list)
    targets: dict[str, tuple[float, TargetSource]] = field(default_factory=dict)
    status: DecisionStatus = RECOMMENDED
    coverage: float | None = None
    missing: list[str] = field(default_factory=list)
    # The chosen path's re-entry criteria (hold and reset), as checked now: (met, figures).
    reentry: list[tuple[bool, str]] = field(default_factory=list)
    # How sure the decision is (bootstrap and tipping points; None until measured, or no path).
    confidence: Confidence | None = None

    @property
    def recommended(self) -> bool:
        return self.archetype is not None

    @property
    def path_name(self) -> str:
        """The recommended path's name, or what stands in its place."""
        return NO_PATH if self.archetype is None else self.archetype.name

    @property
    def target_levels(self) -> dict[str, float]:
        """The target level of every dimension (without where it came from)."""
        return {dim: target for dim, (target, _) in self.targets.items()}

    def _confidence_json(self) -> dict[str, Any]:
        """The confidence keys of ``archetype`` in ``roadmap --json``."""
        c = self.confidence
        if c is None:
            return _no_confidence()
        return {
            "confidence": c.confidence,
            "resamples": c.resamples,
            "alternatives": dict(c.alternatives),
            "tipping_points": [
                {"metric": t.metric, "current": t.current, "threshold": t.threshold,
                 "path": t.path, "change": t.change, "gates_fired": list(t.gates_fired),
                 "gates_silenced": list(t.gates_silenced), "text": t.text}
                for t in c.tipping_points
            ],
        }  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        archetype = self.archetype
        return {
            "status": self.status.value,
            "evidence": {"coverage": self.coverage, "missing": self.missing},
            "readiness": {k: v.value for k, v in self.readiness.items()},
            "readiness_detail": {k: v.to_json() for k, v in self.readiness.items()},
            "archetype": None
            if archetype is None
            else {
                "id": archetype.id,
                "name": archetype.name,
                "summary": archetype.summary,
                "explanation": archetype.explanation,
                "reasons": self.reasons,
                "fallback": self.fallback,
                "reentry": [{"met": m, "text": t} for m, t in self.reentry],
                **self._confidence_json(),
                "operating_model": [
                    {
                        "function": r.function,
                        "raci": r.by_column(),
                        "note": r.note,
                    }
                    for r in archetype.operating_model
                ],
            },
            "reasons": self.reasons,
            "gates": [g.to_json() for g in self.gates],
            "rules": [
                {
                    "archetype": r.archetype,
                    "matched": r.matched,
                    "conditions": [{"met": m, "text": t} for m, t in r.conditions],
                }
                for r in self.rules
            ],
        }


def _no_confidence() -> dict[str, Any]:
    return {"confidence": None, "resamples": 0, "alternatives": {}, "tipping_points": []}


def targets_for(
    instrument: Instrument, archetype: Archetype | None, profile: Profile
) -> dict[str, tuple[float, TargetSource]]:
    """Target and its source per dimension: the profile, else the archetype, else the instrument."""
    out = {}
    for pillar in instrument.pillars:
        for dim in pillar.dimensions:
            if dim.id in profile.targets:
                out[dim.id] = (profile.targets[dim.id], TargetSource.PROFILE)
            elif archetype is not None and dim.id in archetype.targets:
                out[dim.id] = (archetype.targets[dim.id], TargetSource.ARCHETYPE)
            elif archetype is not None and pillar.id in archetype.pillar_targets:
                out[dim.id] = (archetype.pillar_targets[pillar.id], TargetSource.ARCHETYPE)
            elif archetype is not None and archetype.default_target is not None:
                out[dim.id] = (archetype.default_target, TargetSource.ARCHETYPE)
            else:
                out[dim.id] = (instrument.default_target(dim.id), TargetSource.INSTRUMENT)
    return out


def decide(
    org: OrganisationScores, spec: TransitionFile, instrument: Instrument, profile: Profile
) -> Decision:
    """Readiness, gates and the archetype for one organisation, every figure explained."""
    figures = Figures(org, spec, instrument.meta.achieved_level_tolerance)
    metrics = _Metrics(figures, spec)
    readiness = {}
    for key in READINESS_KEYS:
        pillar = figures.pillars.get(spec.readiness[key].pillar)
        value = figures.readiness(key)
        readiness[key] = Readiness(
            value=None if value is None else round(value, 1),
            pillar=spec.readiness[key].pillar,
            score=None if pillar is None else pillar.score,
            achieved_level=None if pillar is None else pillar.achieved_level,
            label=spec.readiness[key].label,
        )
    gates = []
    for gate in spec.gates:
        checks = [metrics.clause(c) for c in gate.conditions]
        mets = [m for m, _ in checks]
        fired = any(mets) if gate.fires_when == "any" else all(mets)
        texts = [t for m, t in checks if m] if fired else [t for _, t in checks]
        judged = metrics.judged(gate.conditions)
        gates.append(
            GateResult(
                gate.id,
                gate.name,
                fired,
                "; ".join(texts),
                list(gate.first),
                gate.explanation,
                judged,
            )
        )
    coverage, missing = evidence(org, spec.evidence, instrument)
    if missing:
        return Decision(
            organisation=org.organisation,
            readiness=readiness,
            archetype=None,
            reasons=[f"no path is recommended: {'; '.join(missing)}"],
            fallback=False,
            gates=gates,
            targets=targets_for(instrument, None, profile),
            status=INSUFFICIENT,
            coverage=coverage,
            missing=missing,
        )
    rules, chosen, reasons, fallback = choose_path(metrics, spec)
    reentry = [metrics.check(c) for c in chosen.reentry]
    return Decision(
        organisation=org.organisation,
        readiness=readiness,
        archetype=chosen,
        reasons=reasons,
        fallback=fallback,
        gates=gates,
        rules=rules,
        targets=targets_for(instrument, chosen, profile),
        coverage=coverage,
        reentry=reentry,
    )


def choose_path(
    metrics: _Metrics, spec: TransitionFile
) -> tuple[list[RuleResult], Archetype, list[str], bool]:
    """The rules as evaluated (up to the first that matches), the archetype chosen, the reasons
    and whether the fallback applied."""
    rules: list[RuleResult] = []
    for rule in spec.rules:
        checks = [metrics.clause(c) for c in rule.conditions]
        mets = [m for m, _ in checks]
        matched = any(mets) if rule.when == "any" else all(mets)
        rules.append(RuleResult(rule.archetype, matched, checks))
        if matched:
            return rules, spec.archetype(rule.archetype), [t for m, t in checks if m], False
    reasons = ["no rule matched; the fallback applies: " + "; ".join(
        f"{r.archetype}: " + ", ".join(t for m, t in r.conditions if not m) for r in rules
    )]  # fmt: skip
    return rules, spec.archetype(spec.fallback), reasons, True


def holds(clause: Clause, value: Callable[[str], float | None]) -> bool:
    """Whether a condition or group holds for the figures ``value`` gives (no text: fast)."""
    if isinstance(clause, Condition):
        found = value(clause.metric)
        return found is not None and OPS[clause.op](round(found, 4), clause.value)
    if isinstance(clause, AnyOf):
        return any(holds(c, value) for c in clause.any_of)
    return all(holds(c, value) for c in clause.all_of)


def path_of(figures: Any, spec: TransitionFile) -> str:
    """Only the id of the path ``figures`` lead to (the bootstrap's and tipping points' question):
    the rules as :func:`choose_path` applies them, without the texts."""
    for rule in spec.rules:
        mets = [holds(c, figures.value) for c in rule.conditions]
        if any(mets) if rule.when == "any" else all(mets):
            return rule.archetype
    return spec.fallback


def evidence(
    org: OrganisationScores, needed: Evidence, instrument: Instrument
) -> tuple[float | None, list[str]]:
    """The organisation's coverage (answered ÷ (respondents × questions − N/A)) and, one sentence
    each, the evidence a recommendation needs that it lacks (empty when there is enough)."""
    coverage = None if org.coverage is None else round(org.coverage, 4)
    missing = []
    if coverage is None:
        missing.append("no question has an answer on the 1–5 scale (every answer is N/A)")
    elif coverage < needed.min_coverage:
        digits = 0  # "49.96 %" must not read "50 % is under 50 %"
        while digits < 2 and round(coverage * 100, digits) >= needed.min_coverage * 100:
            digits += 1
        missing.append(
            f"answers cover {compact(round(coverage * 100, digits), digits)} % of the expected "
            f"answers, under the {compact(needed.min_coverage * 100, 2)} % a recommendation needs"
        )
    scored = {d.id for d in org.dimensions if d.score is not None}
    for pillar in instrument.pillars:
        count = sum(d.id in scored for d in pillar.dimensions)
        if count < needed.min_scored_dimensions:
            missing.append(
                f"{pillar.name} ({pillar.id}) has {plural(count, 'scored dimension')}, "
                f"{needed.min_scored_dimensions} needed"
            )
    return coverage, missing
