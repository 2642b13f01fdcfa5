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
    assert errors == [
        ("acme/R01.xlsx", "respondent 'R01' of 'acme' is also in acme/R01-again.xlsx")
    ]


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


# ------------------------------------------------------------------- what comes back mangled ---


def _edited(blank: Path, out: Path, person: Respondent, edit: Any) -> Path:
    """A filled questionnaire then changed by ``edit(worksheet)``, as another program might."""
    fill_questionnaire(blank, out, person)
    wb = openpyxl.load_workbook(out)
    edit(wb["Questionnaire"])
    wb.save(out)
    return out


def _row_of(ws: Any, qid: str) -> int:
    return next(r[0].row for r in ws.iter_rows() if r[0].value == qid)


def _errors(path: Path, instrument: Instrument) -> list[tuple[str, int | None, str | None, str]]:
    _, problems = inspect_file(path, instrument)
    return [(p.file, p.row, p.column, p.message) for p in problems if p.severity == "error"]


def test_merge_over_answer_cells_is_reported(
    tmp_path: Path, blank: Path, instrument: Instrument
) -> None:
    """A merged range that starts on a heading row and covers answer cells is an error, not two
    answers silently lost."""
    person = Respondent("R1", None, None, {"PB-GOV-01": 3, "PB-GOV-02": 4, "PB-GOV-03": 2})

    def merge(ws: Any) -> None:
        first = _row_of(ws, "PB-GOV-01")
        ws.merge_cells(f"H{first - 1}:H{first + 1}")

    errors = _errors(_edited(blank, tmp_path / "merged.xlsx", person, merge), instrument)
    assert len(errors) == 1
    assert "are merged" in errors[0][3]


def test_formula_without_result_in_an_answer_is_reported(
    tmp_path: Path, blank: Path, instrument: Instrument
) -> None:
    """A formula never calculated in an answer cell is an error; the progress line's own formula
    (never calculated either, the file not opened by a spreadsheet) is not."""
    person = Respondent("R1", None, None, {"PB-GOV-01": 3})

    def formula(ws: Any) -> None:
        ws[f"H{_row_of(ws, 'PB-GOV-02')}"] = "=1+2"

    errors = _errors(_edited(blank, tmp_path / "formula.xlsx", person, formula), instrument)
    assert [e[3].split(" (")[0] for e in errors] == [
        f"cell H{_row_of(_sheet(blank), 'PB-GOV-02')} holds a formula"
    ]


@pytest.mark.parametrize("typed", [None, "PB GOV 02"], ids=["cleared", "mistyped"])
def test_answer_whose_id_was_lost_is_an_error(
    tmp_path: Path, blank: Path, instrument: Instrument, typed: str | None
) -> None:
    """A row whose id cell was cleared or mistyped but that holds an answer is an error naming
    the row and the Id column, not a skipped heading."""
    person = Respondent("R1", None, None, {"PB-GOV-01": 3, "PB-GOV-02": 4})
    row = _row_of(_sheet(blank), "PB-GOV-02")

    def lose(ws: Any) -> None:
        ws[f"A{row}"] = typed

    (error,) = _errors(_edited(blank, tmp_path / "lost.xlsx", person, lose), instrument)
    assert error[1:3] == (row, "A (Id)")
    assert error[3].startswith("an answer without its question")


def test_client_level_name_with_a_colon_reads(tmp_path: Path, instrument: Instrument) -> None:
    """The drop-down label of a level the profile renamed with a colon ("3 - Standard: in use")
    reads as that level, and so does its survey choice text with the descriptor."""
    profile = tmp_path / "p.yaml"
    profile.write_text('level_names: {3: "Standard: in use", 4: "R&D <ready>"}\n')
    blank = api.make_questionnaire(tmp_path / "q.xlsx", profile=profile)
    filled = fill_questionnaire(
        blank, tmp_path / "f.xlsx", Respondent("R1", None, None, {"PB-GOV-01": 3, "PB-GOV-02": 4})
    )
    from pmo2vmo.model.profile import load_profile

    rs, problems = inspect_file(filled, instrument, load_profile(profile))
    assert rs is not None, [p.message for p in problems]
    assert sorted(rs.answers["value"]) == [3.0, 4.0]
    from pmo2vmo.ingest.answers import AnswerParser

    parser = AnswerParser(instrument.tailored(load_profile(profile)))
    assert parser.parse("3 – Standard: in use: An approved charter…").value == 3
    assert parser.parse("4 – R&amp;D &lt;ready&gt;: Each PMO service…").value == 4


