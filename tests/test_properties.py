"""Properties of scoring and confidentiality that must hold for any answers (hypothesis).

The ResponseSets are built directly (the two DataFrames the readers produce) on a small in-memory
instrument with uneven weights, so that every dimension and pillar is often scored, often partly
scored and sometimes not scored at all. Example counts and deadlines come from the settings profile
loaded in conftest.py.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import assume, given
from hypothesis import strategies as st

from pmo2vmo.analysis.confidentiality import Status, protect
from pmo2vmo.analysis.scoring import NO_ROLE, NO_UNIT, score
from pmo2vmo.ingest.responses import ANSWER_COLUMNS, RESPONDENT_COLUMNS, ResponseSet, SourceFile
from pmo2vmo.model.instrument import Instrument, InstrumentFile
from pmo2vmo.model.pillars import Pillar
from pmo2vmo.model.profile import Profile

# ---------------------------------------------------------------------------- the instrument ---

REASON = "uneven on purpose: the properties must hold for any weights"
# (pillar id, pillar weight, [(dimension id, dimension weight, [question weights])])
SHAPE = [
    ("AA", 1.0, [("AA-ONE", 1.0, [1.0, 2.5]), ("AA-TWO", 2.0, [1.0])]),
    ("BB", 1.5, [("BB-ONE", 1.5, [1.5, 1.0, 1.0]), ("BB-TWO", 1.0, [1.0, 1.5])]),
    ("CC", 0.5, [("CC-ONE", 1.0, [1.0])]),
]
QIDS = [
    f"{dim}-{n:02d}"
    for _, _, dims in SHAPE
    for dim, _, weights in dims
    for n in range(1, len(weights) + 1)
]
BANDS = {"Leaders": ["CEO", "CFO"], "Teams": ["Dev", "Tester"], "Finance": ["Controller"]}
ROLES = [None, "CEO", "CFO", "Dev", "Tester", "Controller", "Analyst"]
UNITS = [None, "North", "South", "East"]


def _instrument() -> Instrument:
    meta = InstrumentFile.model_validate(
        {
            "type": "instrument",
            "id": "prop",
            "version": "0.1.0",
            "name": "Property instrument",
            "levels": [
                {"value": v, "name": n}
                for v, n in enumerate(["One", "Two", "Three", "Four", "Five"], start=1)
            ],
            "sources": [{"id": "SRC", "title": "A source"}],
            "audiences": [
                {"id": "leaders", "name": "Leaders", "description": "The people who lead."},
                {"id": "teams", "name": "Teams", "description": "The people who do the work."},
            ],
            "pillars": [f"{p}.yaml" for p, _, _ in SHAPE],
        }
    )
    pillars = []
    for pid, pweight, dims in SHAPE:
        pillars.append(
            Pillar.model_validate(
                {
                    "type": "pillar",
                    "id": pid,
                    "name": f"Pillar {pid}",
                    "weight": pweight,
                    "weight_rationale": REASON if pweight != 1 else None,
                    "dimensions": [
                        {
                            "id": did,
                            "name": f"Dimension {did}",
                            "weight": dweight,
                            "weight_rationale": REASON if dweight != 1 else None,
                            "questions": [
                                {
                                    "id": f"{did}-{n:02d}",
                                    "text": f"Statement {did}-{n:02d} about practice.",
                                    "weight": qweight,
                                    "weight_rationale": REASON if qweight != 1 else None,
                                    "source": "SRC",
                                    "descriptors": {lv: f"level {lv} text" for lv in range(1, 6)},
                                    "evidence": ["A document"],
                                    "audiences": ["leaders", "teams"],
                                }
                                for n, qweight in enumerate(qweights, start=1)
                            ],
                        }
                        for did, dweight, qweights in dims
                    ],
                }
            )
        )
    return Instrument(meta=meta, pillars=tuple(pillars), folder=Path("."))


INSTRUMENT = _instrument()
DIM_OF = {q: q.rsplit("-", 1)[0] for q in QIDS}
PILLAR_OF = {q: q.split("-", 1)[0] for q in QIDS}

# ------------------------------------------------------------------------------ the answers ---

Person = dict[str, Any]
CELL = st.one_of(st.none(), st.integers(1, 5), st.sampled_from(["na", "dk"]))
NON_ANSWER = st.sampled_from(["na", "dk"])


@st.composite
def people(
    draw: st.DrawFn,
    orgs: Sequence[str] = ("Org A", "Org B"),
    max_size: int = 12,
) -> list[Person]:
    """Respondents with random roles, units, answers (some blank) and comments of both kinds."""
    count = draw(st.integers(1, max_size))
    out = []
    for index in range(count):
        cells = draw(st.lists(CELL, min_size=len(QIDS), max_size=len(QIDS)))
        answers = {q: c for q, c in zip(QIDS, cells, strict=True) if c is not None}
        if not answers:  # the readers leave out a respondent who gave no answer at all
            answers[draw(st.sampled_from(QIDS))] = draw(st.integers(1, 5))
        commented = draw(st.lists(st.sampled_from(sorted(answers)), max_size=2, unique=True))
        out.append(
            {
                "org": draw(st.sampled_from(orgs)),
                "id": f"resp-{index:03d}",
                "role": draw(st.sampled_from(ROLES)),
                "unit": draw(st.sampled_from(UNITS)),
                "answers": answers,
                "comments": {
                    q: draw(st.sampled_from(["Good.", "Slow", "zz top"])) for q in commented
                },
                "general": draw(st.sampled_from([None, "Fine overall", "Slow"])),
            }
        )
    return out


@st.composite
def grouped_people(draw: st.DrawFn) -> list[Person]:
    """Respondents with a random number per role (0-7) in each of two organisations."""
    out: list[Person] = []
    for org in ("Org A", "Org B"):
        for role in ROLES:
            for _ in range(draw(st.integers(0, 7))):
                silent = draw(st.integers(0, 9)) == 0  # now and then, only N/A and Don't know
                cells = draw(st.lists(NON_ANSWER if silent else CELL, min_size=1, max_size=3))
                qids = draw(st.lists(st.sampled_from(QIDS), min_size=3, max_size=3, unique=True))
                answers = {q: c for q, c in zip(qids, cells, strict=False) if c is not None}
                if not answers:
                    answers[qids[0]] = "na" if silent else 3
                out.append(
                    {
                        "org": org,
                        "id": f"resp-{len(out):03d}",
                        "role": role,
                        "unit": draw(st.sampled_from(UNITS)),
                        "answers": answers,
                        "comments": {qids[0]: "A comment"} if draw(st.booleans()) else {},
                    }
                )
    assume(out)
    return out


def response_set(group: Sequence[Person]) -> ResponseSet:
    answers = []
    respondents = []
    for row, p in enumerate(group, start=2):
        general = p.get("general")
        respondents.append([p["org"], p["id"], p["role"], p["unit"], general, "mem.csv", row])
        for qid, value in p["answers"].items():
            if value in ("na", "dk"):
                kind, level, raw = value, math.nan, value
            else:
                kind, level, raw = "score", float(value), str(value)
            answers.append(
                [p["org"], p["id"], qid, kind, level, raw, p["comments"].get(qid), "mem.csv", row]
            )
    return ResponseSet(
        answers=pd.DataFrame(answers, columns=ANSWER_COLUMNS),
        respondents=pd.DataFrame(respondents, columns=RESPONDENT_COLUMNS),
        files=[SourceFile(path="mem.csv", format="tidy", sha256="0" * 64)],
    )


def run(group: Sequence[Person], profile: Profile | None = None) -> dict[str, Any]:
    """Score and return the JSON, read back as a consumer would."""
    report = score(response_set(group), INSTRUMENT, profile or Profile(role_bands=BANDS))
    data: dict[str, Any] = json.loads(json.dumps(report.to_json(), allow_nan=False))
    return data


def orgs_of(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["organisation"]: o for o in data["organisations"]}


def scores_of(org: Mapping[str, Any]) -> dict[str, Any]:
    """Every score of an organisation, and every breakout and perception gap, by key."""
    out: dict[str, Any] = {"overall": org["overall"]}
    for kind in ("pillars", "dimensions", "items"):
        for row in org[kind]:
            out[f"{kind}:{row['id']}"] = row["score"]
    for row in org["pillars"]:
        out[f"level:{row['id']}"] = row["achieved_level"]
    return out


def breakout_view(org: Mapping[str, Any]) -> list[Any]:
    return [org["breakouts"], org["perception_gaps"]]


def suppress(sizes: Mapping[str, int], k: int) -> dict[str, Status]:
    """protect() on one breakout given by its group sizes (``no_data`` for size 0)."""
    members = [group for group, n in sorted(sizes.items()) for _ in range(n)]
    status = protect({"groups": members}, k)["groups"]
    return {group: status.get(group, Status.NO_DATA) for group in sizes}


def labels(p: Person, profile: Profile) -> dict[str, str]:
    """The breakout groups a respondent belongs to."""
    return {"role_band": profile.band_of(p["role"]) or NO_ROLE, "unit": p["unit"] or NO_UNIT}


# ------------------------------------------------------------------------------- properties ---


@given(people())
def test_scores_stay_between_one_and_five_or_none(group: list[Person]) -> None:
    """Every score is in [1, 5] or None; consensus, coverage and dispersion stay in range."""
    data = run(group, Profile(role_bands=BANDS, min_group_size=3))

    def in_range(value: Any) -> bool:
        return value is None or 1.0 <= value <= 5.0

    for org in data["organisations"]:
        assert in_range(org["overall"])
        for pillar in org["pillars"]:
            assert in_range(pillar["score"])
            level = pillar["achieved_level"]
            assert (level is None) == (pillar["score"] is None)
            assert level is None or 1 <= level <= pillar["score"]
        for row in org["dimensions"] + org["items"]:
            assert in_range(row["score"])
            assert row["consensus"] is None or 0.0 <= row["consensus"] <= 1.0
            assert row["dispersion"] is None or 0.0 <= row["dispersion"] <= 2.0
            assert row["coverage"] is None or 0.0 <= row["coverage"] <= 1.0
        for row in org["dimensions"]:
            assert row["gap"] is None or -4.0 <= row["gap"] <= 4.0
        for row in org["breakouts"]:
            assert in_range(row["score"])
            for value in (row["pillars"] or {}).values():
                assert in_range(value)
            for value in (row["dimensions"] or {}).values():
                assert in_range(value)
        for gap in org["perception_gaps"]:
            assert in_range(gap["high"])
            assert in_range(gap["low"])
            assert 0.0 <= gap["gap"] <= 4.0


@given(people(), st.data())
def test_row_and_respondent_order_never_changes_the_output(
    group: list[Person], data: st.DataObject
) -> None:
    """Shuffling respondents and answer rows leaves every organisation's JSON identical."""
    rs = response_set(group)
    order_r = data.draw(st.permutations(range(len(rs.respondents))))
    order_a = data.draw(st.permutations(range(len(rs.answers))))
    shuffled = ResponseSet(
        answers=rs.answers.iloc[list(order_a)],
        respondents=rs.respondents.iloc[list(order_r)],
        files=rs.files,
    )
    profile = Profile(role_bands=BANDS, min_group_size=3)
    first = score(rs, INSTRUMENT, profile).to_json()
    second = score(shuffled, INSTRUMENT, profile).to_json()
    # Organisations are listed in order of first appearance; within each, nothing may move.
    for out in (first, second):
        out["organisations"].sort(key=lambda o: o["organisation"])
    assert json.dumps(first, allow_nan=False) == json.dumps(second, allow_nan=False)


