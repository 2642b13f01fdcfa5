"""Readiness and the transition decision (PRODUCT §6): readiness indices, first-match rules with
a fallback, the executive-sponsorship gate, target precedence and transition.yaml validation.

Most tests build an :class:`OrganisationScores` directly from dimension scores (pillar scores are
the weighted means, achieved levels the weakest link), so every figure can be checked by hand;
the three bundled sample organisations are run through the whole pipeline once per module.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import operator
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from builders import make_org, uniform
from pmo2vmo.analysis.plan import OrganisationPlan, roadmap_files
from pmo2vmo.analysis.roadmap import plan
from pmo2vmo.analysis.scoring import OrganisationScores
from pmo2vmo.analysis.transition import Decision, decide, targets_for
from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.archetypes import TransitionFile, load_transition
from pmo2vmo.model.catalogue import Catalogue
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.results import Why
from pmo2vmo.model.settings import RoadmapSettings
from pmo2vmo.resources import assessment_dir, samples_dir

EXPECTED_ARCHETYPE = {
    "northwind-utilities": "strengthen-pmo",
    "harbor-mutual": "integrated",
    "lumen-digital": "evolve",
}
SHOWN = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
# "label 29.5 < 50": a condition as the outputs quote it.
QUOTED = re.compile(r"^(?P<label>.+?) (?P<value>-?\d+(?:\.\d+)?) (?P<op><=|>=|==|!=|<|>) "
                    r"(?P<threshold>-?\d+(?:\.\d+)?)$")  # fmt: skip


def _parts(group: re.Pattern[str], text: str) -> list[str]:
    """A group's figures one by one ("label (a; b)" → a, b); a single figure as it is."""
    match = group.match(text)
    return match["inner"].split("; ") if match else [text]


def _sponsorship(gates: Any) -> Any:
    """The executive-sponsorship gate among a decision's gates."""
    return next(g for g in gates if g.id == "executive-sponsorship")


def quoted(text: str) -> tuple[str, float, str, float]:
    match = QUOTED.match(text)
    assert match, f"not a quoted condition: {text!r}"
    return match["label"], float(match["value"]), match["op"], float(match["threshold"])


@pytest.fixture(scope="module")
def sample_plans() -> dict[str, OrganisationPlan]:
    out = {}
    for slug in EXPECTED_ARCHETYPE:
        data = next(p for p in samples_dir().glob(f"{slug}.*") if p.suffix in {".csv", ".xlsx"})
        report = roadmap_files([data], profile=samples_dir() / f"{slug}.yaml")
        (out[slug],) = report.organisations
    return out


@pytest.fixture(scope="module")
def bundled_yaml() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (assessment_dir() / "transition.yaml").read_text(encoding="utf-8")
    )
    return data


def _decide(
    org: OrganisationScores, spec: TransitionFile, instrument: Instrument, profile: Profile
) -> Decision:
    return decide(org, spec, instrument.tailored(profile), profile)


# --------------------------------------------------------------------------------- readiness ---


@pytest.mark.parametrize("slug", sorted(EXPECTED_ARCHETYPE))
def test_readiness_is_the_rescaled_pillar_score_with_its_level(
    slug: str, sample_plans: dict[str, OrganisationPlan], spec: TransitionFile
) -> None:
    """Readiness = (pillar score − 1) ÷ 4 × 100 per pillar, with the achieved level beside it."""
    result = sample_plans[slug]
    pillars = {p.id: p for p in result.scores.pillars}
    assert list(result.decision.readiness) == [
        "pmo_baseline",
        "value_culture",
        "portfolio",
        "metrics",
    ]
    for key, row in result.decision.readiness.items():
        pillar = pillars[spec.readiness[key].pillar]
        assert row.pillar == pillar.id
        assert row.score == pillar.score
        assert row.value == round((pillar.score - 1) / 4 * 100, 1)
        assert 0 <= row.value <= 100
        assert row.achieved_level == pillar.achieved_level