def test_prefilled_text_that_looks_like_a_formula_reads_back_as_given(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A pre-filled respondent id or role starting like a formula is text, read back unchanged."""
    blank = api.make_questionnaire(tmp_path / "q.xlsx", respondent="-R7", role="=Lead")
    wb = openpyxl.load_workbook(blank)
    ws = wb["Questionnaire"]
    next(r for r in ws.iter_rows() if r[0].value == "PB-GOV-01")[7].value = 3
    wb.save(blank)
    (who,) = _ok(blank, instrument).respondents.to_dict("records")
    assert (who["respondent"], who["role"]) == ("-R7", "=Lead")


# ---------------------------------------------------------------------- folders, every problem ---


def test_folder_reports_every_problem_in_one_pass(
    tmp_path: Path, blank: Path, instrument: Instrument
) -> None:
    """A bad file in a folder does not hide the others' problems: a repeated respondent, a
    subfolder and a stray file are reported with it."""
    folder = tmp_path / "acme"
    folder.mkdir()
    fill_questionnaire(blank, folder / "a.xlsx", Respondent("R1", None, None, {"PB-GOV-01": 3}))
    fill_questionnaire(blank, folder / "b.xlsx", Respondent("R1", None, None, {"PB-GOV-02": 3}))
    fill_questionnaire(blank, folder / "c.xlsx", Respondent("R2", None, None, {"PB-GOV-02": "x"}))
    (folder / "old").mkdir()
    (folder / "notes.docx").write_bytes(b"PK")
    files = {e[0] for e in _errors(folder, instrument)}
    assert files == {"acme/b.xlsx", "acme/c.xlsx", "acme/old", "acme/notes.docx"}


def test_blank_return_in_a_folder_is_left_out_with_a_warning(
    tmp_path: Path, returned: Path, blank: Path, instrument: Instrument, people: list[Respondent]
) -> None:
    """One questionnaire returned blank among others is left out with a warning; alone, it is
    an error."""
    folder = tmp_path / "acme"
    shutil.copytree(returned, folder)
    shutil.copy(blank, folder / "blank.xlsx")
    rs, problems = inspect_file(folder, instrument)
    assert rs is not None
    assert len(rs.respondents) == len(people)
    assert any(p.file == "acme/blank.xlsx" and "left out" in p.message for p in problems)
    assert _errors(blank, instrument)[0][3] == "no question of the questionnaire is answered"


def test_journal_and_questionnaire_of_one_respondent_name_both(
    tmp_path: Path, blank: Path, instrument: Instrument
) -> None:
    """The same respondent in a workshop journal and a questionnaire of one folder is an error
    naming both files."""
    folder = tmp_path / "acme"
    folder.mkdir()
    fill_questionnaire(blank, folder / "r1.xlsx", Respondent("R1", None, None, {"PB-GOV-01": 3}))
    (folder / "R1.jsonl").write_text(
        '{"v": 1, "seq": 1, "respondent": "R1", "question": "PB-GOV-02", "answer": 4}\n'
    )
    (error,) = _errors(folder, instrument)
    assert error[0] == "acme/r1.xlsx"
    assert error[3] == "respondent 'R1' of 'acme' is also in acme/R1.jsonl"


def test_two_folders_with_one_file_name_judge_partials_apart(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Two organisations' folders holding the same file name keep apart which questions each
    file asks: a finance respondent who answered all their questions is not partial."""
    finance = api.make_questionnaire(tmp_path / "fin.xlsx", audience="finance")
    everyone = api.make_questionnaire(tmp_path / "all.xlsx")
    asked = instrument.routed(["finance"])
    for name, blank, answers in (("a", finance, dict.fromkeys(asked, 3)),
                                 ("b", everyone, dict.fromkeys(list(instrument.questions)[:40], 2))):  # fmt: skip
        (tmp_path / name).mkdir()
        fill_questionnaire(
            blank, tmp_path / name / "r.xlsx", Respondent(f"{name}1", None, None, answers)
        )
    rs = load_responses([tmp_path / "a", tmp_path / "b"], instrument)
    partial = [w.message for w in rs.warnings if "partial response" in w.message]
    assert len(partial) == 1
    assert "'b1'" in partial[0]


def test_batch_folder_hash_is_the_reports_and_ignores_lock_files(
    tmp_path: Path, returned: Path, instrument: Instrument
) -> None:
    """A folder client's input hash is the one its reader (and so its report) computes, and an
    Office lock file beside the questionnaires does not change it."""
    from pmo2vmo.execute.clients import discover, fingerprint

    in_dir = tmp_path / "in"
    in_dir.mkdir()
    shutil.copytree(returned, in_dir / "acme")
    (client,) = discover(in_dir)
    before = fingerprint(client, ["html"], "env")
    assert before["input_sha256"] == load_responses([in_dir / "acme"], instrument).input_sha256
    (in_dir / "acme" / "~$R01.xlsx").write_bytes(b"lock")
    assert fingerprint(client, ["html"], "env") == before


# ------------------------------------------------------------- the surveys, hostile and mangled ---

HOSTILE = 'client: "Harbour & Sons <b>{x}</b> [[Block:y]] ${e://Field/x} ]]"\n'


def test_client_text_in_survey_files_is_data(tmp_path: Path, instrument: Instrument) -> None:
    """Client text with markup, tags, piped text and braces changes neither survey's structure
    and is shown as text: no tag, block, expression or pipe of its own."""
    from pmo2vmo.model.profile import load_profile

    (tmp_path / "p.yaml").write_text(HOSTILE)
    profile = load_profile(tmp_path / "p.yaml")
    plain_txt = survey_definition("qualtrics-txt", instrument)
    txt = survey_definition("qualtrics-txt", instrument, profile)
    assert txt.count("[[") == plain_txt.count("[[")
    assert "${e:" not in txt
    assert "<b>" not in txt
    assert "Harbour &amp; Sons" in txt
    tsv = survey_definition("limesurvey-tsv", instrument, profile)
    plain_tsv = survey_definition("limesurvey-tsv", instrument)
    assert len(tsv.splitlines()) == len(plain_tsv.splitlines())
    title = next(r.split("\t")[6] for r in tsv.splitlines() if "\tsurveyls_title\t" in r)
    assert (
        title
        == "PMO-to-VMO readiness assessment — Harbour & Sons ‹b›(x)‹/b› ((Block:y)) $(e://Field/x) ))"
    )
    assert "{" not in tsv.replace("&#123;", "")


def test_limesurvey_codes_are_checked_reversible() -> None:
    """Two ids sharing a LimeSurvey code, or a code LimeSurvey would rename, are refused."""
    from types import SimpleNamespace

    from pmo2vmo.errors import InstrumentError
    from pmo2vmo.render.survey_files import _check_codes

    refs: Any = [
        SimpleNamespace(question=SimpleNamespace(id=i)) for i in ("PB-GOV-01", "PBG-OV-01")
    ]
    with pytest.raises(InstrumentError, match="share the LimeSurvey code 'PBGOV01'"):
        _check_codes(refs)
    long: Any = [SimpleNamespace(question=SimpleNamespace(id="ABCD-EFGHIJKLMNOPQRS-01"))]
    with pytest.raises(InstrumentError, match="cannot take the code"):
        _check_codes(long)


def test_timing_and_display_order_columns_are_passed_over(
    tmp_path: Path, returned: Path, instrument: Instrument, people: list[Respondent]
) -> None:
    """LimeSurvey's question timings (PBGOV01Time, Question time: PBGOV01) and Qualtrics'
    display-order columns (PB_GOV_01_DO) are no answers: the exports score as without them."""
    expected = _figures(_ok(returned, instrument), instrument)
    tsv = survey_definition("limesurvey-tsv", instrument)
    for headings in ("code", "full"):
        path = tmp_path / f"ls-{headings}.csv"
        path.write_bytes(
            limesurvey_export(tsv, people, instrument, headings=headings, timings=True)
        )
        assert _figures(_ok(path, instrument), instrument) == expected
    txt = survey_definition("qualtrics-txt", instrument)
    path = tmp_path / "q.csv"
    path.write_text(
        qualtrics_export(txt, people, numeric=True, display_order=True), encoding="utf-8"
    )
    assert _figures(_ok(path, instrument), instrument) == _figures(
        _ok(returned, instrument), instrument, item_comments=False
    )


def test_lookalike_headers_are_no_questions(tmp_path: Path, instrument: Instrument) -> None:
    """An embedded-data column shaped like an underscored id (utm_src_01) is passed over, not an
    unknown question."""
    path = tmp_path / "e.csv"
    path.write_text("ResponseId,PB-GOV-01,utm_src_01\nR1,3,abc\n")
    assert list(_ok(path, instrument).answers["question"]) == ["PB-GOV-01"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["ResponseId", "PB-GOV-01"], ["R1", "97"]], "'97' is out of range"),
        ([["ResponseId", "Finished", "PB_GOV_01"], ["R1", "1", "99"]], "'99' is out of range"),
    ],
    ids=["97-outside-qualtrics", "99-inside-qualtrics"],
)
def test_recodes_count_only_in_qualtrics_and_99_is_refused(
    tmp_path: Path, instrument: Instrument, rows: list[list[str]], message: str
) -> None:
    """97 and 98 mean N/A and Don't know only in a Qualtrics file; 99 is refused there too."""
    path = tmp_path / "x.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    (error,) = _errors(path, instrument)
    assert message in error[3]