@given(people(orgs=("Org",)), st.data())
def test_raising_an_answer_never_lowers_a_score(group: list[Person], data: st.DataObject) -> None:
    """Raising one answer by a level never lowers its item, dimension, pillar or overall score."""
    candidates = [
        (i, q)
        for i, p in enumerate(group)
        for q, v in p["answers"].items()
        if isinstance(v, int) and v < 5
    ]
    assume(candidates)
    index, qid = data.draw(st.sampled_from(candidates))
    profile = Profile(role_bands=BANDS, min_group_size=3)
    before = run(group, profile)["organisations"][0]
    raised = [dict(p, answers=dict(p["answers"])) for p in group]
    raised[index]["answers"][qid] += 1
    after = run(raised, profile)["organisations"][0]

    def get(org: Mapping[str, Any], kind: str, ident: str) -> float:
        return float(next(row["score"] for row in org[kind] if row["id"] == ident))

    assert get(after, "items", qid) > get(before, "items", qid)
    assert get(after, "dimensions", DIM_OF[qid]) >= get(before, "dimensions", DIM_OF[qid])
    assert get(after, "pillars", PILLAR_OF[qid]) >= get(before, "pillars", PILLAR_OF[qid])
    assert after["overall"] >= before["overall"]
    # The same holds in every shown breakout group the respondent belongs to.
    mine = labels(group[index], profile)
    for old, new in zip(before["breakouts"], after["breakouts"], strict=True):
        assert (old["group_by"], old["group"], old["status"]) == (
            new["group_by"],
            new["group"],
            new["status"],
        )
        if old["status"] == "ok" and mine[old["group_by"]] == old["group"]:
            if old["score"] is not None:  # the overall hides while a dimension is hidden
                assert new["score"] >= old["score"]
            # A dimension may be suppressed inside a shown group (too few people scored it).
            if old["dimensions"][DIM_OF[qid]] is not None:
                assert new["dimensions"][DIM_OF[qid]] >= old["dimensions"][DIM_OF[qid]]


