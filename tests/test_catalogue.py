"""The initiative catalogue (PRODUCT §7): the bundled data is complete, and broken copies fail
with errors naming the file, the key and the offending value."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.archetypes import load_transition
from pmo2vmo.model.catalogue import Catalogue, find_cycle, load_catalogue
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.resources import assessment_dir

ARCHETYPES = {"strengthen-pmo", "integrated", "evolve", "hold"}
PATHS = {"strengthen-pmo", "integrated", "evolve"}  # the three that plan by gaps


@pytest.fixture(scope="module")
def archetype_ids(instrument: Instrument) -> set[str]:
    return {a.id for a in load_transition(instrument).archetypes}


@pytest.fixture(scope="module")
def catalogue(instrument: Instrument, archetype_ids: set[str]) -> Catalogue:
    return load_catalogue(instrument, archetype_ids)


@pytest.fixture(scope="module")
def bundled_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (assessment_dir() / "initiatives.yaml").read_text(encoding="utf-8")
    )
    return data


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "initiatives.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _entry(data: dict[str, Any], ini_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(i for i in data["initiatives"] if i["id"] == ini_id)
    return entry


def _minimal(ini_id: str, prerequisites: list[str]) -> dict[str, Any]:
    """A valid initiative entry apart from whatever the test breaks."""
    return {
        "id": ini_id,
        "title": f"Initiative {ini_id}",
        "description": "Something worth doing.",
        "lifts": {"PB-GOV": 0.5},
        "effort": 1,
        "duration": 1,
        "prerequisites": prerequisites,
        "owner_role": "PMO head",
        "deliverables": ["A deliverable"],
        "kpis": [
            {
                "name": "A KPI",
                "formula": "done / planned",
                "unit": "%",
                "direction": "increase",
                "cadence": "monthly",
                "owner_role": "PMO head",
                "target": "≥ 90 %",
            }
        ],
        "archetypes": ["integrated"],
        "source": "P3M3 - governance",
    }


# ------------------------------------------------------------------------------ bundled data ---


def test_bundled_catalogue_loads_with_30_to_50_unique_initiatives(catalogue: Catalogue) -> None:
    """The bundled catalogue loads and holds 30–50 initiatives with unique ids, besides its
    refine variants (``applies_from``), which take over from them at higher levels."""
    ids = [i.id for i in catalogue.initiatives]
    assert 30 <= sum(1 for i in catalogue.initiatives if not i.applies_from) <= 50
    assert len(set(ids)) == len(ids)
    assert catalogue.by_id.keys() == set(ids)
    assert catalogue.path == assessment_dir() / "initiatives.yaml"


def test_every_initiative_is_complete(catalogue: Catalogue, instrument: Instrument) -> None:
    """Every initiative lifts known dimensions and has effort, duration, owner, deliverables,
    archetypes and prerequisites that exist."""
    dims = instrument.dimension_index
    for ini in catalogue.initiatives:
        assert ini.lifts, ini.id
        assert all(d in dims and lift > 0 for d, lift in ini.lifts.items()), ini.id
        assert ini.effort > 0, ini.id
        assert ini.duration >= 1, ini.id
        assert ini.load == pytest.approx(ini.effort / ini.duration)
        assert all(t.strip() for t in (ini.title, ini.description, ini.owner_role)), ini.id
        assert ini.deliverables, ini.id
        assert all(d.strip() for d in ini.deliverables), ini.id
        assert ini.archetypes, ini.id
        assert set(ini.archetypes) <= ARCHETYPES, ini.id
        assert all(p in catalogue.by_id and p != ini.id for p in ini.prerequisites), ini.id


def test_every_kpi_is_structured(catalogue: Catalogue) -> None:
    """Every KPI has a name, formula, unit, direction, cadence and owner role."""
    for ini in catalogue.initiatives:
        assert ini.kpis, ini.id
        for kpi in ini.kpis:
            assert all(t.strip() for t in (kpi.name, kpi.formula, kpi.unit)), ini.id
            assert kpi.direction in {"increase", "decrease"}, ini.id
            assert all(t.strip() for t in (kpi.cadence, kpi.owner_role)), ini.id


def test_every_source_is_registered(catalogue: Catalogue, instrument: Instrument) -> None:
    """Every initiative's source starts with a source id registered in instrument.yaml."""
    sources = {s.id for s in instrument.meta.sources}
    for ini in catalogue.initiatives:
        assert ini.source.split(" - ")[0] in sources, (ini.id, ini.source)