def test_readiness_spans_0_to_100(instrument: Instrument, spec: TransitionFile) -> None:
    """A pillar at 1 reads 0, at 3 reads 50 and at 5 reads 100."""
    scores = {d.id: 1.0 for d in instrument.pillars[0].dimensions}
    scores |= {d.id: 3.0 for d in instrument.pillars[1].dimensions}
    scores |= {d.id: 5.0 for p in instrument.pillars[2:] for d in p.dimensions}
    decision = _decide(make_org(instrument, scores), spec, instrument, Profile())
    values = {k: v.value for k, v in decision.readiness.items()}
    assert values == {"pmo_baseline": 0.0, "value_culture": 50.0, "portfolio": 100.0,
                      "metrics": 100.0}  # fmt: skip
    levels = {k: v.achieved_level for k, v in decision.readiness.items()}
    assert levels == {"pmo_baseline": 1, "value_culture": 3, "portfolio": 5, "metrics": 5}


# -------------------------------------------------------------------------------- archetypes ---


@pytest.mark.parametrize(("slug", "archetype"), sorted(EXPECTED_ARCHETYPE.items()))
def test_samples_get_three_different_archetypes(
    slug: str, archetype: str, sample_plans: dict[str, OrganisationPlan], samples: Any
) -> None:
    """Each bundled sample, with its own profile, gets its own archetype."""
    result = sample_plans[slug]
    profile: Profile = samples[slug][1]
    assert result.decision.archetype.id == archetype
    assert not result.decision.fallback
    assert result.scores.organisation == profile.client
    assert result.roadmap.capacity_people == profile.capacity_people
    assert result.roadmap.horizon_months == profile.horizon_months
    assert len({p.decision.archetype.id for p in sample_plans.values()}) == 3


def test_northwind_reasons_quote_its_pmo_baseline(
    sample_plans: dict[str, OrganisationPlan],
) -> None:
    """Northwind is sent to strengthen the PMO with "PMO baseline readiness 29.8 < 50"."""
    result = sample_plans["northwind-utilities"]
    readiness = result.decision.readiness["pmo_baseline"].value
    assert readiness == 29.8
    assert result.decision.reasons[0] == "PMO baseline readiness 29.8 < 50"


@pytest.mark.parametrize("slug", sorted(EXPECTED_ARCHETYPE))
def test_sample_reasons_quote_the_scores(
    slug: str, sample_plans: dict[str, OrganisationPlan], spec: TransitionFile
) -> None:
    """Every reason of the chosen archetype quotes the figure it was computed from."""
    result = sample_plans[slug]
    readiness = {v.label: v.value for v in result.decision.readiness.values()}
    pillars = {p.id: p for p in result.scores.pillars}
    assert result.decision.reasons
    for reason in result.decision.reasons:
        label, value, op, threshold = quoted(reason)
        assert SHOWN[op](value, threshold), reason
        if label in readiness:
            assert value == pytest.approx(readiness[label], abs=0.05), reason
        else:  # a critical dimension, tested on its own: its score or the level it reaches
            name, _, kind = label.rpartition(" ")
            dim = next(d for d in result.scores.dimensions if d.name.lower().startswith(name[:12]))
            if kind == "score":
                assert value == pytest.approx(dim.score, abs=0.005), reason
            else:
                assert kind == "level", reason
                assert value == int(dim.score + 1e-9), reason
    assert pillars
    matched = [r for r in result.decision.rules if r.matched]
    assert len(matched) == 1
    assert result.decision.rules[-1] is matched[0]
    assert matched[0].archetype == result.decision.archetype.id


def _rules_spec(
    bundled: dict[str, Any], rules: list[dict[str, Any]], fallback: str
) -> TransitionFile:
    data = copy.deepcopy(bundled)
    data["rules"] = rules
    data["fallback"] = fallback
    return TransitionFile.model_validate(data)


