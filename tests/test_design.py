"""The plan as a transition design (issue 15): each path's defining moves in seed 002's order,
roles created before they own work, level-aware initiatives and what is already in place,
realistic lift with the month a target is reached, and re-assessment checkpoints."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pmo2vmo.analysis.progress import trajectory
from pmo2vmo.analysis.schedule import PlanItem
from pmo2vmo.cli import main
from pmo2vmo.model.catalogue import Catalogue
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.results import Why
from pmo2vmo.model.settings import Lift
from pmo2vmo.resources import samples_dir

SAMPLES = {"northwind-utilities": "strengthen-pmo", "harbor-mutual": "integrated",
           "lumen-digital": "evolve"}  # fmt: skip


@pytest.fixture(scope="module")
def plans() -> dict[str, dict[str, Any]]:
    out = {}
    for slug in SAMPLES:
        data = next(
            p for p in sorted(samples_dir().glob(f"{slug}.*")) if p.suffix in (".csv", ".xlsx")
        )
        result = CliRunner().invoke(main, ["roadmap", "--json", "--profile",
                                           str(samples_dir() / f"{slug}.yaml"), str(data)])  # fmt: skip
        assert result.exit_code == 0, result.output
        out[slug] = json.loads(result.stdout)["organisations"][0]
    return out


def _initiatives(org: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in org["items"] if i["kind"] == "initiative"]


def test_each_sample_plans_its_paths_defining_moves(
    plans: dict[str, dict[str, Any]], spec: Any
) -> None:
    """Every defining move of the sample's path is planned (never "in place"), from the start
    of its phase, and listed in ``defining_initiatives`` exactly as in ``items``."""
    for slug, path in SAMPLES.items():
        org = plans[slug]
        assert org["archetype"]["id"] == path
        items = {i["id"]: i for i in _initiatives(org)}
        deferred = {d["id"] for d in org["deferred"]}
        phases = {p["id"]: p["start_month"] for p in org["phases"]}
        for move in spec.archetype(path).defining:
            assert move.initiative in items, (slug, move, deferred)
            assert items[move.initiative]["start_month"] >= phases[move.phase]
            assert move.initiative not in org["in_place"]
        assert org["defining_initiatives"] == [
            m.initiative for m in spec.archetype(path).defining if m.initiative in items
        ]
        assert set(org["defining_initiatives"]) <= set(items)


def test_seed_002_order_value_objectives_before_metrics(
    plans: dict[str, dict[str, Any]], instrument: Instrument, catalogue: Catalogue
) -> None:
    """Where value objectives are planned, no initiative whose largest lift is on a metrics
    dimension starts before they end; the strengthen path starts with the PMO process review
    (after what a gate puts first)."""
    pillar = {d.id: p.id for p in instrument.pillars for d in p.dimensions}
    for org in plans.values():
        items = {i["id"]: i for i in _initiatives(org)}
        objectives = items.get("agree-value-objectives")
        if objectives is None:
            continue
        end = objectives["start_month"] + objectives["duration"]
        for item in items.values():
            lifts = catalogue.by_id[item["id"]].lifts
            if lifts and pillar[max(lifts, key=lambda d: (lifts[d], d))] == "MR":
                assert item["start_month"] >= end, item["id"]
    northwind = [i for i in _initiatives(plans["northwind-utilities"]) if i["why"] != "gate"]
    assert northwind[0]["id"] == "review-pmo-processes"
    review_end = northwind[0]["start_month"] + northwind[0]["duration"]
    assert all(i["start_month"] >= review_end for i in northwind[1:])


def test_roles_exist_before_they_own_work(plans: dict[str, dict[str, Any]]) -> None:
    """No VMO role owns an initiative before the VMO charter has ended (integrated, evolve);
    the strengthen path has no VMO: its value roles sit in the PMO, after the value lead is
    appointed."""
    vmo = re.compile(r"\bVMO\b")
    for slug in ("harbor-mutual", "lumen-digital"):
        org = plans[slug]
        items = {i["id"]: i for i in _initiatives(org)}
        charter = items.get("establish-vmo-charter")
        assert charter is not None
        end = charter["start_month"] + charter["duration"]
        for item in items.values():
            if item["id"] != charter["id"] and vmo.search(item["owner"]):
                assert item["start_month"] >= end, (slug, item["id"])
    northwind = _initiatives(plans["northwind-utilities"])
    assert not any(vmo.search(i["owner"]) for i in northwind)
    lead = next(i for i in northwind if i["id"] == "appoint-value-lead-in-pmo")
    for item in northwind:
        if "PMO value" in item["owner"] and item is not lead:
            assert item["start_month"] >= lead["start_month"] + lead["duration"], item["id"]


def test_what_current_maturity_meets_is_in_place_not_planned(
    plans: dict[str, dict[str, Any]],
) -> None:
    """Harbor's sponsorship (4.05) meets ``secure-executive-sponsor``: it is in place, not
    planned; Lumen's value drivers (3.56) and KPIs (3.47) are never defined again."""
    harbor = plans["harbor-mutual"]
    assert "secure-executive-sponsor" in harbor["in_place"]
    assert "secure-executive-sponsor" not in {i["id"] for i in _initiatives(harbor)}
    lumen = plans["lumen-digital"]
    planned = {i["id"] for i in _initiatives(lumen)}
    assert not {"define-value-drivers", "define-value-kpis"} & planned


