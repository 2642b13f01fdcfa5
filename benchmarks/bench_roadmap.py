"""Benchmark: roadmap generation for the full catalogue on a weak organisation.

    python benchmarks/bench_roadmap.py [--repeat 20]

A weak organisation (every dimension around 1.3, seeded) is planned with the bundled catalogue
under two settings: the sample profile's (3 people, 18 months) and one roomy enough for every
suited initiative to be selected (30 people, 60 months). The baseline, in the same run, is the
straightforward implementation of the same rules: for every candidate at every step, recompute
what its group closes and re-schedule the whole plan from scratch. Both must choose the same
initiatives in the same months; medians of ``--repeat`` runs are printed with their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from typing import Any

import numpy as np

from pmo2vmo.analysis.roadmap import _closure, _Scheduler, plan
from pmo2vmo.analysis.scoring import OrganisationScores
from pmo2vmo.analysis.transition import Decision, decide
from pmo2vmo.model.archetypes import load_transition
from pmo2vmo.model.catalogue import Catalogue, Initiative, load_catalogue
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.results import DimensionScore, ItemScore, PillarScore, TargetSource
from pmo2vmo.model.settings import RoadmapSettings, load_settings

START = dt.date(2027, 1, 4)


def weak_organisation(instrument: Instrument, seed: int = 11) -> OrganisationScores:
    rng = np.random.default_rng(seed)
    dims = []
    for pillar in instrument.pillars:
        for dim in pillar.dimensions:
            score = float(np.clip(rng.normal(1.3, 0.15), 1.0, 2.0))
            dims.append(DimensionScore(
                id=dim.id, name=dim.name, pillar=pillar.id, score=score, target=3.5,
                target_source=TargetSource.INSTRUMENT, gap=3.5 - score, respondents=25,
                answered=25, not_applicable=0, dont_know=0, coverage=None, dispersion=None,
                consensus=0.8, disputed_items=(),
            ))  # fmt: skip
    pillars = []
    for pillar in instrument.pillars:
        mine = [d.score for d in dims if d.pillar == pillar.id and d.score is not None]
        pillars.append(PillarScore(id=pillar.id, name=pillar.name, score=sum(mine) / len(mine),
                                   readiness=None, achieved_level=1,
                                   achieved_level_name="Initial"))  # fmt: skip
    # Every question answered by everyone: enough evidence for a recommended path.
    items = [ItemScore(id=q, dimension=ref.dimension.id, score=None, respondents=25, answered=25,
                       not_applicable=0, dont_know=0, coverage=None, dispersion=None,
                       consensus=None, disputed=False, distribution=())
             for q, ref in instrument.questions.items()]  # fmt: skip
    return OrganisationScores(
        organisation="Weak Co", respondents=25, overall=1.3, pillars=pillars, dimensions=dims,
        items=items, breakouts=[], perception_gaps=[], comments=[], data_quality={},
    )  # fmt: skip


def naive_plan(
    org: OrganisationScores, decision: Decision, catalogue: Catalogue, instrument: Instrument,
    settings: RoadmapSettings, capacity: float, horizon: int,
) -> list[tuple[str, int]]:  # fmt: skip
    """The same rules, written the obvious way: everything recomputed for every candidate."""
    archetype = decision.archetype
    assert archetype is not None, "the weak organisation gets a recommended path"
    emphasis = archetype.emphasis
    weights = {d.id: d.weight * p.weight * emphasis.get(p.id, 1.0)
               for p in instrument.pillars for d in p.dimensions}  # fmt: skip
    remaining = {}
    for dim in org.dimensions:
        assert dim.score is not None
        gap = decision.targets[dim.id][0] - dim.score
        remaining[dim.id] = gap if gap >= settings.min_gap else 0.0
    order: list[Initiative] = []

    def schedule(items: list[Initiative]) -> dict[str, int] | None:
        sched = _Scheduler(capacity, horizon)
        starts = {}
        for ini in items:
            start = sched.place(ini)
            if start is None:
                return None
            sched.commit(ini, start)
            starts[ini.id] = start
        return starts

    def closes(group: list[Initiative], gaps: dict[str, float]) -> float:
        gaps = dict(gaps)
        total = 0.0
        for ini in group:
            for d, lift in ini.lifts.items():
                amount = min(gaps.get(d, 0.0), lift)
                if amount > 1e-9:
                    total += weights[d] * amount
                    gaps[d] -= amount
        return total

    for gate in decision.gates:
        if gate.fired:
            for ini_id in gate.first:
                order.extend(_closure(catalogue.by_id[ini_id], catalogue, {i.id for i in order}))
    for ini in order:
        for d, lift in ini.lifts.items():
            if d in remaining:
                remaining[d] = max(0.0, remaining[d] - min(remaining[d], lift))
    rejected: set[str] = set()
    while True:
        chosen = {i.id for i in order}
        best: tuple[float, str, list[Initiative]] | None = None
        for ini in catalogue.initiatives:
            if archetype.id not in ini.archetypes or ini.id in chosen | rejected:
                continue
            if not any(remaining.get(d, 0) > 1e-9 for d in ini.lifts):
                continue
            group = _closure(ini, catalogue, chosen)
            worth = closes(group, remaining)
            if worth <= 1e-9:
                continue
            key = (-worth / sum(g.effort for g in group), ini.id, group)
            if best is None or key[:2] < best[:2]:
                best = key
        if best is None:
            break
        if schedule([*order, *best[2]]) is None:
            rejected.add(best[1])
            continue
        for ini in best[2]:
            for d, lift in ini.lifts.items():
                if d in remaining:
                    remaining[d] = max(0.0, remaining[d] - min(remaining[d], lift))
            order.append(ini)
    starts = schedule(order) or {}
    return sorted((i, s) for i, s in starts.items())


def median(func: Any, repeat: int) -> tuple[float, Any]:
    result = func()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    instrument = load_instrument()
    transition = load_transition(instrument)
    catalogue = load_catalogue(instrument, {a.id for a in transition.archetypes})
    settings = load_settings()
    org = weak_organisation(instrument)
    decision = decide(org, transition, instrument, Profile())
    archetype = decision.archetype
    assert archetype is not None, "the weak organisation gets a recommended path"
    suited = sum(1 for i in catalogue.initiatives if archetype.id in i.archetypes)
    print(f"weak organisation: every dimension ~1.3; path {archetype.id}; "
          f"{suited} of {len(catalogue.initiatives)} initiatives suit it; "
          f"median of {args.repeat} runs")  # fmt: skip
    for capacity, horizon in ((3.0, 18), (30.0, 60)):
        t_plan, roadmap = median(
            lambda c=capacity, h=horizon: plan(org, decision, catalogue, instrument, settings,
                                               capacity_people=c, horizon_months=h,
                                               start_date=START),
            args.repeat,
        )  # fmt: skip
        t_naive, naive = median(
            lambda c=capacity, h=horizon: naive_plan(org, decision, catalogue, instrument,
                                                     settings, c, h),
            args.repeat,
        )  # fmt: skip
        ours = sorted((i.initiative.id, i.start_month) for i in roadmap.items)
        assert ours == naive, "the baseline and pmo2vmo disagree on the plan"
        print(f"  {capacity:g} people x {horizon} months: {len(roadmap.items)} initiatives "
              f"planned; pmo2vmo {t_plan * 1000:7.1f} ms, naive baseline "
              f"{t_naive * 1000:7.1f} ms ({t_naive / t_plan:4.1f}x); same plan")  # fmt: skip


if __name__ == "__main__":
    main()
