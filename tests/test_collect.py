"""Collecting answers where respondents are (issue 19): the one-respondent questionnaire, a folder
of them as one organisation, and the Qualtrics and LimeSurvey definitions whose exports read back
to the same scores as the same answers through the questionnaire."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pmo2vmo import api
from pmo2vmo.analysis.scoring import score
from pmo2vmo.ingest.responses import ResponseSet, inspect_file, load_responses
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.render.survey_files import survey_definition
from survey_tools import (
    Respondent,
    fill_questionnaire,
    limesurvey_export,
    parse_limesurvey,
    parse_qualtrics,
    qualtrics_export,
    respondents,
)


@pytest.fixture(scope="module")
def people(instrument: Instrument) -> list[Respondent]:
    return respondents(instrument, 6)


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return api.make_questionnaire(tmp_path_factory.mktemp("blank") / "questionnaire.xlsx")


@pytest.fixture(scope="module")
def returned(
    tmp_path_factory: pytest.TempPathFactory, blank: Path, people: list[Respondent]
) -> Path:
    """A folder of the six respondents' filled questionnaires."""
    folder = tmp_path_factory.mktemp("returns") / "acme"
    folder.mkdir()
    for n, person in enumerate(people):
        fill_questionnaire(blank, folder / f"{person.rid}.xlsx", person, labels=n % 2 == 0)
    return folder


def _ok(path: Path, instrument: Instrument) -> ResponseSet:
    rs, problems = inspect_file(path, instrument)
    assert rs is not None, [
        (p.file, p.row, p.column, p.message) for p in problems if p.severity == "error"
    ]
    return rs


def _figures(
    rs: ResponseSet, instrument: Instrument, *, item_comments: bool = True
) -> dict[str, Any]:
    """Every scored figure and comment of the one organisation, without its name (and without
    comments on questions, which a Qualtrics survey does not collect, unless asked)."""
    (org,) = score(rs, instrument).organisations
    figures = org.to_json()
    figures.pop("organisation")
    if not item_comments:
        figures["comments"] = [c for c in figures["comments"] if c["question"] is None]
    return figures


# ----------------------------------------------------------------------------- questionnaire ---


def _sheet(path: Path) -> Any:
    return openpyxl.load_workbook(path)["Questionnaire"]


def _labelled(ws: Any) -> dict[str, Any]:
    return {row[0].value: row[1] for row in ws.iter_rows(max_row=15) if row[0].value}


