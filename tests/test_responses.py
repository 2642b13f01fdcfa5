"""Reading responses: every input layout, encoding and header style the product promises to read.

Bad input (and what it must report) is in test_bad_inputs.py; these are the files that must load.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from pmo2vmo.errors import InputProblem
from pmo2vmo.ingest.responses import ResponseSet, inspect_file, load_responses
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.render.template import answer_labels, question_header, write_template

Q1, Q2, Q3 = "PB-GOV-01", "PB-GOV-02", "PB-GOV-03"


# ------------------------------------------------------------------------------------ helpers ---


def write_csv(
    path: Path, rows: list[list[Any]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    """Write rows as CSV the way Excel does (CRLF line ends), in the given encoding."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]], title: str = "Responses") -> Path:
    """Write rows into a one-sheet workbook."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def read_ok(
    path: Path, instrument: Instrument, profile: Profile | None = None
) -> tuple[ResponseSet, list[InputProblem]]:
    """Read a file that must have no errors; return the responses and the warnings."""
    responses, problems = inspect_file(path, instrument, profile)
    errors = [p for p in problems if p.severity == "error"]
    assert not errors, errors
    assert responses is not None
    return responses, problems


def header(instrument: Instrument, qid: str) -> str:
    return question_header(qid, instrument.questions[qid].question.text)


def all_headers(instrument: Instrument) -> list[str]:
    return [header(instrument, q) for q in instrument.questions]


def answers_of(rs: ResponseSet, respondent: str) -> dict[str, tuple[str, float]]:
    """question -> (kind, value) for one respondent."""
    mine = rs.answers[rs.answers["respondent"] == respondent]
    return {q: (k, v) for q, k, v in mine[["question", "kind", "value"]].itertuples(index=False)}


def kinds(rs: ResponseSet, respondent: str) -> dict[str, str]:
    """question -> kind (score, na, dk) for one respondent."""
    return {q: kind for q, (kind, _) in answers_of(rs, respondent).items()}


def score(rs: ResponseSet, respondent: str, question: str) -> float:
    kind, value = answers_of(rs, respondent)[question]
    assert kind == "score"
    return value


def texts(values: Any) -> list[Any]:
    """A column's values as a list, missing ones as None (pandas may hold them as NaN)."""
    return [None if pd.isna(v) else v for v in values]


def messages(problems: list[InputProblem]) -> str:
    return "\n".join(p.message for p in problems)


# ------------------------------------------------------------------------------ the template ---


def _fill_template(path: Path, rows: list[list[Any]]) -> None:
    """Fill the Responses sheet from row 2, as a respondent would in Excel."""
    book = openpyxl.load_workbook(path)
    sheet = book["Responses"]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    book.save(path)


def test_template_round_trip(tmp_path: Path, instrument: Instrument) -> None:
    """The workbook from write_template, filled in with its drop-down labels, reads back whole."""
    path = write_template(tmp_path / "responses.xlsx", instrument)
    labels = answer_labels(instrument)
    n = len(instrument.questions)
    first = ["Acme", "R01", "Executive", "Finance", *[labels[i % 7] for i in range(n)], "Good"]
    second = ["Acme", "007", "PMO analyst", "PMO", *(["4 - Managed"] * (n - 1)), None, None]
    _fill_template(path, [first, second])

    rs = load_responses([path], instrument)

    assert rs.files[0].format == "wide-xlsx"
    assert rs.organisations == ["Acme"]
    assert list(rs.respondents["respondent"]) == ["R01", "007"]
    assert list(rs.respondents["role"]) == ["Executive", "PMO analyst"]
    assert texts(rs.respondents["comment"]) == ["Good", None]
    assert len(rs.answers) == 2 * n - 1
    r01 = rs.answers[rs.answers["respondent"] == "R01"]
    assert r01["kind"].value_counts().to_dict() == {
        "score": len([i for i in range(n) if i % 7 < 5]),
        "na": len([i for i in range(n) if i % 7 == 5]),
        "dk": len([i for i in range(n) if i % 7 == 6]),
    }
    assert set(rs.answers.loc[rs.answers["kind"] == "score", "value"]) == {1, 2, 3, 4, 5}
    assert not any("have no column" in w.message for w in rs.warnings)


def test_template_prefilled_for_a_client_reads_back(tmp_path: Path, instrument: Instrument) -> None:
    """A client's template (organisation pre-filled on every row) reads only the filled-in rows."""
    profile = Profile(client="Acme Corp")
    path = write_template(tmp_path / "acme.xlsx", instrument, profile)
    n = len(instrument.questions)
    _fill_template(path, [[None, "R01", "Executive", "Finance", *([3] * n)]])

    rs, problems = read_ok(path, instrument, profile)

    assert list(rs.respondents["organisation"]) == ["Acme Corp"]
    assert list(rs.respondents["respondent"]) == ["R01"]
    assert len(rs.answers) == n
    assert "respondent id is empty" not in messages(problems)


