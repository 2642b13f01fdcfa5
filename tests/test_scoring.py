"""Scoring against the formulas of PRODUCT §5, with expectations computed by hand.

Most tests use a tiny instrument built in memory, so every number can be checked on paper:

    pillar AA (weight 1)                 pillar BB (weight 3)
      AA-ONE (weight 1)                    BB-ONE (weight 1)
        AA-ONE-01 (weight 1)                 BB-ONE-01 (weight 1.5)
        AA-ONE-02 (weight 3)                 BB-ONE-02 (weight 1.5)
      AA-TWO (weight 2, default target 4)
        AA-TWO-01 (weight 1)

The instrument's default target is 3.0; disputed = consensus below 0.6 with at least 3 answers;
perception gaps are flagged from 1.5.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pmo2vmo.analysis.scoring import ScoreReport, achieved_level, group_name, score
from pmo2vmo.errors import InstrumentError
from pmo2vmo.ingest.responses import (
    ANSWER_COLUMNS,
    RESPONDENT_COLUMNS,
    ResponseSet,
    SourceFile,
    load_responses,
)
from pmo2vmo.model.instrument import Instrument, InstrumentFile
from pmo2vmo.model.pillars import Pillar
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.results import BreakoutRow, Status

LEVEL_NAMES = ("Initial", "Developing", "Defined", "Managed", "Optimising")
Answer = int | str  # a level 1-5, "na" or "dk"


# ----------------------------------------------------------------------------------- helpers ---


def _question(qid: str, weight: float = 1.0) -> dict[str, Any]:
    return {
        "id": qid,
        "text": f"Statement {qid} describes a practice.",
        "weight": weight,
        "weight_rationale": None if weight == 1 else "weighted on purpose to test the means",
        "source": "SRC",
        "descriptors": {lv: f"{qid} behaviour at level {lv}" for lv in range(1, 6)},
        "evidence": ["A document"],
        "audiences": ["leaders", "teams"],
    }


def tiny_instrument(**meta: Any) -> Instrument:
    """The tiny instrument of the module docstring; ``meta`` overrides instrument.yaml keys."""
    top = {
        "type": "instrument",
        "id": "tiny",
        "version": "0.1.0",
        "name": "Tiny",
        "levels": [{"value": v, "name": n} for v, n in enumerate(LEVEL_NAMES, start=1)],
        "default_target": 3.0,
        "disagreement": {"consensus_below": 0.6, "min_answers": 3, "perception_gap_at_least": 1.5},
        "data_quality": {"straight_lining_min_answers": 10, "partial_below": 0.2},
        "audiences": [
            {"id": "leaders", "name": "Leaders", "description": "The people who lead the work."},
            {"id": "teams", "name": "Teams", "description": "The people who do the work."},
        ],
        "sources": [{"id": "SRC", "title": "A source"}],
        "pillars": ["aa.yaml", "bb.yaml"],
        **meta,
    }
    aa = {
        "type": "pillar",
        "id": "AA",
        "name": "Pillar AA",
        "weight": 1.0,
        "dimensions": [
            {
                "id": "AA-ONE",
                "name": "Dimension one",
                "weight": 1.0,
                "questions": [_question("AA-ONE-01", 1.0), _question("AA-ONE-02", 3.0)],
            },
            {
                "id": "AA-TWO",
                "name": "Dimension two",
                "weight": 2.0,
                "weight_rationale": "weighted on purpose to test the pillar mean",
                "default_target": 4.0,
                "questions": [_question("AA-TWO-01")],
            },
        ],
    }
    bb = {
        "type": "pillar",
        "id": "BB",
        "name": "Pillar BB",
        "weight": 3.0,
        "weight_rationale": "weighted on purpose to test the overall mean",
        "dimensions": [
            {
                "id": "BB-ONE",
                "name": "Dimension three",
                "questions": [_question("BB-ONE-01", 1.5), _question("BB-ONE-02", 1.5)],
            }
        ],
    }
    return Instrument(
        meta=InstrumentFile.model_validate(top),
        pillars=(Pillar.model_validate(aa), Pillar.model_validate(bb)),
        folder=Path("."),
    )


def person(
    rid: str,
    answers: Mapping[str, Answer],
    *,
    org: str = "Org",
    role: str | None = None,
    unit: str | None = None,
    comments: Mapping[str, str] | None = None,
    general: str | None = None,
) -> dict[str, Any]:
    """One respondent: answers by question id (level, "na" or "dk"), comments, general comment."""
    return {
        "org": org,
        "id": rid,
        "role": role,
        "unit": unit,
        "answers": dict(answers),
        "comments": dict(comments or {}),
        "general": general,
    }


def response_set(people: Sequence[Mapping[str, Any]]) -> ResponseSet:
    """A ResponseSet built directly, as the readers would build it."""
    answers = []
    respondents = []
    for row, p in enumerate(people, start=2):
        respondents.append([p["org"], p["id"], p["role"], p["unit"], p["general"], "mem.csv", row])
        for qid, value in p["answers"].items():
            if value == "na":
                kind, level, raw = "na", math.nan, "N/A"
            elif value == "dk":
                kind, level, raw = "dk", math.nan, "Don't know"
            else:
                kind, level, raw = "score", float(value), str(value)
            comment = p["comments"].get(qid)
            answers.append([p["org"], p["id"], qid, kind, level, raw, comment, "mem.csv", row])
    return ResponseSet(
        answers=pd.DataFrame(answers, columns=ANSWER_COLUMNS),
        respondents=pd.DataFrame(respondents, columns=RESPONDENT_COLUMNS),
        files=[SourceFile(path="mem.csv", format="tidy", sha256="0" * 64)],
    )


def by_id(rows: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {row["id"]: row for row in rows}


def org_json(report: ScoreReport, name: str = "Org") -> dict[str, Any]:
    return report.organisation(name).to_json()


@pytest.fixture(scope="module")
def tiny() -> Instrument:
    return tiny_instrument()


# Three respondents (see test_hand_computed_* for the arithmetic):
#   AA-ONE-01: 1, 2, 3        -> 2
#   AA-ONE-02: 4, 4, N/A      -> 4
#   AA-TWO-01: 5, DK, 3       -> 4
#   BB-ONE-01: 2, 2, 2        -> 2
#   BB-ONE-02: N/A, N/A, N/A  -> None
BASIC = [
    person(
        "r1",
        {"AA-ONE-01": 1, "AA-ONE-02": 4, "AA-TWO-01": 5, "BB-ONE-01": 2, "BB-ONE-02": "na"},
    ),
    person(
        "r2",
        {"AA-ONE-01": 2, "AA-ONE-02": 4, "AA-TWO-01": "dk", "BB-ONE-01": 2, "BB-ONE-02": "na"},
    ),
    person(
        "r3",
        {"AA-ONE-01": 3, "AA-ONE-02": "na", "AA-TWO-01": 3, "BB-ONE-01": 2, "BB-ONE-02": "na"},
    ),
]


@pytest.fixture(scope="module")
def basic(tiny: Instrument) -> dict[str, Any]:
    return org_json(score(response_set(BASIC), tiny, Profile(min_group_size=3)))


# --------------------------------------------------------------------- items and roll-ups ---


def test_item_score_is_the_mean_of_scored_answers(basic: dict[str, Any]) -> None:
    """An item scores the plain mean of its 1-5 answers, N/A and Don't know left out."""
    items = by_id(basic["items"])
    assert items["AA-ONE-01"]["score"] == 2.0
    assert items["AA-ONE-02"]["score"] == 4.0  # 4, 4 and an N/A
    assert items["AA-TWO-01"]["score"] == 4.0  # 5, 3 and a Don't know
    assert items["BB-ONE-01"]["score"] == 2.0