@given(people(), NON_ANSWER, st.data())
def test_adding_a_non_answer_never_changes_a_score(
    group: list[Person], non_answer: str, data: st.DataObject
) -> None:
    """An added N/A or Don't know never moves any score, breakout or perception gap."""
    blanks = [(i, q) for i, p in enumerate(group) for q in QIDS if q not in p["answers"]]
    assume(blanks)
    index, qid = data.draw(st.sampled_from(blanks))
    profile = Profile(role_bands=BANDS, min_group_size=3)
    before = orgs_of(run(group, profile))
    more = [dict(p, answers=dict(p["answers"])) for p in group]
    more[index]["answers"][qid] = non_answer
    after = orgs_of(run(more, profile))
    assert set(before) == set(after)
    for name in before:
        assert scores_of(after[name]) == scores_of(before[name])
        assert breakout_view(after[name]) == breakout_view(before[name])
    item = next(i for i in after[group[index]["org"]]["items"] if i["id"] == qid)
    counted = "not_applicable" if non_answer == "na" else "dont_know"
    was = next(i for i in before[group[index]["org"]]["items"] if i["id"] == qid)
    assert item[counted] == was[counted] + 1


@given(people(orgs=("Org",)), st.lists(NON_ANSWER, min_size=1, max_size=len(QIDS)))
def test_a_respondent_with_only_non_answers_never_changes_a_score(
    group: list[Person], cells: list[str]
) -> None:
    """A new respondent answering only N/A and Don't know counts, but never scores as 0."""
    before = run(group)["organisations"][0]
    newcomer = {
        "org": "Org",
        "id": "resp-new",
        "role": "Analyst",
        "unit": None,
        "answers": dict(zip(QIDS, cells, strict=False)),
        "comments": {},
    }
    after = run([*group, newcomer])["organisations"][0]
    assert after["respondents"] == before["respondents"] + 1
    assert scores_of(after) == scores_of(before)