def test_header_block_labels_prefill_rule_and_progress(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Respondent ID: and Role: hold their values to the right (pre-filled), the partial-fit
    rule is stated, and the progress line is a plain COUNTA over the answer cells."""
    path = api.make_questionnaire(tmp_path / "q.xlsx", audience="finance", respondent="F07",
                                  role="Finance partner")  # fmt: skip
    ws = _sheet(path)
    cells = _labelled(ws)
    assert cells["Respondent ID:"].value == "F07"
    assert cells["Role:"].value == "Finance partner"
    assert instrument.meta.partial_fit_rule in cells["How to answer:"].value
    asked = len(instrument.routed(["finance"]))
    formula = cells["Progress:"].value
    assert formula.startswith("=COUNTA(H")
    assert formula.endswith(f'&" of {asked} answered"')


def test_one_row_per_question_with_descriptors_and_only_drop_down(
    blank: Path, instrument: Instrument
) -> None:
    """Every question has one row: id, statement, five wrapped descriptors, an answer cell that
    is the row's only drop-down (levels, N/A, Don't know) and a comment cell."""
    wb = openpyxl.load_workbook(blank)
    ws = wb["Questionnaire"]
    rows = {row[0].value: row for row in ws.iter_rows() if row[0].value in instrument.questions}
    assert list(rows) == list(instrument.questions)
    ref = next(iter(instrument.iter_questions()))
    row = rows[ref.question.id]
    assert [c.value for c in row[2:7]] == ref.question.descriptor_list()
    assert all(c.alignment.wrap_text for c in row[1:7])
    (validation,) = ws.data_validations.dataValidation
    covered = {c.coordinate for rng in validation.sqref.ranges for c in _cells(ws, rng)}
    assert covered == {r[7].coordinate for r in rows.values()}
    options = [c.value for c in wb["Lists"]["A"] if c.value]
    assert options == [f"{lv.value} - {lv.name}" for lv in instrument.levels] + [
        "N/A",
        "Don't know",
    ]
    assert validation.errorStyle == "warning"  # a typed 1–5 is kept, not refused


def _cells(ws: Any, rng: Any) -> list[Any]:
    return [c for row in ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row,
                                      min_col=rng.min_col, max_col=rng.max_col) for c in row]  # fmt: skip


def test_only_respondent_cells_answers_and_comments_are_editable(
    blank: Path, instrument: Instrument
) -> None:
    """The sheet and workbook structure are protected; the unlocked cells are exactly the
    respondent cells, the answers and the comments."""
    wb = openpyxl.load_workbook(blank)
    ws = wb["Questionnaire"]
    assert ws.protection.sheet
    assert wb.security.lockStructure
    unlocked = {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}
    question_rows = [row[0].row for row in ws.iter_rows() if row[0].value in instrument.questions]
    expected = {f"B{r}" for r in range(4, 8)}
    expected |= {f"{col}{r}" for r in question_rows for col in "HI"}
    closing = next(row[0].row for row in ws.iter_rows() if row[0].value == "Anything else:")
    assert unlocked == expected | {f"B{closing}"}


def test_client_branding_from_profile(tmp_path: Path) -> None:
    """The title names the client and the table heading takes the profile's primary colour."""
    profile = tmp_path / "client.yaml"
    profile.write_text("client: Harbour & Sons\nbranding:\n  primary_colour: '#7A1F5C'\n")
    ws = _sheet(api.make_questionnaire(tmp_path / "q.xlsx", profile=profile))
    assert ws["A1"].value == "PMO-to-VMO readiness assessment — Harbour & Sons"
    head = next(row for row in ws.iter_rows() if row[0].value == "Id")
    assert head[0].fill.fgColor.rgb.endswith("7A1F5C")


def test_filled_questionnaire_reads_back(
    tmp_path: Path, blank: Path, instrument: Instrument, people: list[Respondent]
) -> None:
    """Labels, typed numbers, N/A and Don't know, comments and the respondent's cells read back."""
    person = people[0]
    rs = _ok(fill_questionnaire(blank, tmp_path / "one.xlsx", person, labels=False), instrument)
    assert rs.files[0].format == "questionnaire"
    (who,) = rs.respondents.to_dict("records")
    assert (who["respondent"], who["role"], who["unit"]) == (person.rid, person.role, person.unit)
    got = {
        q: (int(v) if k == "score" else k)
        for q, k, v in rs.answers[["question", "kind", "value"]].itertuples(index=False)
    }
    assert got == person.answers
    comments = rs.answers.dropna(subset=["comment"]).set_index("question")["comment"].to_dict()
    assert comments == person.comments


def test_empty_respondent_id_takes_the_file_name(
    tmp_path: Path, blank: Path, instrument: Instrument, people: list[Respondent]
) -> None:
    """With Respondent ID left empty the file name is the respondent's id, with a warning."""
    person = Respondent("", None, None, {"PB-GOV-01": 3})
    rs, problems = inspect_file(
        fill_questionnaire(blank, tmp_path / "jo-smith.xlsx", person), instrument
    )
    assert rs is not None
    assert list(rs.respondents["respondent"]) == ["jo-smith"]
    assert any("file name 'jo-smith'" in p.message for p in problems)