def test_dimension_is_the_question_weighted_mean_of_scored_items(basic: dict[str, Any]) -> None:
    """A dimension is the mean of its scored items weighted by question weight."""
    dims = by_id(basic["dimensions"])
    assert dims["AA-ONE"]["score"] == pytest.approx((2 * 1 + 4 * 3) / 4)  # 3.5
    assert dims["AA-TWO"]["score"] == 4.0
    # BB-ONE-02 has only N/A: it drops out of the mean instead of counting as 0.
    assert dims["BB-ONE"]["score"] == 2.0


def test_pillar_is_the_dimension_weighted_mean(basic: dict[str, Any]) -> None:
    """A pillar is the mean of its scored dimensions weighted by dimension weight."""
    pillars = by_id(basic["pillars"])
    assert pillars["AA"]["score"] == round((3.5 * 1 + 4.0 * 2) / 3, 4)  # 3.8333
    assert pillars["BB"]["score"] == 2.0


def test_overall_is_the_pillar_weighted_mean(basic: dict[str, Any]) -> None:
    """The overall score is the mean of the pillars weighted by pillar weight."""
    assert basic["overall"] == round(((3.5 + 8.0) / 3 * 1 + 2.0 * 3) / 4, 4)  # 2.4583


def test_a_score_with_nothing_behind_it_is_null_not_zero(tiny: Instrument) -> None:
    """An item, dimension, pillar or organisation with no scored answer is None, and null in JSON."""
    only_na = [
        person("r1", {"AA-ONE-01": "na", "AA-TWO-01": "dk", "BB-ONE-01": "na"}),
        person("r2", {"AA-ONE-01": "dk"}),
    ]
    report = score(response_set(only_na), tiny)
    org = org_json(report)
    assert org["overall"] is None
    assert all(p["score"] is None and p["achieved_level"] is None for p in org["pillars"])
    assert all(d["score"] is None and d["gap"] is None for d in org["dimensions"])
    assert all(i["score"] is None for i in org["items"])
    assert all(i["dispersion"] is None and i["consensus"] is None for i in org["items"])
    text = json.dumps(report.to_json(), allow_nan=False)
    assert '"overall": null' in text
    assert '"score": null' in text
    assert '"score": 0' not in text


