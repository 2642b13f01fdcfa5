"""Walkthrough: what the playbook notebooks show, computed and tested outside the notebooks."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from pmo2vmo.analysis.plan import (
    OrganisationPlan,
    RoadmapReport,
    describe_instrument,
    roadmap_files,
)
from pmo2vmo.errors import Pmo2vmoError
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.results import Comment, Status
from pmo2vmo.render import charts, show, walkthrough
from pmo2vmo.resources import samples_dir

PILLARS = ("PB", "VC", "PF", "MR")


@pytest.fixture(scope="module")
def report() -> RoadmapReport:
    data, profile = walkthrough.sample_inputs()
    return roadmap_files([data], profile=profile)


@pytest.fixture(scope="module")
def plan(report: RoadmapReport) -> OrganisationPlan:
    return report.organisations[0]


@pytest.fixture(scope="module")
def tailored() -> Instrument:
    return describe_instrument(profile=walkthrough.sample_inputs()[1])


# ------------------------------------------------------------------------------------ inputs ---


def test_default_inputs_are_the_sample_and_its_profile() -> None:
    """No parameters: Harbor Mutual's responses with Harbor Mutual's profile."""
    data, profile = walkthrough.resolve_inputs(None, None)
    assert data == samples_dir() / "harbor-mutual.csv"
    assert profile == samples_dir() / "harbor-mutual.yaml"
    assert data.is_file()
    assert profile is not None
    assert profile.is_file()


def test_client_file_takes_the_profile_beside_it_never_the_samples(tmp_path: Path) -> None:
    """A client's file gets its own same-named profile if there is one, else no profile."""
    data = tmp_path / "client.csv"
    data.write_text("x", encoding="utf-8")
    assert walkthrough.resolve_inputs(data, None) == (data, None)
    (tmp_path / "client.yml").write_text("client: C\n", encoding="utf-8")
    assert walkthrough.resolve_inputs(str(data), None) == (data, tmp_path / "client.yml")
    assert walkthrough.resolve_inputs(data, "other.yaml") == (data, Path("other.yaml"))


def test_select_by_name_first_by_default_and_a_clear_error(report: RoadmapReport) -> None:
    """organisation=None is the first; an unknown name names the ones that exist."""
    first = report.organisations[0]
    assert walkthrough.select(report) is first
    assert walkthrough.select(report, first.scores.organisation) is first
    with pytest.raises(Pmo2vmoError, match="'Harbor Mutual Insurance'"):
        walkthrough.select(report, "Nobody Ltd")


def test_previous_dimension_scores_read_from_a_score_json(
    report: RoadmapReport, tmp_path: Path
) -> None:
    """An earlier score --json gives the organisation's dimension scores; others give None."""
    path = tmp_path / "previous.json"
    path.write_text(json.dumps(report.scores.to_json()), encoding="utf-8")
    org = report.organisations[0].scores
    got = walkthrough.previous_dimension_scores(path, org.organisation)
    assert got == {d.id: d.score for d in org.dimensions}
    assert walkthrough.previous_dimension_scores(path, "Nobody Ltd") is None
    assert walkthrough.previous_dimension_scores(None, org.organisation) is None


# ---------------------------------------------------------------------- context, data quality ---


@pytest.mark.parametrize("group_by", ["role_band", "unit"])
def test_group_counts_never_give_a_number_to_a_suppressed_group(
    plan: OrganisationPlan, group_by: str
) -> None:
    """Counts come from shown breakouts only; suppressed groups read 'suppressed', no score."""
    rows = walkthrough.group_counts(plan.scores, group_by)
    breakouts = [b for b in plan.scores.breakouts if b.group_by == group_by]
    assert [r["group"] for r in rows] == [plan.scores.group_name(b, short=True) for b in breakouts]
    for row, b in zip(rows, breakouts, strict=True):
        if b.status is Status.OK:
            assert row["respondents"] == b.respondents
            assert row["status"] == "shown"
        else:
            assert row["respondents"] in ("suppressed", "no data")
            assert row["score"] is None


def test_harbor_mutual_hides_its_small_role_bands(plan: OrganisationPlan) -> None:
    """The sample's Finance band is below 5 people, PMO is hidden with it (else Finance and the
    people without a role would be total − the other bands): both shown as suppressed."""
    rows = {r["group"]: r for r in walkthrough.group_counts(plan.scores, "role_band")}
    assert rows["Finance"]["respondents"] == "suppressed"
    assert rows["PMO and portfolio"]["respondents"] == "suppressed"
    assert isinstance(rows["Leadership"]["respondents"], int)


