"""Bad input: every problem of a file reported at once, with its location; hostile files refused.

The corpus is ``tests/corpus/bad/`` (made by ``tests/corpus/make_bad_files.py``); what each file must
produce is in ``tests/corpus/bad/EXPECTED.yaml``. Files too big to commit are made in ``tmp_path``.
"""

from __future__ import annotations

import importlib.util
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl  # imported up front so that the memory checks do not count importing it
import pytest
import yaml
from click.testing import CliRunner

from pmo2vmo.analysis import plan
from pmo2vmo.cli import main
from pmo2vmo.errors import InputProblem, InvalidInputError, ProblemLog
from pmo2vmo.ingest import readers
from pmo2vmo.ingest.responses import inspect_file, load_responses
from pmo2vmo.model.instrument import Instrument

CORPUS = Path(__file__).resolve().parent / "corpus"
BAD = CORPUS / "bad"
EXPECTED: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (BAD / "EXPECTED.yaml").read_text(encoding="utf-8")
)
FILES = sorted(EXPECTED)
LOCATION = ("sheet", "row", "column", "question")

# Files built to exhaust memory or time if they were parsed: they must be refused cheaply.
HOSTILE = [
    "absurd_dimension.xlsx",
    "binary_junk.csv",
    "corrupt_member.xlsx",
    "damaged_zip.xlsx",
    "dtd_after_comment.xlsx",
    "dtd_entities.xlsx",
    "lying_dimension.xlsx",
    "rows_without_numbers.xlsx",
    "zip_not_workbook.xlsx",
    "zip_ratio_bomb.xlsx",
    "zip_understated_size.xlsx",
]
PEAK_LIMIT = 50 * 1024 * 1024


def _load_maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_bad_files", CORPUS / "make_bad_files.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


maker = _load_maker()


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real workbook carrying 300 MB of spaces in a member of about 300 KB (made once)."""
    folder = tmp_path_factory.mktemp("bomb")
    return maker.write_zip_bomb(folder / "zip_bomb.xlsx", megabytes=300)


@pytest.fixture
def quick_cli(monkeypatch: pytest.MonkeyPatch, instrument: Instrument) -> CliRunner:
    """A CLI runner whose commands reuse the session's instrument instead of reloading it."""
    monkeypatch.setattr(plan, "load_instrument", lambda *args, **kwargs: instrument)
    return CliRunner()


def _errors(problems: list[InputProblem]) -> list[InputProblem]:
    return [p for p in problems if p.severity == "error"]


def _matches(problem: InputProblem, expected: dict[str, Any]) -> bool:
    return (
        all(f in problem.message for f in expected["message"])
        and all(f in problem.hint for f in expected.get("hint", []))
        and all(getattr(problem, key) == expected.get(key) for key in LOCATION)
    )


def _assert_expected(name: str, problems: list[InputProblem]) -> None:
    errors = _errors(problems)
    unmatched = list(errors)
    for expected in EXPECTED[name]:
        found = next((p for p in unmatched if _matches(p, expected)), None)
        assert found is not None, f"{name}: no error matches {expected}; got {unmatched}"
        unmatched.remove(found)
    assert not unmatched, f"{name}: unexpected errors {unmatched}"