def test_na_and_dont_know_are_counted_apart(basic: dict[str, Any]) -> None:
    """N/A and Don't know are counted separately per item and dimension and never scored."""
    items = by_id(basic["items"])
    assert (items["AA-ONE-02"]["not_applicable"], items["AA-ONE-02"]["dont_know"]) == (1, 0)
    assert (items["AA-TWO-01"]["not_applicable"], items["AA-TWO-01"]["dont_know"]) == (0, 1)
    assert (items["BB-ONE-02"]["not_applicable"], items["BB-ONE-02"]["dont_know"]) == (3, 0)
    assert items["AA-TWO-01"]["answered"] == 2
    assert items["AA-TWO-01"]["distribution"] == [0, 0, 1, 0, 1]
    dims = by_id(basic["dimensions"])
    assert (dims["AA-ONE"]["not_applicable"], dims["AA-ONE"]["dont_know"]) == (1, 0)
    assert (dims["BB-ONE"]["not_applicable"], dims["BB-ONE"]["answered"]) == (3, 3)


def test_coverage_is_answered_over_respondents_minus_na(basic: dict[str, Any]) -> None:
    """Coverage = answered ÷ (respondents − N/A); Don't know lowers it, N/A does not."""
    items = by_id(basic["items"])
    assert items["AA-ONE-01"]["coverage"] == 1.0
    assert items["AA-ONE-02"]["coverage"] == 1.0  # 2 answered of 3 − 1 N/A
    assert items["AA-TWO-01"]["coverage"] == round(2 / 3, 4)  # the Don't know counts against
    assert items["BB-ONE-02"]["coverage"] is None  # everyone said N/A: nothing was expected
    dims = by_id(basic["dimensions"])
    assert dims["AA-ONE"]["coverage"] == 1.0  # 5 answered of 3 × 2 − 1
    assert dims["AA-TWO"]["coverage"] == round(2 / 3, 4)
    assert dims["BB-ONE"]["coverage"] == 1.0  # 3 answered of 3 × 2 − 3
    assert all(i["respondents"] == 3 for i in basic["items"])
    assert basic["respondents"] == 3


def test_dispersion_is_the_population_standard_deviation(basic: dict[str, Any]) -> None:
    """Dispersion is the population SD of the scored answers; a dimension's is item-weighted."""
    items = by_id(basic["items"])
    assert items["AA-ONE-01"]["dispersion"] == round(math.sqrt(2 / 3), 4)  # 1, 2, 3
    assert items["AA-ONE-02"]["dispersion"] == 0.0
    assert items["AA-TWO-01"]["dispersion"] == 1.0  # 5 and 3
    dims = by_id(basic["dimensions"])
    assert dims["AA-ONE"]["dispersion"] == round((math.sqrt(2 / 3) * 1 + 0.0 * 3) / 4, 4)


# ------------------------------------------------------------------------------- consensus ---


def _one_item(instrument: Instrument, levels: Sequence[int]) -> Mapping[str, Any]:
    people = [person(f"r{i}", {"AA-ONE-01": level}) for i, level in enumerate(levels)]
    org = org_json(score(response_set(people), instrument))
    return by_id(org["items"])["AA-ONE-01"]


def test_consensus_is_one_when_everyone_agrees(tiny: Instrument) -> None:
    """Tastle & Wierman consensus is 1.0 when every answer is the same level."""
    for level in range(1, 6):
        item = _one_item(tiny, [level] * 4)
        assert item["consensus"] == 1.0
        assert item["dispersion"] == 0.0
        assert item["disputed"] is False


def test_consensus_is_zero_for_a_split_between_the_extremes(tiny: Instrument) -> None:
    """Consensus is 0.0 when half answer level 1 and half level 5, and the item is disputed."""
    item = _one_item(tiny, [1, 5, 1, 5])
    assert item["consensus"] == 0.0
    assert item["dispersion"] == 2.0
    assert item["disputed"] is True