def test_bad_answer_names_row_column_and_question(
    tmp_path: Path, blank: Path, instrument: Instrument
) -> None:
    """An answer that is no level is an error naming its row, the answer column and the question."""
    path = fill_questionnaire(
        blank, tmp_path / "bad.xlsx", Respondent("R1", None, None, {"PB-GOV-02": 3})
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Questionnaire"]
    row = next(r for r in ws.iter_rows() if r[0].value == "PB-GOV-02")
    row[7].value = "7"
    wb.save(path)
    _, problems = inspect_file(path, instrument)
    (error,) = [p for p in problems if p.severity == "error"]
    assert (error.row, error.column, error.question) == (row[0].row, "H (PB-GOV-02)", "PB-GOV-02")


def test_unanswered_questionnaire_is_an_error(
    tmp_path: Path, blank: Path, instrument: Instrument
) -> None:
    """A questionnaire returned with no answer is an error, not a respondent who said nothing."""
    path = fill_questionnaire(
        blank, tmp_path / "empty.xlsx", Respondent("R1", "PMO lead", None, {})
    )
    _, problems = inspect_file(path, instrument)
    assert [p.message for p in problems if p.severity == "error"] == [
        "no question of the questionnaire is answered"
    ]


# -------------------------------------------------------------------------------- the folder ---


def test_folder_of_questionnaires_is_one_organisation(
    returned: Path, instrument: Instrument, people: list[Respondent]
) -> None:
    """Every questionnaire in a folder is one respondent of one organisation, named by the folder."""
    rs = _ok(returned, instrument)
    assert rs.organisations == ["acme"]
    assert sorted(rs.respondents["respondent"]) == [p.rid for p in people]
    assert rs.files[0].format == "folder"


def test_same_respondent_in_two_files_names_both(
    tmp_path: Path, returned: Path, instrument: Instrument
) -> None:
    """The same respondent id in two questionnaires of a folder is an error naming both files."""
    folder = tmp_path / "acme"
    shutil.copytree(returned, folder)
    shutil.copy(folder / "R01.xlsx", folder / "R01-again.xlsx")
    _, problems = inspect_file(folder, instrument)
    errors = [(p.file, p.message) for p in problems if p.severity == "error"]
    assert errors == [("R01.xlsx", "respondent 'R01' of 'acme' is also in R01-again.xlsx")]


def test_questionnaires_and_wide_template_mix(
    tmp_path: Path, returned: Path, instrument: Instrument
) -> None:
    """A folder may hold questionnaires and the wide template: one organisation, every respondent."""
    folder = tmp_path / "acme"
    shutil.copytree(returned, folder)
    template = api.make_template(tmp_path / "template.xlsx")
    wb = openpyxl.load_workbook(template)
    ws = wb["Responses"]
    ws.append([None, "W1", "Sponsor", None, "3 - Defined", "N/A"])
    ws.append([None, "W2", "Sponsor", None, 4, 2])
    wb.save(folder / "wide.xlsx")
    rs = _ok(folder, instrument)
    assert rs.organisations == ["acme"]
    assert len(rs.respondents) == 8


def test_cli_scores_a_folder(
    returned: Path, instrument: Instrument, people: list[Respondent], tmp_path: Path
) -> None:
    """`pmo2vmo score FOLDER --json` scores the folder as one organisation."""
    import json

    from click.testing import CliRunner

    from pmo2vmo.cli import main

    result = CliRunner().invoke(main, ["score", str(returned), "--json"])
    assert result.exit_code == 0, result.output
    (org,) = json.loads(result.output)["organisations"]
    assert (org["organisation"], org["respondents"]) == ("acme", len(people))


# ------------------------------------------------------------------------------ the surveys ---


def test_qualtrics_definition_shape(instrument: Instrument) -> None:
    """Advanced Format: text item with the partial-fit rule, role and unit first, one
    single-answer question per item tagged with its id, levels 1–5 then N/A (97) and Don't
    know (98), a block per pillar."""
    txt = survey_definition("qualtrics-txt", instrument)
    assert txt.startswith("[[AdvancedFormat]]\n")
    questions = parse_qualtrics(txt)
    assert [q.kind for q in questions[:3]] == ["DB", "TE:SingleLine", "TE:SingleLine"]
    assert instrument.meta.partial_fit_rule in questions[0].text
    assert [q.tag for q in questions[1:3]] == ["Role", "Unit"]
    items = [q for q in questions if q.kind == "MC:SingleAnswer:Vertical"]
    assert [q.tag.replace("_", "-") for q in items] == list(instrument.questions)
    assert txt.count("[[ID:") == len(questions)
    assert [c for c, _ in items[0].choices] == ["1", "2", "3", "4", "5", "97", "98"]
    assert items[0].choices[2][1].startswith("3 – Defined: ")
    assert txt.count("[[Block:") == len(instrument.pillars) + 2


def test_limesurvey_definition_shape(instrument: Instrument) -> None:
    """Tab-separated structure: LimeSurvey's base columns, one language, codes of letters and
    digits that spell the ids, a list with comment per item with answer codes 1–5, NA, DK."""
    tsv = survey_definition("limesurvey-tsv", instrument, audience="pmo")
    header = tsv.splitlines()[0].split("\t")
    assert header[:6] == ["id", "related_id", "class", "type/scale", "name", "relevance"]
    questions = parse_limesurvey(tsv)
    items = [q for q in questions if q.kind == "O"]
    assert [q.tag for q in items] == [q.replace("-", "") for q in instrument.routed(["pmo"])]
    assert all(q.tag.isalnum() and q.tag[0].isalpha() for q in questions)
    assert [c for c, _ in items[0].choices] == ["1", "2", "3", "4", "5", "NA", "DK"]
    assert {row.split("\t")[8] for row in tsv.splitlines()[1:] if row.split("\t")[2] != "S"} == {
        "en"
    }


@pytest.mark.parametrize("numeric", [True, False], ids=["numeric", "choice-text"])
def test_qualtrics_round_trip(
    tmp_path: Path, numeric: bool, returned: Path, instrument: Instrument, people: list[Respondent]
) -> None:
    """A Qualtrics export of the generated survey reads back without editing a header and
    scores exactly as the same answers through the questionnaire (the preview left out)."""
    txt = survey_definition("qualtrics-txt", instrument)
    path = tmp_path / "acme_November 21, 2026_10.12.csv"
    path.write_text(qualtrics_export(txt, people, numeric=numeric), encoding="utf-8", newline="")
    rs = _ok(path, instrument)
    assert len(rs.respondents) == len(people)
    assert _figures(rs, instrument) == _figures(
        _ok(returned, instrument), instrument, item_comments=False
    )


@pytest.mark.parametrize(
    ("headings", "full"),
    [("code", False), ("codetext", False), ("full", True), ("code", True)],
    ids=["codes", "code-and-text", "full-text", "codes-full-answers"],
)
def test_limesurvey_round_trip(
    tmp_path: Path,
    headings: str,
    full: bool,
    returned: Path,
    instrument: Instrument,
    people: list[Respondent],
) -> None:
    """A LimeSurvey export of the generated structure — code, code-and-text or full-text headings,
    answer codes or full answers — scores exactly as the questionnaires."""
    tsv = survey_definition("limesurvey-tsv", instrument)
    path = tmp_path / "results-survey123456.csv"
    path.write_bytes(
        limesurvey_export(tsv, people, instrument, headings=headings, full_answers=full)
    )
    rs = _ok(path, instrument)
    assert len(rs.respondents) == len(people)
    assert _figures(rs, instrument) == _figures(_ok(returned, instrument), instrument)


def test_survey_command_writes_both_formats(tmp_path: Path) -> None:
    """`pmo2vmo survey` writes each format; an unknown audience exits 2 with a message."""
    from click.testing import CliRunner

    from pmo2vmo.cli import main

    runner = CliRunner()
    for fmt, name in (("qualtrics-txt", "s.txt"), ("limesurvey-tsv", "s-ls.txt")):
        result = runner.invoke(main, ["survey", "--format", fmt, "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "s.txt").read_text(encoding="utf-8").startswith("[[AdvancedFormat]]")
    bad = runner.invoke(main, ["survey", "--format", "qualtrics-txt", "--audience", "board",
                               "--out", str(tmp_path / "x.txt")])  # fmt: skip
    assert bad.exit_code == 2
    assert "unknown audience 'board'" in bad.output
    assert not (tmp_path / "x.txt").exists()


def test_load_responses_merges_folder_and_file(
    returned: Path, tmp_path: Path, instrument: Instrument, people: list[Respondent]
) -> None:
    """A folder and a survey export given together are two organisations' responses."""
    txt = survey_definition("qualtrics-txt", instrument)
    path = tmp_path / "globex.csv"
    path.write_text(qualtrics_export(txt, people, numeric=True), encoding="utf-8")
    rs = load_responses([returned, path], instrument)
    assert rs.organisations == ["acme", "globex"]


# ------------------------------------------------------------------ another program's re-save ---

SOFFICE = shutil.which("soffice")


def _soffice(tmp_path: Path, source: Path, target: str) -> Path:
    """Convert ``source`` with LibreOffice headless (its own profile, so runs do not collide)."""
    if SOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing: .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / "converted"
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    target, "--outdir", str(out), str(source)], check=True, capture_output=True,
                   timeout=180)  # fmt: skip
    (converted,) = out.iterdir()
    return converted


def test_resaved_by_libreoffice_reads_back_with_progress(
    tmp_path: Path, blank: Path, instrument: Instrument, people: list[Respondent]
) -> None:
    """A filled questionnaire re-saved by LibreOffice reads back to the same answers, and its
    progress formula has been calculated ("N of M answered")."""
    filled = fill_questionnaire(blank, tmp_path / "R01.xlsx", people[0])
    resaved = _soffice(tmp_path, filled, "xlsx:Calc MS Excel 2007 XML")
    before, after = _ok(filled, instrument), _ok(resaved, instrument)
    columns = ["question", "kind", "value", "comment"]
    assert after.answers[columns].equals(before.answers[columns])
    progress = _labelled(openpyxl.load_workbook(resaved, data_only=True)["Questionnaire"])
    assert (
        progress["Progress:"].value
        == f"{len(people[0].answers)} of {len(instrument.questions)} answered"
    )


def test_prints_to_pdf_pages_with_every_question(
    tmp_path: Path, blank: Path, instrument: Instrument
) -> None:
    """LibreOffice prints the questionnaire landscape, one page wide, the respondent cells on
    page 1 and every question id on some page, the table's heading repeated on each page."""
    from pypdf import PdfReader

    pdf = PdfReader(_soffice(tmp_path, blank, "pdf"))
    texts = [page.extract_text() for page in pdf.pages]
    assert len(texts) > 3
    assert "Respondent ID:" in texts[0]
    assert all("Your answer" in text for text in texts)
    assert all(qid in "".join(texts) for qid in instrument.questions)
    box = pdf.pages[0].mediabox
    assert box.width > box.height  # landscape


# ---------------------------------------------------------------------------------- the batch ---


def test_batch_client_may_be_a_folder(tmp_path: Path, returned: Path) -> None:
    """In a batch a subfolder of IN_DIR is one client (a folder of logos is none); a rerun skips
    it until a file in it changes."""
    from pmo2vmo.execute import batch

    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    shutil.copytree(returned, in_dir / "acme")
    (in_dir / "logos").mkdir()
    (in_dir / "logos" / "acme.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    first = batch.run_batch(in_dir, out_dir, formats="html", progress=False)
    assert [(r.client, r.status) for r in first.results] == [("acme", "ok")]
    assert (out_dir / "acme" / "report.html").is_file()
    second = batch.run_batch(in_dir, out_dir, formats="html", progress=False)
    assert [r.status for r in second.results] == ["skipped"]
    (in_dir / "acme" / "R01.xlsx").unlink()
    third = batch.run_batch(in_dir, out_dir, formats="html", progress=False)
    assert [r.status for r in third.results] == ["ok"]
