"""The bundled instrument, its validation messages, and client profiles."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pmo2vmo.analysis.plan import describe_instrument
from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.model.profile import Profile, load_profile
from pmo2vmo.resources import assessment_dir

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
SEED_NAME = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")


# -------------------------------------------------------------------- the bundled instrument ---


def test_bundled_instrument_has_the_promised_size(instrument: Instrument) -> None:
    """The instrument loads with 4 pillars, 20-30 dimensions and 60-100 questions."""
    assert instrument.id == "pmo2vmo-core"
    assert re.fullmatch(r"\d+\.\d+\.\d+", instrument.version)
    assert len(instrument.pillars) == 4
    assert 20 <= len(instrument.dimensions) <= 30
    assert 60 <= len(instrument.questions) <= 100
    assert [lv.value for lv in instrument.levels] == [1, 2, 3, 4, 5]


def test_every_question_is_complete(instrument: Instrument) -> None:
    """Each question has five distinct descriptors, a positive weight, evidence and a source."""
    source_ids = [s.id for s in instrument.meta.sources]
    for ref in instrument.iter_questions():
        q = ref.question
        descriptors = q.descriptor_list()
        assert len(descriptors) == 5, q.id
        assert len({d.casefold() for d in descriptors}) == 5, q.id
        assert q.weight > 0, q.id
        assert q.evidence, q.id
        assert all(e.strip() for e in q.evidence), q.id
        assert any(q.source.startswith(sid) for sid in source_ids), (q.id, q.source)


def test_every_cited_seed_file_exists(instrument: Instrument) -> None:
    """Every seed article a source names exists in ../shared/seeds."""
    if not SEEDS.is_dir():
        pytest.skip(f"no seed folder at {SEEDS}")
    cited = {name for s in instrument.meta.sources for name in SEED_NAME.findall(s.id)}
    cited |= {
        name
        for ref in instrument.iter_questions()
        for name in SEED_NAME.findall(ref.question.source)
    }
    assert cited, "the instrument cites no seed article"
    missing = sorted(name for name in cited if not (SEEDS / name).is_file())
    assert missing == []


def test_executive_sponsorship_is_its_own_dimension(instrument: Instrument) -> None:
    """Executive sponsorship is a dimension of its own, PB-SPO in the PMO baseline pillar."""
    dimension, pillar = instrument.dimension_index["PB-SPO"]
    assert pillar.id == "PB"
    assert "sponsor" in dimension.name.casefold()
    assert len(dimension.questions) >= 3


def test_ids_are_unique(instrument: Instrument) -> None:
    """No id is used twice across pillars, dimensions, questions and sources."""
    ids = [p.id for p in instrument.pillars]
    ids += [d.id for d in instrument.dimensions]
    ids += [ref.question.id for ref in instrument.iter_questions()]
    assert len(ids) == len(set(ids))
    sources = [s.id for s in instrument.meta.sources]
    assert len(sources) == len(set(sources))


def test_every_reference_resolves(
    instrument: Instrument, samples: dict[str, tuple[Path, Profile]]
) -> None:
    """Ids nest (question in dimension in pillar), sources resolve, sample profiles resolve."""
    source_ids = {s.id for s in instrument.meta.sources}
    for ref in instrument.iter_questions():
        assert ref.question.id.startswith(ref.dimension.id + "-")
        assert ref.dimension.id.startswith(ref.pillar.id + "-")
        assert instrument.dimension_index[ref.dimension.id] == (ref.dimension, ref.pillar)
        assert [s for s in source_ids if ref.question.source.startswith(s)]
    for rel in instrument.meta.pillars:
        assert (instrument.folder / rel).is_file()
    for dimension in instrument.dimensions:
        assert 1 <= instrument.default_target(dimension.id) <= 5
    for name, (_, profile) in samples.items():
        assert instrument.problems_of(profile) == [], name


def test_instrument_json_lists_five_descriptors_per_question(instrument: Instrument) -> None:
    """instrument --json gives id, version, levels and each question's five descriptors."""
    data: Any = instrument.to_json()
    assert (data["id"], data["version"]) == (instrument.id, instrument.version)
    assert [lv["value"] for lv in data["levels"]] == [1, 2, 3, 4, 5]
    questions = [q for p in data["pillars"] for d in p["dimensions"] for q in d["questions"]]
    assert len(questions) == len(instrument.questions)
    assert all(len(q["descriptors"]) == 5 and q["source"] for q in questions)