# -------------------------------------------------------------------------- confidentiality ---

GROUP_NAMES = st.text(alphabet="abcdefgh", min_size=1, max_size=3)


@given(
    st.dictionaries(GROUP_NAMES, st.integers(0, 15), max_size=8),
    st.sampled_from([3, 4, 5, 6]),
    st.randoms(use_true_random=False),
)
def test_suppress_never_shows_a_small_or_recoverable_group(
    sizes: dict[str, int], k: int, rnd: Any
) -> None:
    """protect() on one breakout: shown groups hold >= k; hidden groups together hold 0 or >= k
    (or all hide)."""
    status = suppress(sizes, k)
    assert set(status) == set(sizes)
    for group, n in sizes.items():
        assert (status[group] is Status.NO_DATA) == (n == 0)
        if status[group] is Status.OK:
            assert n >= k
        if 0 < n < k:
            assert status[group] is Status.SUPPRESSED
    hidden = sum(n for g, n in sizes.items() if status[g] is Status.SUPPRESSED)
    shown = [g for g in sizes if status[g] is Status.OK]
    assert hidden == 0 or hidden >= k or not shown
    # No more is hidden than needed: small groups that already hold >= k in total hide alone.
    small = sum(n for n in sizes.values() if 0 < n < k)
    if small == 0 or small >= k:
        assert hidden == small
    # The result does not depend on the order the groups are listed in.
    items = list(sizes.items())
    rnd.shuffle(items)
    assert suppress(dict(items), k) == status