def _peak_bytes(read: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        read()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ----------------------------------------------------------------------------------- the corpus ---


def test_every_corpus_file_has_expectations() -> None:
    """Each file in tests/corpus/bad has an entry in EXPECTED.yaml and each entry has a file."""
    on_disk = {p.name for p in BAD.iterdir() if p.name != "EXPECTED.yaml"}
    assert on_disk == set(EXPECTED)
    assert set(maker.CASES) == set(EXPECTED)


def test_corpus_is_what_the_script_makes(tmp_path: Path, instrument: Instrument) -> None:
    """make_bad_files.py rebuilds the corpus: text files byte for byte, workbooks to the same errors."""
    # Workbook bytes depend on the openpyxl and zlib versions: compare what reading them reports.
    for path in maker.build(tmp_path):
        committed = (BAD / path.name).read_bytes()
        if committed.startswith(b"PK"):
            _assert_expected(path.name, inspect_file(path, instrument)[1])
        else:
            assert path.read_bytes() == committed, path.name


def test_corpus_files_are_small() -> None:
    """Every committed corpus file is under 200 KB; bigger hostile files are made in tmp_path."""
    for path in BAD.iterdir():
        assert path.stat().st_size < 200 * 1024, path.name


def test_corpus_uses_real_question_ids(instrument: Instrument) -> None:
    """The questions the corpus answers exist, so its errors come from what is wrong on purpose."""
    assert {maker.Q1, maker.Q2, maker.Q3} <= set(instrument.questions)


# ------------------------------------------------------------------------ library: inspect, load ---


@pytest.mark.parametrize("name", FILES)
def test_inspect_file_reports_every_expected_error(name: str, instrument: Instrument) -> None:
    """inspect_file returns no responses and exactly the expected errors, each at its location."""
    responses, problems = inspect_file(BAD / name, instrument)
    assert responses is None
    _assert_expected(name, problems)
    assert all(p.file == name for p in problems)


@pytest.mark.parametrize("name", FILES)
def test_load_responses_raises_with_all_problems(name: str, instrument: Instrument) -> None:
    """load_responses raises InvalidInputError whose .problems are exactly the file's errors."""
    with pytest.raises(InvalidInputError) as caught:
        load_responses([BAD / name], instrument)
    _assert_expected(name, caught.value.problems)
    assert all(p.severity == "error" for p in caught.value.problems)
    assert name in str(caught.value)


def test_one_pass_reports_three_bad_cells_as_three_errors(instrument: Instrument) -> None:
    """A file with three different bad cells yields three errors, one per cell, in row order."""
    _, problems = inspect_file(BAD / "three_bad_cells.csv", instrument)
    errors = _errors(problems)
    assert [(e.row, e.question) for e in errors] == [
        (2, "PB-GOV-01"),
        (3, "PB-GOV-02"),
        (4, "PB-GOV-03"),
    ]


def test_load_responses_reports_errors_of_every_file(instrument: Instrument) -> None:
    """Given several bad files, load_responses reports the errors of all of them in one raise."""
    names = ["value_out_of_range.csv", "merged_cells.xlsx", "empty.csv"]
    with pytest.raises(InvalidInputError) as caught:
        load_responses([BAD / n for n in names], instrument)
    assert [p.file for p in caught.value.problems] == names


def test_problem_text_names_the_location(instrument: Instrument) -> None:
    """A problem prints as 'file, sheet, row, column: message — hint' for people to act on."""
    _, problems = inspect_file(BAD / "bad_values.xlsx", instrument)
    text = str(_errors(problems)[0])
    assert text.startswith("bad_values.xlsx, sheet Responses, row 2, column D (PB-GOV-01): ")
    assert "3.5 is not a whole level" in text


def test_problem_as_dict_carries_every_field(instrument: Instrument) -> None:
    """InputProblem.as_dict gives file, sheet, row, column, question, severity, message, hint."""
    _, problems = inspect_file(BAD / "duplicate_respondents.csv", instrument)
    error = _errors(problems)[0].as_dict()
    assert error["file"] == "duplicate_respondents.csv"
    assert error["row"] == 4
    assert error["column"] == "A (respondent)"
    assert error["severity"] == "error"
    assert "each respondent answers once" in str(error["hint"])


def test_duplicate_respondent_across_files_is_an_error(
    tmp_path: Path, instrument: Instrument
) -> None:
    """The same respondent of the same organisation in two files is an error naming both files."""
    rows = maker.wide(["R01", "Executive", "Finance", 3, 4, 2])
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    for path in (first, second):
        path.write_bytes(maker.csv_bytes([["Organisation", *rows[0]], ["Acme", *rows[1]]]))
    with pytest.raises(InvalidInputError) as caught:
        load_responses([first, second], instrument)
    (problem,) = caught.value.problems
    assert problem.file == "second.csv"
    assert "respondent 'R01' of 'Acme' is also in first.csv" in problem.message


def test_missing_file_is_reported_not_raised(tmp_path: Path, instrument: Instrument) -> None:
    """A path that does not exist is one 'file not found' problem, not an exception."""
    responses, problems = inspect_file(tmp_path / "nowhere.csv", instrument)
    assert responses is None
    assert [p.message for p in problems] == ["file not found"]


def test_empty_folder_is_reported_not_raised(tmp_path: Path, instrument: Instrument) -> None:
    """An empty folder (read as a folder of journals) is one problem, not an exception."""
    _, problems = inspect_file(tmp_path, instrument)
    assert [p.message for p in problems] == ["the folder is empty"]


def test_no_files_at_all_is_invalid_input(instrument: Instrument) -> None:
    """load_responses with an empty list raises InvalidInputError, not an empty result."""
    with pytest.raises(InvalidInputError, match="no input files given"):
        load_responses([], instrument)


# ------------------------------------------------------------------------------- hostile files ---


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_refused_in_small_memory(name: str, instrument: Instrument) -> None:
    """A hostile file is refused with a peak Python allocation under 50 MB."""
    result: list[Any] = []
    peak = _peak_bytes(lambda: result.append(inspect_file(BAD / name, instrument)))
    responses, problems = result[0]
    assert responses is None
    assert _errors(problems)
    assert peak < PEAK_LIMIT, f"{name}: peak {peak / 1_048_576:.0f} MB"


def test_zip_bomb_is_refused_unread_in_small_memory(zip_bomb: Path, instrument: Instrument) -> None:
    """A workbook expanding to 300 MB is refused from its directory, in under 50 MB."""
    assert zip_bomb.stat().st_size < 1_048_576
    result: list[Any] = []
    peak = _peak_bytes(lambda: result.append(inspect_file(zip_bomb, instrument)))
    responses, problems = result[0]
    assert responses is None
    (error,) = _errors(problems)
    assert "expands to 300 MB (a zip bomb?); refused unread" in error.message
    assert peak < PEAK_LIMIT


def test_cells_of_all_sheets_are_capped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, instrument: Instrument
) -> None:
    """A workbook whose sheets together hold more than MAX_CELLS cells is refused unread."""
    monkeypatch.setattr(readers, "MAX_CELLS", 20)
    book = openpyxl.Workbook()
    for title in ("Responses", "Other"):
        sheet = book.create_sheet(title)
        for row in maker.wide(["R01", "Executive", "Finance", 3, 4, 2]):
            sheet.append(row)  # 12 cells a sheet: 24 in all
    del book["Sheet"]
    path = tmp_path / "cells.xlsx"
    book.save(path)
    _, problems = inspect_file(path, instrument)
    (error,) = _errors(problems)
    assert "the workbook's sheets hold more than 20 cells; refused unread" in error.message