# ------------------------------------------------------------------------ validation errors ---


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A writable copy of the bundled assessment folder (without the samples)."""
    target = tmp_path / "assessment"
    shutil.copytree(assessment_dir(), target, ignore=shutil.ignore_patterns("samples"))
    return target


def _edit(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _dimension(data: Any, dim_id: str) -> dict[str, Any]:
    return next(d for d in data["dimensions"] if d["id"] == dim_id)


def _question(data: Any, qid: str) -> dict[str, Any]:
    dim = _dimension(data, qid.rsplit("-", 1)[0])
    return next(q for q in dim["questions"] if q["id"] == qid)


def _problems(folder: Path) -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        load_instrument(folder)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def _one_naming(problems: list[str], *parts: str) -> str:
    found = [p for p in problems if all(part in p for part in parts)]
    assert found, f"no problem names all of {parts}: {problems}"
    return found[0]


def test_duplicate_question_id_names_file_key_and_id(folder: Path) -> None:
    """A question id used twice is reported with its file, key path and the id."""
    pillar = folder / "pillars" / "pmo-baseline.yaml"
    _edit(pillar, lambda d: _question(d, "PB-GOV-02").update(id="PB-GOV-01"))
    message = _one_naming(
        _problems(folder), str(pillar.resolve()), "dimensions[PB-GOV].questions[PB-GOV-01].id"
    )
    assert "duplicate id 'PB-GOV-01'" in message


def test_four_descriptors_names_file_and_key(folder: Path) -> None:
    """A question with four descriptors is reported with its file and key path."""
    pillar = folder / "pillars" / "pmo-baseline.yaml"
    _edit(pillar, lambda d: _question(d, "PB-STD-02")["descriptors"].pop(5))
    message = _one_naming(
        _problems(folder),
        "pmo-baseline.yaml",
        "dimensions[PB-STD].questions[PB-STD-02].descriptors",
    )
    assert "five descriptors" in message


def test_negative_weight_names_file_key_and_value(folder: Path) -> None:
    """A negative question weight is reported with its file, key path and the value."""
    pillar = folder / "pillars" / "value-culture.yaml"
    _edit(pillar, lambda d: _question(d, "VC-LEA-02").update(weight=-1.5))
    message = _one_naming(
        _problems(folder), "value-culture.yaml", "dimensions[VC-LEA].questions[VC-LEA-02].weight"
    )
    assert "greater than 0" in message
    assert "-1.5" in message


def test_unknown_key_names_file_and_key(folder: Path) -> None:
    """A misspelt key is refused, naming the file and the key path."""
    pillar = folder / "pillars" / "portfolio.yaml"
    _edit(pillar, lambda d: _dimension(d, "PF-CAP").update(colour="red"))
    _one_naming(_problems(folder), "portfolio.yaml", "dimensions[PF-CAP].colour", "unknown key")
    top = folder / "instrument.yaml"
    _edit(top, lambda d: d.update(defualt_target=3.0))
    _one_naming(_problems(folder), "instrument.yaml", "defualt_target", "unknown key")


def test_unknown_source_names_file_key_and_value(folder: Path) -> None:
    """A question citing an unregistered source is reported with file, key path and the value."""
    pillar = folder / "pillars" / "metrics.yaml"
    _edit(pillar, lambda d: _question(d, "MR-DAT-01").update(source="Nowhere Institute (2020)"))
    _one_naming(
        _problems(folder),
        str(pillar.resolve()),
        "dimensions[MR-DAT].questions[MR-DAT-01].source",
        "'Nowhere Institute (2020)'",
        "no known source",
    )


def test_missing_pillar_file_names_instrument_yaml_and_the_file(folder: Path) -> None:
    """A pillar file listed in instrument.yaml but absent is reported under the pillars key."""
    (folder / "pillars" / "metrics.yaml").unlink()
    _one_naming(
        _problems(folder), str(folder / "instrument.yaml"), "pillars", "'pillars/metrics.yaml'"
    )


def test_pillar_outside_the_folder_is_refused(folder: Path) -> None:
    """instrument.yaml may not list a pillar file outside the instrument folder."""
    shutil.copy(folder / "pillars" / "metrics.yaml", folder.parent / "stray.yaml")
    _edit(folder / "instrument.yaml", lambda d: d["pillars"].append("../stray.yaml"))
    _one_naming(_problems(folder), "instrument.yaml", "pillars", "outside")


def test_bad_yaml_names_file_and_line(folder: Path) -> None:
    """A file that is not valid YAML is reported with its name and the line."""
    pillar = folder / "pillars" / "portfolio.yaml"
    pillar.write_text("type: pillar\nid: PF\ndimensions: [unclosed\n", encoding="utf-8")
    message = _one_naming(_problems(folder), "portfolio.yaml", "not valid YAML")
    assert "line" in message


def test_every_problem_is_reported_at_once(folder: Path) -> None:
    """Problems in several files are all reported in one error (lazy validation)."""
    pillars = folder / "pillars"
    _edit(pillars / "pmo-baseline.yaml", lambda d: _question(d, "PB-RES-01").update(weight=0))
    _edit(pillars / "value-culture.yaml", lambda d: _question(d, "VC-OBJ-01").update(source="?!"))
    (pillars / "metrics.yaml").unlink()
    (pillars / "portfolio.yaml").write_text("id: [\n", encoding="utf-8")
    problems = _problems(folder)
    _one_naming(problems, "pmo-baseline.yaml", "questions[PB-RES-01].weight")
    _one_naming(problems, "value-culture.yaml", "questions[VC-OBJ-01].source")
    _one_naming(problems, "instrument.yaml", "pillars", "metrics.yaml")
    _one_naming(problems, "portfolio.yaml", "not valid YAML")
    assert len(problems) == 4


def test_an_intact_copy_loads(folder: Path, instrument: Instrument) -> None:
    """The copied folder loads as the bundled instrument does (the fixture breaks nothing)."""
    assert load_instrument(folder).to_json() == instrument.to_json()


# --------------------------------------------------------------------------------- profiles ---


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "client.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("targets: {PB-XYZ: 4.0}", "targets"),
        ("exclude_dimensions: [PB-XYZ]", "exclude_dimensions"),
        ("weights: {dimensions: {PB-XYZ: 2.0}}", "weights.dimensions"),
        ("weights: {questions: {PB-XYZ-01: 2.0}}", "weights.questions"),
        ("weights: {pillars: {XYZ: 2.0}}", "weights.pillars"),
    ],
)
def test_unknown_ids_in_a_profile_are_named(
    tmp_path: Path, instrument: Instrument, text: str, key: str
) -> None:
    """A profile naming an id the instrument lacks is refused, naming the key and the id."""
    profile = load_profile(_write(tmp_path, text))
    with pytest.raises(InstrumentError) as caught:
        instrument.tailored(profile)
    bad = re.search(r"[A-Z]{2,4}(-[A-Z]{2,4})?(-\d\d)?", text.split(":", 1)[1])
    assert bad is not None
    _one_naming(caught.value.problems, f"{key}: unknown id {bad.group(0)!r}")


def test_unknown_ids_are_refused_by_the_library_calls(tmp_path: Path) -> None:
    """describe_instrument(profile=…) refuses a profile with an unknown dimension id."""
    path = _write(tmp_path, "targets: {VC-NOPE: 4.0}")
    with pytest.raises(InstrumentError, match="VC-NOPE"):
        describe_instrument(profile=path)


def test_excluding_a_whole_pillar_is_refused(instrument: Instrument) -> None:
    """A profile may not exclude every dimension of a pillar."""
    pillar = instrument.pillars[0]
    profile = Profile(exclude_dimensions=[d.id for d in pillar.dimensions])
    with pytest.raises(InstrumentError, match=f"every dimension of pillar {pillar.id}"):
        instrument.tailored(profile)


def test_min_group_size_below_three_needs_an_identifiable_workshop(tmp_path: Path) -> None:
    """min_group_size 2 is refused unless the profile declares identifiable_workshop: true."""
    path = _write(tmp_path, "min_group_size: 2\n")
    with pytest.raises(InstrumentError) as caught:
        load_profile(path)
    _one_naming(caught.value.problems, str(path), "min_group_size 2", "identifiable_workshop")
    path = _write(tmp_path, "min_group_size: 2\nidentifiable_workshop: true\n")
    assert load_profile(path).min_group_size == 2
    assert load_profile(_write(tmp_path, "min_group_size: 3\n")).min_group_size == 3
    assert Profile().min_group_size == 5


@pytest.mark.parametrize("colour", ["red", "#fff", "#12345g", "0b5394", "#0b53944", "rgb(0,0,0)"])
def test_colours_must_be_hex_rrggbb(tmp_path: Path, colour: str) -> None:
    """Branding colours other than #rrggbb are refused, naming the key and the value."""
    path = _write(tmp_path, f'branding:\n  accent_colour: "{colour}"\n')
    with pytest.raises(InstrumentError) as caught:
        load_profile(path)
    _one_naming(caught.value.problems, str(path), "branding.accent_colour", repr(colour))