def test_qualtrics_recodes_read_as_na_and_dont_know(tmp_path: Path, instrument: Instrument) -> None:
    """In a Qualtrics numeric export, 97 is N/A and 98 Don't know."""
    path = tmp_path / "q.csv"
    path.write_text("ResponseId,Finished,PB_GOV_01,PB_GOV_02,PB_GOV_03\nR1,1,97,98,4\n")
    rs = _ok(path, instrument)
    assert list(rs.answers["kind"]) == ["na", "dk", "score"]


def test_from_survey_definition_to_report_without_editing_a_header(
    tmp_path: Path, instrument: Instrument, people: list[Respondent]
) -> None:
    """`pmo2vmo survey --format qualtrics-txt`, the tool's export as it comes, `pmo2vmo run`:
    the client report, with every respondent, and no header touched."""
    from click.testing import CliRunner

    from pmo2vmo.cli import main
    from pmo2vmo.execute.run import run_report

    definition = tmp_path / "acme-qualtrics.txt"
    result = CliRunner().invoke(
        main, ["survey", "--format", "qualtrics-txt", "--out", str(definition)]
    )
    assert result.exit_code == 0, result.output
    export = tmp_path / "Acme.csv"
    export.write_text(qualtrics_export(definition.read_text(encoding="utf-8"), people, numeric=False),
                      encoding="utf-8", newline="")  # fmt: skip
    (outcome,) = run_report(export, tmp_path / "out", formats="html")
    assert outcome.status == "ok", outcome.error
    html = next(p for p in outcome.outputs if p.suffix == ".html").read_text(encoding="utf-8")
    assert "Acme" in html
    assert f"{len(people)} people answered" in html