@pytest.mark.parametrize(("cap", "refused"), [(60_000, False), (59_999, True)])
def test_cell_count_is_exact_across_chunks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cap: int, refused: bool
) -> None:
    """Cells of a sheet read in several chunks are counted once each: the cap is exact."""
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in "ABCD") + "</row>"
        for r in range(1, 15_001)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns='
        f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}'
        "</sheetData></worksheet>"
    ).encode()
    assert len(sheet) > 4096 + 1_048_576  # read as a head, then two 1 MB chunks
    path = tmp_path / "cells.xlsx"
    path.write_bytes(maker.normalise_zip(maker.workbook_bytes([["x"]]), {maker.SHEET: sheet}))
    monkeypatch.setattr(readers, "MAX_CELLS", cap)
    log = ProblemLog(path.name)
    assert readers.guard_zip(path.read_bytes(), log) is not refused
    assert bool(log.errors) is refused


def test_cells_of_a_text_file_are_capped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, instrument: Instrument
) -> None:
    """A CSV with more than MAX_CELLS cells is refused."""
    monkeypatch.setattr(readers, "MAX_CELLS", 20)
    path = tmp_path / "cells.csv"
    rows = [[f"R{i}", "CFO", "Finance", 3, 3, 3] for i in range(4)]
    path.write_bytes(maker.csv_bytes(maker.wide(*rows)))  # 30 cells
    _, problems = inspect_file(path, instrument)
    (error,) = _errors(problems)
    assert "more than 20 cells" in error.message


def test_csv_with_too_many_rows_is_refused(tmp_path: Path, instrument: Instrument) -> None:
    """A CSV longer than MAX_ROWS rows is refused with a hint to split it."""
    path = tmp_path / "long.csv"
    path.write_bytes(b"Respondent ID,[PB-GOV-01] x\r\n" + b"R,3\r\n" * readers.MAX_ROWS)
    _, problems = inspect_file(path, instrument)
    (error,) = _errors(problems)
    assert f"more than {readers.MAX_ROWS:,} rows" in error.message
    assert "split the file" in error.hint


def test_csv_cell_over_the_field_limit_is_reported(tmp_path: Path, instrument: Instrument) -> None:
    """A CSV field larger than the csv module's limit is a 'not readable as CSV' problem."""
    path = tmp_path / "huge-cell.csv"
    path.write_bytes(b'Respondent ID,[PB-GOV-01] x\r\nR01,"' + b"x" * 200_000 + b'"\r\n')
    _, problems = inspect_file(path, instrument)
    (error,) = _errors(problems)
    assert error.message.startswith("not readable as CSV")


def test_oversized_text_file_is_refused_unread(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, instrument: Instrument
) -> None:
    """A text file over MAX_TEXT_BYTES is refused before it is decoded."""
    monkeypatch.setattr(readers, "MAX_TEXT_BYTES", 1_048_576)
    path = tmp_path / "big.csv"
    path.write_bytes(b"Respondent ID,[PB-GOV-01] x\r\n" + b"R01,3\r\n" * 200_000)
    _, problems = inspect_file(path, instrument)
    (error,) = _errors(problems)
    assert "the limit is 1 MB" in error.message


def test_oversized_workbook_is_refused_unread(
    monkeypatch: pytest.MonkeyPatch, instrument: Instrument
) -> None:
    """A workbook file over MAX_XLSX_BYTES is refused before it is opened."""
    monkeypatch.setattr(readers, "MAX_XLSX_BYTES", 1024)
    _, problems = inspect_file(BAD / "merged_cells.xlsx", instrument)
    (error,) = _errors(problems)
    assert error.message.startswith("the workbook is")
    assert "export the responses as CSV" in error.hint


