"""The initiative catalogue (``assessment/initiatives.yaml``) as validated data.

Each initiative lifts dimensions by a number of levels, costs an effort (person-months) over a
duration (months), may need other initiatives first, names an owner, deliverables and structured
KPIs, suits one or more transition archetypes and cites its source. Loading checks every reference:
unknown dimensions, archetypes and prerequisites, and prerequisite cycles (spelled out) are errors
naming the file, the key and the ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.base import StrictModel, parse_model
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.resources import assessment_dir
from pmo2vmo.util.memo import digest, memoised_for
from pmo2vmo.util.yamlio import read_yaml

Text = Annotated[str, Field(min_length=2)]


class Kpi(StrictModel):
    """A KPI that shows an initiative worked: an outcome, not an activity count, with the target
    to reach (in its unit) some months after the initiative ends and, where it is a known fact for
    any organisation, its baseline (None: measured in the Mobilise phase)."""

    name: Text
    formula: Text
    unit: Annotated[str, Field(min_length=1)]
    direction: Literal["increase", "decrease"]
    cadence: Text
    owner_role: Text
    target: Annotated[str, Field(min_length=2, max_length=120)]
    baseline: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    # Months after the initiative ends by which the target should be met (adoption takes time).
    due_after_months: Annotated[int, Field(ge=0, le=36)] = 6


class Initiative(StrictModel):
    """One transition initiative."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)]
    title: Text
    description: Text
    lifts: Annotated[dict[str, Annotated[float, Field(gt=0, le=3)]], Field(min_length=1)]
    effort: Annotated[float, Field(gt=0, le=120)]
    duration: Annotated[int, Field(ge=1, le=60)]
    prerequisites: list[str] = []
    owner_role: Text
    deliverables: Annotated[list[Text], Field(min_length=1)]
    kpis: Annotated[list[Kpi], Field(min_length=1)]
    archetypes: Annotated[list[str], Field(min_length=1)]
    # Planned only when a gate or a path's fixed plan calls for it, never chosen to close a gap.
    called_only: bool = False
    # Chosen for a gap only while some dimension listed here is below its level (a practice
    # defined at that level needs refining, not defining); empty: whenever it closes a gap.
    applies_below: dict[str, Annotated[float, Field(ge=1, le=5)]] = {}
    # A refine or scale variant: chosen for a gap only once every dimension listed reaches its
    # level (the practice is defined); empty: at any level.
    applies_from: dict[str, Annotated[float, Field(ge=1, le=5)]] = {}
    # Already in place (shown so, never planned) when every dimension listed reaches its level.
    in_place_when: dict[str, Annotated[float, Field(ge=1, le=5)]] = {}
    source: Text

    @property
    def load(self) -> float:
        """People per month while it runs (effort spread evenly over its duration)."""
        return self.effort / self.duration


class CatalogueFile(StrictModel):
    type: Literal["initiative_catalogue"]
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    initiatives: Annotated[list[Initiative], Field(min_length=1)]


@dataclass(frozen=True)
class Catalogue:
    """A loaded, validated catalogue."""

    version: str
    initiatives: tuple[Initiative, ...]
    path: Path

    @cached_property
    def by_id(self) -> dict[str, Initiative]:
        return {i.id: i for i in self.initiatives}


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A prerequisite cycle as a path ``[a, b, c, a]``, or None. Deterministic (sorted ids)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, [])):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def check_catalogue(
    data: CatalogueFile, path: Path, instrument: Instrument, archetypes: set[str]
) -> list[str]:
    """Every reference in the catalogue, checked against the instrument and the archetypes."""
    problems: list[str] = []
    ids: dict[str, int] = {}
    dims = instrument.dimension_index
    sources = [s.id for s in instrument.meta.sources]
    for item in data.initiatives:
        key = f"initiatives[{item.id}]"
        if item.id in ids:
            problems.append(f"{path}: {key}.id: duplicate id {item.id!r}")
        ids[item.id] = 1
        for field, named in (("lifts", item.lifts), ("applies_below", item.applies_below),
                             ("applies_from", item.applies_from),
                             ("in_place_when", item.in_place_when)):  # fmt: skip
            for dim in named:
                if dim not in dims:
                    problems.append(f"{path}: {key}.{field}: unknown dimension id {dim!r}")
        for arch in item.archetypes:
            if arch not in archetypes:
                problems.append(
                    f"{path}: {key}.archetypes: unknown archetype {arch!r} "
                    f"(known: {', '.join(sorted(archetypes))})"
                )
        if not any(s in item.source for s in sources):
            problems.append(f"{path}: {key}.source: {item.source!r} names no registered source")
    for item in data.initiatives:
        for pre in item.prerequisites:
            if pre not in ids:
                problems.append(
                    f"{path}: initiatives[{item.id}].prerequisites: unknown initiative {pre!r}"
                )
            if pre == item.id:
                problems.append(
                    f"{path}: initiatives[{item.id}].prerequisites: an initiative cannot need itself"
                )
    graph = {i.id: [p for p in i.prerequisites if p in ids and p != i.id] for i in data.initiatives}
    cycle = find_cycle(graph)
    if cycle:
        problems.append(f"{path}: prerequisites form a cycle: {' -> '.join(cycle)}")
    return problems


def load_catalogue(
    instrument: Instrument, archetypes: set[str], path: Path | None = None
) -> Catalogue:
    """Load and validate the initiative catalogue (default: the bundled one)."""
    path = Path(path) if path is not None else assessment_dir() / "initiatives.yaml"
    key = ("catalogue", frozenset(archetypes), digest([path]))
    return memoised_for(instrument, key, lambda: _load_catalogue(instrument, archetypes, path))


def _load_catalogue(instrument: Instrument, archetypes: set[str], path: Path) -> Catalogue:
    data = parse_model(CatalogueFile, path, read_yaml(path))
    problems = check_catalogue(data, path, instrument, archetypes)
    if problems:
        raise InstrumentError(problems)
    return Catalogue(version=data.version, initiatives=tuple(data.initiatives), path=path)
