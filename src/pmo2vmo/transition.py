"""Readiness indices and the transition decision, from scores and ``assessment/transition.yaml``.

Readiness for each pillar is ``(pillar score − 1) ÷ 4 × 100`` with the pillar's achieved level
beside it. Gates are checked in order (first: executive sponsorship, seed 000); then the rules, an
ordered first-match list of conditions (data, never evaluated code), choose the archetype, with a
fallback. Every gate and rule is reported with the figures behind it ("value culture readiness
31.2 < 55"). The chosen archetype brings default targets; the precedence is profile, archetype,
instrument.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from pmo2vmo._yaml import StrictModel, parse_model, read_yaml
from pmo2vmo.errors import InstrumentError
from pmo2vmo.instrument import Instrument
from pmo2vmo.profile import Profile
from pmo2vmo.resources import assessment_dir
from pmo2vmo.scoring import OrganisationScores
from pmo2vmo.text import compact, plural

READINESS_KEYS = ("pmo_baseline", "value_culture", "portfolio", "metrics")
OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
SHOWN_OPS = {**OPS, "!=": operator.ne}
LevelScore = Annotated[float, Field(ge=1, le=5)]
METRIC = re.compile(
    r"^(?:overall|readiness\.(?P<readiness>\w+)|pillar\.(?P<pillar>[A-Z]+)\.(?:score|achieved_level)"
    r"|dimension\.(?P<dimension>[A-Z]+-[A-Z]+)\.(?:score|consensus|gap)"
    r"|perception_gap\.(?P<gap>[A-Z]+-[A-Z]+))$"
)


class Condition(StrictModel):
    """``metric op value``, e.g. ``readiness.value_culture < 50``."""

    metric: str
    op: Literal["<", "<=", ">", ">=", "=="]
    value: float
    label: str | None = None


class Gate(StrictModel):
    """A condition that, when it fires, puts its initiatives first whatever the archetype."""

    id: str
    name: str
    fires_when: Literal["any", "all"] = "any"
    conditions: Annotated[list[Condition], Field(min_length=1)]
    first: list[str] = []
    explanation: str


class Rule(StrictModel):
    """Choose ``archetype`` when any/all ``conditions`` hold."""

    archetype: str
    when: Literal["any", "all"] = "all"
    conditions: Annotated[list[Condition], Field(min_length=1)]


class Responsibility(StrictModel):
    """One row of an archetype's operating model: who owns a function, PMO or VMO."""

    function: str
    pmo: str
    vmo: str
    note: str = ""


class Archetype(StrictModel):
    """A transition path with its default targets, operating model and explanation."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    name: str
    summary: str
    explanation: str
    default_target: LevelScore | None = None
    pillar_targets: dict[str, LevelScore] = {}
    targets: dict[str, LevelScore] = {}
    emphasis: dict[str, Annotated[float, Field(gt=0, le=10)]] = {}
    operating_model: Annotated[list[Responsibility], Field(min_length=1)]


class ReadinessSpec(StrictModel):
    pillar: str
    label: str


class Evidence(StrictModel):
    """How much evidence a recommendation needs: below it, no path is recommended."""

    min_coverage: Annotated[float, Field(ge=0, le=1)] = 0.5
    min_scored_dimensions: Annotated[int, Field(ge=0)] = 1


class TransitionFile(StrictModel):
    type: Literal["transition"]
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    evidence: Evidence = Evidence()
    readiness: dict[str, ReadinessSpec]
    gates: list[Gate] = []
    rules: Annotated[list[Rule], Field(min_length=1)]
    fallback: str
    archetypes: Annotated[list[Archetype], Field(min_length=1)]

    def archetype(self, archetype_id: str) -> Archetype:
        return next(a for a in self.archetypes if a.id == archetype_id)


def _check(data: TransitionFile, path: Path, instrument: Instrument) -> list[str]:
    problems = []
    arch_ids = [a.id for a in data.archetypes]
    if len(set(arch_ids)) != len(arch_ids):
        problems.append(f"{path}: archetypes: duplicate archetype ids in {arch_ids}")
    if sorted(data.readiness) != sorted(READINESS_KEYS):
        problems.append(
            f"{path}: readiness: must define exactly {', '.join(READINESS_KEYS)} "
            f"(got {', '.join(data.readiness)})"
        )
    pillars = {p.id for p in instrument.pillars}
    dims = instrument.dimension_index
    for key, spec in data.readiness.items():
        if spec.pillar not in pillars:
            problems.append(f"{path}: readiness.{key}.pillar: unknown pillar {spec.pillar!r}")
    for i, rule in enumerate(data.rules):
        if rule.archetype not in arch_ids:
            problems.append(f"{path}: rules[{i}].archetype: unknown archetype {rule.archetype!r}")
    if data.fallback not in arch_ids:
        problems.append(f"{path}: fallback: unknown archetype {data.fallback!r}")
    conditions = [(f"gates[{g.id}]", c) for g in data.gates for c in g.conditions]
    conditions += [(f"rules[{i}]", c) for i, r in enumerate(data.rules) for c in r.conditions]
    for where, cond in conditions:
        match = METRIC.match(cond.metric)
        if not match:
            problems.append(f"{path}: {where}.metric: {cond.metric!r} is not a known metric")
            continue
        if match["readiness"] and match["readiness"] not in READINESS_KEYS:
            problems.append(f"{path}: {where}.metric: unknown readiness {match['readiness']!r}")
        if match["pillar"] and match["pillar"] not in pillars:
            problems.append(f"{path}: {where}.metric: unknown pillar {match['pillar']!r}")
        for dim in (match["dimension"], match["gap"]):
            if dim and dim not in dims:
                problems.append(f"{path}: {where}.metric: unknown dimension {dim!r}")
    for arch in data.archetypes:
        for dim in arch.targets:
            if dim not in dims:
                problems.append(f"{path}: archetypes[{arch.id}].targets: unknown dimension {dim!r}")
        for pillar in [*arch.pillar_targets, *arch.emphasis]:
            if pillar not in pillars:
                problems.append(
                    f"{path}: archetypes[{arch.id}]: unknown pillar {pillar!r} in pillar_targets "
                    "or emphasis"
                )
    return problems


def load_transition(instrument: Instrument, path: Path | None = None) -> TransitionFile:
    """Load and validate the transition data (default: the bundled ``transition.yaml``)."""
    path = Path(path) if path is not None else assessment_dir() / "transition.yaml"
    data = parse_model(TransitionFile, path, read_yaml(path))
    problems = _check(data, path, instrument)
    if problems:
        raise InstrumentError(problems)
    return data


# ------------------------------------------------------------------------------------ decide ---


class _Metrics:
    """Reads the metrics conditions name from one organisation's scores."""

    def __init__(self, org: OrganisationScores, spec: TransitionFile) -> None:
        self.pillars = {p["id"]: p for p in org.pillars}
        self.dims = {d["id"]: d for d in org.dimensions}
        self.overall = org.overall
        self.readiness_spec = spec.readiness
        self.gaps: dict[str, float] = {}
        for gap in org.perception_gaps:
            self.gaps[gap["dimension"]] = max(self.gaps.get(gap["dimension"], 0.0), gap["gap"])

    def readiness(self, key: str) -> float | None:
        score = self.pillars.get(self.readiness_spec[key].pillar, {}).get("score")
        return None if score is None else (score - 1) / 4 * 100

    def value(self, metric: str) -> float | None:
        parts = metric.split(".")
        result: Any
        if parts[0] == "overall":
            result = self.overall
        elif parts[0] == "readiness":
            result = self.readiness(parts[1])
        elif parts[0] == "pillar":
            result = self.pillars.get(parts[1], {}).get(parts[2])
        elif parts[0] == "dimension":
            result = self.dims.get(parts[1], {}).get(parts[2])
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