def test_coverage_by_pillar_adds_up(plan: OrganisationPlan) -> None:
    """Pillar rows add up to the total row; coverage = scored ÷ (respondents × questions − N/A)."""
    rows = walkthrough.coverage_by_pillar(plan.scores)
    total, pillars = rows[-1], rows[:-1]
    assert [r["id"] for r in pillars] == list(PILLARS)
    for key in ("questions", "scored", "not_applicable", "dont_know", "blank"):
        assert sum(r[key] for r in pillars) == total[key], key
    n = plan.scores.respondents
    for r in rows:
        expected = n * r["questions"] - r["not_applicable"]
        assert r["scored"] + r["dont_know"] + r["blank"] == expected
        assert r["coverage"] == round(r["scored"] / expected, 4)
    assert total["questions"] == len(plan.scores.items)


def test_top_items_sorts_limits_and_leaves_out_zeros(
    plan: OrganisationPlan, tailored: Instrument
) -> None:
    """Most Don't know first (ties by id), at most n, none with zero; weakest ascending."""
    rows = walkthrough.top_items(plan.scores, tailored, "dont_know", 5)
    assert len(rows) == 5
    keys = [(-r["dont_know"], r["id"]) for r in rows]
    assert keys == sorted(keys)
    assert all(r["dont_know"] > 0 for r in rows)
    assert all(r["text"] for r in rows)
    weakest = walkthrough.top_items(plan.scores, tailored, "weakest", 3, pillar_id="MR")
    assert all(r["dimension"].startswith("MR-") for r in weakest)
    assert [r["score"] for r in weakest] == sorted(r["score"] for r in weakest)
    assert walkthrough.top_items(plan.scores, tailored, "weakest", 0) == []


def test_quality_rows_count_flags_without_naming_anyone(plan: OrganisationPlan) -> None:
    """One row per flag with a count and a meaning; no respondent id appears."""
    rows = walkthrough.quality_rows(plan.scores)
    assert [r["flag"] for r in rows] == ["straight_lining", "partial", "no_role"]
    assert {r["flag"]: r["respondents"] for r in rows} == {
        "straight_lining": plan.scores.data_quality["straight_lining"],
        "partial": plan.scores.data_quality["partial"],
        "no_role": "fewer than 5",  # one person gave no role: a group under the minimum
    }
    assert "HA-0" not in json.dumps(rows)


def test_disputed_items_are_harbor_mutuals_prioritisation_questions(
    plan: OrganisationPlan, tailored: Instrument
) -> None:
    """The sample disagrees on prioritisation by value, and only there."""
    ids = [r["id"] for r in walkthrough.disputed_items(plan.scores, tailored)]
    assert ids == ["PF-PRI-01", "PF-PRI-02", "PF-PRI-03", "PF-PRI-04"]
    assert walkthrough.disputed_items(plan.scores, tailored, "PB") == []


def test_comments_split_by_pillar_and_general(plan: OrganisationPlan) -> None:
    """Every comment lands in exactly one pillar or in the general list, without author."""
    org = dataclasses.replace(
        plan.scores, comments=[*plan.scores.comments, Comment(question=None, text="General.")]
    )
    parts = [walkthrough.comments(org, p) for p in PILLARS] + [walkthrough.comments(org)]
    assert sum(len(p) for p in parts) == len(org.comments)
    assert parts[-1] == [{"question": None, "text": "General."}]
    for pillar, rows in zip(PILLARS, parts, strict=False):
        assert all(r["question"].startswith(pillar + "-") for r in rows)
        assert all(set(r) == {"question", "text"} for r in rows)


def test_hostile_comment_is_escaped_when_shown(plan: OrganisationPlan) -> None:
    """A comment holding markup comes out of the table escaped, never as a live tag."""
    hostile = "<script>alert('x')</script>"
    org = dataclasses.replace(plan.scores, comments=[Comment(question="PB-GOV-01", text=hostile)])
    bundle = show.records_bundle(walkthrough.comments(org, "PB"), {"question": "Q", "text": "T"})
    assert "<script>" not in bundle["text/html"]
    assert "&lt;script&gt;" in bundle["text/html"]


# ------------------------------------------------------------------------------ pillar views ---