def test_good_colours_are_accepted(tmp_path: Path) -> None:
    """#rrggbb in either case is a valid colour."""
    path = _write(tmp_path, 'branding: {primary_colour: "#0B5394", accent_colour: "#c55a11"}\n')
    branding = load_profile(path).branding
    assert (branding.primary_colour, branding.accent_colour) == ("#0B5394", "#c55a11")


def test_unknown_profile_key_is_refused(tmp_path: Path) -> None:
    """A misspelt profile key is an error naming the file and the key, not silently ignored."""
    path = _write(tmp_path, "client: Acme\nmin_grup_size: 4\n")
    with pytest.raises(InstrumentError) as caught:
        load_profile(path)
    _one_naming(caught.value.problems, str(path), "min_grup_size", "unknown key")
    path = _write(tmp_path, "branding: {colour: '#000000'}\n")
    with pytest.raises(InstrumentError, match=r"branding\.colour: unknown key"):
        load_profile(path)


def test_empty_profile_is_the_default(tmp_path: Path) -> None:
    """An empty profile file gives the default profile."""
    assert load_profile(_write(tmp_path, "# nothing here\n")) == Profile()


def test_level_names_rename_levels_in_the_tailored_instrument(
    tmp_path: Path, instrument: Instrument
) -> None:
    """level_names from the profile rename levels in the tailored instrument only."""
    profile = load_profile(_write(tmp_path, "level_names: {1: Ad hoc, 5: Leading}\n"))
    tailored = instrument.tailored(profile)
    assert [tailored.level_name(v) for v in (1, 2, 5)] == [
        "Ad hoc",
        instrument.level_name(2),
        "Leading",
    ]
    levels: Any = tailored.to_json()["levels"]
    assert levels[0]["name"] == "Ad hoc"
    assert instrument.level_name(1) == "Initial"  # the loaded instrument is untouched