def test_every_dimension_is_lifted_for_every_archetype(
    catalogue: Catalogue, instrument: Instrument
) -> None:
    """Every dimension is lifted by at least one initiative suited to each path that plans by
    gaps (hold and reset plans a fixed reset, not gaps)."""
    for archetype in sorted(PATHS):
        lifted = {d for i in catalogue.initiatives if archetype in i.archetypes for d in i.lifts}
        assert {d.id for d in instrument.dimensions} <= lifted, archetype


def test_gate_initiatives_are_in_the_catalogue(
    catalogue: Catalogue, instrument: Instrument
) -> None:
    """Every initiative a gate puts first exists and suits every path that plans by gaps (hold
    and reset plans its own steps, gates aside)."""
    for gate in load_transition(instrument).gates:
        for ini_id in gate.first:
            assert set(catalogue.by_id[ini_id].archetypes) >= PATHS


def test_kpis_cover_the_value_metrics_the_seeds_name(catalogue: Catalogue) -> None:
    """The KPIs include benefits realised against plan, a Net Promoter Score and a lead time."""
    names = " ".join(k.name.lower() for i in catalogue.initiatives for k in i.kpis)
    assert "benefits realised against plan" in names
    assert "net promoter score" in names
    assert "lead time" in names


# ------------------------------------------------------------------------ validation errors ---


def _unknown_dimension(data: dict[str, Any]) -> None:
    _entry(data, "secure-executive-sponsor")["lifts"]["PB-XYZ"] = 0.5


def _unknown_prerequisite(data: dict[str, Any]) -> None:
    _entry(data, "refresh-pmo-charter")["prerequisites"].append("no-such-initiative")


def _unknown_archetype(data: dict[str, Any]) -> None:
    _entry(data, "review-pmo-processes")["archetypes"].append("hybrid")


def _duplicate_id(data: dict[str, Any]) -> None:
    data["initiatives"].append(copy.deepcopy(_entry(data, "review-pmo-processes")))


def _two_cycle(data: dict[str, Any]) -> None:
    _entry(data, "secure-executive-sponsor")["prerequisites"] = ["refresh-pmo-charter"]


def _needs_itself(data: dict[str, Any]) -> None:
    _entry(data, "build-skills-inventory")["prerequisites"] = ["build-skills-inventory"]


def _unregistered_source(data: dict[str, Any]) -> None:
    _entry(data, "build-skills-inventory")["source"] = "A blog post somewhere"


def _zero_effort(data: dict[str, Any]) -> None:
    _entry(data, "build-skills-inventory")["effort"] = 0


