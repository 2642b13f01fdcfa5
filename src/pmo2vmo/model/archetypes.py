"""The transition data (``assessment/transition.yaml``) as validated models: readiness indices, gates, rules, archetypes, evidence."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.base import StrictModel, parse_model
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.pillars import LevelScore
from pmo2vmo.resources import assessment_dir
from pmo2vmo.util.memo import digest, memoised
from pmo2vmo.util.yamlio import read_yaml

READINESS_KEYS = ("pmo_baseline", "value_culture", "portfolio", "metrics")


OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


SHOWN_OPS = {**OPS, "!=": operator.ne}


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
    key = ("transition", id(instrument), digest([path]))
    # The instrument is kept with the result, so its id is never reused while remembered.
    return memoised(key, lambda: (instrument, _load_transition(instrument, path)))[1]


def _load_transition(instrument: Instrument, path: Path) -> TransitionFile:
    data = parse_model(TransitionFile, path, read_yaml(path))
    problems = _check(data, path, instrument)
    if problems:
        raise InstrumentError(problems)
    return data