def test_consensus_matches_a_hand_computed_distribution(tiny: Instrument) -> None:
    """Answers 2, 2, 2, 4: consensus 1 + ¾·log2(1 − 0.5/4) + ¼·log2(1 − 1.5/4) = 0.6860."""
    item = _one_item(tiny, [2, 4, 2, 2])
    assert item["score"] == 2.5
    assert item["consensus"] == 0.686  # 0.68599821...
    assert item["dispersion"] == round(math.sqrt(0.75), 4)
    # Answers 1, 1, 3 (mean 5/3): 1 + ⅔·log2(1 − (2/3)/4) + ⅓·log2(1 − (4/3)/4) = 0.6297.
    assert _one_item(tiny, [1, 3, 1])["consensus"] == 0.6297


def test_disputed_items_need_low_consensus_and_enough_answers(tiny: Instrument) -> None:
    """An item is disputed only with consensus below the threshold and at least min_answers."""
    assert _one_item(tiny, [1, 5])["disputed"] is False  # consensus 0 but only 2 answers
    assert _one_item(tiny, [1, 5, 5])["disputed"] is True
    assert _one_item(tiny, [1, 3, 1])["disputed"] is False  # consensus 0.6297 >= 0.6
    people = [person(f"r{i}", {"AA-ONE-01": v, "AA-ONE-02": 3}) for i, v in enumerate([1, 5, 1])]
    org = org_json(score(response_set(people), tiny))
    dims = by_id(org["dimensions"])
    assert dims["AA-ONE"]["disputed_items"] == ["AA-ONE-01"]
    assert dims["AA-TWO"]["disputed_items"] == []
    assert any("disagree on 1 item" in w for w in org["warnings"])


# ---------------------------------------------------------------------------- achieved level ---


def test_achieved_level_is_the_weakest_link() -> None:
    """The achieved level is the highest L with every scored dimension >= L − tolerance."""
    assert achieved_level([4.5, 3.2, 4.9]) == 3
    assert achieved_level([5.0, 5.0]) == 5
    assert achieved_level([1.9, 5.0]) == 1
    assert achieved_level([2.0, 2.0]) == 2
    assert achieved_level([3.8, 4.5], tolerance=0.25) == 4
    assert achieved_level([3.7, 4.5], tolerance=0.25) == 3
    assert achieved_level([float("nan"), 3.0]) == 3  # unscored dimensions do not gate
    assert achieved_level([float("nan")]) is None
    assert achieved_level([]) is None


def test_achieved_level_in_the_report_uses_the_instrument_tolerance() -> None:
    """A pillar's achieved level in the report is gated by its weakest dimension, with tolerance."""
    people = [person("r1", {"AA-ONE-01": 4, "AA-ONE-02": 4, "AA-TWO-01": 5, "BB-ONE-01": 2})]
    strict = org_json(score(response_set(people), tiny_instrument()))
    pillars = by_id(strict["pillars"])
    assert pillars["AA"]["score"] == round((4 + 5 * 2) / 3, 4)  # average 4.67 …
    assert pillars["AA"]["achieved_level"] == 4  # … weakest link 4
    assert pillars["AA"]["achieved_level_name"] == "Managed"
    assert pillars["BB"]["achieved_level"] == 2
    people[0]["answers"]["AA-ONE-02"] = 3  # AA-ONE = (4 + 3·3) / 4 = 3.25
    strict = org_json(score(response_set(people), tiny_instrument()))
    assert by_id(strict["pillars"])["AA"]["achieved_level"] == 3
    lenient = org_json(score(response_set(people), tiny_instrument(achieved_level_tolerance=0.75)))
    assert by_id(lenient["pillars"])["AA"]["achieved_level"] == 4  # 3.25 >= 4 − 0.75


def test_achieved_level_agrees_with_the_dimension_score_shown() -> None:
    """A dimension shown as 2.0 gates its pillar at level 2, despite float round-off (regression)."""
    # BB-ONE-01: 1,1,1,1,2 (1.2); BB-ONE-02: 2,3,3,3,3 (2.8); weights 1.5 each: exactly 2, but
    # (1.2·1.5 + 2.8·1.5) / 3 is 1.9999999999999998 in floating point.
    people = [
        person(f"r{i}", {"BB-ONE-01": a, "BB-ONE-02": b})
        for i, (a, b) in enumerate([(1, 2), (1, 3), (1, 3), (1, 3), (2, 3)])
    ]
    org = org_json(score(response_set(people), tiny_instrument()))
    assert by_id(org["dimensions"])["BB-ONE"]["score"] == 2.0
    assert by_id(org["pillars"])["BB"]["achieved_level"] == 2


# ------------------------------------------------------------------------- targets and gaps ---


