"""Survey exports as they really come (PRODUCT §4): one fixture per structure of the real exports
studied in ``../shared/realworld-exports/`` (SurveyMonkey, Qualtrics new and legacy, LimeSurvey,
Google Forms, Microsoft Forms), each written here from scratch with pmo2vmo question ids grafted
into its headers — none of those files is copied."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pmo2vmo.analysis.scoring import score
from pmo2vmo.errors import InputProblem
from pmo2vmo.ingest.responses import ResponseSet, inspect_file
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile

Q = ["PB-GOV-01", "PB-GOV-02", "VC-OBJ-01"]  # the questions these small forms ask


def _csv(path: Path, rows: list[list[Any]], *, encoding: str = "utf-8", end: str = "\n",
         quote_all: bool = False, tail: str = "") -> Path:  # fmt: skip
    buffer = io.StringIO(newline="")
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    csv.writer(buffer, lineterminator=end, quoting=quoting).writerows(rows)
    path.write_bytes((buffer.getvalue() + tail).encode(encoding))
    return path


def _read(path: Path, instrument: Instrument, profile: Profile | None = None) -> tuple[
    ResponseSet | None, list[InputProblem], list[InputProblem]
]:  # fmt: skip
    rs, problems = inspect_file(path, instrument, profile)
    return (
        rs,
        [p for p in problems if p.severity == "error"],
        [p for p in problems if p.severity == "warning"],
    )


def _ok(path: Path, instrument: Instrument, profile: Profile | None = None) -> tuple[
    ResponseSet, list[str]
]:  # fmt: skip
    rs, errors, warnings = _read(path, instrument, profile)
    assert not errors, [e.message for e in errors]
    assert rs is not None
    return rs, [w.message for w in warnings]


def _answers(rs: ResponseSet) -> dict[tuple[str, str], Any]:
    return {
        (r, q): (raw if k != "score" else int(v))
        for r, q, k, v, raw in rs.answers[
            ["respondent", "question", "kind", "value", "answer"]
        ].itertuples(index=False)
    }


def _text(instrument: Instrument, qid: str) -> str:
    return instrument.questions[qid].question.text


# ---------------------------------------------------------------------------- SurveyMonkey ---


def test_surveymonkey_ids_in_the_question_row(tmp_path: Path, instrument: Instrument) -> None:
    """Row 1 question (with the id), row 2 "Response": read together; RespondentID is the
    respondent, the "Response" row is no respondent."""
    rows = [
        [
            "RespondentID",
            "Collector ID",
            *(f"[{q}] {_text(instrument, q)}" for q in Q),
            "Department",
        ],
        ["", "", "Response", "Response", "Response", "Response"],
        ["10234567891", "4021", "3", "4", "2", "Claims"],
        ["10234567892", "4021", "5", "N/A", "1", "IT"],
    ]
    rs, warnings = _ok(_csv(tmp_path / "sm.csv", rows), instrument)
    assert sorted(rs.respondents["respondent"]) == ["10234567891", "10234567892"]
    assert _answers(rs)[("10234567892", "PB-GOV-02")] == "N/A"
    assert list(rs.respondents["unit"]) == ["Claims", "IT"]
    assert not any("numbered by row" in w for w in warnings)


def test_surveymonkey_ids_in_the_matrix_row_labels(tmp_path: Path, instrument: Instrument) -> None:
    """Ids only in row 2 (a matrix's row labels): RespondentID in row 1 is still the respondent."""
    rows = [
        ["RespondentID", "How true is each statement for your organisation?", "", "",
         "What is your department?"],
        ["", *(f"[{q}] {_text(instrument, q)}" for q in Q), "Response"],
        ["20234567891", "3 - Defined", "4 - Managed", "2 - Developing", "Finance"],
        ["20234567892", "Don't know", "5 - Optimising", "1 - Initial", "Finance"],
    ]  # fmt: skip
    rs, warnings = _ok(_csv(tmp_path / "sm2.csv", rows), instrument)
    assert sorted(rs.respondents["respondent"]) == ["20234567891", "20234567892"]
    assert _answers(rs)[("20234567891", "PB-GOV-02")] == 4
    assert not any("numbered by row" in w for w in warnings)


# -------------------------------------------------------------------------------- Qualtrics ---

QUALTRICS_META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress",
                  "Duration (in seconds)", "Finished", "RecordedDate", "ResponseId"]  # fmt: skip