def test_rules_are_first_match_in_order_with_a_fallback(
    instrument: Instrument, bundled_yaml: dict[str, Any]
) -> None:
    """The first rule that matches wins even when a later one matches too; else the fallback."""
    spec = _rules_spec(
        bundled_yaml,
        [
            {"archetype": "strengthen-pmo", "conditions": [
                {"metric": "overall", "op": "<", "value": 2}]},
            {"archetype": "integrated", "conditions": [
                {"metric": "overall", "op": "<", "value": 4}]},
        ],
        fallback="evolve",
    )  # fmt: skip
    low = _decide(make_org(instrument, uniform(instrument, 1.5)), spec, instrument, Profile())
    assert low.archetype.id == "strengthen-pmo"
    assert not low.fallback
    assert low.reasons == ["overall 1.5 < 2"]
    assert [r.archetype for r in low.rules] == ["strengthen-pmo"]  # later rules not evaluated

    mid = _decide(make_org(instrument, uniform(instrument, 3.0)), spec, instrument, Profile())
    assert mid.archetype.id == "integrated"
    assert not mid.fallback
    assert [(r.archetype, r.matched) for r in mid.rules] == [
        ("strengthen-pmo", False),
        ("integrated", True),
    ]
    assert mid.rules[0].conditions == [(False, "overall 3 >= 2")]
    assert mid.reasons == ["overall 3 < 4"]

    high = _decide(make_org(instrument, uniform(instrument, 4.5)), spec, instrument, Profile())
    assert high.archetype.id == "evolve"
    assert high.fallback
    assert len(high.rules) == 2
    assert not any(r.matched for r in high.rules)
    (reason,) = high.reasons
    assert reason.startswith("no rule matched; the fallback applies")
    assert "strengthen-pmo: overall 4.5 >= 2" in reason
    assert "integrated: overall 4.5 >= 4" in reason


def test_rule_order_decides_when_both_match(
    instrument: Instrument, bundled_yaml: dict[str, Any]
) -> None:
    """Swapping two rules that both match swaps the archetype chosen."""
    one = {"archetype": "integrated", "conditions": [{"metric": "overall", "op": ">=", "value": 1}]}
    two = {"archetype": "evolve", "conditions": [{"metric": "overall", "op": ">=", "value": 1}]}
    org = make_org(instrument, uniform(instrument, 3.0))
    first = _decide(org, _rules_spec(bundled_yaml, [one, two], "strengthen-pmo"), instrument,
                    Profile())  # fmt: skip
    second = _decide(org, _rules_spec(bundled_yaml, [two, one], "strengthen-pmo"), instrument,
                     Profile())  # fmt: skip
    assert (first.archetype.id, second.archetype.id) == ("integrated", "evolve")


def test_any_and_all_rules(instrument: Instrument, bundled_yaml: dict[str, Any]) -> None:
    """A rule with ``when: all`` needs every condition, ``when: any`` one of them."""
    conditions = [
        {"metric": "readiness.value_culture", "op": ">=", "value": 60},
        {"metric": "dimension.MR-BEN.score", "op": ">=", "value": 4},
    ]
    org = make_org(instrument, uniform(instrument, 3.6, MR_BEN=2.0))  # VC readiness 65
    all_of = _rules_spec(bundled_yaml, [{"archetype": "evolve", "when": "all",
                                         "conditions": conditions}], "integrated")  # fmt: skip
    any_of = _rules_spec(bundled_yaml, [{"archetype": "evolve", "when": "any",
                                         "conditions": conditions}], "integrated")  # fmt: skip
    assert _decide(org, all_of, instrument, Profile()).archetype.id == "integrated"
    chosen = _decide(org, any_of, instrument, Profile())
    assert chosen.archetype.id == "evolve"
    assert chosen.reasons == ["value culture readiness 65 >= 60"]


def test_a_condition_on_an_unscored_metric_never_fires(
    instrument: Instrument, bundled_yaml: dict[str, Any]
) -> None:
    """A condition whose metric has no value does not fire and says so."""
    spec = _rules_spec(
        bundled_yaml,
        [{"archetype": "evolve", "conditions": [
            {"metric": "perception_gap.PF-VST", "op": ">=", "value": 0}]}],
        "integrated",
    )  # fmt: skip
    decision = _decide(make_org(instrument, uniform(instrument, 3.0)), spec, instrument, Profile())
    assert decision.archetype.id == "integrated"
    assert decision.fallback
    assert decision.rules[0].conditions == [(False, "perception_gap.PF-VST has no score")]