def test_unfilled_template_has_no_responses(tmp_path: Path, instrument: Instrument) -> None:
    """A template nobody filled in is one error, 'header but no responses', even when pre-filled."""
    profile = Profile(client="Acme Corp")
    path = write_template(tmp_path / "acme.xlsx", instrument, profile)
    responses, problems = inspect_file(path, instrument, profile)
    assert responses is None
    assert [p.message for p in problems if p.severity == "error"] == [
        "the file has a header but no responses"
    ]


def test_template_row_with_answers_but_no_respondent_is_an_error(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A filled-in row without a respondent id is still an error at that row."""
    path = write_template(tmp_path / "responses.xlsx", instrument)
    _fill_template(path, [["Acme", "R01", None, None, 3], ["Acme", None, None, None, 4]])
    _, problems = inspect_file(path, instrument)
    (error,) = [p for p in problems if p.severity == "error"]
    assert (error.message, error.row, error.sheet) == ("respondent id is empty", 3, "Responses")


# ---------------------------------------------------------------------------- wide CSV / xlsx ---


@pytest.mark.parametrize(
    "text",
    [
        "[PB-GOV-01] The PMO has a written mandate",
        "PB-GOV-01",
        "PB-GOV-01: The PMO has a written mandate",
        "PB-GOV-01 - The PMO has a written mandate",
        "The PMO has a written mandate (PB-GOV-01)",
        "Q1. The PMO has a written mandate [pb-gov-01]",
        "1) Governance|PB-GOV-01|mandate",
    ],
)
def test_question_id_is_found_anywhere_in_the_header(
    tmp_path: Path, instrument: Instrument, text: str
) -> None:
    """A question's column is found by its id wherever the header puts it, in any case."""
    path = write_csv(tmp_path / "survey.csv", [["Respondent ID", text], ["R01", "4"]])
    rs, _ = read_ok(path, instrument)
    assert rs.files[0].format == "wide-csv"
    assert answers_of(rs, "R01") == {Q1: ("score", 4.0)}


def test_id_followed_by_more_digits_is_not_that_question(
    tmp_path: Path, instrument: Instrument
) -> None:
    """'PB-GOV-011' is not PB-GOV-01: an id must not run on into more digits."""
    path = write_csv(tmp_path / "s.csv", [["Respondent ID", "PB-GOV-011 x", Q2], ["R01", 1, 2]])
    rs, _ = read_ok(path, instrument)
    assert answers_of(rs, "R01") == {Q2: ("score", 2.0)}


def test_question_comment_columns_attach_to_the_answer(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A '[ID] Comment' column holds the comment on that question's answer, not an answer."""
    rows = [
        ["Respondent ID", f"[{Q1}] Mandate", f"[{Q1}] Comment", "Comments"],
        ["R01", "3", "Charter is from 2019", "Overall fine"],
    ]
    rs, _ = read_ok(write_csv(tmp_path / "s.csv", rows), instrument)
    assert list(rs.answers["comment"]) == ["Charter is from 2019"]
    assert list(rs.respondents["comment"]) == ["Overall fine"]


def test_qualtrics_three_header_rows(tmp_path: Path, instrument: Instrument) -> None:
    """A Qualtrics export (ids row, question-text row, ImportId row) reads from row 4 on."""
    ids = ["StartDate", "EndDate", "Status", "Progress", "Finished", "ResponseId"]
    ids += ["RecipientEmail", "Role", Q1, Q2, Q3]
    texts = ["Start Date", "End Date", "Response Type", "Progress", "Finished", "Response ID"]
    texts += ["Recipient Email", "Your role", header(instrument, Q1), "Decision points", "Strategy"]
    imports = [
        '{"ImportId":"startDate","timeZone":"Europe/London"}',
        '{"ImportId":"endDate","timeZone":"Europe/London"}',
        '{"ImportId":"status"}',
        '{"ImportId":"progress"}',
        '{"ImportId":"finished"}',
        '{"ImportId":"_recordId"}',
        '{"ImportId":"recipientEmail"}',
        '{"ImportId":"QID1"}',
        '{"ImportId":"QID2"}',
        '{"ImportId":"QID3"}',
        '{"ImportId":"QID4"}',
    ]
    data = [
        ["2026-03-02 10:00:00", "2026-03-02 10:09:00", "IP Address", "100", "True", "R_1aB"],
        ["2026-03-02 11:00:00", "2026-03-02 11:12:00", "IP Address", "100", "True", "R_2cD"],
    ]
    data[0] += ["a@example.com", "Executive", "3 - Defined", "N/A", "2"]
    data[1] += ["b@example.com", "PMO analyst", "4", "Don't know", "5"]
    path = write_csv(tmp_path / "qualtrics.csv", [ids, texts, imports, *data])

    rs, _ = read_ok(path, instrument)

    assert list(rs.respondents["respondent"]) == ["R_1aB", "R_2cD"]
    assert list(rs.respondents["role"]) == ["Executive", "PMO analyst"]
    assert list(rs.respondents["row"]) == [4, 5]
    assert kinds(rs, "R_1aB") == {Q1: "score", Q2: "na", Q3: "score"}
    assert kinds(rs, "R_2cD") == {Q1: "score", Q2: "dk", Q3: "score"}
    assert score(rs, "R_1aB", Q1) == 3
    assert score(rs, "R_2cD", Q3) == 5


def test_qualtrics_with_ids_only_in_the_text_row(tmp_path: Path, instrument: Instrument) -> None:
    """Qualtrics' Q1, Q2 names in row 1 with '[ID] text' in row 2 still find the questions."""
    rows = [
        ["ResponseId", "Q1", "Q2"],
        ["Response ID", header(instrument, Q1), header(instrument, Q2)],
        ['{"ImportId":"_recordId"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2"}'],
        ["R_1aB", "2", "3"],
    ]
    rs, _ = read_ok(write_csv(tmp_path / "q.csv", rows), instrument)
    assert answers_of(rs, "R_1aB") == {Q1: ("score", 2.0), Q2: ("score", 3.0)}


def test_microsoft_forms_layout(tmp_path: Path, instrument: Instrument) -> None:
    """Microsoft Forms' ID, Start time, Completion time, Email, Name columns: ID is the respondent."""
    import datetime as dt

    start = dt.datetime(2026, 3, 2, 10, 0)
    rows = [
        ["ID", "Start time", "Completion time", "Email", "Name", header(instrument, Q1), Q2],
        [1, start, start, "anonymous", None, "Defined", "2 - Developing"],
        [2, start, start, "anonymous", None, "Managed", "Level 5"],
    ]
    path = write_xlsx(tmp_path / "forms.xlsx", rows, title="Sheet1")

    rs, _ = read_ok(path, instrument)

    assert list(rs.respondents["respondent"]) == ["1", "2"]
    assert answers_of(rs, "1") == {Q1: ("score", 3.0), Q2: ("score", 2.0)}
    assert answers_of(rs, "2") == {Q1: ("score", 4.0), Q2: ("score", 5.0)}


def test_google_forms_layout(tmp_path: Path, instrument: Instrument) -> None:
    """Google Forms' Timestamp, Email Address columns: the email is the respondent."""
    rows = [
        ["Timestamp", "Email Address", header(instrument, Q1), header(instrument, Q2)],
        ["2026/03/02 10:00:00 AM GMT", "ann@example.com", "3 - Defined", "4 - Managed"],
        ["2026/03/02 10:05:00 AM GMT", "bob@example.com", "1 - Initial", "N/A"],
    ]
    rs, _ = read_ok(write_csv(tmp_path / "google.csv", rows), instrument)
    assert list(rs.respondents["respondent"]) == ["ann@example.com", "bob@example.com"]
    assert answers_of(rs, "ann@example.com") == {Q1: ("score", 3.0), Q2: ("score", 4.0)}


def test_workbook_sheet_is_found_by_its_question_ids(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Without a 'Responses' sheet, the sheet whose header names questions is read."""
    book = openpyxl.Workbook()
    book.active.title = "Read me"
    book.active.append(["Please answer every question."])
    data = book.create_sheet("Form Responses 1")
    data.append(["Respondent", header(instrument, Q1)])
    data.append(["R01", 4])
    path = tmp_path / "book.xlsx"
    book.save(path)
    rs, problems = read_ok(path, instrument)
    assert answers_of(rs, "R01") == {Q1: ("score", 4.0)}
    assert {p.sheet for p in problems} <= {"Form Responses 1"}


def test_workbook_named_csv_is_read_as_a_workbook(tmp_path: Path, instrument: Instrument) -> None:
    """The format comes from the content: an xlsx saved under a .csv name is read as a workbook."""
    path = write_xlsx(tmp_path / "export.csv", [["Respondent ID", Q1], ["R01", 2]])
    rs, _ = read_ok(path, instrument)
    assert rs.files[0].format == "wide-xlsx"
    assert answers_of(rs, "R01") == {Q1: ("score", 2.0)}


def test_respondent_with_no_answers_is_left_out_with_a_warning(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A row with a respondent id but no answers is dropped with a warning at that row."""
    rows = [["Respondent ID", Q1], ["R01", 3], ["R02", ""]]
    rs, problems = read_ok(write_csv(tmp_path / "s.csv", rows), instrument)
    assert list(rs.respondents["respondent"]) == ["R01"]
    (warning,) = [p for p in problems if "gave no answers" in p.message]
    assert (warning.severity, warning.row) == ("warning", 3)


def test_file_without_respondent_column_numbers_respondents_by_row(
    tmp_path: Path, instrument: Instrument
) -> None:
    """With no respondent column, respondents are 'row-N' and a warning says so."""
    rows = [["Role", Q1], ["Executive", 3], ["PMO analyst", 4]]
    rs, problems = read_ok(write_csv(tmp_path / "s.csv", rows), instrument)
    assert list(rs.respondents["respondent"]) == ["row-2", "row-3"]
    assert "no respondent column" in messages(problems)


def test_answer_rows_follow_multiline_cells(tmp_path: Path, instrument: Instrument) -> None:
    """Row numbers are the lines a text editor shows, even after a comment spanning lines."""
    rows = [["Respondent ID", Q1, "Comments"], ["R01", 3, "one\ntwo\nthree"], ["R02", 4, ""]]
    rs, _ = read_ok(write_csv(tmp_path / "s.csv", rows), instrument)
    assert list(rs.respondents["row"]) == [2, 5]


# ------------------------------------------------------------------------------ tidy long form ---


def test_tidy_long_form(tmp_path: Path, instrument: Instrument) -> None:
    """organisation, respondent, role, unit, question, answer, comment: one row per answer."""
    rows = [
        ["organisation", "respondent", "role", "unit", "question", "answer", "comment"],
        ["Acme", "R01", "Executive", "Finance", Q1, "3", "ok"],
        ["Acme", "R01", "Executive", "Finance", Q2, "N/A", ""],
        ["Acme", "R02", "", "IT", Q1, "Don't know", ""],
        ["Beta", "R01", "PMO analyst", "PMO", Q1, "5 - Optimising", ""],
        ["Beta", "R01", "PMO analyst", "PMO", Q2, "", ""],
    ]
    rs, _ = read_ok(write_csv(tmp_path / "tidy.csv", rows), instrument)

    assert rs.files[0].format == "tidy"
    assert rs.organisations == ["Acme", "Beta"]
    got = rs.answers[["organisation", "respondent", "question", "kind", "comment", "row"]]
    got = got.astype(object).where(got.notna(), None)
    assert got.to_dict("records") == [
        {"organisation": "Acme", "respondent": "R01", "question": Q1, "kind": "score", "comment": "ok", "row": 2},
        {"organisation": "Acme", "respondent": "R01", "question": Q2, "kind": "na", "comment": None, "row": 3},
        {"organisation": "Acme", "respondent": "R02", "question": Q1, "kind": "dk", "comment": None, "row": 4},
        {"organisation": "Beta", "respondent": "R01", "question": Q1, "kind": "score", "comment": None, "row": 5},
    ]  # fmt: skip
    people = rs.respondents
    assert list(zip(people["organisation"], people["respondent"], strict=True)) == [
        ("Acme", "R01"),
        ("Acme", "R02"),
        ("Beta", "R01"),
    ]
    assert texts(people["role"]) == ["Executive", None, "PMO analyst"]


def test_tidy_headers_are_recognised_by_their_usual_names(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Tidy headers such as 'Company', 'Respondent ID', 'Question ID', 'Score' are recognised."""
    rows = [
        ["Company", "Respondent ID", "Job Title", "Department", "Question ID", "Score"],
        ["Acme", "R01", "Executive", "Finance", f"[{Q1}] Mandate", "4"],
    ]
    rs, _ = read_ok(write_csv(tmp_path / "tidy.csv", rows), instrument)
    assert rs.files[0].format == "tidy"
    assert rs.respondents[["organisation", "respondent", "role", "unit"]].values.tolist() == [
        ["Acme", "R01", "Executive", "Finance"]
    ]
    assert answers_of(rs, "R01") == {Q1: ("score", 4.0)}


def test_tidy_role_given_once_applies_to_the_respondent(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A respondent's role given on one row only (others blank) is that respondent's role."""
    rows = [
        ["organisation", "respondent", "role", "question", "answer"],
        ["Acme", "R01", "", Q1, "3"],
        ["Acme", "R01", "Executive", Q2, "4"],
        ["Acme", "R01", "", Q3, "4"],
    ]
    rs, _ = read_ok(write_csv(tmp_path / "tidy.csv", rows), instrument)
    assert list(rs.respondents["role"]) == ["Executive"]


# ---------------------------------------------------------------------------- capture journal ---


def _event(seq: int, respondent: str, question: str, answer: Any, **extra: Any) -> dict[str, Any]:
    return {
        "v": 1,
        "seq": seq,
        "ts": f"2026-03-02T10:00:{seq:02d}Z",
        "organisation": "Acme",
        "respondent": respondent,
        "role": "Executive",
        "unit": "Finance",
        "question": question,
        "answer": answer,
        "comment": None,
    } | extra


def write_journal(path: Path, events: list[dict[str, Any]], tail: str = "") -> Path:
    text = "".join(json.dumps(e) + "\n" for e in events) + tail
    path.write_text(text, encoding="utf-8")
    return path


def test_journal_last_seq_wins(tmp_path: Path, instrument: Instrument) -> None:
    """Per respondent and question, the event with the highest seq wins, wherever its line is."""
    events = [
        _event(1, "R01", Q1, 2),
        _event(5, "R01", Q2, "4 - Managed"),
        _event(3, "R01", Q2, 1),  # an older event written later: seq 5 still wins
        _event(4, "R01", Q1, "Defined", comment="changed my mind"),
        _event(2, "R02", Q1, "N/A"),
    ]
    rs, _ = read_ok(write_journal(tmp_path / "capture.jsonl", events), instrument)

    assert rs.files[0].format == "journal"
    assert answers_of(rs, "R01") == {Q1: ("score", 3.0), Q2: ("score", 4.0)}
    assert kinds(rs, "R02") == {Q1: "na"}
    r01 = rs.answers[rs.answers["respondent"] == "R01"].set_index("question")
    assert r01.loc[Q1, "comment"] == "changed my mind"
    assert r01.loc[Q1, "row"] == 4


def test_journal_null_answer_clears(tmp_path: Path, instrument: Instrument) -> None:
    """'answer': null clears an answer; a respondent whose answers are all cleared is left out."""
    events = [
        _event(1, "R01", Q1, 3),
        _event(2, "R01", Q2, 4),
        _event(3, "R01", Q1, None),
        _event(4, "R02", Q1, 2),
        _event(5, "R02", Q1, None),
    ]
    rs, _ = read_ok(write_journal(tmp_path / "capture.jsonl", events), instrument)
    assert answers_of(rs, "R01") == {Q2: ("score", 4.0)}
    assert list(rs.respondents["respondent"]) == ["R01"]


def test_journal_incomplete_last_line_is_a_warning(tmp_path: Path, instrument: Instrument) -> None:
    """A last line cut mid-write (the kernel died) is a warning; the events before it count."""
    events = [_event(1, "R01", Q1, 3), _event(2, "R01", Q2, 4)]
    path = write_journal(tmp_path / "capture.jsonl", events, tail='{"v": 1, "seq": 3, "resp')
    rs, problems = read_ok(path, instrument)
    assert answers_of(rs, "R01") == {Q1: ("score", 3.0), Q2: ("score", 4.0)}
    (warning,) = [p for p in problems if "incomplete" in p.message]
    assert (warning.severity, warning.row) == ("warning", 3)


def test_journal_respondent_takes_role_and_unit_of_the_latest_event(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A respondent's role and unit come from their latest event."""
    events = [_event(1, "R01", Q1, 3), _event(2, "R01", Q2, 4, role="Sponsor", unit="Board")]
    rs, _ = read_ok(write_journal(tmp_path / "capture.jsonl", events), instrument)
    assert rs.respondents[["role", "unit"]].values.tolist() == [["Sponsor", "Board"]]


def test_journal_is_recognised_by_content(tmp_path: Path, instrument: Instrument) -> None:
    """A journal saved under another name (capture.txt) is recognised from its content."""
    path = write_journal(tmp_path / "capture.txt", [_event(1, "R01", Q1, 3)])
    rs, _ = read_ok(path, instrument)
    assert rs.files[0].format == "journal"


def test_journal_without_organisation_takes_the_profile_client(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A journal event with organisation null belongs to the profile's client."""
    events = [_event(1, "R01", Q1, 3, organisation=None)]
    path = write_journal(tmp_path / "capture.jsonl", events)
    rs, _ = read_ok(path, instrument, Profile(client="Acme Corp"))
    assert rs.organisations == ["Acme Corp"]


# ---------------------------------------------------------------------------------- encodings ---


def test_utf8_with_bom(tmp_path: Path, instrument: Instrument) -> None:
    """UTF-8 with a BOM (Excel's 'CSV UTF-8'): the first header is still recognised."""
    rows = [["Respondent ID", "Organisation", Q1], ["R01", "Zürich Versicherung", "3"]]
    path = write_csv(tmp_path / "bom.csv", rows, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rs, _ = read_ok(path, instrument)
    assert list(rs.respondents["respondent"]) == ["R01"]
    assert rs.organisations == ["Zürich Versicherung"]


def test_windows_1252(tmp_path: Path, instrument: Instrument) -> None:
    """A Windows-1252 CSV (Excel's plain 'CSV' save) reads accents and curly quotes right."""
    rows = [
        ["Respondent ID", "Company", "Department", Q1, "Comments"],
        ["R01", "Société Générale", "Trésorerie", "Don’t know", "Coût: 5 €"],
    ]
    path = write_csv(tmp_path / "cp1252.csv", rows, encoding="cp1252")
    rs, _ = read_ok(path, instrument)
    assert rs.organisations == ["Société Générale"]
    assert rs.respondents[["unit", "comment"]].values.tolist() == [["Trésorerie", "Coût: 5 €"]]
    assert kinds(rs, "R01") == {Q1: "dk"}


def test_utf16_tab_separated(tmp_path: Path, instrument: Instrument) -> None:
    """Excel's 'Unicode Text' (UTF-16 with BOM, tab-separated) reads."""
    rows = [["Respondent ID", "Company", Q1], ["R01", "Åkers AB", "4"]]
    path = write_csv(tmp_path / "unicode.txt", rows, delimiter="\t", encoding="utf-16")
    rs, _ = read_ok(path, instrument)
    assert rs.organisations == ["Åkers AB"]
    assert answers_of(rs, "R01") == {Q1: ("score", 4.0)}


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimited_with_full_headers(
    tmp_path: Path, instrument: Instrument, delimiter: str
) -> None:
    """Semicolon and tab CSVs read every question, although the headers hold commas."""
    headers = all_headers(instrument)
    assert any("," in h for h in headers)
    rows = [["Respondent ID", "Role", *headers], ["R01", "Executive", *(["3"] * len(headers))]]
    path = write_csv(tmp_path / "semi.csv", rows, delimiter=delimiter)
    rs, _ = read_ok(path, instrument)
    assert len(rs.answers) == len(instrument.questions)
    assert list(rs.respondents["role"]) == ["Executive"]


def test_comma_csv_with_semicolons_in_text_stays_comma(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A comma CSV whose comments hold semicolons is still read as comma-separated."""
    rows = [
        ["Respondent ID", Q1, "Comments"],
        ["R01", "3", "a; b; c; d"],
        ["R02", "4", "e; f; g"],
    ]
    rs, _ = read_ok(write_csv(tmp_path / "s.csv", rows), instrument)
    assert list(rs.respondents["comment"]) == ["a; b; c; d", "e; f; g"]


# ------------------------------------------------------------------- header names and values ---


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("Respondent ID", "respondent", "abc"),
        ("RESPONDENT ID", "respondent", "abc"),
        ("respondent_id", "respondent", "abc"),
        ("ResponseId", "respondent", "abc"),
        ("Response ID", "respondent", "abc"),
        ("ID", "respondent", "abc"),
        ("id", "respondent", "abc"),
        ("Email", "respondent", "a@b.org"),
        ("E-mail Address", "respondent", "a@b.org"),
        ("Participant", "respondent", "abc"),
        ("Role", "role", "Executive"),
        ("ROLE", "role", "Executive"),
        ("Job Title", "role", "Executive"),
        ("Position", "role", "Executive"),
        ("Department", "unit", "Finance"),
        ("DEPARTMENT", "unit", "Finance"),
        ("Business Unit", "unit", "Finance"),
        ("Team", "unit", "Finance"),
        ("Company", "organisation", "Acme"),
        ("company name", "organisation", "Acme"),
        ("Organization", "organisation", "Acme"),
        ("Organisation", "organisation", "Acme"),
        ("Client", "organisation", "Acme"),
    ],
)
def test_metadata_headers_are_recognised_case_insensitively(
    tmp_path: Path, instrument: Instrument, name: str, field: str, value: str
) -> None:
    """Respondent, role, unit and organisation columns are found by their usual names."""
    rows = [[name, Q1], [value, "3"]]
    if field != "respondent":
        rows = [["Respondent", *rows[0]], ["R01", *rows[1]]]
    rs, _ = read_ok(write_csv(tmp_path / "s.csv", rows), instrument)
    assert list(rs.respondents[field]) == [value]


def test_respondent_id_column_beats_email_and_name(tmp_path: Path, instrument: Instrument) -> None:
    """With ID, Email and Name all present, the best-ranked alias (Respondent ID) is used."""
    rows = [["Name", "Email", "Respondent ID", Q1], ["Ann", "ann@x.org", "R01", "3"]]
    rs, _ = read_ok(write_csv(tmp_path / "s.csv", rows), instrument)
    assert list(rs.respondents["respondent"]) == ["R01"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_organisation_na_and_respondent_007_stay_text(
    tmp_path: Path, instrument: Instrument, suffix: str
) -> None:
    """An organisation 'NA' stays 'NA' and respondent '007' stays '007'; the answer N/A is N/A."""
    rows = [["Organisation", "Respondent ID", Q1, Q2], ["NA", "007", "N/A", "NA"]]
    path = tmp_path / f"s{suffix}"
    if suffix == ".csv":
        write_csv(path, rows)
    else:
        write_xlsx(path, rows)
    rs, _ = read_ok(path, instrument)
    assert rs.organisations == ["NA"]
    assert list(rs.respondents["respondent"]) == ["007"]
    assert kinds(rs, "007") == {Q1: "na", Q2: "na"}


def test_no_organisation_column_takes_the_profile_client(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A file naming no organisation belongs to the profile's client."""
    path = write_csv(tmp_path / "returns-2026.csv", [["Respondent ID", Q1], ["R01", "3"]])
    rs, _ = read_ok(path, instrument, Profile(client="Northwind"))
    assert rs.organisations == ["Northwind"]


def test_profile_organisation_beats_client(tmp_path: Path, instrument: Instrument) -> None:
    """A profile's 'organisation' is used before its 'client' for files naming none."""
    path = write_csv(tmp_path / "returns.csv", [["Respondent ID", Q1], ["R01", "3"]])
    rs, _ = read_ok(path, instrument, Profile(client="Northwind", organisation="Northwind PMO"))
    assert rs.organisations == ["Northwind PMO"]


def test_no_organisation_and_no_profile_takes_the_file_name(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Without an organisation column or a profile, the file's name (no extension) is used."""
    path = write_csv(tmp_path / "Contoso Bank.csv", [["Respondent ID", Q1], ["R01", "3"]])
    rs, _ = read_ok(path, instrument)
    assert rs.organisations == ["Contoso Bank"]


def test_organisation_column_beats_the_profile(tmp_path: Path, instrument: Instrument) -> None:
    """An organisation named in the file wins over the profile; blank cells fall back to it."""
    rows = [["Organisation", "Respondent ID", Q1], ["Acme", "R01", "3"], ["", "R02", "4"]]
    rs, _ = read_ok(write_csv(tmp_path / "s.csv", rows), instrument, Profile(client="Beta"))
    assert list(rs.respondents["organisation"]) == ["Acme", "Beta"]


def test_same_respondent_id_in_two_organisations_is_two_people(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Respondent ids are unique per organisation: R01 of Acme and R01 of Beta are both kept."""
    rows = [["Organisation", "Respondent ID", Q1], ["Acme", "R01", "3"], ["Beta", "R01", "4"]]
    rs, _ = read_ok(write_csv(tmp_path / "s.csv", rows), instrument)
    assert rs.organisations == ["Acme", "Beta"]
    assert len(rs.respondents) == 2


ANSWER_VARIANTS: list[tuple[Any, str, float | None]] = [
    ("3", "score", 3),
    (3, "score", 3),
    (3.0, "score", 3),
    ("Defined", "score", 3),
    ("3 - Defined", "score", 3),
    (" 3 - defined ", "score", 3),
    ("Level 3", "score", 3),
    ("N/A", "na", None),
    ("n/a", "na", None),
    ("Don't know", "dk", None),
    ("Don’t know", "dk", None),
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_answer_variants_in_a_file(tmp_path: Path, instrument: Instrument, suffix: str) -> None:
    """Numbers, 3.0 from Excel, names, labels, N/A and Don't know (curly too) all read right."""
    rows: list[list[Any]] = [["Respondent ID", Q1]]
    rows += [[f"R{i:02d}", raw] for i, (raw, _, _) in enumerate(ANSWER_VARIANTS)]
    path = tmp_path / f"variants{suffix}"
    if suffix == ".csv":
        write_csv(path, rows)
    else:
        write_xlsx(path, rows)
    rs, _ = read_ok(path, instrument)
    got = rs.answers.set_index("respondent")
    for i, (raw, kind, value) in enumerate(ANSWER_VARIANTS):
        row = got.loc[f"R{i:02d}"]
        assert row["kind"] == kind, raw
        if value is None:
            assert pd.isna(row["value"]), raw
        else:
            assert row["value"] == value, raw


def test_profile_level_names_are_answers(tmp_path: Path, instrument: Instrument) -> None:
    """A profile's renamed levels are accepted as answers, and so are the original names."""
    profile = Profile(level_names={1: "Ad hoc", 5: "Leading"})
    rows = [
        ["Respondent ID", Q1, Q2, Q3],
        ["R01", "Ad hoc", "1 - Ad hoc", "Initial"],
        ["R02", "leading", "5 - Leading", "Optimising"],
    ]
    rs, _ = read_ok(write_csv(tmp_path / "s.csv", rows), instrument, profile)
    assert set(answers_of(rs, "R01").values()) == {("score", 1.0)}
    assert set(answers_of(rs, "R02").values()) == {("score", 5.0)}


def test_answers_to_excluded_dimensions_are_ignored_with_a_warning(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Answers to questions of a dimension the profile excludes are dropped, with a warning."""
    rows = [["Respondent ID", Q1, "PB-STD-01"], ["R01", "3", "4"]]
    profile = Profile(exclude_dimensions=["PB-GOV"])
    rs, problems = read_ok(write_csv(tmp_path / "s.csv", rows), instrument, profile)
    assert answers_of(rs, "R01") == {"PB-STD-01": ("score", 4.0)}
    assert "questions of dimensions the profile excludes are ignored" in messages(problems)


# ------------------------------------------------------------------------- data-quality flags ---


def test_quality_flags_are_warnings_not_errors(tmp_path: Path, instrument: Instrument) -> None:
    """Straight-lining, partial responses and missing roles are warnings; the file still loads."""
    headers = all_headers(instrument)
    n = len(headers)
    rows = [
        ["Respondent ID", "Role", *headers],
        ["R01", "Executive", *(["3"] * n)],  # straight-lining
        ["R02", "PMO analyst", "2", "4", "3", *([""] * (n - 3))],  # partial
        ["R03", "", *(["2", "4"] * n)[:n]],  # no role
    ]
    path = write_csv(tmp_path / "quality.csv", rows)

    rs, problems = read_ok(path, instrument)
    loaded = load_responses([path], instrument)

    assert all(p.severity == "warning" for p in problems)
    text = messages(problems)
    assert (
        f"respondent 'R01' (quality) gave level 3 to all {n} scored questions (straight-lining)"
        in text
    )
    pmo = len(instrument.routed(["pmo"]))  # a PMO analyst is asked the PMO's questions
    assert (
        "1 respondent answered only part of the questions the file asks (partial response): "
        f"'R02' (row 3: 3 of {pmo})"
    ) in text
    assert "1 respondent gave no role (rows 4)" in text
    assert {w.row for w in problems if "straight-lining" in w.message} == {2}
    assert len(loaded.respondents) == len(rs.respondents) == 3
    assert loaded.warnings == rs.warnings


# ---------------------------------------------------------------------- samples and many files ---


def test_bundled_samples_load_without_errors(
    samples: dict[str, tuple[Path, Profile]], instrument: Instrument
) -> None:
    """Every bundled sample organisation loads with its profile, with no errors."""
    assert samples
    for slug, (path, profile) in samples.items():
        rs, _ = read_ok(path, instrument, profile)
        assert rs.organisations == [profile.client], slug
        assert len(rs.respondents) >= 5, slug
        assert load_responses([path], instrument, profile).input_sha256 == rs.input_sha256


def test_several_files_merge(tmp_path: Path, instrument: Instrument) -> None:
    """load_responses merges files: organisations in order, one combined input hash."""
    a = write_csv(tmp_path / "Acme.csv", [["Respondent ID", Q1], ["R01", "3"]])
    b = write_csv(tmp_path / "Beta.csv", [["Respondent ID", Q1], ["R01", "4"]])
    rs = load_responses([a, b], instrument)
    assert rs.organisations == ["Acme", "Beta"]
    assert [f.path for f in rs.files] == [str(a), str(b)]
    assert rs.input_sha256 not in {f.sha256 for f in rs.files}
    assert rs.input_sha256 != load_responses([b, a], instrument).input_sha256


def test_input_hash_of_one_file_is_its_sha256(tmp_path: Path, instrument: Instrument) -> None:
    """For one file, input_sha256 is the SHA-256 of its bytes."""
    path = write_csv(tmp_path / "s.csv", [["Respondent ID", Q1], ["R01", "3"]])
    rs = load_responses([path], instrument)
    assert rs.input_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_respondent_flags_count_only_what_each_rule_counts(instrument: Instrument) -> None:
    """Per respondent: answered counts answers to known questions only; scored, distinct and
    first (the first scored level) count every scored answer with a level; answers of someone
    not among the respondents count for no one; a respondent with no answers has zeros."""
    import numpy as np
    import pandas as pd

    from pmo2vmo.ingest.quality import respondent_flags

    q1, q2, q3 = list(instrument.questions)[:3]
    people = pd.DataFrame({"organisation": ["O", "O", "O"], "respondent": ["A", "B", "C"],
                           "role": [None, None, None], "row": [2, 3, 4],
                           "file": ["f.csv"] * 3})  # fmt: skip
    rows = [("A", q1, "score", 4.0), ("A", q2, "score", 2.0), ("A", "XX-NOPE-01", "score", 2.0),
            ("A", q3, "na", np.nan), ("B", q1, "score", 3.0), ("B", q2, "score", np.nan),
            ("Z", q1, "score", 1.0)]  # fmt: skip
    answers = pd.DataFrame(
        [("O", who, q, kind, value) for who, q, kind, value in rows],
        columns=["organisation", "respondent", "question", "kind", "value"],
    )
    flags = respondent_flags(answers, people, instrument).set_index("respondent")
    assert flags["answered"].to_dict() == {"A": 3, "B": 2, "C": 0}
    assert flags["scored"].to_dict() == {"A": 3, "B": 1, "C": 0}
    assert flags["distinct"].to_dict() == {"A": 2, "B": 1, "C": 0}
    assert flags.loc["A", "first"] == 4.0
    assert flags.loc["B", "first"] == 3.0
    assert np.isnan(flags.loc["C", "first"])
    assert flags["no_role"].all()