def test_targets_come_from_profile_then_instrument(tiny: Instrument, basic: dict[str, Any]) -> None:
    """A profile target beats the instrument's default, and target_source says which applied."""
    dims = by_id(basic["dimensions"])
    assert (dims["AA-ONE"]["target"], dims["AA-ONE"]["target_source"]) == (3.0, "instrument")
    assert (dims["AA-TWO"]["target"], dims["AA-TWO"]["target_source"]) == (4.0, "instrument")
    profile = Profile(min_group_size=3, targets={"AA-ONE": 4.5, "AA-TWO": 2.5})
    dims = by_id(org_json(score(response_set(BASIC), tiny, profile))["dimensions"])
    assert (dims["AA-ONE"]["target"], dims["AA-ONE"]["target_source"]) == (4.5, "profile")
    assert (dims["AA-TWO"]["target"], dims["AA-TWO"]["target_source"]) == (2.5, "profile")
    assert (dims["BB-ONE"]["target"], dims["BB-ONE"]["target_source"]) == (3.0, "instrument")


def test_gap_is_target_minus_score_signed(tiny: Instrument) -> None:
    """Gap = target − score, negative when the score is above target."""
    profile = Profile(min_group_size=3, targets={"AA-ONE": 4.5, "BB-ONE": 1.5})
    dims = by_id(org_json(score(response_set(BASIC), tiny, profile))["dimensions"])
    assert dims["AA-ONE"]["gap"] == 1.0  # 4.5 − 3.5
    assert dims["AA-TWO"]["gap"] == 0.0  # 4.0 − 4.0
    assert dims["BB-ONE"]["gap"] == -0.5  # 1.5 − 2.0


# ------------------------------------------------------------------------------------ deltas ---


def test_deltas_against_a_previous_score_json(tiny: Instrument) -> None:
    """Given an earlier to_json(), each dimension, pillar and the overall get now − before."""
    before = copy.deepcopy(BASIC)
    for p in before:
        p["answers"]["AA-TWO-01"] = 2  # AA-TWO was 2, is now 4
    previous = score(response_set(before), tiny).to_json()
    previous = json.loads(json.dumps(previous))  # as read back from a file
    now = org_json(score(response_set(BASIC), tiny, previous=previous))
    deltas = now["deltas"]
    assert deltas["previous_found"] is True
    assert deltas["dimensions"] == {"AA-ONE": 0.0, "AA-TWO": 2.0, "BB-ONE": 0.0}
    assert deltas["pillars"]["AA"] == round(3.8333 - round((3.5 + 2 * 2) / 3, 4), 4)
    assert deltas["pillars"]["BB"] == 0.0
    prev_overall = previous["organisations"][0]["overall"]
    assert deltas["overall"] == round(now["overall"] - prev_overall, 4)


def test_deltas_are_null_where_there_is_nothing_to_compare(tiny: Instrument) -> None:
    """No previous → no deltas key; an organisation or score missing before → not found / null."""
    assert "deltas" not in org_json(score(response_set(BASIC), tiny))
    previous = score(response_set(BASIC), tiny).to_json()
    previous["organisations"][0]["dimensions"][0]["score"] = None
    deltas = org_json(score(response_set(BASIC), tiny, previous=previous))["deltas"]
    assert deltas["dimensions"]["AA-ONE"] is None
    assert deltas["dimensions"]["AA-TWO"] == 0.0
    other = {"organisations": [{"organisation": "Someone else", "overall": 3.0}]}
    deltas = org_json(score(response_set(BASIC), tiny, previous=other))["deltas"]
    assert deltas["previous_found"] is False
    assert deltas["overall"] is None


# ------------------------------------------------------------ breakouts and perception gaps ---

BANDS = {"Leaders": ["CEO", "CFO"], "Teams": ["Dev", "Tester"], "Finance": ["Controller"]}


def _two_bands() -> list[dict[str, Any]]:
    high = dict.fromkeys(["AA-ONE-01", "AA-ONE-02", "AA-TWO-01", "BB-ONE-01", "BB-ONE-02"], 5)
    low = {"AA-ONE-01": 1, "AA-ONE-02": 1, "AA-TWO-01": 4, "BB-ONE-01": 3, "BB-ONE-02": 3}
    return [
        person("l1", high, role="CEO", unit="North"),
        person("l2", high, role="CFO", unit="North"),
        person("l3", high, role=" ceo ", unit="North"),  # case and spaces do not matter
        person("t1", low, role="Dev", unit="South"),
        person("t2", low, role="Tester", unit="South"),
        person("t3", low, role="Dev", unit="South"),
    ]