def test_figures_at_a_threshold_never_contradict_the_sign(
    instrument: Instrument, spec: TransitionFile
) -> None:
    """A figure just under a threshold is shown precisely enough: "49.96 < 50", never "50 < 50"."""
    org = make_org(instrument, uniform(instrument, 3.0, PB_GOV=3.746, PB_SPO=2.496))
    decision = _decide(org, spec, instrument, Profile())
    pb = next(p for p in org.pillars if p.id == "PB")
    assert (pb.score - 1) / 4 * 100 == pytest.approx(49.96, abs=0.01)
    assert decision.archetype.id == "strengthen-pmo"
    assert decision.reasons[0] == "PMO baseline readiness 49.96 < 50"
    gate = _sponsorship(decision.gates)
    assert gate.fired
    assert gate.reason == "executive sponsorship score 2.496 < 2.5"


# ------------------------------------------------------------------------------------- gates ---


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"score": 2.2}, "executive sponsorship score 2.2 < 2.5"),
        ({"consensus": 0.45}, "consensus on executive sponsorship 0.45 < 0.6"),
        ({"perception": 1.75}, "perception gap on executive sponsorship 1.75 >= 1.5"),
    ],
    ids=["weak", "disputed", "perception-gap"],
)
def test_sponsorship_gate_fires_on_weak_or_disputed_backing(
    instrument: Instrument, spec: TransitionFile, overrides: dict[str, float], expected: str
) -> None:
    """The executive-sponsorship gate fires on a low score, low consensus or a perception gap."""
    scores = uniform(instrument, 3.5, PB_SPO=overrides.get("score", 3.5))
    org = make_org(
        instrument,
        scores,
        consensus={"PB-SPO": overrides.get("consensus", 0.9)},
        perception={"PB-SPO": overrides["perception"]} if "perception" in overrides else None,
    )
    gate = _sponsorship(_decide(org, spec, instrument, Profile()).gates)
    assert (gate.id, gate.fired, gate.reason) == ("executive-sponsorship", True, expected)
    assert gate.first == ["secure-executive-sponsor"]


def test_sponsorship_gate_lists_every_figure_when_it_does_not_fire(
    instrument: Instrument, spec: TransitionFile
) -> None:
    """A gate that does not fire is still listed, with every figure that kept it closed."""
    org = make_org(instrument, uniform(instrument, 3.5), consensus={"PB-SPO": 0.8},
                   perception={"PB-SPO": 0.5})  # fmt: skip
    decision = _decide(org, spec, instrument, Profile())
    assert [(g.id, g.fired) for g in decision.gates] == [
        ("executive-sponsorship", False),
        ("disputed-critical-practice", False),
    ]
    assert decision.gates[0].reason == (
        "executive sponsorship score 3.5 >= 2.5; consensus on executive sponsorship 0.8 >= 0.6; "
        "perception gap on executive sponsorship 0.5 < 1.5"
    )
    as_json = decision.to_json()["gates"]
    assert {k: as_json[0][k] for k in ("id", "fired", "reason")} == {
        "id": "executive-sponsorship",
        "fired": False,
        "reason": decision.gates[0].reason,
    }


@pytest.mark.parametrize("slug", sorted(EXPECTED_ARCHETYPE))
def test_every_gate_is_listed_with_fired_and_reason(
    slug: str, sample_plans: dict[str, OrganisationPlan], spec: TransitionFile
) -> None:
    """Each sample lists every gate of transition.yaml, fired or not, with its figures."""
    gates = sample_plans[slug].decision.gates
    assert [g.id for g in gates] == [g.id for g in spec.gates]
    for gate in gates:
        assert isinstance(gate.fired, bool)
        assert gate.reason
        for part in gate.reason.split("; "):
            _, value, op, threshold = quoted(part)
            assert SHOWN[op](value, threshold), part


