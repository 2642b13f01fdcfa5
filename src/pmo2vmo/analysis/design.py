"""The plan as a transition design, not a knapsack (issue 15): what a path reads from the data
before anything is selected.

- **Defining moves** (``transition.yaml``, per archetype): the initiatives a path is not itself
  without, planned whatever the gaps, each from the start of its phase.
- **Roles a path creates**: an initiative owned by a role the path creates (the VMO lead, created
  by the VMO charter) needs the creating initiative first; the strengthen path, which has no VMO,
  names such roles as it does (a value lead inside the PMO).
- **In place**: an initiative whose ``in_place_when`` levels the organisation already reaches
  (sponsorship at 3.5 needs no "secure a sponsor") is shown in place, never planned, and its
  dependants do not wait for it.
- **Level-aware**: an initiative with ``applies_below`` is chosen for a gap only while one of its
  dimensions is below that level (no "define value drivers" where they are defined); a refine
  variant with ``applies_from`` only once its dimensions reach that level.
- **Precedence** (``roadmap.yaml``, seed 002 first): once planned, an initiative such as
  ``agree-value-objectives`` comes before the initiatives whose largest lift is on a metrics
  dimension, and the others named.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from pmo2vmo.model.archetypes import Archetype, TransitionFile
from pmo2vmo.model.catalogue import Catalogue, Initiative
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.settings import RoadmapSettings


def _reaches(current: Mapping[str, float | None], levels: Mapping[str, float]) -> bool:
    """Every dimension listed is scored and at least at its level (as reported, 4 decimals)."""
    return bool(levels) and all(
        (s := current.get(d)) is not None and round(s, 4) >= level for d, level in levels.items()
    )


def applies(ini: Initiative, current: Mapping[str, float | None]) -> bool:
    """Whether ``ini`` may be chosen for a gap: no ``applies_below``, or some dimension listed
    there unscored or below its level; and, for a refine variant, every ``applies_from``
    dimension at its level."""
    below = not ini.applies_below or any(
        (s := current.get(d)) is None or round(s, 4) < level
        for d, level in ini.applies_below.items()
    )
    return below and (not ini.applies_from or _reaches(current, ini.applies_from))


def _word(role: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(role)}(?!\w)", re.IGNORECASE)


def _renamed(owner: str, archetype: Archetype) -> str:
    """An owner as the path names its roles (``renamed`` of each of its role rules)."""
    for rule in archetype.roles:
        for old, new in rule.renamed.items():
            owner = _word(old).sub(new, owner)
    return owner


@dataclass(frozen=True)
class Design:
    """How one path reads the catalogue for one organisation."""

    needs: dict[str, tuple[str, ...]]  # what must end before an initiative starts
    follows: dict[str, frozenset[str]]  # what it starts after, when that is planned
    in_place: frozenset[str]  # met by current maturity: shown in place, never planned
    owners: dict[str, str]  # owners as the path names its roles
    kpi_owners: dict[str, tuple[str, ...]]  # each KPI's owner, likewise
    follow_reasons: dict[tuple[str, str], str]  # (first, then) -> why, for the plan's reasons

    @classmethod
    def of(
        cls,
        archetype: Archetype,
        catalogue: Catalogue,
        settings: RoadmapSettings,
        instrument: Instrument,
        current: Mapping[str, float | None],
        called: Collection[str] = (),
    ) -> Design:
        """The design of ``archetype`` for an organisation with dimension scores ``current``;
        ``called`` initiatives (what fired gates put first), the path's defining moves and the
        initiatives that create its roles are planned, so never in place. Otherwise an
        initiative is in place when today's levels reach its ``in_place_when``, or when its
        ``applies_below`` says the practice is already defined (it would not be chosen for a gap,
        so it is not brought back as a prerequisite either)."""
        kept = set(called) | {m.initiative for m in archetype.defining}
        kept |= {r.created_by for r in archetype.roles}
        in_place = frozenset(
            i.id for i in catalogue.initiatives
            if i.id not in kept and (_reaches(current, i.in_place_when)
                                     or (i.applies_below and not applies(i, current)))
        )  # fmt: skip
        owners: dict[str, str] = {}
        kpi_owners: dict[str, tuple[str, ...]] = {}
        needs: dict[str, tuple[str, ...]] = {}
        for ini in catalogue.initiatives:
            wanted = [p for p in ini.prerequisites if p not in in_place]
            for rule in archetype.roles:
                if not _word(rule.role).search(ini.owner_role):
                    continue
                creator = rule.created_by
                fresh = (creator in catalogue.by_id and creator != ini.id
                         and creator not in in_place and creator not in wanted)  # fmt: skip
                if fresh and not _depends(catalogue, creator, ini.id):
                    wanted.append(creator)
            needs[ini.id] = tuple(wanted)
            owners[ini.id] = _renamed(ini.owner_role, archetype)
            kpi_owners[ini.id] = tuple(_renamed(k.owner_role, archetype) for k in ini.kpis)
        pillar_of = {d.id: p.id for p in instrument.pillars for d in p.dimensions}
        follows: dict[str, set[str]] = {}
        reasons: dict[tuple[str, str], str] = {}
        for order in settings.precedence:
            if order.archetypes and archetype.id not in order.archetypes:
                continue
            then = set(order.then) | {
                i.id for i in catalogue.initiatives
                if order.then_all or (i.lifts and pillar_of.get(
                    max(i.lifts, key=lambda d: (i.lifts[d], d))) in order.then_pillars)
            }  # fmt: skip
            for ini_id in then - {order.first}:
                if not _depends(catalogue, order.first, ini_id, needs):  # never a deadlock
                    follows.setdefault(ini_id, set()).add(order.first)
                    reasons[(order.first, ini_id)] = order.reason
        return cls(
            needs,
            {k: frozenset(v) for k, v in follows.items()},
            in_place,
            owners,
            kpi_owners,
            reasons,
        )


def _depends(
    catalogue: Catalogue,
    start: str,
    target: str,
    needs: Mapping[str, tuple[str, ...]] | None = None,
) -> bool:
    """Whether ``start`` needs ``target``, directly or through its prerequisites."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node in seen or node not in catalogue.by_id:
            continue
        seen.add(node)
        stack.extend(
            needs.get(node, ()) if needs is not None else catalogue.by_id[node].prerequisites
        )
    return False