def test_perception_gaps_compare_role_bands(tiny: Instrument) -> None:
    """Roles are grouped by the profile's role_bands; gaps are high − low band, largest first."""
    profile = Profile(min_group_size=3, role_bands=BANDS)
    org = org_json(score(response_set(_two_bands()), tiny, profile))
    bands = {b["group"]: b for b in org["breakouts"] if b["group_by"] == "role_band"}
    assert set(bands) == {"Leaders", "Teams", "Finance"}
    assert (bands["Leaders"]["status"], bands["Leaders"]["respondents"]) == ("ok", 3)
    assert (bands["Leaders"]["score"], bands["Teams"]["status"]) == (5.0, "ok")
    assert bands["Teams"]["dimensions"] == {"AA-ONE": 1.0, "AA-TWO": 4.0, "BB-ONE": 3.0}
    assert bands["Finance"]["status"] == "no_data"  # named by the profile, nobody answered
    assert bands["Finance"]["score"] is None
    gaps = [g for g in org["perception_gaps"] if g["group_by"] == "role_band"]
    assert [(g["dimension"], g["gap"], g["flagged"]) for g in gaps] == [
        ("AA-ONE", 4.0, True),
        ("BB-ONE", 2.0, True),
        ("AA-TWO", 1.0, False),  # below perception_gap_at_least 1.5
    ]
    assert all((g["high_group"], g["low_group"]) == ("Leaders", "Teams") for g in gaps)
    # Units North (the leaders) and South (the teams) are shown too: no intersection of a unit
    # and a band is under 3, so no one can be worked out from the two breakouts together.
    units = {b["group"]: b["status"] for b in org["breakouts"] if b["group_by"] == "unit"}
    assert units == {"North": "ok", "South": "ok"}


def test_small_groups_and_their_smallest_sibling_are_suppressed(tiny: Instrument) -> None:
    """A group under min_group_size is suppressed, with the smallest shown sibling if needed."""
    roles = ["A"] * 4 + ["B"] * 3 + ["C"]
    people = [
        person(f"r{i}", {"AA-ONE-01": 1 + i % 5}, role=role, unit="Only")
        for i, role in enumerate(roles)
    ]
    bands = {"A": ["A"], "B": ["B"], "C": ["C"]}  # bands the profile names keep their names
    org = org_json(score(response_set(people), tiny, Profile(min_group_size=3, role_bands=bands)))
    rows = {b["group"]: b for b in org["breakouts"] if b["group_by"] == "role_band"}
    assert {g: r["status"] for g, r in rows.items()} == {
        "A": "ok",
        "B": "suppressed",  # shown alone, C (1 person) would be total − A − B
        "C": "suppressed",
    }
    for group in ("B", "C"):
        assert rows[group]["score"] is None
        assert rows[group]["respondents"] is None
        assert rows[group]["dimensions"] is None
    assert rows["A"]["respondents"] == 4
    assert [b["status"] for b in org["breakouts"] if b["group_by"] == "unit"] == ["ok"]


def test_suppressed_free_text_groups_are_folded_into_one_unnamed_row(tiny: Instrument) -> None:
    """Suppressed roles outside the bands and units are one row per breakout, never named."""
    titles = [
        "Chief Actuary",
        "Head of Legal",
        "Head of Audit",
        "Chief Risk Officer",
        "Chief of Staff",
    ]
    people = [
        person(f"d{i}", {"AA-ONE-01": 1 + i % 5}, role="Dev", unit="North") for i in range(10)
    ]
    people += [
        person(f"t{i}", {"AA-ONE-01": 4}, role=t, unit="Office") for i, t in enumerate(titles)
    ]
    people.append(person("x", {"AA-ONE-01": 2}, role="Dev", unit="Annex"))  # a unit of one
    org = org_json(score(response_set(people), tiny, Profile(role_bands={"Teams": ["Dev"]})))
    text = json.dumps(org)
    assert not any(name in text for name in [*titles, "Annex"])
    roles = [b for b in org["breakouts"] if b["group_by"] == "role_band"]
    assert [(b["group"], b["status"], b["groups"]) for b in roles] == [
        ("Teams", "ok", 1),
        (None, "suppressed", 5),  # five job titles, one person each
    ]
    assert roles[1]["score"] is None
    assert roles[1]["respondents"] is None
    units = [
        (b["group"], b["status"], b["groups"]) for b in org["breakouts"] if b["group_by"] == "unit"
    ]
    # Annex (one Dev) is hidden; North (the other ten Devs) hides too, or that Dev would be
    # 11 × Teams − 10 × North.
    assert units == [("Office", "ok", 1), (None, "suppressed", 2)]
    assert group_name(BreakoutRow("unit", None, 2, Status.SUPPRESSED), 5) == (
        "2 further groups suppressed: each under 5, or hidden so that none under 5 can be "
        "worked out"
    )