@pytest.mark.parametrize("pillar", PILLARS)
def test_pillar_view_holds_only_that_pillar(plan: OrganisationPlan, pillar: str) -> None:
    """Dimensions, items, perception gaps and comments are the pillar's own."""
    view = walkthrough.pillar_view(plan.scores, pillar)
    assert [p.id for p in view.pillars] == [pillar]
    assert view.dimensions
    assert all(d.pillar == pillar for d in view.dimensions)
    assert view.items
    assert all(i.id.startswith(pillar + "-") for i in view.items)
    assert all(g.dimension.startswith(pillar + "-") for g in view.perception_gaps)
    assert all(c.question.startswith(pillar + "-") for c in view.comments)
    assert view.organisation == plan.scores.organisation


def test_unknown_pillar_is_a_clear_error(plan: OrganisationPlan) -> None:
    """A pillar id that was not scored names those that were."""
    with pytest.raises(Pmo2vmoError, match="PB, VC, PF, MR"):
        walkthrough.pillar_view(plan.scores, "XX")


def test_pillar_figures_are_titled_coloured_and_use_decision_targets(
    plan: OrganisationPlan, tailored: Instrument
) -> None:
    """Each chart names the pillar; bars keep the pillar's colour; targets are the decision's."""
    figs = walkthrough.pillar_figures(plan, "MR", tailored)
    assert set(figs) == {"dimensions", "items", "consensus", "perception_role_band",
                         "perception_unit"}  # fmt: skip
    for name, fig in figs.items():
        assert fig.layout.title.text.startswith("Harbor Mutual Insurance · Metrics readiness: "), (
            name
        )
    bars = figs["dimensions"]
    colour = charts.pillar_colours(plan.scores)["MR"]
    assert [t.marker.color for t in bars.data if t.type == "bar"] == [colour]
    target_trace = next(t for t in bars.data if t.type == "scatter")
    labels = {f"{d.name} ({d.id})": d.id for d in plan.scores.dimensions}
    wanted = walkthrough.targets(plan)
    assert {labels[y]: x for y, x in zip(target_trace.y, target_trace.x, strict=True)} == {
        d: wanted[d] for d in labels.values() if d.startswith("MR-")
    }
    assert len(figs["items"].data[0].y) == sum(
        1 for i in plan.scores.items if i.dimension.startswith("MR-")
    )


def test_dimension_rows_use_the_targets_that_drive_the_roadmap(plan: OrganisationPlan) -> None:
    """Targets after the decision (profile > archetype > instrument); gap = target − score."""
    rows = {r["id"]: r for r in walkthrough.dimension_rows(plan)}
    assert rows["MR-BEN"]["target"] == 4.0
    assert rows["MR-BEN"]["target_source"] == "profile"
    assert rows["PF-PRI"]["target"] == 4.0
    assert rows["PF-PRI"]["target_source"] == "archetype"
    for r in rows.values():
        assert r["gap"] == round(r["target"] - r["score"], 4)
        assert "delta" not in r  # no previous assessment given


def test_dimension_rows_carry_deltas_with_a_previous_assessment(
    report: RoadmapReport, tmp_path: Path
) -> None:
    """Scoring the same file against its own score --json gives zero deltas everywhere."""
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps(report.scores.to_json()), encoding="utf-8")
    data, profile = walkthrough.sample_inputs()
    again = walkthrough.select(roadmap_files([data], profile=profile, previous=previous))
    rows = walkthrough.dimension_rows(again, "VC")
    assert rows
    assert all(r["delta"] == 0.0 for r in rows)


def test_limiting_dimensions_are_exactly_those_below_the_next_level(
    plan: OrganisationPlan,
) -> None:
    """The weakest links hold the pillar below the next level; no other dimension does."""
    for pillar in plan.scores.pillars:
        level = pillar.achieved_level
        limiting = walkthrough.limiting_dimensions(plan.scores, pillar.id)
        ids = {d.id for d in limiting}
        for d in plan.scores.dimensions:
            if d.pillar == pillar.id:
                assert (d.id in ids) == (round(d.score, 4) < level + 1)
        assert [d.score for d in limiting] == sorted(d.score for d in limiting)


def test_no_limiting_dimension_at_the_top_level(plan: OrganisationPlan) -> None:
    """At level 5 nothing holds a pillar back."""
    top = [dataclasses.replace(p, achieved_level=5) for p in plan.scores.pillars]
    org = dataclasses.replace(plan.scores, pillars=top)
    assert walkthrough.limiting_dimensions(org, "PB") == []