IMPORT = ['{"ImportId":"startDate","timeZone":"Europe/Berlin"}', '{"ImportId":"endDate"}',
          '{"ImportId":"status"}', '{"ImportId":"ipAddress"}', '{"ImportId":"progress"}',
          '{"ImportId":"duration"}', '{"ImportId":"finished"}', '{"ImportId":"recordedDate"}',
          '{"ImportId":"_recordId"}']  # fmt: skip


def _qualtrics(rows: list[list[str]], labels: list[str]) -> list[list[str]]:
    """A new-style export: export tags (the ids), localised labels, ImportId JSON, then data."""
    return [
        [*QUALTRICS_META, *Q, f"{Q[2]} - Topics"],
        [*labels, *(_text_de(q) for q in Q), f"{Q[2]} - Topics"],
        [*IMPORT, *(f'{{"ImportId":"QID{n}"}}' for n in range(1, 4)), '{"ImportId":"QID3_TEXT"}'],
        *rows,
    ]


def _text_de(qid: str) -> str:
    return f"Frage {qid}"


GERMAN = ["Anfangsdatum", "Enddatum", "Antworttyp", "IP-Adresse", "Aktueller Stand",
          "Dauer (in Sekunden)", "Beendet", "Erfassungsdatum", "Antwort-ID"]  # fmt: skip


def test_qualtrics_numeric_export_leaves_out_previews_and_flags_unfinished(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Status codes (1 preview, 8 spam) are left out in one warning naming their ResponseIds;
    Finished 0 is kept and flagged in one warning naming each id; Text iQ "- Topics" is ignored."""
    rows = _qualtrics(
        [
            ["2027-01-05 09:00:00", "", "0", "10.0.0.1", "100", "300", "1", "", "R_1aBcDeFgHiJkLmN", "3", "4", "2", ""],
            ["2027-01-05 09:10:00", "", "1", "", "100", "30", "1", "", "R_2preview000000", "5", "5", "5", ""],
            ["2027-01-05 09:20:00", "", "8", "10.0.0.9", "100", "12", "1", "", "R_3spam000000000", "1", "1", "1", ""],
            ["2027-01-05 09:30:00", "", "0", "10.0.0.2", "33", "90", "0", "", "R_22tdYMKPERmft1g", "2", "", "", ""],
        ],
        GERMAN,
    )  # fmt: skip
    rs, warnings = _ok(_csv(tmp_path / "q.csv", rows), instrument)
    assert sorted(rs.respondents["respondent"]) == ["R_1aBcDeFgHiJkLmN", "R_22tdYMKPERmft1g"]
    assert (
        "2 responses left out as not from respondents (1 Survey Preview, 1 Spam, by the Status "
        "column): 'R_2preview000000', 'R_3spam000000000'"
    ) in warnings
    assert (
        "1 incomplete response (Finished is false) kept and scored for what was answered: "
        "'R_22tdYMKPERmft1g'"
    ) in warnings
    # Judged against the 3 questions the file asks, the unfinished one is partial, the other not.
    assert (
        "1 respondent answered only part of the questions the file asks (partial response): "
        "'R_22tdYMKPERmft1g' (row 7: 1 of 3)"
    ) in warnings


def test_qualtrics_choice_text_export_with_ids_in_the_question_texts(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Labels "Survey Preview" / "IP Address" and Finished True/False, ids only in row 2, CRLF;
    `incomplete: drop` leaves the unfinished out, saying so."""
    english = ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
               "Duration (in seconds)", "Finished", "Recorded Date", "Response ID"]  # fmt: skip
    rows = [
        [*QUALTRICS_META, "Q24_1", "Q24_3", "Q24_7"],
        [*english, *(f"How true is it? - [{q}] {_text(instrument, q)}" for q in Q)],
        [*IMPORT, '{"ImportId":"QID24_1"}', '{"ImportId":"QID24_3"}', '{"ImportId":"QID24_7"}'],
        ["", "", "IP Address", "", "100", "1", "True", "", "R_ok1", "3", "3", "4"],
        ["", "", "Survey Preview", "", "100", "1", "True", "", "R_prev", "5", "5", "5"],
        ["", "", "IP Address", "", "22", "1", "False", "", "R_half", "2", "", ""],
    ]
    path = _csv(tmp_path / "q2.csv", rows, end="\r\n")
    rs, warnings = _ok(path, instrument, Profile(incomplete="drop"))
    assert list(rs.respondents["respondent"]) == ["R_ok1"]
    assert any(w.startswith("1 response left out as not from respondents (1 Survey Preview")
               for w in warnings)  # fmt: skip
    assert (
        "1 incomplete response (Finished is false) left out, as the profile says (incomplete: "
        "drop): 'R_half'"
    ) in warnings