# ------------------------------------------------------------------------------------ the CLI ---


def _assert_clean_failure(output: str, exit_code: int, exception: BaseException | None) -> None:
    assert exit_code == 2, output
    assert isinstance(exception, SystemExit)
    assert "Traceback" not in output


@pytest.mark.parametrize("command", ["validate", "score"])
@pytest.mark.parametrize("name", FILES)
def test_cli_refuses_bad_file_with_exit_2(name: str, command: str, quick_cli: CliRunner) -> None:
    """`pmo2vmo validate|score FILE` prints the file's errors, exits 2 and shows no traceback."""
    result = quick_cli.invoke(main, [command, str(BAD / name)])
    _assert_clean_failure(result.output, result.exit_code, result.exception)
    for expected in EXPECTED[name]:
        assert expected["message"][0] in result.output
    assert f"error: {name}" in result.output


def test_cli_zip_bomb_exit_2(zip_bomb: Path, quick_cli: CliRunner) -> None:
    """`pmo2vmo score` on a zip bomb exits 2 with the zip-bomb message and no traceback."""
    result = quick_cli.invoke(main, ["score", str(zip_bomb)])
    _assert_clean_failure(result.output, result.exit_code, result.exception)
    assert "zip bomb" in result.output


def test_cli_validate_reports_every_file_at_once() -> None:
    """`pmo2vmo validate` on the whole corpus reports each file invalid in one run and exits 2."""
    result = CliRunner().invoke(main, ["validate", *(str(BAD / n) for n in FILES)])
    _assert_clean_failure(result.output, result.exit_code, result.exception)
    invalid = [line for line in result.output.splitlines() if line.startswith("invalid: ")]
    assert len(invalid) == len(FILES)
    for name in FILES:
        assert any(line.startswith(f"invalid: {BAD / name}: ") for line in invalid), name


def test_cli_score_counts_the_problems(quick_cli: CliRunner) -> None:
    """`pmo2vmo score` ends its error list with how many problems there were."""
    result = quick_cli.invoke(main, ["score", str(BAD / "everything_wrong.csv")])
    _assert_clean_failure(result.output, result.exit_code, result.exception)
    assert "5 problems; nothing was done." in result.output


def test_cli_does_not_print_warnings_as_errors(quick_cli: CliRunner) -> None:
    """`pmo2vmo validate` labels data-quality notes 'warning:' and errors 'error:'."""
    result = quick_cli.invoke(main, ["validate", str(BAD / "value_out_of_range.csv")])
    lines = result.output.splitlines()
    assert any(line.startswith("warning: ") and "have no column" in line for line in lines)
    assert sum(line.startswith("error: ") for line in lines) == 1


def test_password_protected_workbook_is_a_reported_error(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A workbook part flagged as encrypted is reported (zipfile would raise RuntimeError)."""
    import io
    import zipfile

    data = bytearray(maker._good_book())
    name = b"xl/workbook.xml"
    header = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name.decode()).header_offset
    data[header + 6] |= 0x1  # general-purpose flag, bit 0: encrypted (local header)
    central = 0
    while True:
        central = data.index(b"PK\x01\x02", central)
        length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + length] == name:
            data[central + 8] |= 0x1  # same flag in the central directory
            break
        central += 4
    path = tmp_path / "protected.xlsx"
    path.write_bytes(bytes(data))
    responses, problems = inspect_file(path, instrument)
    assert responses is None
    assert [p.message for p in problems] == [
        "the workbook part xl/workbook.xml is encrypted (a password-protected workbook)"
    ]


@pytest.mark.parametrize(
    ("name", "head", "message"),
    [
        ("huge.csv", b"respondent,PB-GOV-01\n", "the file is 60 MB; the limit is 50 MB"),
        ("huge.jsonl", b'{"v": 1}\n', "the file is 60 MB; the limit is 50 MB"),
        ("huge.xlsx", b"PK\x03\x04", "the workbook is 60 MB; the limit is 25 MB"),
    ],
)
def test_oversized_files_are_refused_before_they_are_read(
    tmp_path: Path, instrument: Instrument, name: str, head: bytes, message: str
) -> None:
    """A file over its size limit is refused from its size alone: it is never read into
    memory (a sparse 60 MB file, peak allocation far below its size)."""
    path = tmp_path / name
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(60 * 1024 * 1024)
    tracemalloc.start()
    try:
        responses, problems = inspect_file(path, instrument)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert responses is None
    assert [p.message for p in problems] == [message]
    assert peak < 5 * 1024 * 1024