def test_pillar_findings_quote_the_figures(plan: OrganisationPlan, tailored: Instrument) -> None:
    """Findings state score, level, largest gap, disputes and perception gaps from the data."""
    text = " ".join(walkthrough.pillar_findings(plan, "PF", tailored))
    assert "scores 2.62" in text
    assert "achieved level is 2 Developing" in text
    assert "Prioritisation by value (PF-PRI): score 2.59 against 4 (archetype target)" in text
    assert "PF-PRI-01, PF-PRI-02, PF-PRI-03, PF-PRI-04" in text
    assert "Leadership 4.02 against Delivery 1.87" in text
    pb = " ".join(walkthrough.pillar_findings(plan, "PB", tailored))
    assert "at or above their targets" in pb
    assert "No item of this pillar is disputed" in pb


# ------------------------------------------------------------------- a pillar notebook's views ---


@pytest.mark.parametrize("pillar", PILLARS)
def test_every_pillar_view_shows_lines_and_bundles(
    plan: OrganisationPlan, tailored: Instrument, pillar: str
) -> None:
    """Each view of each pillar is a list of printed lines and MIME bundles, charts first."""
    figs = walkthrough.pillar_figures(plan, pillar, tailored)
    for view in walkthrough.PILLAR_VIEWS:
        outputs = walkthrough.pillar_view_outputs(plan, pillar, view, tailored)
        assert outputs, view
        assert all(isinstance(o, str | dict) for o in outputs), view
    summary = walkthrough.pillar_view_outputs(plan, pillar, "summary", tailored)
    assert summary[-1] == show.text_bundle(
        walkthrough.pillar_findings(plan, pillar, tailored), heading="What stands out"
    )
    dimensions = walkthrough.pillar_view_outputs(plan, pillar, "dimensions", tailored)
    assert dimensions[0] == show.figure_bundle(figs["dimensions"])
    perception = walkthrough.pillar_view_outputs(plan, pillar, "perception", tailored)
    assert perception[:2] == [show.figure_bundle(figs["perception_role_band"]),
                              show.figure_bundle(figs["perception_unit"])]  # fmt: skip


def test_pillar_views_list_at_most_top_n(plan: OrganisationPlan, tailored: Instrument) -> None:
    """The weakest questions and the perception gaps are cut at top_n, and say so."""
    (_, table) = walkthrough.pillar_view_outputs(plan, "PF", "questions", tailored, top_n=2)
    assert isinstance(table, dict)
    assert table["text/plain"].startswith("Weakest questions of the pillar (up to 2)\n")
    assert len(table["text/plain"].splitlines()) == 2 + 2  # caption, header, two rows