def test_northwind_gate_quotes_its_sponsorship_score(
    sample_plans: dict[str, OrganisationPlan],
) -> None:
    """Northwind's weak sponsorship fires the gate with its own score in the reason."""
    result = sample_plans["northwind-utilities"]
    spo = next(d for d in result.scores.dimensions if d.id == "PB-SPO")
    gate = _sponsorship(result.decision.gates)
    assert gate.fired
    assert f"executive sponsorship score {spo.score:.2f} < 2.5" in gate.reason
    first = result.roadmap.items[0]
    assert first.initiative.id == "secure-executive-sponsor"
    assert first.kind is Why.GATE
    assert first.start_month == 0


@pytest.mark.parametrize("slug", sorted(EXPECTED_ARCHETYPE))
def test_disputed_sponsorship_goes_first_whatever_the_archetype(
    slug: str,
    sample_plans: dict[str, OrganisationPlan],
    samples: Any,
    instrument: Instrument,
    spec: TransitionFile,
    catalogue: Catalogue,
    settings: RoadmapSettings,
) -> None:
    """With disputed sponsorship, every archetype's roadmap starts by securing a sponsor."""
    result = sample_plans[slug]
    profile: Profile = samples[slug][1]
    dims = [
        dataclasses.replace(d, consensus=0.35) if d.id == "PB-SPO" else d
        for d in result.scores.dimensions
    ]
    org = dataclasses.replace(result.scores, dimensions=dims)
    decision = _decide(org, spec, instrument, profile)
    assert decision.archetype.id == EXPECTED_ARCHETYPE[slug]  # the gate does not change it
    gate = _sponsorship(decision.gates)
    assert gate.fired
    assert "consensus on executive sponsorship 0.35 < 0.6" in gate.reason
    roadmap = plan(
        org,
        decision,
        catalogue,
        instrument.tailored(profile),
        settings,
        capacity_people=profile.capacity_people or 3.0,
        horizon_months=profile.horizon_months or 18,
        start_date=dt.date(2027, 1, 4),
    )
    first = roadmap.items[0]
    assert first.initiative.id == "secure-executive-sponsor"
    assert (first.kind, first.start_month) == (Why.GATE, 0)
    assert first.reason.startswith("gate executive-sponsorship fired: ")
    assert "consensus on executive sponsorship 0.35 < 0.6" in first.reason


@given(
    st.dictionaries(
        st.sampled_from(["PB-SPO", "PB-GOV", "VC-OBJ", "PF-PRI", "MR-KPI"]),
        st.floats(1, 5).map(lambda v: round(v, 4)),
    ),
    st.floats(1, 5).map(lambda v: round(v, 4)),
    st.floats(0, 1).map(lambda v: round(v, 4)),
    st.one_of(st.none(), st.floats(0, 4).map(lambda v: round(v, 4))),
)
def test_quoted_figures_always_agree_with_their_sign(
    instrument: Instrument,
    spec: TransitionFile,
    overrides: dict[str, float],
    base: float,
    consensus: float,
    perception: float | None,
) -> None:
    """For any scores, every quoted condition reads true as shown, and gates fire as specified."""
    scores = uniform(instrument, base) | overrides
    org = make_org(
        instrument,
        scores,
        consensus={"PB-SPO": consensus},
        perception=None if perception is None else {"PB-SPO": perception},
    )
    decision = _decide(org, spec, instrument, Profile())
    texts = [t for r in decision.rules for _, t in r.conditions]
    texts += [part for g in decision.gates for part in g.reason.split("; ")]
    texts += [] if decision.fallback else decision.reasons
    group = re.compile(r"^[^()]+ \((?P<inner>.*)\)$")  # "label (a; b)": a group's figures
    texts = [p for t in texts for p in _parts(group, t)]
    for text in texts:
        if not text.endswith("has no score"):
            _, value, op, threshold = quoted(text)
            assert SHOWN[op](value, threshold), text
    gate = _sponsorship(decision.gates)
    expected = (
        scores["PB-SPO"] < 2.5 or consensus < 0.6 or (perception is not None and perception >= 1.5)
    )
    assert gate.fired == expected


