"""KPIs (issue 15, item 6): every KPI has a target, a baseline or "measure in Mobilise", and a
target date; activity counts are not KPIs; only planned initiatives' KPIs reach the report."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
import pptx
import pytest
import yaml
from pydantic import ValidationError

from pmo2vmo.analysis.plan import OrganisationPlan, roadmap_files
from pmo2vmo.analysis.schedule import add_months
from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.branding import Brand
from pmo2vmo.model.catalogue import Catalogue, Kpi, load_catalogue
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.render.deck import write_deck
from pmo2vmo.render.narrative import Narrative
from pmo2vmo.render.report_model import Table
from pmo2vmo.render.report_sections import kpis_section
from pmo2vmo.render.report_workbook import write_report_workbook
from pmo2vmo.render.view import MEASURE_IN_MOBILISE, KpiRow, ReportView
from pmo2vmo.resources import assessment_dir, samples_dir

META = {
    "generated": "2027-01-04T09:00:00+00:00",
    "instrument": "pmo2vmo-vmo 1.0.0",
    "pmo2vmo_version": "0.0.test",
    "input_sha256": "ab" * 32,
}

KPI = {"name": "A KPI", "formula": "done / planned", "unit": "%", "direction": "increase",
       "cadence": "monthly", "owner_role": "PMO head", "target": "≥ 90 %"}  # fmt: skip

# Activity and vanity measures: they count effort spent or people present, not a changed
# behaviour or result. Matched against a KPI's name and what its formula counts (the numerator:
# "reviews held" as a denominator is fine, counting them is not).
VANITY = {
    "training hours": r"\btraining hours\b|\bhours of [\w\s]*training\b",
    "attendance or head-count": r"\battend(ance|ees|ed)\b|\bparticipants\b|\bhead-?count of\b",
    "staff trained": r"\b(staff|people|employees)( who)? (trained|completed|attended)\b"
    r"|\bstaff trained\b|\btrained by role\b",
    "workshops or sessions held": r"\b(workshops|sessions|meetings|events|reviews|trainings?) "
    r"(held|delivered)\b|\b(workshops|sessions|trainings?) run\b"
    r"|\bnumber of (workshops|sessions|meetings|events)\b",
    "documents or templates produced": r"\b(documents|templates|deliverables|artefacts) "
    r"(produced|published|created|written)\b",
    "budget released by stopping": r"\bbudget released\b|\breleased from stopped\b",
    "tool log-ins": r"\blog-?ins?\b|\busers active\b",
    "survey response rate": r"\bresponse rate\b",
}

# The measures issue 15 named, and the ones the catalogue carried before: the list catches them.
VANITY_EXAMPLES = [
    ("Training hours per project professional",
     "hours of project management training and coaching completed / project professionals"),
    ("Participation in value forums across levels",
     "distinct participants in value forums and community sessions in the quarter"),
    ("Budget released from stopped or reshaped initiatives",
     "remaining approved budget of initiatives stopped or descoped after the re-evaluation"),
    ("Sponsor attendance at portfolio steering meetings",
     "steering meetings attended by the sponsor / steering meetings held"),
    ("PMO and PPM staff trained in value management",
     "PMO and PPM staff who completed the value management workshops / PMO and PPM staff"),
    ("Post-closure reviews held on schedule",
     "post-closure benefits reviews held within a month of their due date / reviews due"),
    ("Workshops held", "number of workshops held in the quarter"),
    ("Templates produced", "value templates produced / templates planned"),
    ("Active use of the PPM tool", "named users active in the last 30 days / named users"),
    ("Survey response rate", "completed surveys / surveys sent"),
]  # fmt: skip


def _vanity(name: str, formula: str) -> list[str]:
    """The vanity patterns a KPI's name or formula numerator matches."""
    text = f"{name} {formula.split(' / ')[0]}".lower()
    return [label for label, pattern in VANITY.items() if re.search(pattern, text)]


@pytest.fixture(scope="module")
def harbor() -> OrganisationPlan:
    """Harbor Mutual's plan (the integrated path)."""
    folder = samples_dir()
    return roadmap_files([folder / "harbor-mutual.csv"],
                         profile=folder / "harbor-mutual.yaml").organisations[0]  # fmt: skip


@pytest.fixture(scope="module")
def view(harbor: OrganisationPlan) -> ReportView:
    return ReportView.of(harbor)


def _bundled() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (assessment_dir() / "initiatives.yaml").read_text(encoding="utf-8")
    )
    return data


# ---------------------------------------------------------------------------- the catalogue ---