def test_an_organisation_below_the_minimum_shows_no_breakout_and_no_comment(
    tiny: Instrument,
) -> None:
    """With fewer respondents than min_group_size, every breakout is suppressed and comments held."""
    people = [
        person("r1", {"AA-ONE-01": 3}, role="CEO", comments={"AA-ONE-01": "We do this well."}),
        person("r2", {"AA-ONE-01": 4}, role="CEO"),
    ]
    scored = score(response_set(people), tiny)  # default min_group_size 5
    assert scored.organisations[0].comments_withheld
    org = org_json(scored)
    assert org["overall"] is not None  # the organisation's own scores are still shown
    assert org["breakouts"]
    assert all(b["status"] == "suppressed" and b["score"] is None for b in org["breakouts"])
    assert org["perception_gaps"] == []
    assert org["comments"] == []
    assert any("comments are withheld" in w for w in org["warnings"])


def test_comments_have_no_author_role_or_time_and_are_sorted(tiny: Instrument) -> None:
    """Comments show only question and text: general ones first, then by question and text."""
    texts = [
        ({"BB-ONE-01": "zebra crossing"}, "Overall: fine"),
        ({"AA-ONE-01": "middle"}, None),
        ({"AA-ONE-01": "Alpha first", "BB-ONE-01": "apple"}, "A general remark"),
        ({}, None),
    ]
    people = [
        person(
            f"resp-{i}",
            {"AA-ONE-01": 3, "BB-ONE-01": 2},
            role="CEO",
            unit="North",
            comments=comments,
            general=general,
        )
        for i, (comments, general) in enumerate(texts)
    ]
    org = org_json(score(response_set(people), tiny, Profile(min_group_size=3)))
    assert org["comments"] == [
        {"question": None, "text": "A general remark"},
        {"question": None, "text": "Overall: fine"},
        {"question": "AA-ONE-01", "text": "Alpha first"},
        {"question": "AA-ONE-01", "text": "middle"},
        {"question": "BB-ONE-01", "text": "apple"},
        {"question": "BB-ONE-01", "text": "zebra crossing"},
    ]
    text = json.dumps(org["comments"])
    assert "resp-" not in text
    assert "CEO" not in text
    assert "North" not in text
    # Respondent order does not change the order of comments.
    again = org_json(score(response_set(people[::-1]), tiny, Profile(min_group_size=3)))
    assert again["comments"] == org["comments"]


# --------------------------------------------------------------------------------- profiles ---


def test_excluded_dimensions_are_not_scored(tiny: Instrument) -> None:
    """A dimension the profile excludes disappears from items, dimensions and every roll-up."""
    profile = Profile(min_group_size=3, exclude_dimensions=["AA-TWO"])
    org = org_json(score(response_set(BASIC), tiny, profile))
    assert [d["id"] for d in org["dimensions"]] == ["AA-ONE", "BB-ONE"]
    assert "AA-TWO-01" not in by_id(org["items"])
    assert by_id(org["pillars"])["AA"]["score"] == 3.5
    assert org["overall"] == round((3.5 * 1 + 2.0 * 3) / 4, 4)  # 2.375
    assert all("AA-TWO" not in (b["dimensions"] or {}) for b in org["breakouts"])


@pytest.mark.parametrize(
    ("weights", "dimension", "pillar", "overall"),
    [
        ({"questions": {"AA-ONE-02": 1.0}}, 3.0, (3.0 + 8.0) / 3, ((3.0 + 8.0) / 3 + 6.0) / 4),
        ({"dimensions": {"AA-TWO": 1.0}}, 3.5, 3.75, (3.75 + 6.0) / 4),
        ({"pillars": {"BB": 1.0}}, 3.5, 11.5 / 3, (11.5 / 3 + 2.0) / 2),
    ],
)
def test_profile_weights_change_the_roll_ups(
    tiny: Instrument, weights: dict[str, Any], dimension: float, pillar: float, overall: float
) -> None:
    """Question, dimension and pillar weights from the profile replace the instrument's."""
    profile = Profile.model_validate({"min_group_size": 3, "weights": weights})
    org = org_json(score(response_set(BASIC), tiny, profile))
    assert by_id(org["dimensions"])["AA-ONE"]["score"] == round(dimension, 4)
    assert by_id(org["pillars"])["AA"]["score"] == round(pillar, 4)
    assert org["overall"] == round(overall, 4)