# ----------------------------------------------------------------------------------- targets ---


def test_target_precedence_profile_archetype_instrument(
    instrument: Instrument, spec: TransitionFile
) -> None:
    """Profile beats the archetype's dimension target, then its pillar target, then its default."""
    archetype = spec.archetype("strengthen-pmo")
    assert archetype.targets["PB-SPO"] == 4.0
    assert archetype.pillar_targets["PB"] == 3.5
    assert archetype.default_target == 3.0
    profile = Profile(targets={"PB-SPO": 4.5, "VC-OBJ": 2.5})
    targets = targets_for(instrument, archetype, profile)
    assert targets["PB-SPO"] == (4.5, "profile")  # over the archetype's dimension target
    assert targets["VC-OBJ"] == (2.5, "profile")  # over the archetype's default
    assert targets["PB-GOV"] == (3.5, "archetype")  # pillar target
    assert targets["VC-LEA"] == (3.0, "archetype")  # default target
    plain = targets_for(instrument, archetype, Profile())
    assert plain["PB-SPO"] == (4.0, "archetype")  # dimension target over the pillar target
    assert set(targets) == {d.id for d in instrument.dimensions}


def test_without_archetype_targets_the_instrument_applies(
    instrument: Instrument, spec: TransitionFile
) -> None:
    """With no archetype, or one setting no target for a dimension, the instrument's applies."""
    none = targets_for(instrument, None, Profile(targets={"MR-BEN": 4.0}))
    assert none["MR-BEN"] == (4.0, "profile")
    assert none["VC-OBJ"] == (instrument.default_target("VC-OBJ"), "instrument")
    bare = spec.archetype("evolve").model_copy(
        update={"default_target": None, "pillar_targets": {"PB": 3.0}, "targets": {}}
    )
    targets = targets_for(instrument, bare, Profile())
    assert targets["PB-GOV"] == (3.0, "archetype")
    assert targets["VC-OBJ"] == (instrument.default_target("VC-OBJ"), "instrument")


def test_decision_and_outputs_carry_the_target_source(
    sample_plans: dict[str, OrganisationPlan],
) -> None:
    """Harbor's profile target for MR-BEN wins, the rest come from its archetype, and the
    roadmap JSON says which."""
    result = sample_plans["harbor-mutual"]
    assert result.decision.targets["MR-BEN"] == (4.0, "profile")
    assert result.decision.targets["PF-PRI"] == (4.0, "archetype")
    assert result.decision.targets["VC-OBJ"] == (3.5, "archetype")
    rows = {r["id"]: r for r in result.to_json()["targets"]}
    assert (rows["MR-BEN"]["target"], rows["MR-BEN"]["target_source"]) == (4.0, "profile")
    assert rows["PF-PRI"]["target_source"] == "archetype"
    spo = next(d for d in result.scores.dimensions if d.id == "PB-SPO")
    assert rows["PB-SPO"]["gap"] == round(rows["PB-SPO"]["target"] - spo.score, 4)


# ------------------------------------------------------------------------ transition.yaml ---