def test_every_bundled_kpi_has_a_concrete_target(catalogue: Catalogue) -> None:
    """Every KPI in the bundled catalogue has a target naming a figure, yes, or a measured
    reference (an average) that points the KPI's way: "≥"/"100 %"/"yes" when it should rise,
    "≤"/"fewer"/"below" when it should fall."""
    for ini in catalogue.initiatives:
        for kpi in ini.kpis:
            where = (ini.id, kpi.name, kpi.target)
            assert re.search(r"\d|^yes\b|\baverage\b", kpi.target), where
            if kpi.direction == "increase":
                assert re.match(r"^(≥|100 %|yes\b)", kpi.target), where
            else:
                assert kpi.target.startswith("≤") or re.search(r"\b(fewer|below)\b", kpi.target), (
                    where
                )
            assert 0 <= kpi.due_after_months <= 36, where


def test_known_baselines_are_rare_and_the_rest_measured_in_mobilise(catalogue: Catalogue) -> None:
    """Only a few KPIs state a baseline (one true for any organisation); the rest have none and
    are measured in the Mobilise phase."""
    kpis = [k for i in catalogue.initiatives for k in i.kpis]
    known = [k for k in kpis if k.baseline is not None]
    assert 0 < len(known) <= len(kpis) // 10
    # Only baselines true wherever the initiative is planned: a register or dictionary may
    # already exist where the path plans it anyway (a defining move), so theirs are measured.
    assert any(k.baseline == "0 % (none moderated yet)" for k in known)
    assert not any("no register" in k.baseline or "no dictionary" in k.baseline for k in known)


@pytest.mark.parametrize(("name", "formula"), VANITY_EXAMPLES, ids=[n for n, _ in VANITY_EXAMPLES])
def test_the_vanity_list_catches_activity_measures(name: str, formula: str) -> None:
    """Each known activity measure (training hours, head-count, sessions held, …) matches the
    vanity list."""
    assert _vanity(name, formula), name


def test_no_bundled_kpi_is_a_vanity_measure(catalogue: Catalogue) -> None:
    """No KPI in the catalogue counts training hours, attendees, sessions held, documents
    produced, budget released by stopping or similar activity."""
    found = {
        (i.id, k.name): hits
        for i in catalogue.initiatives
        for k in i.kpis
        if (hits := _vanity(k.name, k.formula))
    }
    assert not found


def test_every_initiative_keeps_a_kpi_with_a_unique_name(catalogue: Catalogue) -> None:
    """Every initiative has at least one KPI, and its KPIs' names differ."""
    for ini in catalogue.initiatives:
        names = [k.name for k in ini.kpis]
        assert names, ini.id
        assert len(set(names)) == len(names), ini.id


# ---------------------------------------------------------------------------- the model ---


def test_kpi_without_a_target_is_refused_naming_the_field() -> None:
    """A KPI without ``target`` is refused, the error naming the field."""
    data = {k: v for k, v in KPI.items() if k != "target"}
    with pytest.raises(ValidationError) as caught:
        Kpi.model_validate(data)
    assert [e["loc"] for e in caught.value.errors()] == [("target",)]
    assert Kpi.model_validate(KPI).baseline is None
    assert Kpi.model_validate(KPI).due_after_months == 6


def test_catalogue_kpi_without_target_names_file_and_key(
    tmp_path: Path, instrument: Instrument, catalogue: Catalogue
) -> None:
    """A catalogue file whose KPI lacks ``target`` fails to load with the file and the key."""
    data = copy.deepcopy(_bundled())
    entry = next(i for i in data["initiatives"] if i["id"] == "build-skills-inventory")
    del entry["kpis"][0]["target"]
    path = tmp_path / "initiatives.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    archetypes = {a for i in catalogue.initiatives for a in i.archetypes}
    with pytest.raises(InstrumentError) as caught:
        load_catalogue(instrument, archetypes, path)
    assert f"{path}: initiatives[build-skills-inventory].kpis[0].target: Field required" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [("due_after_months", -1), ("due_after_months", 37), ("target", "x"), ("target", "≥" * 121),
     ("unknown", "y")],
)  # fmt: skip
def test_kpi_out_of_range_values_are_refused(key: str, value: object) -> None:
    """A target shorter than 2 or longer than 120 characters, a due month outside 0–36 and an
    unknown key are refused."""
    with pytest.raises(ValidationError):
        Kpi.model_validate({**KPI, key: value})


# ---------------------------------------------------------------------------- the plan's rows ---


def test_kpi_rows_are_due_after_their_initiative_ends(
    harbor: OrganisationPlan, view: ReportView
) -> None:
    """Each KPI row's target date is its planned initiative's end plus the KPI's
    ``due_after_months``."""
    ends = {i.initiative.id: i.end for i in harbor.roadmap.items}
    assert view.kpis
    for row in view.kpis:
        assert row.target_date == add_months(ends[row.initiative_id], row.kpi.due_after_months)
    assert any(r.target_date > ends[r.initiative_id] for r in view.kpis)