def design_problems(
    transition: TransitionFile, catalogue: Catalogue, settings: RoadmapSettings
) -> list[str]:
    """What is wrong with the design data: a defining move, role creator or precedence naming an
    unknown initiative, one not suited to its path, or an unknown phase."""
    phases = {p.id for p in settings.phases}
    ids = catalogue.by_id
    problems = []
    for arch in transition.archetypes:
        where = f"transition.yaml: archetypes[{arch.id}]"
        for move in arch.defining:
            if move.initiative not in ids:
                problems.append(f"{where}.defining: unknown initiative {move.initiative!r}")
            elif arch.id not in ids[move.initiative].archetypes:
                problems.append(f"{where}.defining: {move.initiative} is not suited to {arch.id}")
            if move.phase not in phases:
                problems.append(f"{where}.defining: unknown phase {move.phase!r} "
                                f"(roadmap.yaml has {', '.join(sorted(phases))})")  # fmt: skip
        for rule in arch.roles:
            if rule.created_by not in ids:
                problems.append(f"{where}.roles: unknown initiative {rule.created_by!r}")
            elif arch.id not in ids[rule.created_by].archetypes:
                problems.append(f"{where}.roles: {rule.created_by} is not suited to {arch.id}")
    known = {a.id for a in transition.archetypes}
    for n, order in enumerate(settings.precedence):
        for ini_id in (order.first, *order.then):
            if ini_id not in ids:
                problems.append(f"roadmap.yaml: precedence[{n}]: unknown initiative {ini_id!r}")
        for arch_id in order.archetypes:
            if arch_id not in known:
                problems.append(f"roadmap.yaml: precedence[{n}]: unknown archetype {arch_id!r}")
    return problems