def _bad_direction(data: dict[str, Any]) -> None:
    _entry(data, "build-skills-inventory")["kpis"][0]["direction"] = "up"


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        (
            _unknown_dimension,
            "initiatives[secure-executive-sponsor].lifts: unknown dimension id 'PB-XYZ'",
        ),
        (
            _unknown_prerequisite,
            (
                "initiatives[refresh-pmo-charter].prerequisites: unknown initiative "
                "'no-such-initiative'"
            ),
        ),
        (
            _unknown_archetype,
            "initiatives[review-pmo-processes].archetypes: unknown archetype 'hybrid'",
        ),
        (
            _duplicate_id,
            "initiatives[review-pmo-processes].id: duplicate id 'review-pmo-processes'",
        ),
        (
            _two_cycle,
            (
                "prerequisites form a cycle: secure-executive-sponsor -> refresh-pmo-charter "
                "-> secure-executive-sponsor"
            ),
        ),
        (
            _needs_itself,
            "initiatives[build-skills-inventory].prerequisites: an initiative cannot need itself",
        ),
        (
            _unregistered_source,
            (
                "initiatives[build-skills-inventory].source: 'A blog post somewhere' names no "
                "registered source"
            ),
        ),
        (_zero_effort, "initiatives[build-skills-inventory].effort:"),
        (_bad_direction, "initiatives[build-skills-inventory].kpis[0].direction:"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else "",
)
def test_broken_catalogue_names_file_key_and_value(
    tmp_path: Path,
    instrument: Instrument,
    archetype_ids: set[str],
    bundled_data: dict[str, Any],
    breaks: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    """Each kind of broken catalogue fails with ``file: key: problem`` naming the value."""
    data = copy.deepcopy(bundled_data)
    breaks(data)
    path = _write(tmp_path, data)
    with pytest.raises(InstrumentError) as caught:
        load_catalogue(instrument, archetype_ids, path)
    assert any(p.startswith(f"{path}: {expected}") for p in caught.value.problems), (
        caught.value.problems
    )


def test_every_problem_is_reported_at_once(
    tmp_path: Path, instrument: Instrument, archetype_ids: set[str], bundled_data: dict[str, Any]
) -> None:
    """Several broken references in one file are all reported in one error."""
    data = copy.deepcopy(bundled_data)
    _unknown_dimension(data)
    _unknown_prerequisite(data)
    _unknown_archetype(data)
    path = _write(tmp_path, data)
    with pytest.raises(InstrumentError) as caught:
        load_catalogue(instrument, archetype_ids, path)
    assert len(caught.value.problems) == 3
    for text in ("'PB-XYZ'", "'no-such-initiative'", "'hybrid'"):
        assert text in str(caught.value)


def test_a_three_step_cycle_is_spelled_out(
    tmp_path: Path, instrument: Instrument, archetype_ids: set[str]
) -> None:
    """A prerequisite cycle a → b → c → a is reported as "a -> b -> c -> a"."""
    data = {
        "type": "initiative_catalogue",
        "version": "1.0.0",
        "initiatives": [_minimal("a", ["b"]), _minimal("b", ["c"]), _minimal("c", ["a"])],
    }
    path = _write(tmp_path, data)
    with pytest.raises(InstrumentError) as caught:
        load_catalogue(instrument, archetype_ids, path)
    assert caught.value.problems == [f"{path}: prerequisites form a cycle: a -> b -> c -> a"]


def test_a_minimal_valid_catalogue_loads(
    tmp_path: Path, instrument: Instrument, archetype_ids: set[str]
) -> None:
    """A small catalogue with a prerequisite chain and no cycle loads, in file order."""
    data = {
        "type": "initiative_catalogue",
        "version": "2.1.0",
        "initiatives": [_minimal("a", ["b"]), _minimal("b", ["c"]), _minimal("c", [])],
    }
    loaded = load_catalogue(instrument, archetype_ids, _write(tmp_path, data))
    assert loaded.version == "2.1.0"
    assert [i.id for i in loaded.initiatives] == ["a", "b", "c"]
    assert loaded.by_id["a"].prerequisites == ["b"]


def test_missing_catalogue_file_is_named(
    tmp_path: Path, instrument: Instrument, archetype_ids: set[str]
) -> None:
    """A catalogue path that does not exist fails naming the path."""
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(InstrumentError, match="file not found") as caught:
        load_catalogue(instrument, archetype_ids, path)
    assert str(path) in str(caught.value)


# -------------------------------------------------------------------------------- find_cycle ---


def test_find_cycle_none_in_an_acyclic_graph() -> None:
    """A graph without cycles, diamonds included, has no cycle."""
    graph = {"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": [], "e": []}
    assert find_cycle(graph) is None
    assert find_cycle({}) is None


def test_find_cycle_spells_out_the_path() -> None:
    """A cycle comes back as the path walked, starting and ending at the same node."""
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]


def test_find_cycle_finds_a_self_loop() -> None:
    """A node that needs itself is a cycle of length one."""
    assert find_cycle({"a": ["a"]}) == ["a", "a"]


def test_find_cycle_reports_only_the_cycle_not_the_path_into_it() -> None:
    """When the cycle is reached from outside, only the cycle itself is returned."""
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["b"]}) == ["b", "c", "b"]


def test_find_cycle_is_deterministic() -> None:
    """The same graph, whatever its key and edge order, gives the same cycle."""
    one = {"z": ["y"], "y": ["x", "z"], "x": ["y"]}
    two = {"x": ["y"], "y": ["z", "x"], "z": ["y"]}
    assert find_cycle(one) == find_cycle(two) == ["x", "y", "x"]


def test_find_cycle_ignores_edges_to_unknown_nodes() -> None:
    """Edges to nodes that are not keys of the graph end the walk without error."""
    assert find_cycle({"a": ["missing"], "b": ["a"]}) is None