def test_bundled_transition_defines_the_three_archetypes(spec: TransitionFile) -> None:
    """transition.yaml defines the three archetypes with targets, explanation and operating
    model, the sponsorship gate first, and a fallback."""
    ids = [a.id for a in spec.archetypes]
    assert {"strengthen-pmo", "integrated", "evolve"} <= set(ids)
    for archetype in spec.archetypes:
        assert archetype.explanation
        assert archetype.summary
        assert archetype.name
        assert archetype.default_target is not None
        assert archetype.operating_model
        assert all(r.function and r.letters().count("A") == 1 for r in archetype.operating_model)
    assert spec.gates[0].id == "executive-sponsorship"
    assert spec.fallback in ids
    assert set(spec.readiness) == {"pmo_baseline", "value_culture", "portfolio", "metrics"}


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting ``a.b[0].c`` (ints index lists) to ``value``."""

    def mutate(data: dict[str, Any]) -> None:
        keys: list[Any] = [int(k) if k.isdigit() else k for k in re.split(r"[.\[\]]+", path) if k]
        node: Any = data
        for key in keys[:-1]:
            node = node[key]
        if value is _DELETE:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value

    return mutate


_DELETE = object()


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_set("rules[0].archetype", "hybrid"), "rules[0].archetype: unknown archetype 'hybrid'"),
        (_set("fallback", "hybrid"), "fallback: unknown archetype 'hybrid'"),
        (
            _set("rules[1].conditions[0].metric", "maturity.overall"),
            "rules[1].metric: 'maturity.overall' is not a known metric",
        ),
        (
            _set("rules[1].conditions[0].metric", "readiness.delivery"),
            "rules[1].metric: unknown readiness 'delivery'",
        ),
        (
            _set("gates[0].conditions[0].metric", "dimension.PB-XYZ.score"),
            "gates[executive-sponsorship].metric: unknown dimension 'PB-XYZ'",
        ),
        (
            _set("gates[0].conditions[0].metric", "pillar.QQ.score"),
            "gates[executive-sponsorship].metric: unknown pillar 'QQ'",
        ),
        (
            _set("archetypes[1].targets", {"MR-XYZ": 4.0}),
            "archetypes[integrated].targets: unknown dimension 'MR-XYZ'",
        ),
        (
            _set("archetypes[0].pillar_targets", {"QQ": 3.0}),
            "archetypes[strengthen-pmo]: unknown pillar 'QQ'",
        ),
        (
            _set("readiness.metrics", _DELETE),
            (
                "readiness: must define exactly pmo_baseline, value_culture, portfolio, metrics "
                "(got pmo_baseline, value_culture, portfolio)"
            ),
        ),
        (
            _set("readiness.metrics.pillar", "QQ"),
            "readiness.metrics.pillar: unknown pillar 'QQ'",
        ),
        (
            _set("rules[1].conditions[0].op", "=<"),
            "rules[1].conditions[0].op:",
        ),
        (
            _set("rules[0].conditions[0].any[1].op", "=<"),
            "rules[0].conditions[0].any[1].op:",
        ),
        (
            _set("rules[1].conditions[0]", "nonsense"),
            "rules[1].conditions[0]: ",
        ),
        (
            _set("archetypes[2].default_target", 6),
            "archetypes[evolve].default_target:",
        ),
    ],
    ids=[
        "rule-archetype",
        "fallback",
        "metric",
        "readiness-metric",
        "gate-dimension",
        "gate-pillar",
        "target-dimension",
        "pillar-target",
        "missing-readiness",
        "readiness-pillar",
        "operator",
        "operator-in-group",
        "condition-not-a-mapping",
        "target-range",
    ],
)
def test_broken_transition_names_file_key_and_value(
    tmp_path: Path,
    instrument: Instrument,
    bundled_yaml: dict[str, Any],
    mutate: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    """Each broken copy of transition.yaml fails with ``file: key: problem`` naming the value."""
    data = copy.deepcopy(bundled_yaml)
    mutate(data)
    path = tmp_path / "transition.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_transition(instrument, path)
    assert any(p.startswith(f"{path}: {expected}") for p in caught.value.problems), (
        caught.value.problems
    )


def test_decision_json_shape(sample_plans: dict[str, OrganisationPlan]) -> None:
    """The decision's JSON carries readiness values, archetype id/name/reasons and gates."""
    data = sample_plans["lumen-digital"].decision.to_json()
    assert set(data["readiness"]) == {"pmo_baseline", "value_culture", "portfolio", "metrics"}
    assert all(isinstance(v, float) for v in data["readiness"].values())
    assert {"id", "name", "reasons", "operating_model"} <= set(data["archetype"])
    assert data["archetype"]["id"] == "evolve"
    assert all({"id", "fired", "reason"} <= set(g) for g in data["gates"])