def test_show_pillar_view_prints_lines_and_displays_bundles_in_order(
    plan: OrganisationPlan, tailored: Instrument, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Lines go to stdout, bundles to the display, nothing is lost or reordered."""
    shown: list[object] = []
    monkeypatch.setattr(show, "show_bundle", shown.append)
    walkthrough.show_pillar_view(plan, "PF", "disputed", tailored)
    outputs = walkthrough.pillar_view_outputs(plan, "PF", "disputed", tailored)
    assert shown == [o for o in outputs if isinstance(o, dict)]
    assert capsys.readouterr().out == "".join(f"{o}\n" for o in outputs if isinstance(o, str))
    assert (
        "Disputed questions in this pillar: 4 — PF-PRI-01, PF-PRI-02, PF-PRI-03, PF-PRI-04\n"
        in "".join(f"{o}\n" for o in outputs if isinstance(o, str))
    )


def test_comments_view_says_when_comments_are_withheld(
    plan: OrganisationPlan, tailored: Instrument
) -> None:
    """Fewer respondents than the minimum group size: the view says comments are withheld."""
    small = dataclasses.replace(plan, scores=dataclasses.replace(plan.scores, respondents=2))
    lines = walkthrough.pillar_view_outputs(small, "PB", "comments", tailored)
    assert "Comments are withheld: fewer respondents than the minimum group size." in lines
    full = walkthrough.pillar_view_outputs(plan, "PB", "comments", tailored)
    assert "Comments are withheld: fewer respondents than the minimum group size." not in full


def test_unknown_pillar_view_is_a_clear_error(plan: OrganisationPlan, tailored: Instrument) -> None:
    """A view that does not exist names those that do."""
    with pytest.raises(Pmo2vmoError, match="summary, dimensions, questions, disputed"):
        walkthrough.pillar_view_outputs(plan, "PB", "nonsense", tailored)


# --------------------------------------------------------------------- transition, roadmap ---


def test_decision_tables(plan: OrganisationPlan) -> None:
    """Gates, rules (first match last), readiness and the responsibility matrix, as rows."""
    d = plan.decision
    gates = walkthrough.gate_rows(d)
    assert [g["id"] for g in gates] == [g.id for g in d.gates]
    assert gates[0]["fired"] == "not fired"
    assert "executive sponsorship score 4.05" in gates[0]["reason"]
    rules = walkthrough.rule_rows(d)
    assert [r["matched"] for r in rules] == ["no", "no", "no", "matched"]
    assert rules[-1]["archetype"] == "integrated"
    assert "✓ PMO baseline readiness 69.4 >= 50" in rules[-1]["conditions"]
    readiness = {r["key"]: r["readiness"] for r in walkthrough.readiness_rows(d)}
    assert readiness == {"pmo_baseline": 69.4, "value_culture": 29.1, "portfolio": 40.5,
                         "metrics": 26.5}  # fmt: skip
    model = walkthrough.operating_model_rows(d)
    assert model
    assert set(model[0]) == {"function", "Business", "Finance", "Executive committee", "PMO", "VMO",
                             "note"}  # fmt: skip


def test_roadmap_tables(plan: OrganisationPlan) -> None:
    """Every planned item has a reason; KPIs appear once; phases and exit criteria line up."""
    r = plan.roadmap
    rows = walkthrough.roadmap_rows(r)
    assert [x["id"] for x in rows] == [i.initiative.id for i in r.items]
    assert all(x["reason"] for x in rows)
    kpis = walkthrough.kpi_rows(r)
    keys = [(k["name"], k["formula"]) for k in kpis]
    assert len(keys) == len(set(keys))
    every = {(k.name, k.formula) for i in r.items for k in i.kpis()}
    assert set(keys) == every
    phases = walkthrough.phase_rows(r)
    assert sum(p["initiatives"] for p in phases) == len(r.items)
    assert sum(p["effort"] for p in phases) == pytest.approx(
        sum(i.initiative.effort for i in r.items)
    )
    columns, exits = walkthrough.exit_criteria_table(r)
    assert [c for c in columns if c not in ("dimension", "name", "current", "target")] == [
        p.id for p in r.phases
    ]
    assert all(set(columns) == set(e) for e in exits)


def test_decision_findings(plan: OrganisationPlan) -> None:
    """The decision in sentences: path, rule, gates, plan and what was deferred."""
    text = "\n".join(walkthrough.decision_findings(plan))
    assert "Recommended path: Integrated PMO + VMO" in text
    assert "Rule matched: PMO baseline readiness 69.4 >= 50." in text
    assert "Gate fired — Settle the disputed critical practices first: perception gap on" in text
    assert "Confidence: 100% of 500 resamples of the respondents choose this path." in text
    assert "Tipping point: " in text
    assert f"Roadmap: {plan.roadmap.message}" in text
    assert "initiatives; 5 dimension gaps stay partly open within 18 months" in text
    assert "Deferred for lack of capacity or time: align-vendors-to-value" in text


def test_a_fired_gate_is_stated(samples: dict[str, tuple[Path, object]]) -> None:
    """Northwind's weak sponsorship fires the gate, and the findings say so."""
    data, _ = samples["northwind-utilities"]
    plan = walkthrough.select(roadmap_files([data], profile=data.with_suffix(".yaml")))
    text = "\n".join(walkthrough.decision_findings(plan))
    assert "Gate fired — Secure executive sponsorship first" in text
    assert walkthrough.gate_rows(plan.decision)[0]["fired"] == "fired"


def test_every_sample_walks_through(
    samples: dict[str, tuple[Path, object]], tmp_path: Path
) -> None:
    """Each bundled sample, copied elsewhere with its profile, yields every table and finding."""
    for stem, (data, _) in samples.items():
        copy = tmp_path / data.name
        shutil.copy(data, copy)
        shutil.copy(data.with_suffix(".yaml"), tmp_path / f"{stem}.yaml")
        shutil.copy(data.parent / f"{stem}-logo.png", tmp_path)  # the profile names it
        responses, profile = walkthrough.resolve_inputs(copy, None)
        assert profile == tmp_path / f"{stem}.yaml"
        plan = walkthrough.select(roadmap_files([responses], profile=profile))
        inst = describe_instrument(profile=profile)
        for pillar in PILLARS:
            assert walkthrough.pillar_findings(plan, pillar, inst)
            assert walkthrough.pillar_figures(plan, pillar, inst)
        assert walkthrough.decision_findings(plan)
        assert walkthrough.roadmap_rows(plan.roadmap)