def test_only_planned_initiatives_kpis_reach_the_view(
    harbor: OrganisationPlan, view: ReportView, catalogue: Catalogue
) -> None:
    """The KPI rows are exactly the KPIs of the planned initiatives, in plan order; unplanned
    initiatives' KPIs are absent."""
    expected = [(i.initiative.id, k) for i in harbor.roadmap.items for k in i.kpis()]
    assert [(r.initiative_id, r.kpi) for r in view.kpis] == expected
    planned = {i.initiative.id for i in harbor.roadmap.items}
    unplanned = {i.id for i in catalogue.initiatives} - planned
    assert unplanned
    assert not {r.initiative_id for r in view.kpis} & unplanned


# ---------------------------------------------------------------------------- the renderers ---


def _kpi_rows(view: ReportView) -> tuple[list[tuple[object, ...]], dict[str, int]]:
    tables = [b for b in kpis_section(Narrative.of(view)).blocks if isinstance(b, Table)]
    return [r for t in tables for r in t.rows], {c: n for n, c in enumerate(tables[0].columns)}


def test_html_kpi_table_shows_measure_in_mobilise_target_and_date(view: ReportView) -> None:
    """The report's KPI tables show "measure in Mobilise" for a KPI without baseline, its
    target and its ISO target date, for at most twelve KPIs of planned initiatives."""
    rows, at = _kpi_rows(view)
    assert {"Baseline", "Target", "Target date"} <= set(at)
    assert 0 < len(rows) <= 12
    by_name = {r.kpi.name: r for r in view.kpis}
    assert any(by_name[str(c[at["KPI"]])].kpi.baseline is None for c in rows)
    for cells in rows:
        row = by_name[str(cells[at["KPI"]])]
        if row.kpi.baseline is None:
            assert cells[at["Baseline"]] == MEASURE_IN_MOBILISE == "measure in Mobilise"
        assert cells[at["Target"]] == row.kpi.target
        assert cells[at["Target date"]] == row.target_date.isoformat()


def test_known_baseline_is_shown_as_given(view: ReportView) -> None:
    """A KPI that states its baseline shows that baseline, not "measure in Mobilise"."""
    kpi = Kpi.model_validate({**KPI, "baseline": "0 (no register yet)"})
    row = KpiRow("establish-benefits-register", "Establish a register", kpi, dt.date(2027, 9, 1))
    rows, at = _kpi_rows(dataclasses.replace(view, kpis=(row,)))
    (cells,) = rows
    assert cells[at["Baseline"]] == "0 (no register yet)"
    assert cells[at["Target date"]] == "2027-09-01"


def test_workbook_kpi_sheet_has_baseline_target_and_a_real_date(
    harbor: OrganisationPlan, view: ReportView, tmp_path: Path
) -> None:
    """The workbook's KPI sheet holds baseline, target and the target date as a date cell."""
    book = openpyxl.load_workbook(write_report_workbook(harbor, META, tmp_path / "r.xlsx"))
    ws = book["KPIs"]
    headers = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == len(view.kpis)
    for kpi_row, cells in zip(view.kpis, rows, strict=True):
        got = {h: c for h, c in zip(headers, cells, strict=True)}
        assert got["Baseline"].value == kpi_row.baseline
        assert got["Target"].value == kpi_row.kpi.target
        assert got["Target date"].is_date
        assert got["Target date"].value.date() == kpi_row.target_date
        assert got["Target date"].number_format == "yyyy-mm-dd"


def test_deck_kpi_table_shows_baseline_target_and_date(
    harbor: OrganisationPlan, view: ReportView, tmp_path: Path
) -> None:
    """The deck's KPI slides show the report body's KPIs (at most twelve, grouped by outcome)
    with baseline, target and target date in the table and each KPI's formula in the speaker
    notes."""
    brand = Brand(name="Client", primary="#0b5394", accent="#c55a11", logo=None)
    prs = pptx.Presentation(str(write_deck(harbor, brand, META, tmp_path / "d.pptx")))
    slides = [s for s in prs.slides
              if s.shapes.title is not None and s.shapes.title.text.startswith("KPIs to track")]  # fmt: skip
    tables = [sh.table for s in slides for sh in s.shapes if sh.has_table]
    headers = [c.text for c in tables[0].rows[0].cells]
    assert headers[4:7] == ["Baseline", "Target", "Target date"]
    body = [[c.text for c in r.cells] for t in tables for r in list(t.rows)[1:]]
    shown = [r for g in Narrative.of(view).kpi_groups for r in g.kpis]
    assert 0 < len(shown) <= 12
    assert [r[4:7] for r in body] == [
        [r.baseline, r.kpi.target, r.target_date.isoformat()] for r in shown
    ]
    notes = " ".join(s.notes_slide.notes_text_frame.text for s in slides)
    assert all(r.kpi.formula in notes for r in shown)