def test_renamed_levels_name_the_achieved_level(tiny: Instrument) -> None:
    """Level names from the profile appear as the achieved level's name."""
    profile = Profile(min_group_size=3, level_names={2: "Emerging", 3: "Standard"})
    pillars = by_id(org_json(score(response_set(BASIC), tiny, profile))["pillars"])
    assert (pillars["AA"]["achieved_level"], pillars["AA"]["achieved_level_name"]) == (
        3,
        "Standard",
    )
    assert pillars["BB"]["achieved_level_name"] == "Emerging"


def test_a_profile_naming_unknown_dimensions_is_refused_by_score(tiny: Instrument) -> None:
    """Scoring with a profile that targets an unknown dimension raises, naming the id."""
    with pytest.raises(InstrumentError, match="ZZ-TOP"):
        score(response_set(BASIC), tiny, Profile(targets={"ZZ-TOP": 3.0}))


# ---------------------------------------------------------------- JSON shape and determinism ---


@pytest.fixture(scope="module")
def harbor(
    instrument: Instrument, samples: dict[str, tuple[Path, Profile]]
) -> tuple[Path, Profile, ScoreReport]:
    path, profile = samples["harbor-mutual"]
    return path, profile, score(load_responses([path], instrument, profile), instrument, profile)


def test_score_json_has_the_keys_of_product_section_12(
    harbor: tuple[Path, Profile, ScoreReport],
) -> None:
    """ScoreReport.to_json() carries every key PRODUCT §12 promises for `score --json`."""
    path, _, report = harbor
    data = json.loads(json.dumps(report.to_json(), allow_nan=False))
    assert {"instrument", "input_sha256", "organisations"} <= set(data)
    assert data["instrument"] == {"id": "pmo2vmo-core", "version": "2.0.0"}
    assert data["input_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(data["organisations"]) == 1
    org = data["organisations"][0]
    assert {
        "organisation",
        "respondents",
        "overall",
        "pillars",
        "dimensions",
        "items",
        "breakouts",
        "warnings",
    } <= set(org)
    assert org["organisation"] == "Harbor Mutual Insurance"
    assert isinstance(org["respondents"], int)
    assert isinstance(org["overall"], float)
    assert [p["id"] for p in org["pillars"]] == ["PB", "VC", "PF", "MR"]
    for pillar in org["pillars"]:
        assert {"id", "score", "achieved_level"} <= set(pillar)
    assert len(org["dimensions"]) == 29
    for dim in org["dimensions"]:
        assert {
            "id",
            "pillar",
            "score",
            "target",
            "target_source",
            "gap",
            "respondents",
            "coverage",
            "dispersion",
            "consensus",
        } <= set(dim)
        assert dim["target_source"] in {"profile", "instrument"}
    assert by_id(org["dimensions"])["MR-BEN"]["target_source"] == "profile"
    assert len(org["items"]) == 90
    for item in org["items"]:
        assert {"id", "score", "respondents", "not_applicable", "dont_know"} <= set(item)
    assert org["breakouts"]
    for row in org["breakouts"]:
        assert {"group_by", "group", "score", "status"} <= set(row)
        assert row["status"] in {"ok", "suppressed", "no_data"}
        assert (row["score"] is None) == (row["status"] != "ok")
    assert all(isinstance(w, str) for w in org["warnings"])


def test_scores_are_deterministic(
    instrument: Instrument, harbor: tuple[Path, Profile, ScoreReport]
) -> None:
    """The same input read and scored twice gives identical JSON text."""
    path, profile, first = harbor
    again = score(load_responses([path], instrument, profile), instrument, profile)
    assert json.dumps(again.to_json(), allow_nan=False) == json.dumps(
        first.to_json(), allow_nan=False
    )
    tiny = tiny_instrument()
    texts = {json.dumps(score(response_set(BASIC), tiny).to_json()) for _ in range(3)}
    assert len(texts) == 1


def test_organisations_are_scored_separately(tiny: Instrument) -> None:
    """Two organisations in one input are scored independently of each other."""
    other = [person(f"o{i}", {"AA-ONE-01": 5, "BB-ONE-01": 1}, org="Other") for i in range(3)]
    report = score(response_set(BASIC + other), tiny, Profile(min_group_size=3))
    assert [o.organisation for o in report.organisations] == ["Org", "Other"]
    assert org_json(report, "Org")["overall"] == round(((3.5 + 8.0) / 3 + 6.0) / 4, 4)
    theirs = org_json(report, "Other")
    assert theirs["respondents"] == 3
    assert by_id(theirs["items"])["AA-ONE-01"]["score"] == 5.0
    assert by_id(theirs["dimensions"])["AA-TWO"]["score"] is None
    assert theirs["overall"] == round((5.0 * 1 + 1.0 * 3) / 4, 4)