RECOMMENDED = "recommended"
INSUFFICIENT = "insufficient_evidence"
NO_PATH = "No path recommended: too little evidence"


@dataclass
class Decision:
    """The transition decision for one organisation.

    ``status`` is ``"recommended"``, or ``"insufficient_evidence"`` when the answers fall below
    the evidence ``transition.yaml`` asks for: then ``archetype`` is ``None`` and ``missing`` says
    what evidence is missing, one sentence each.
    """

    organisation: str
    readiness: dict[str, dict[str, Any]]
    archetype: Archetype | None
    reasons: list[str]
    fallback: bool
    gates: list[GateResult]
    rules: list[RuleResult] = field(default_factory=list)
    targets: dict[str, tuple[float, str]] = field(default_factory=dict)
    status: str = RECOMMENDED
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
            "status": self.status,
            "evidence": {"coverage": self.coverage, "missing": self.missing},
            "readiness": {k: v["value"] for k, v in self.readiness.items()},
            "readiness_detail": self.readiness,
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
) -> dict[str, tuple[float, str]]:
    """Target and its source per dimension: the profile, else the archetype, else the instrument."""
    out = {}
    for pillar in instrument.pillars:
        for dim in pillar.dimensions:
            if dim.id in profile.targets:
                out[dim.id] = (profile.targets[dim.id], "profile")
            elif archetype is not None and dim.id in archetype.targets:
                out[dim.id] = (archetype.targets[dim.id], "archetype")
            elif archetype is not None and pillar.id in archetype.pillar_targets:
                out[dim.id] = (archetype.pillar_targets[pillar.id], "archetype")
            elif archetype is not None and archetype.default_target is not None:
                out[dim.id] = (archetype.default_target, "archetype")
            else:
                out[dim.id] = (instrument.default_target(dim.id), "instrument")
    return out


def decide(
    org: OrganisationScores, spec: TransitionFile, instrument: Instrument, profile: Profile
) -> Decision:
    """Readiness, gates and the archetype for one organisation, every figure explained."""
    metrics = _Metrics(org, spec)
    readiness = {}
    for key in READINESS_KEYS:
        pillar = metrics.pillars.get(spec.readiness[key].pillar, {})
        value = metrics.readiness(key)
        readiness[key] = {
            "value": None if value is None else round(value, 1),
            "pillar": spec.readiness[key].pillar,
            "score": pillar.get("score"),
            "achieved_level": pillar.get("achieved_level"),
            "label": spec.readiness[key].label,
        }
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
    scored = {d["id"] for d in org.dimensions if d["score"] is not None}
    for pillar in instrument.pillars:
        count = sum(d.id in scored for d in pillar.dimensions)
        if count < needed.min_scored_dimensions:
            missing.append(
                f"{pillar.name} ({pillar.id}) has {plural(count, 'scored dimension')}, "
                f"{needed.min_scored_dimensions} needed"
            )
    return coverage, missing