@given(grouped_people(), st.sampled_from([3, 4, 5, 6]))
def test_score_shows_no_small_or_recoverable_group_anywhere(group: list[Person], k: int) -> None:
    """Through score(): breakouts, perception gaps and comments never expose a group under k."""
    profile = Profile(role_bands=BANDS, min_group_size=k)
    data = run(group, profile)
    assert data["min_group_size"] == k
    text = json.dumps(data)
    assert "resp-" not in text  # respondent ids never appear in any output
    for name, org in orgs_of(data).items():
        mine = [p for p in group if p["org"] == name]
        assert org["respondents"] == len(mine)
        for group_by in ("role_band", "unit"):
            true_sizes = Counter(labels(p, profile)[group_by] for p in mine)
            # A group's size is its respondents with at least one scored answer.
            contributors = Counter(
                labels(p, profile)[group_by]
                for p in mine
                if any(isinstance(v, int) for v in p["answers"].values())
            )
            named = set(BANDS) if group_by == "role_band" else set()
            listed = [r for r in org["breakouts"] if r["group_by"] == group_by]
            rows = {r["group"]: r for r in listed if r["group"] is not None}
            folded = [r for r in listed if r["group"] is None]
            # Shown groups and the profile's bands are named; suppressed free-text groups are
            # folded into one unnamed row that counts them, free-text groups without data are
            # not listed at all.
            shown_named = {g for g in true_sizes if rows.get(g, {}).get("status") == "ok"}
            assert set(rows) == shown_named | named
            hidden_free = {g for g in contributors if g not in named and g not in shown_named}
            if hidden_free:
                assert len(folded) == 1
                assert (folded[0]["status"], folded[0]["groups"]) == (
                    "suppressed",
                    len(hidden_free),
                )
                assert folded[0]["score"] is None
                assert folded[0]["dimensions"] is None
            else:
                assert folded == []
            for label, row in rows.items():
                if row["status"] == "ok":
                    assert row["respondents"] == contributors[label] >= k
                    assert row["pillars"] is not None
                    assert row["dimensions"] is not None
                else:
                    assert row["respondents"] is None
                    assert row["score"] is None
                    assert row["pillars"] is None
                    assert row["dimensions"] is None
                if row["status"] == "suppressed":
                    assert contributors[label] > 0
                if row["status"] == "no_data":
                    assert contributors[label] == 0
            for hidden_group in hidden_free:
                rows[hidden_group] = {"status": "suppressed"}
            shown = {label for label, row in rows.items() if row["status"] == "ok"}
            hidden = sum(contributors[g] for g, r in rows.items() if r["status"] == "suppressed")
            assert hidden == 0 or hidden >= k or not shown
            if len(mine) < k:
                assert not shown
            # The same holds for every dimension: a dimension score shown for a group rests on
            # at least k people, and those who scored it in hidden groups number 0 or >= k.
            for dim in {DIM_OF[q] for p in mine for q in p["answers"]}:
                scored_dim = Counter(
                    labels(p, profile)[group_by]
                    for p in mine
                    if any(isinstance(v, int) and DIM_OF[q] == dim for q, v in p["answers"].items())
                )
                showing = {g for g in shown if rows[g]["dimensions"][dim] is not None}
                assert all(scored_dim[g] >= k for g in showing)
                hidden_dim = sum(n for g, n in scored_dim.items() if g not in showing)
                assert hidden_dim == 0 or hidden_dim >= k or not showing
            for gap in org["perception_gaps"]:
                if gap["group_by"] == group_by:
                    assert gap["high_group"] in shown
                    assert gap["low_group"] in shown
                    for side in ("high_group", "low_group"):
                        assert rows[gap[side]]["dimensions"][gap["dimension"]] is not None
        if len(mine) < k:
            assert org["comments"] == []
            assert org["perception_gaps"] == []
            assert any("fewer than the minimum group size" in w for w in org["warnings"])
        for comment in org["comments"]:
            assert set(comment) == {"question", "text"}
