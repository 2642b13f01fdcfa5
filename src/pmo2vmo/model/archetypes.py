"""The transition data (``assessment/transition.yaml``) as validated models: readiness indices, gates, rules, archetypes, evidence."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.base import StrictModel, parse_model
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.pillars import LevelScore
from pmo2vmo.resources import assessment_dir
from pmo2vmo.util.memo import digest, memoised_for
from pmo2vmo.util.yamlio import read_yaml

READINESS_KEYS = ("pmo_baseline", "value_culture", "portfolio", "metrics")
MAX_FIXED_STEPS = (
    6  # a fixed plan (hold and reset) is short: prerequisites and checkpoints included
)


OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


SHOWN_OPS = {**OPS, "!=": operator.ne}


METRIC = re.compile(
    r"^(?:overall|consensus|readiness\.(?P<readiness>\w+)"
    r"|pillar\.(?P<pillar>[A-Z]+)\.(?:score|achieved_level)"
    r"|dimension\.(?P<dimension>[A-Z]+-[A-Z]+)\.(?:score|consensus|gap|level)"
    r"|perception_gap\.(?P<gap>[A-Z]+-[A-Z]+))$"
)


class Condition(StrictModel):
    """``metric op value``, e.g. ``readiness.value_culture < 50``."""

    metric: str
    op: Literal["<", "<=", ">", ">=", "=="]
    value: float
    label: str | None = None


class AnyOf(StrictModel):
    """A group of conditions that holds when any of them does (``any: [...]``)."""

    any_of: Annotated[list[Condition], Field(min_length=1, alias="any")]
    label: str | None = None


class AllOf(StrictModel):
    """A group of conditions that holds when all of them do (``all: [...]``)."""

    all_of: Annotated[list[Condition], Field(min_length=1, alias="all")]
    label: str | None = None


def _clause_kind(value: object) -> str:
    """Which model a condition entry is: a group by its key, else a single condition (so a bad
    entry gets the messages of the one model it was meant as, not of all three)."""
    keys = value if isinstance(value, dict) else vars(value) if hasattr(value, "__dict__") else {}
    if "any" in keys or "any_of" in keys:
        return "any"
    return "all" if "all" in keys or "all_of" in keys else "condition"


Clause = Annotated[
    Annotated[Condition, Tag("condition")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[AllOf, Tag("all")],
    Discriminator(_clause_kind),
]


def leaves(clauses: list[Clause]) -> list[Condition]:
    """Every condition of ``clauses``, groups opened, in order."""
    out: list[Condition] = []
    for clause in clauses:
        if isinstance(clause, AnyOf):
            out.extend(clause.any_of)
        elif isinstance(clause, AllOf):
            out.extend(clause.all_of)
        else:
            out.append(clause)
    return out


class DecisionText(StrictModel):
    """A decision the report asks of the steering committee; a fired gate's decision takes the
    place of the path's with the same ``id``."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    text: Annotated[str, Field(min_length=10)]


class Gate(StrictModel):
    """A condition that, when it fires, puts its initiatives first whatever the archetype."""

    id: str
    name: str
    fires_when: Literal["any", "all"] = "any"
    conditions: Annotated[list[Clause], Field(min_length=1)]
    first: list[str] = []
    explanation: str
    # The report's wording when it fires: what the steering committee is asked to decide, and
    # the risk it names ({disputed}: the dimensions groups see far apart); the sources behind it.
    decisions: list[DecisionText] = []
    risk: Annotated[str, Field(min_length=10)] | None = None
    sources: list[str] = []


class Rule(StrictModel):
    """Choose ``archetype`` when any/all ``conditions`` hold."""

    archetype: str
    when: Literal["any", "all"] = "all"
    conditions: Annotated[list[Clause], Field(min_length=1)]


#: The operating model's columns, in order, with the names reports show.
RACI_COLUMNS = {
    "business": "Business",
    "finance": "Finance",
    "executive_committee": "Executive committee",
    "pmo": "PMO",
    "vmo": "VMO",
}
Letter = Literal["R", "A", "C", "I", ""]


class Responsibility(StrictModel):
    """One row of an archetype's operating model: who is Responsible, Accountable (exactly one),
    Consulted or Informed for a function, among business (benefit owners), finance, the executive
    committee, the PMO and the VMO."""

    function: str
    raci: dict[Literal["business", "finance", "executive_committee", "pmo", "vmo"], Letter]
    note: str = ""

    @model_validator(mode="after")
    def _one_accountable(self) -> Responsibility:
        accountable = [c for c, letter in self.raci.items() if letter == "A"]
        if len(accountable) != 1:
            raise ValueError(
                f"{self.function!r} needs exactly one A (accountable); it has "
                f"{len(accountable)}{': ' + ', '.join(accountable) if accountable else ''}"
            )
        return self

    def by_column(self) -> dict[str, str]:
        """Column id → letter, every column of :data:`RACI_COLUMNS` in order ("" for none)."""
        return dict(zip(RACI_COLUMNS, self.letters(), strict=True))

    def letters(self) -> list[str]:
        """The row's letters in :data:`RACI_COLUMNS` order ("" where the column has none)."""
        return [self.raci.get(column, "") for column in RACI_COLUMNS]  # type: ignore[call-overload]


