"""Result records: what scoring, the decision and the planner produce, as frozen dataclasses.

Every record's :meth:`Record.to_json` gives the stable JSON shape of ``score --json`` and
``roadmap --json`` (fields in declaration order; tuples as lists; enums as their values), so the
field order of each class *is* the JSON key order and must not change without the golden files
(``tests/golden/``) changing with it. Statuses are :class:`~enum.StrEnum` members, which compare
equal to their JSON strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: records via ``to_json``, enums as values, tuples as lists."""
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class Record:
    """A result record; :meth:`to_json` is its JSON shape."""

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready data, fields in declaration order."""
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}


class Status(StrEnum):
    """How a breakout group is shown."""

    OK = "ok"
    SUPPRESSED = "suppressed"
    NO_DATA = "no_data"


class TargetSource(StrEnum):
    """Where a dimension's target comes from (the first that gives one)."""

    PROFILE = "profile"
    ARCHETYPE = "archetype"
    INSTRUMENT = "instrument"


class DecisionStatus(StrEnum):
    """Whether the evidence was enough to recommend a path."""

    RECOMMENDED = "recommended"
    INSUFFICIENT = "insufficient_evidence"


class Why(StrEnum):
    """Why an initiative is in the plan."""

    GATE = "gate"
    GAP = "gap"
    PREREQUISITE = "prerequisite"
    PATH = "path"  # part of a path's fixed plan (hold and reset)


@dataclass(frozen=True, slots=True)
class ItemScore(Record):
    """One question's figures for one organisation."""

    id: str
    dimension: str
    score: float | None
    respondents: int
    asked: int  # respondents the question is routed to (their audiences, see ingest.quality)
    answered: int  # scored answers, from anyone (an answer to a question not asked still counts)
    not_applicable: int  # N/A and Don't know: from the respondents it was asked of
    dont_know: int
    coverage: float | None  # their scored answers ÷ (asked − N/A); None when all said N/A
    dispersion: float | None
    consensus: float | None
    disputed: bool
    distribution: tuple[int, ...]  # answers per level, 1 to 5


@dataclass(frozen=True, slots=True)
class DimensionScore(Record):
    """One dimension's figures for one organisation, with its target and the gap to it."""

    id: str
    name: str
    pillar: str
    score: float | None
    target: float
    target_source: TargetSource
    gap: float | None  # target − score; None without a score
    respondents: int
    asked: int  # respondent × question pairs routed, over the dimension's questions
    answered: int
    not_applicable: int
    dont_know: int
    coverage: float | None
    dispersion: float | None
    consensus: float | None
    disputed_items: tuple[str, ...]
    # The respondents' own score, and the assessor's moderated level when one was given; ``score``
    # is the one that drives (the moderated level unless the profile says ``self_assessed``).
    self_assessed: float | None = None
    moderated: float | None = None


@dataclass(frozen=True, slots=True)
class PillarScore(Record):
    """One pillar's score, readiness (0–100) and achieved level for one organisation."""

    id: str
    name: str
    score: float | None
    readiness: float | None
    achieved_level: int | None
    achieved_level_name: str | None


@dataclass(frozen=True, slots=True)
class BreakoutRow(Record):
    """One group of a breakout (by role band or unit) as reports show it.

    A suppressed or ``no_data`` group carries no figure. ``group`` is None for the row that folds
    ``groups`` suppressed groups the profile does not name (free-text roles, units).
    """

    group_by: str
    group: str | None
    groups: int
    status: Status
    respondents: int | None = None
    score: float | None = None
    pillars: Mapping[str, float | None] | None = None
    dimensions: Mapping[str, float | None] | None = None
    suppressed_dimensions: tuple[str, ...] = ()

    @property
    def shown(self) -> bool:
        """Whether the group's figures are shown."""
        return self.status is Status.OK


@dataclass(frozen=True, slots=True)
class Optimism(Record):
    """How far a group's self-assessment runs above the assessor's levels: the mean of
    (self-assessed − moderated) over the moderated dimensions shown for the group."""

    group_by: str | None  # "role_band"; None for all respondents
    group: str
    index: float
    dimensions: int  # moderated dimensions the mean is over


