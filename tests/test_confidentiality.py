"""Confidentiality that survives arithmetic: an attacker (tests/attacker.py) with the org chart
tries every difference and intersection of shown groups, the organisation total and every pillar-
minus-dimensions equation, and never recovers a group under the threshold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from attacker import attack
from pmo2vmo.analysis.confidentiality import Status, protect
from pmo2vmo.model.profile import Profile
from test_properties import BANDS, INSTRUMENT, NON_ANSWER, QIDS, ROLES, UNITS, Person, labels, run

DIM_QIDS: dict[str, list[str]] = {}
for _q in QIDS:
    DIM_QIDS.setdefault(_q.rsplit("-", 1)[0], []).append(_q)
STRUCTURE = {p.id: (p.weight, [(d.id, d.weight) for d in p.dimensions]) for p in INSTRUMENT.pillars}


@st.composite
def organisation(draw: st.DrawFn) -> tuple[list[Person], int]:
    """One organisation: random roles and units, each dimension answered whole, skipped or
    answered in part (with N/A and Don't know), and a threshold k."""
    k = draw(st.sampled_from([3, 4, 5]))
    people: list[Person] = []
    for index in range(draw(st.integers(1, 16))):
        answers: dict[str, Any] = {}
        for qids in DIM_QIDS.values():
            mode = draw(st.sampled_from(["skip", "whole", "whole", "part"]))
            for qid in qids if mode != "skip" else []:
                if mode == "part" and draw(st.booleans()):
                    answers[qid] = draw(NON_ANSWER)
                else:
                    answers[qid] = draw(st.integers(1, 5))
        if not answers:
            answers[QIDS[0]] = draw(st.integers(1, 5))
        people.append(
            {
                "org": "Org",
                "id": f"resp-{index:03d}",
                "role": draw(st.sampled_from(ROLES)),
                "unit": draw(st.sampled_from(UNITS)),
                "answers": answers,
                "comments": {},
            }
        )
    return people, k


WEIGHTINGS = ("per_respondent", "equal_per_band")


def breaches_of(people: Sequence[Person], k: int, weighting: str) -> list[Any]:
    """What the attacker recovers from the ``score --json`` of ``people``."""
    profile = Profile(role_bands=BANDS, min_group_size=k, respondent_weighting=weighting)
    org = run(people, profile)["organisations"][0]
    by_id = {p["id"]: p for p in people}
    known = [{"id": p["id"], **labels(p, profile)} for p in people]
    scored = {
        dim: {p["id"] for p in people if any(isinstance(p["answers"].get(q), int) for q in qids)}
        for dim, qids in DIM_QIDS.items()
    }

    def truth(ids: Sequence[str]) -> Mapping[str, Mapping[str, float | None]]:
        alone = run([by_id[i] for i in ids], profile)["organisations"][0]
        return {
            "dimensions": {d["id"]: d["score"] for d in alone["dimensions"]},
            "pillars": {p["id"]: p["score"] for p in alone["pillars"]},
        }

    return attack(org, known, scored, STRUCTURE, truth, k, weighting)


def _person(index: int, role: str | None, unit: str | None, answers: dict[str, Any]) -> Person:
    return {"org": "Org", "id": f"resp-{index:03d}", "role": role, "unit": unit,
            "answers": answers, "comments": {}}  # fmt: skip


def _whole(level: int, *dims: str) -> dict[str, Any]:
    return {q: level for d in dims for q in DIM_QIDS[d]}


ALL = tuple(DIM_QIDS)

# The three cases, on the small instrument (k = 5).
#: Unit North = five Devs (band Teams, all of it) + the only CEO: CEO = 6 × North − 5 × Teams.
DIFFERENCE = (
    [_person(i, "Dev", "North", _whole(2 + i % 3, *ALL)) for i in range(5)]
    + [_person(5, "CEO", "North", _whole(5, *ALL))]
    + [_person(6 + i, "Controller", "South", _whole(3, *ALL)) for i in range(5)],
    5,
)
#: Unit East (6) shows pillar AA and dimension AA-ONE; one of them scored AA-TWO.
PILLAR_MINUS_DIMENSIONS = (
    [_person(i, "Dev", "East", _whole(3, "AA-ONE", "BB-ONE")) for i in range(5)]
    + [_person(5, "Dev", "East", _whole(1, "AA-ONE", "AA-TWO", "BB-ONE"))]
    + [_person(6 + i, "Tester", "West", _whole(4, *ALL)) for i in range(5)],
    5,
)
#: Unit Board (5): each member scored one dimension only, so each pillar is one or two people.
EVERY_DIMENSION_HIDDEN = (
    [_person(i, "CEO", "Board", _whole(1 + i, dim)) for i, dim in enumerate(ALL)]
    + [_person(5 + i, "Dev", "Staff", _whole(3, *ALL)) for i in range(5)],
    5,
)
#: Found by hypothesis on the code before the cross-breakout rule (kept as it shrank): unit "not
#: given" (5) showed pillar BB, which two people answered.
FOUND = (
    [
        _person(0, None, None, _whole(1, "BB-TWO")),
        _person(1, None, None, {"AA-ONE-01": 1}),
        _person(2, None, None, {"AA-TWO-01": 1}),
        _person(3, None, None, {"AA-ONE-01": 1}),
        _person(4, None, None, {"AA-TWO-01": 1, "BB-TWO-01": 1, "BB-TWO-02": 1}),
        _person(5, None, "North", {"AA-TWO-01": 1}),
        _person(6, None, "North", {"AA-ONE-01": 1}),
        _person(7, None, "North", {"AA-ONE-01": 1}),
    ],
    3,
)


@pytest.mark.parametrize("weighting", WEIGHTINGS)
@given(organisation())
@example(DIFFERENCE)
@example(PILLAR_MINUS_DIMENSIONS)
@example(EVERY_DIMENSION_HIDDEN)
@example(FOUND)
def test_no_combination_of_shown_figures_recovers_a_small_group(
    weighting: str, case: tuple[list[Person], int]
) -> None:
    """No difference, intersection or remainder of shown groups, and no pillar-minus-dimensions
    equation, recovers 1 to k − 1 respondents (or a hidden figure) to within 0.1, whether
    respondents count one each or every shown role band the same."""
    people, k = case
    breaches = breaches_of(people, k, weighting)
    assert not breaches, "\n".join(str(b) for b in breaches[:5])


def test_the_attacker_breaks_the_rule_it_checks() -> None:
    """The attacker is not vacuous: on shown figures it recovers exactly what it should."""
    people, k = DIFFERENCE
    profile = Profile(role_bands=BANDS, min_group_size=k)
    # What the code before the cross-breakout rule showed: North and Teams side by side.
    north = _figures(run(people[:6], profile))
    teams = _figures(run(people[:5], profile))
    breaches = _attack_shown(people, profile, north, teams, "per_respondent")
    assert {b.people for b in breaches} == {("resp-005",)}  # the CEO, on every dimension
    assert {b.dimension for b in breaches} == set(DIM_QIDS)
    assert all(abs(b.estimate - 5.0) < 1e-3 and b.truth == 5.0 for b in breaches)  # 4 decimals


def test_the_weighted_attacker_breaks_weights_that_count_a_hidden_band() -> None:
    """The attacker is not vacuous under equal_per_band either: had unit North (five Devs and
    the only CEO) weighted the CEO's band like the shown band Teams, North beside Teams would
    give the CEO's scores away; the pooled blocks the engine uses give nothing."""
    people, k = DIFFERENCE
    profile = Profile(role_bands=BANDS, min_group_size=k, respondent_weighting="equal_per_band")
    teams = _figures(run(people[:5], profile))
    ceo = _figures(run(people[5:6], profile))
    north = {d: (teams[d] + ceo[d]) / 2 for d in teams}  # type: ignore[operator]
    breaches = _attack_shown(people, profile, north, teams, "per_respondent")
    assert not any(b.people == ("resp-005",) for b in breaches)  # the wrong model finds nothing
    breaches = _attack_shown(people, profile, north, teams, "equal_per_band")
    assert {b.people for b in breaches} == {("resp-005",)}
    assert all(abs(b.estimate - 5.0) < 1e-3 for b in breaches)


def _attack_shown(
    people: Sequence[Person],
    profile: Profile,
    north: Mapping[str, float | None],
    teams: Mapping[str, float | None],
    weighting: str,
) -> list[Any]:
    """The attacker on the organisation's JSON with unit North and band Teams shown side by
    side with the figures given (what a weaker rule would have shown)."""
    k = profile.min_group_size
    org = run(people, profile)["organisations"][0]
    org["breakouts"] = [
        {"group_by": "unit", "group": "North", "status": "ok", "pillars": {}, "score": None,
         "dimensions": north},
        {"group_by": "role_band", "group": "Teams", "status": "ok", "pillars": {}, "score": None,
         "dimensions": teams},
    ]  # fmt: skip
    known = [{"id": p["id"], **labels(p, profile)} for p in people]
    scored = {d: {p["id"] for p in people} for d in DIM_QIDS}

    def truth(ids: Sequence[str]) -> Mapping[str, Mapping[str, float | None]]:
        alone = run([p for p in people if p["id"] in ids], profile)["organisations"][0]
        return {"dimensions": {d["id"]: d["score"] for d in alone["dimensions"]}, "pillars": {}}

    return attack(org, known, scored, STRUCTURE, truth, k, weighting)


def _figures(data: Mapping[str, Any]) -> dict[str, float | None]:
    return {d["id"]: d["score"] for d in data["organisations"][0]["dimensions"]}


@given(
    st.lists(st.tuples(st.sampled_from("ABCDE"), st.sampled_from("uvwxyz")), max_size=40),
    st.sampled_from([3, 4, 5]),
    st.sets(st.sampled_from("ABCDE"), max_size=2),
    st.randoms(use_true_random=False),
)
def test_protect_leaves_no_small_intersection_of_blocks(
    people: list[tuple[str, str]], k: int, forced: set[str], rnd: Any
) -> None:
    """protect(): shown groups hold >= k, forced groups hide, and every non-empty intersection of
    a role block with a unit block (hidden groups pooled) holds >= k, unless nothing is shown;
    the order of respondents never matters."""
    members = {"role": [r for r, _ in people], "unit": [u for _, u in people]}
    status = protect(members, k, {"role": forced})
    shown = {
        name: {g for g, s in groups.items() if s is Status.OK} for name, groups in status.items()
    }
    for name, labels_ in members.items():
        for group in shown[name]:
            assert labels_.count(group) >= k
    assert not shown["role"] & forced
    cells = Counter(
        (r if r in shown["role"] else None, u if u in shown["unit"] else None) for r, u in people
    )
    if shown["role"] or shown["unit"]:
        assert all(n >= k for n in cells.values()), cells
    shuffled = list(people)
    rnd.shuffle(shuffled)
    again = protect({"role": [r for r, _ in shuffled], "unit": [u for _, u in shuffled]}, k,
                    {"role": forced})  # fmt: skip
    assert again == status
