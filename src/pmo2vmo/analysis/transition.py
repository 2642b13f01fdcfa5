"""Readiness indices and the transition decision, from scores and ``assessment/transition.yaml``.

Readiness for each pillar is ``(pillar score − 1) ÷ 4 × 100`` with the pillar's achieved level
beside it. Gates are checked in order (first: executive sponsorship, seed 000); then the rules, an
ordered first-match list of conditions (data, never evaluated code), choose the archetype, with a
fallback. Every gate and rule is reported with the figures behind it ("value culture readiness
31.2 < 55"). The chosen archetype brings default targets; the precedence is profile, archetype,
instrument.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pmo2vmo.analysis.scoring import OrganisationScores
from pmo2vmo.model.archetypes import (
    OPS,
    READINESS_KEYS,
    SHOWN_OPS,
    Archetype,
    Condition,
    Evidence,
    TransitionFile,
)
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.results import DecisionStatus, Readiness, TargetSource
from pmo2vmo.util.text import compact, plural

# ------------------------------------------------------------------------------------ decide ---


class _Metrics:
    """Reads the metrics conditions name from one organisation's scores."""

    def __init__(self, org: OrganisationScores, spec: TransitionFile) -> None:
        self.pillars = {p.id: p for p in org.pillars}
        self.dims = {d.id: d for d in org.dimensions}
        self.overall = org.overall
        self.readiness_spec = spec.readiness
        self.gaps: dict[str, float] = {}
        for gap in org.perception_gaps:
            self.gaps[gap.dimension] = max(self.gaps.get(gap.dimension, 0.0), gap.gap)

    def readiness(self, key: str) -> float | None:
        pillar = self.pillars.get(self.readiness_spec[key].pillar)
        score = None if pillar is None else pillar.score
        return None if score is None else (score - 1) / 4 * 100

    def value(self, metric: str) -> float | None:
        parts = metric.split(".")
        result: Any
        if parts[0] == "overall":
            result = self.overall
        elif parts[0] == "readiness":
            result = self.readiness(parts[1])
        elif parts[0] == "pillar":  # a field of the pillar's record ("score", "achieved_level")
            result = getattr(self.pillars.get(parts[1]), parts[2], None)
        elif parts[0] == "dimension":
            result = getattr(self.dims.get(parts[1]), parts[2], None)
        else:  # perception_gap
            result = self.gaps.get(parts[1])
        return None if result is None else float(result)

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
                "operating_model": [r.model_dump() for r in archetype.operating_model],
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
    metrics = _Metrics(org, spec)
    readiness = {}
    for key in READINESS_KEYS:
        pillar = metrics.pillars.get(spec.readiness[key].pillar)
        value = metrics.readiness(key)
        readiness[key] = Readiness(
            value=None if value is None else round(value, 1),
            pillar=spec.readiness[key].pillar,
            score=None if pillar is None else pillar.score,
            achieved_level=None if pillar is None else pillar.achieved_level,
            label=spec.readiness[key].label,
        )
    gates = []
    for gate in spec.gates:
        checks = [metrics.check(c) for c in gate.conditions]
        mets = [m for m, _ in checks]
        fired = any(mets) if gate.fires_when == "any" else all(mets)
        texts = [t for m, t in checks if m] if fired else [t for _, t in checks]
        judged = any(metrics.value(c.metric) is not None for c in gate.conditions)
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
    rules: list[RuleResult] = []
    chosen: Archetype | None = None
    reasons: list[str] = []
    for rule in spec.rules:
        checks = [metrics.check(c) for c in rule.conditions]
        mets = [m for m, _ in checks]
        matched = any(mets) if rule.when == "any" else all(mets)
        rules.append(RuleResult(rule.archetype, matched, checks))
        if matched:
            chosen = spec.archetype(rule.archetype)
            reasons = [t for m, t in checks if m]
            break
    fallback = chosen is None
    if chosen is None:
        chosen = spec.archetype(spec.fallback)
        reasons = ["no rule matched; the fallback applies: " + "; ".join(
            f"{r.archetype}: " + ", ".join(t for m, t in r.conditions if not m) for r in rules
        )]  # fmt: skip
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
    )


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
