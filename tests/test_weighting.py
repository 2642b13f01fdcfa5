"""Respondent mix: with ``equal_per_band`` every role band shown weighs the same in every figure,
whatever how many of its people answered; bands too small to show weigh as one band together; and
the decision's bootstrap weighs respondents as the scores do."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pmo2vmo.analysis.breakouts import people_of
from pmo2vmo.analysis.confidence import _blocks, _counted, _person_counts, _scores
from pmo2vmo.analysis.score_engine import Structure
from pmo2vmo.analysis.scoring import score
from pmo2vmo.model.profile import Profile
from test_properties import BANDS, INSTRUMENT, QIDS, Person, response_set, run


def _people(role: str, level: int, count: int, start: int, unit: str | None = None) -> list[Person]:
    return [
        {"org": "Org", "id": f"{role}-{start + i:03d}", "role": role, "unit": unit,
         "answers": dict.fromkeys(QIDS, level), "comments": {}}
        for i in range(count)
    ]  # fmt: skip


def _overall(people: list[Person], weighting: str | None, k: int = 5) -> Any:
    profile = Profile(role_bands=BANDS, min_group_size=k, respondent_weighting=weighting)
    return run(people, profile)["organisations"][0]


def test_surveying_more_of_one_band_moves_nothing_when_bands_weigh_the_same() -> None:
    """Five leaders at 5 and five developers at 1 score 3.0; ten developers instead of five
    still score 3.0 per band, and 2.33 one per respondent."""
    leaders = _people("CEO", 5, 5, 0)
    assert _overall(leaders + _people("Dev", 1, 5, 0), "equal_per_band")["overall"] == 3.0
    more = leaders + _people("Dev", 1, 10, 0)
    assert _overall(more, "equal_per_band")["overall"] == 3.0
    assert _overall(more, "per_respondent")["overall"] == pytest.approx(2.3333, abs=1e-4)
    for row in _overall(more, "equal_per_band")["dimensions"]:
        assert row["score"] == 3.0
        assert row["respondents"] == 15


def test_bands_too_small_to_show_weigh_as_one_band_together() -> None:
    """A lone controller (band Finance, under k = 5) is not weighed like ten developers: Finance
    is hidden, Leaders hidden with it so that it cannot be worked out, and the six of them
    weigh as one block beside Teams: (1 + (5 × 5 + 3) ÷ 6) ÷ 2."""
    people = _people("CEO", 5, 5, 0) + _people("Dev", 1, 10, 0) + _people("Controller", 3, 1, 0)
    org = _overall(people, "equal_per_band")
    assert org["overall"] == pytest.approx((1 + 28 / 6) / 2, abs=1e-4)
    shown = {r["group"] for r in org["breakouts"] if r["status"] == "ok"}
    assert "Teams" in shown
    assert not {"Leaders", "Finance"} & shown
    assert _overall(people, "per_respondent")["overall"] == pytest.approx(38 / 16, abs=1e-4)


def test_a_unit_weighs_the_bands_inside_it_the_same() -> None:
    """Inside unit North (five leaders at 5 and ten developers at 1) the unit's score is the mean
    of its two bands, like the organisation's."""
    people = _people("CEO", 5, 5, 0, "North") + _people("Dev", 1, 10, 0, "North")
    org = _overall(people + _people("Dev", 1, 5, 10, "South"), "equal_per_band")
    north = next(r for r in org["breakouts"] if r["group"] == "North")
    assert north["status"] == "ok"
    assert set(north["dimensions"].values()) == {3.0}


def test_default_weighting_follows_the_role_bands() -> None:
    """Unset, the weighting is equal_per_band when the profile names role bands, per_respondent
    otherwise; set, it is what the profile says; the JSON names the one used."""
    assert Profile(role_bands=BANDS).weighting == "equal_per_band"
    assert Profile().weighting == "per_respondent"
    assert Profile(role_bands=BANDS, respondent_weighting="per_respondent").weighting == (
        "per_respondent"
    )
    people = _people("CEO", 5, 5, 0) + _people("Dev", 1, 5, 0)
    assert _overall(people, None)["respondent_weighting"] == "equal_per_band"
    assert run(people, Profile())["organisations"][0]["respondent_weighting"] == "per_respondent"


@pytest.mark.parametrize("weighting", ["equal_per_band", "per_respondent"])
def test_the_bootstrap_weighs_respondents_as_the_scores_do(weighting: str) -> None:
    """Drawing every respondent once, the bootstrap's arithmetic gives the reported dimension
    scores, weighted or not, to four decimals."""
    rng = np.random.default_rng(7)
    people: list[Person] = []
    for role, count in (("CEO", 6), ("Dev", 11), ("Controller", 2), ("Tester", 5)):
        for i in range(count):
            answers = {q: int(rng.integers(1, 6)) for q in QIDS if rng.random() < 0.85}
            people.append({"org": "Org", "id": f"{role}-{i}", "role": role,
                           "unit": ["North", "South"][i % 2], "answers": answers or {QIDS[0]: 3},
                           "comments": {}})  # fmt: skip
    profile = Profile(role_bands=BANDS, min_group_size=5, respondent_weighting=weighting)
    responses = response_set(people)
    org = score(responses, INSTRUMENT, profile).organisations[0]
    structure = Structure.of(INSTRUMENT.tailored(profile))
    table = people_of(responses.respondents, profile).reset_index(drop=True)
    per_person = _person_counts(structure, table, responses.answers)
    block = _blocks(structure, org, table, profile)
    assert (block is None) == (weighting == "per_respondent")
    dimension = _scores(structure, _counted(np.ones((1, len(table))), per_person, block, 5))[0]
    reported = [d.score for d in org.dimensions]
    assert np.round(dimension[0], 4).tolist() == pytest.approx(reported, abs=1e-4)


def test_a_lone_answer_never_weighs_as_a_whole_band() -> None:
    """Ten developers at 1 and five leaders at 5, but only one developer answers the first
    question (the others say N/A): that one answer weighs a fifth of a band (k = 5), not as
    much as the five leaders."""
    people = _people("CEO", 5, 5, 0) + _people("Dev", 1, 10, 0)
    for p in people[6:]:
        p["answers"][QIDS[0]] = "na"
    item = next(i for i in _overall(people, "equal_per_band")["items"] if i["id"] == QIDS[0])
    assert item["score"] == pytest.approx((5 * 5 + 1) / 6, abs=1e-4)  # not (5 + 1) / 2


def test_one_band_shown_is_said_plainly() -> None:
    """When only one role band can be shown, the warning says it weighs as much as everybody
    else together (which is what the weights do), not that respondents count one each."""
    people = _people("CEO", 5, 6, 0) + _people("Dev", 1, 2, 0) + _people("Controller", 3, 3, 0)
    org = _overall(people, "equal_per_band")
    assert any("Leaders weighs as much as all other respondents together" in w
               for w in org["warnings"])  # fmt: skip
    assert org["overall"] == pytest.approx((5 + (2 * 1 + 3 * 3) / 5) / 2, abs=1e-4)