def test_every_dimension_can_be_lifted(catalogue: Catalogue, instrument: Instrument) -> None:
    """Every dimension of the instrument is lifted by at least one initiative not reserved for
    gates or fixed plans."""
    lifted = {d for i in catalogue.initiatives if not i.called_only for d in i.lifts}
    assert {d.id for d in instrument.dimensions} <= lifted


def test_lift_arrives_after_the_lag_and_at_the_allowed_rate(catalogue: Catalogue) -> None:
    """An initiative closing a full level, ending in month 3: nothing moves until month 5 (two
    months' adoption lag), then at most half a level per six months until the target."""
    ini = catalogue.by_id["define-value-drivers"]
    item = PlanItem(ini, "closes", Why.GAP, start_month=1, closes={"MR-DRV": 1.0})
    assert item.end_month == 3
    levels = trajectory([item], 2.0, 3.0, "MR-DRV", Lift(max_rise_per_6_months=0.5,
                                                        adoption_lag_months=2))  # fmt: skip
    assert levels[5] == 2.0
    assert levels[6] == pytest.approx(2.0 + 0.5 / 6)
    assert levels[11] == pytest.approx(2.5)
    assert levels[17] == pytest.approx(3.0)
    assert max(levels) == 3.0


def test_targets_out_of_reach_say_when(plans: dict[str, dict[str, Any]]) -> None:
    """Exit criteria carry the month each target is reached at the realistic rate; those past
    the horizon (or not reached by this plan) are said in the roadmap's message."""
    harbor = plans["harbor-mutual"]
    late = [c for c in harbor["exit_criteria"] if not c["within_horizon"]]
    assert late
    assert "not reached within 18 months" in harbor["message"]
    for row in harbor["exit_criteria"]:
        if row["reached_month"] is not None:
            assert row["reached_by"] is not None
            assert row["within_horizon"] == (row["reached_month"] <= 18)
    assert harbor["settings"]["max_rise_per_6_months"] == 0.5
    crit = harbor["phase_exit_criteria"]
    assert [c["phase"] for c in crit] == [p["id"] for p in harbor["phases"]]


def test_checkpoints_are_plan_items_with_a_go_no_go_question(
    plans: dict[str, dict[str, Any]],
) -> None:
    """The ends of Mobilise, Build and Scale (months 3, 9, 15) are checkpoints in the plan: kind
    checkpoint, the dimensions expected to have moved by then at their expected level, and a
    go/no-go question for the next phase."""
    for org in plans.values():
        pulses = [i for i in org["items"] if i["kind"] == "checkpoint"]
        assert [p["start_month"] for p in pulses] == [3, 9, 15]
        now = {c["dimension"]: c["current"] for c in org["exit_criteria"]}
        for pulse in pulses:
            assert pulse["question"].startswith("Go or no-go")
            assert all(now[d] < v <= 5 for d, v in pulse["verify"].items())
        assert pulses[-1]["verify"]


def test_bad_design_data_is_refused(tmp_path: Path, spec: Any) -> None:
    """A defining move that is unknown, not suited to its path, or in an unknown phase is
    refused when the data loads, naming transition.yaml."""
    from pmo2vmo.analysis.design import design_problems
    from pmo2vmo.model.archetypes import DefiningMove
    from pmo2vmo.model.catalogue import load_catalogue
    from pmo2vmo.model.instrument import load_instrument
    from pmo2vmo.model.settings import load_settings

    instrument = load_instrument()
    catalogue = load_catalogue(instrument, {a.id for a in spec.archetypes})
    settings = load_settings()
    assert design_problems(spec, catalogue, settings) == []
    evolve = spec.archetype("evolve")
    bad = evolve.model_copy(update={"defining": [
        DefiningMove(initiative="no-such-move", phase="build"),
        DefiningMove(initiative="appoint-value-lead-in-pmo", phase="build"),
        DefiningMove(initiative="establish-vmo-charter", phase="someday"),
    ]})  # fmt: skip
    problems = design_problems(spec.model_copy(update={"archetypes": [bad]}), catalogue, settings)
    assert any("unknown initiative 'no-such-move'" in p for p in problems)
    assert any("not suited to evolve" in p for p in problems)
    assert any("unknown phase 'someday'" in p for p in problems)
    assert all(p.startswith("transition.yaml") for p in problems if "defining" in p)


def test_refine_variants_take_over_where_a_practice_is_defined(
    plans: dict[str, dict[str, Any]], catalogue: Catalogue
) -> None:
    """Lumen's value drivers (3.56) and KPIs (3.47) are refined, not defined again; Northwind's
    (below 3) are never "refined" before they exist."""
    lumen = {i["id"] for i in _initiatives(plans["lumen-digital"])}
    assert {"sharpen-value-drivers", "prune-value-kpis"} <= lumen
    northwind = {i["id"] for i in _initiatives(plans["northwind-utilities"])}
    variants = {i.id for i in catalogue.initiatives if i.applies_from}
    assert len(variants) >= 6
    current = {c["dimension"]: c["current"] for c in plans["northwind-utilities"]["exit_criteria"]}
    for ini_id in northwind & variants:
        levels = catalogue.by_id[ini_id].applies_from
        assert all(current.get(d, 5) >= lv for d, lv in levels.items()), ini_id