@dataclass(frozen=True, slots=True)
class ModeratedLevel(Record):
    """The assessor's level of one dimension, why, and the evidence seen."""

    dimension: str
    level: float
    rationale: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ModerationSummary(Record):
    """An organisation's moderation: who moderated, whether it drives, the levels, and the
    optimism of each role band shown and of all respondents."""

    drives: bool  # the moderated levels drive gaps, decision and roadmap
    assessor: str | None
    date: str | None
    levels: tuple[ModeratedLevel, ...]
    optimism: tuple[Optimism, ...]


@dataclass(frozen=True, slots=True)
class PerceptionGap(Record):
    """The highest and lowest shown group of a breakout on one dimension."""

    group_by: str
    dimension: str
    high_group: str
    high: float | None
    low_group: str
    low: float | None
    gap: float
    flagged: bool


@dataclass(frozen=True, slots=True)
class Comment(Record):
    """A comment without author, role or time; ``question`` None for a general comment."""

    question: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Deltas(Record):
    """Changes since an earlier score output (None where either side has no number)."""

    previous_found: bool
    overall: float | None
    pillars: Mapping[str, float | None]
    dimensions: Mapping[str, float | None]
    previous_version: str | None = None  # the instrument version the previous was scored with
    not_in_previous: tuple[str, ...] = ()  # dimensions the previous had no score for (new ones)
    not_in_current: tuple[str, ...] = ()  # the previous's dimensions this version no longer has


@dataclass(frozen=True, slots=True)
class Readiness(Record):
    """One readiness figure of the decision (0–100) and the pillar it rests on."""

    value: float | None
    pillar: str
    score: float | None
    achieved_level: int | None
    label: str


@dataclass(frozen=True, slots=True)
class PhaseWindow(Record):
    """A roadmap phase within the horizon: its dates and the initiatives that start in it."""

    id: str
    name: str
    purpose: str
    start: str  # ISO date
    end: str  # ISO date, the phase's last day
    start_month: int
    end_month: int
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhaseInvestment(Record):
    """The transition work spent in one phase: person-months and, with a day rate, their cost."""

    phase: str  # its id
    name: str
    person_months: float  # 1 decimal
    cost: float | None  # person-months × days a person-month × day rate, whole units; None unpriced


@dataclass(frozen=True, slots=True)
class Investment(Record):
    """What the plan asks for: person-months by phase (an initiative's effort spread evenly over
    its months) and, when the profile gives a day rate and currency, what they cost."""

    phases: tuple[PhaseInvestment, ...]
    person_months: float  # the whole plan, 1 decimal
    cost: float | None
    day_rate: float | None
    currency: str | None
    days_per_person_month: float


@dataclass(frozen=True, slots=True)
class ExitCriterion(Record):
    """The level a dimension the plan touches is expected to reach by the end of each phase."""

    dimension: str
    name: str
    current: float
    target: float
    by_phase: Mapping[str, float]
    # When the expected level reaches the target (realistic lift): months from the start and the
    # date; None when the planned initiatives cannot lift it that far.
    reached_month: int | None = None
    reached_by: str | None = None
    within_horizon: bool = False


@dataclass(frozen=True, slots=True)
class ResidualGap(Record):
    """A gap the plan leaves partly open."""

    dimension: str
    name: str
    gap: float
    remaining: float


@dataclass(frozen=True, slots=True)
class Deferral(Record):
    """An initiative that would close a gap but does not fit, and why."""

    id: str
    title: str
    reason: str


@dataclass(frozen=True, slots=True)
class TippingPoint(Record):
    """The smallest change of one figure alone that changes the path (or the gates fired)."""

    metric: str
    label: str
    current: float
    threshold: float
    path: str  # the path chosen after the change
    change: float  # signed: the threshold crossed minus the current figure
    gates_fired: tuple[str, ...]  # gates that fire after the change and did not before
    gates_silenced: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Confidence(Record):
    """How sure the decision is: the bootstrap's shares and the tipping points."""

    confidence: float  # share of resamples choosing the recommended path
    resamples: int
    alternatives: Mapping[str, float]  # path id → share of resamples choosing it
    tipping_points: tuple[TippingPoint, ...]