def test_qualtrics_legacy_export(tmp_path: Path, instrument: Instrument) -> None:
    """Legacy: V1… and the ids in row 1, ResponseID, Status, Finished and texts in row 2, a BOM
    and a trailing comma on every line."""
    rows = [
        ["V1", "V2", "V3", "V7", "V10", *Q, ""],
        ["ResponseID", "ResponseSet", "Name", "Status", "Finished",
         *(_text(instrument, q) for q in Q), ""],
        ["R_legacy1", "Default Response Set", "Anonymous", "0", "1", "4", "4", "3", ""],
        ["R_legacy2", "Default Response Set", "Anonymous", "1", "1", "1", "1", "1", ""],
    ]  # fmt: skip
    rs, warnings = _ok(_csv(tmp_path / "legacy.csv", rows, encoding="utf-8-sig"), instrument)
    assert list(rs.respondents["respondent"]) == ["R_legacy1"]
    assert _answers(rs)[("R_legacy1", "VC-OBJ-01")] == 3
    assert any("'R_legacy2'" in w and "Survey Preview" in w for w in warnings)


def test_a_bare_status_code_counts_only_in_a_qualtrics_file(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A column called Status holding 1 in a plain file is no Qualtrics preview marker."""
    rows = [["ID", "Status", *(f"[{q}]" for q in Q)], ["a1", "1", "3", "3", "3"]]
    rs, warnings = _ok(_csv(tmp_path / "plain.csv", rows), instrument)
    assert list(rs.respondents["respondent"]) == ["a1"]
    assert not any("left out" in w for w in warnings)


# ------------------------------------------------------------------------------- LimeSurvey ---


def test_limesurvey_export(tmp_path: Path, instrument: Instrument) -> None:
    """BOM, every field quoted, a blank line at the end; empty "Date submitted" is incomplete
    (kept, flagged); "[Other]" is the question's comment; "-oth-" is no answer, named by row and
    column."""
    rows = [
        ["Response ID", "Date submitted", "Last page", "Start language",
         *(f"[{q}] {_text(instrument, q)}" for q in Q), f"[{Q[2]}] {_text(instrument, Q[2])} [Other]"],
        ["1", "2027-01-05 10:00:00", "4", "en", "3", "4", "5", ""],
        ["4", "", "2", "en", "2", "2", "-oth-", "Depends on the quarter"],
        ["9", "2027-01-06 11:00:00", "4", "nl-informal", "4", "3", "3", "We have a value board"],
    ]  # fmt: skip
    path = _csv(tmp_path / "lime.csv", rows, encoding="utf-8-sig", quote_all=True, tail="\n")
    rs, errors, warnings = _read(path, instrument)
    assert not errors, errors
    assert rs is not None
    assert sorted(rs.respondents["respondent"]) == ["1", "4", "9"]
    answers = rs.answers.set_index(["respondent", "question"])
    assert answers.loc[("9", "VC-OBJ-01"), "comment"] == "We have a value board"
    assert ("4", "VC-OBJ-01") not in answers.index  # "-oth-" left unanswered
    (oth,) = [w for w in warnings if "-oth-" in w.message]
    assert (oth.row, oth.column, oth.question) == (3, "G (VC-OBJ-01)", "VC-OBJ-01")
    assert (
        "1 incomplete response (no Date submitted) kept and scored for what was answered: '4'"
        in [w.message for w in warnings]
    )


def test_limesurvey_dual_scale_array_is_refused_naming_both_columns(
    tmp_path: Path, instrument: Instrument
) -> None:
    """One id in "[Scale 1]" and "[Scale 2]" columns: refused, both columns named, with a hint."""
    head = f"[{Q[0]}] {_text(instrument, Q[0])}"
    rows = [["Response ID", f"{head}[Scale 1]", f"{head}[Scale 2]"], ["1", "3", "4"]]
    _, errors, _ = _read(_csv(tmp_path / "dual.csv", rows), instrument)
    (error,) = errors
    assert error.message == (
        "duplicate header: columns B and C are both for PB-GOV-01 (a dual-scale array: "
        "[Scale 1] and [Scale 2])"
    )
    assert "keep one scale" in error.hint


def test_a_real_duplicate_answer_column_is_still_refused(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Two answer columns for one id (no companion wording) stay an error naming both."""
    rows = [["ID", f"[{Q[0]}] first", f"[{Q[0]}] again"], ["1", "3", "4"]]
    _, errors, _ = _read(_csv(tmp_path / "dup.csv", rows), instrument)
    assert [e.message for e in errors] == [
        "duplicate header: columns B and C are both for PB-GOV-01"
    ]


@pytest.mark.parametrize(
    "suffix",
    ["[Other]", "- Other (please specify)", "- Comment", "- Text", "- Other - Text", "_TEXT"],
)
def test_companion_text_columns_are_the_questions_comment(
    tmp_path: Path, instrument: Instrument, suffix: str
) -> None:
    """A column repeating a question's id with a companion suffix holds its comment."""
    rows = [
        ["ID", f"[{Q[0]}] {_text(instrument, Q[0])}", f"[{Q[0]}] {_text(instrument, Q[0])} {suffix}"],
        ["r1", "3", "Only in the Claims unit"],
    ]  # fmt: skip
    rs, _ = _ok(_csv(tmp_path / "companion.csv", rows), instrument)
    assert rs.answers["comment"].tolist() == ["Only in the Claims unit"]


# ---------------------------------------------------------------- Google and Microsoft Forms ---


def test_google_forms_two_question_form_is_not_partial(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Partial responses are judged against the questions the file asks: a 2-question form
    answered in full is not partial; one answer of two is, in one summary warning."""
    rows = [
        ["Timestamp", "Email Address", *(f"[{q}] {_text(instrument, q)}" for q in Q[:2])],
        ["1/31/2027 1:38:52", "ana@example.org", "3", "4"],
        ["1/31/2027 1:40:02", "ben@example.org", "2", "2"],
        ["1/31/2027 1:41:13", "cy@example.org", "2", ""],
    ]
    rs, warnings = _ok(_csv(tmp_path / "google.csv", rows), instrument)
    partial = [w for w in warnings if "partial" in w]
    assert partial == [
        (
            "1 respondent answered only part of the questions the file asks (partial response): "
            "'cy@example.org' (row 4: 1 of 2)"
        )
    ]
    scores = score(rs, instrument)
    assert scores.organisations[0].data_quality["partial"] == 1


def test_google_sheets_workbook_with_float_levels_and_datetimes(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Levels stored as 4.0 and sub-second datetimes read as levels and metadata."""
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Form Responses 1"
    ws.append(["Timestamp", *(f"[{q}] {_text(instrument, q)}" for q in Q)])
    ws.append([dt.datetime(2027, 8, 29, 17, 17, 56, 622000), 4.0, 3.0, 1.0])
    path = tmp_path / "sheets.xlsx"
    wb.save(path)
    rs, _ = _ok(path, instrument)
    assert sorted(_answers(rs).values()) == [1, 3, 4]


def test_microsoft_forms_csv_in_windows_1252(tmp_path: Path, instrument: Instrument) -> None:
    """MS Forms saved by Excel: cp1252 (a ’ byte), Id column, answers with trailing spaces."""
    rows = [
        ["Id", "Start time", "Completion time", "Email", "Name", "Department",
         *(f"[{q}] {_text(instrument, q)}" for q in Q)],
        ["1", "9/20/2027 19:04", "9/20/2027 19:09", "anonymous", "", "Finance’s office",
         "3 - Defined ", "4", "2"],
    ]  # fmt: skip
    rs, _ = _ok(_csv(tmp_path / "ms.csv", rows, encoding="cp1252"), instrument)
    assert list(rs.respondents["unit"]) == ["Finance’s office"]
    assert _answers(rs)[("1", "PB-GOV-01")] == 3


def test_microsoft_forms_workbook_with_empty_columns_and_no_break_spaces(
    tmp_path: Path, instrument: Instrument
) -> None:
    """ID column, an always-empty "Last modified time", answers ending in a no-break space."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
               *(f"[{q}] {_text(instrument, q)}" for q in Q)])  # fmt: skip
    ws.append([1, None, None, "anonymous", None, None, "Defined\xa0", "Managed\xa0", None])
    ws.append([2, None, None, "anonymous", None, None, "N/A", "Initial", "Optimising"])
    path = tmp_path / "msforms.xlsx"
    wb.save(path)
    rs, _ = _ok(path, instrument)
    assert _answers(rs)[("1", "PB-GOV-02")] == 4
    assert _answers(rs)[("2", "VC-OBJ-01")] == 5


# -------------------------------------------------------------------- encodings and quoting ---


def test_mixed_encodings_are_said_and_each_line_decoded(
    tmp_path: Path, instrument: Instrument
) -> None:
    """UTF-8 with one Windows-1252 line: "Zürich" stays "Zürich", one warning names the line."""
    head = ",".join(["ID", "Department", *(f"[{q}]" for q in Q)]) + "\n"
    data = (
        head.encode()
        + "r1,Zürich,3,3,3\n".encode()
        + "r2,Genève,4,4,4\n".encode("cp1252")
        + "r3,Zürich,2,2,2\n".encode()
    )
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    rs, errors, warnings = _read(path, instrument)
    assert not errors
    assert rs is not None
    assert list(rs.respondents["unit"]) == ["Zürich", "Genève", "Zürich"]
    (warning,) = [w for w in warnings if "mixed encodings" in w.message]
    assert warning.row == 3
    assert "1 line is not (first: line 3)" in warning.message


def test_a_stray_quote_that_swallows_records_is_refused(
    tmp_path: Path, instrument: Instrument
) -> None:
    """One unterminated " in a comment would make 20 respondents one comment: refused, naming
    the row where the quote opened."""
    lines = ["ID,Department," + ",".join(f"[{q}]" for q in Q) + f",[{Q[0]}] Comment"]
    lines.append('r0,Claims,3,3,3,"We said ""no"" then')  # the quote never closes
    lines += [f"r{n},Claims,{1 + n % 5},3,4,fine" for n in range(1, 21)]
    path = tmp_path / "quote.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, errors, _ = _read(path, instrument)
    (error,) = errors
    assert error.row == 2
    assert error.column == "F"
    assert error.message.startswith("a quote opened in column F is never closed")
    assert "swallows 20 that look like records" in error.message


def test_a_real_multi_line_comment_is_read(tmp_path: Path, instrument: Instrument) -> None:
    """A quoted comment over several lines of prose is one comment, not a stray quote."""
    rows = [
        ["ID", *(f"[{q}]" for q in Q), f"[{Q[0]}] Comment"],
        ["r1", "3", "3", "3", "First line,\nsecond line, with a comma\nthird"],
        ["r2", "4", "4", "4", ""],
    ]
    rs, _ = _ok(_csv(tmp_path / "multi.csv", rows), instrument)
    assert rs.answers["comment"].dropna().tolist() == [
        "First line,\nsecond line, with a comma\nthird"
    ]


def test_a_header_like_cell_further_down_never_hides_a_respondent(
    tmp_path: Path, instrument: Instrument
) -> None:
    """Header rows run on from the ids without a gap: a later row with "Response" in it does not
    make the first respondent's row a header."""
    rows = [
        ["ID", *(f"[{q}]" for q in Q), f"[{Q[0]}] Comment"],
        ["r1", "3", "3", "3", ""],
        ["r2", "4", "4", "4", "Response"],
    ]
    rs, _ = _ok(_csv(tmp_path / "later.csv", rows), instrument)
    assert list(rs.respondents["respondent"]) == ["r1", "r2"]