def test_level_names_only_for_levels_one_to_five(tmp_path: Path) -> None:
    """level_names keys outside 1-5 are refused."""
    with pytest.raises(InstrumentError, match="level_names"):
        load_profile(_write(tmp_path, "level_names: {6: Beyond}\n"))


def test_a_role_in_two_bands_is_refused(tmp_path: Path) -> None:
    """A role listed in two role bands (whatever its case or spacing) is refused."""
    path = _write(
        tmp_path, "role_bands:\n  Leadership: [CEO, CFO]\n  Finance: [' cfo', Controller]\n"
    )
    with pytest.raises(InstrumentError) as caught:
        load_profile(path)
    _one_naming(caught.value.problems, str(path), "two role bands", "Leadership", "Finance")
    profile = load_profile(_write(tmp_path, "role_bands: {Leadership: [CEO, CFO]}\n"))
    assert profile.band_of(" cfo ") == "Leadership"
    assert profile.band_of("Analyst") == "Analyst"
    assert profile.band_of(None) is None


def test_profile_tailoring_applies_exclusions_and_weights(instrument: Instrument) -> None:
    """Tailoring drops excluded dimensions and applies weights without touching the original."""
    profile = Profile(
        exclude_dimensions=["PF-VST"],
        weights={
            "pillars": {"MR": 2.0},
            "dimensions": {"PB-GOV": 3.0},
            "questions": {"VC-OBJ-01": 4.0},
        },
    )
    tailored = instrument.tailored(profile)
    assert "PF-VST" not in tailored.dimension_index
    assert not [q for q in tailored.questions if q.startswith("PF-VST-")]
    assert len(tailored.questions) == len(instrument.questions) - 3
    assert next(p for p in tailored.pillars if p.id == "MR").weight == 2.0
    assert tailored.dimension_index["PB-GOV"][0].weight == 3.0
    assert tailored.questions["VC-OBJ-01"].question.weight == 4.0
    assert instrument.questions["VC-OBJ-01"].question.weight != 4.0
    assert "PF-VST" in instrument.dimension_index