class DefiningMove(StrictModel):
    """An initiative a path is not itself without: always planned when the path applies, from
    the start of its phase (a phase id of ``roadmap.yaml``)."""

    initiative: str
    phase: str


class RoleRule(StrictModel):
    """A role a path creates: initiatives whose owner names it (``role``, matched as a word,
    case-insensitively) start once ``created_by`` has ended; ``renamed`` gives the names this
    path uses for such roles (the strengthen path has no VMO: its value lead sits in the PMO)."""

    role: Annotated[str, Field(min_length=2)]
    created_by: str
    renamed: dict[str, str] = {}


class Archetype(StrictModel):
    """A transition path with its default targets, operating model and explanation."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    name: str
    summary: str
    explanation: str
    # Why this path, in a sentence the client reads ({readiness[key]}, {score[DIM]},
    # {name[DIM]}, {weakest_pmo}, {scale}); the decisions asked of the steering committee
    # ({mobilise}, {first_checkpoint}); the sources the explanation draws on.
    rationale: Annotated[str, Field(min_length=10)] | None = None
    decisions: list[DecisionText] = []
    sources: list[str] = []
    default_target: LevelScore | None = None
    pillar_targets: dict[str, LevelScore] = {}
    targets: dict[str, LevelScore] = {}
    emphasis: dict[str, Annotated[float, Field(gt=0, le=10)]] = {}
    operating_model: Annotated[list[Responsibility], Field(min_length=1)]
    # A fixed plan (hold and reset): exactly these initiatives, in order, nothing chosen by gap;
    # at most six items with their prerequisites, checkpoints included.
    plan: Annotated[list[str], Field(max_length=MAX_FIXED_STEPS)] = []
    # When the organisation may leave this path: conditions re-checked at the checkpoint.
    reentry: list[Condition] = []
    # The path's defining moves, in the order they are planned, each with its phase.
    defining: list[DefiningMove] = []
    # Roles the path creates, and who creates them.
    roles: list[RoleRule] = []


class ReadinessSpec(StrictModel):
    pillar: str
    label: str


class Evidence(StrictModel):
    """How much evidence a recommendation needs: below it, no path is recommended."""

    min_coverage: Annotated[float, Field(ge=0, le=1)] = 0.5
    min_scored_dimensions: Annotated[int, Field(ge=0)] = 1


class ConfidenceSettings(StrictModel):
    """The bootstrap behind the decision's confidence: resamples of the respondents, and a seed."""

    resamples: Annotated[int, Field(ge=500, le=20000)] = 500
    seed: Annotated[int, Field(ge=0)] = 20261201


class TransitionFile(StrictModel):
    type: Literal["transition"]
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    evidence: Evidence = Evidence()
    confidence: ConfidenceSettings = ConfidenceSettings()
    # Dimensions a path cannot stand on when weak, tested one by one by rules and gates.
    critical_dimensions: list[str] = []
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
    conditions = [(f"gates[{g.id}]", c) for g in data.gates for c in leaves(g.conditions)]
    conditions += [
        (f"rules[{i}]", c) for i, r in enumerate(data.rules) for c in leaves(r.conditions)
    ]
    conditions += [(f"archetypes[{a.id}].reentry", c) for a in data.archetypes for c in a.reentry]
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
    for dim in data.critical_dimensions:
        if dim not in dims:
            problems.append(f"{path}: critical_dimensions: unknown dimension {dim!r}")
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
    return problems + _source_problems(data, path, instrument)


def _source_problems(data: TransitionFile, path: Path, instrument: Instrument) -> list[str]:
    """Sources that are not registered in ``instrument.yaml``, named with where they are cited."""
    known = {s.id for s in instrument.meta.sources}
    cited = [(f"gates[{g.id}].sources", s) for g in data.gates for s in g.sources]
    cited += [(f"archetypes[{a.id}].sources", s) for a in data.archetypes for s in a.sources]
    return [
        f"{path}: {where}: unknown source {source!r} (register it under sources in instrument.yaml)"
        for where, source in cited
        if source not in known
    ]


def load_transition(instrument: Instrument, path: Path | None = None) -> TransitionFile:
    """Load and validate the transition data (default: the bundled ``transition.yaml``)."""
    path = Path(path) if path is not None else assessment_dir() / "transition.yaml"
    return memoised_for(instrument, ("transition", digest([path])),
                        lambda: _load_transition(instrument, path))  # fmt: skip


def _load_transition(instrument: Instrument, path: Path) -> TransitionFile:
    data = parse_model(TransitionFile, path, read_yaml(path))
    problems = _check(data, path, instrument)
    if problems:
        raise InstrumentError(problems)
    return data
