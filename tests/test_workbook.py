"""Spreadsheets we write: client text never becomes a formula; writes are atomic."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from pmo2vmo.analysis.scoring import score
from pmo2vmo.ingest.responses import load_responses
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.render.workbook import safe_cell, write_scores_workbook
from pmo2vmo.util.atomic import write_atomic, write_text_atomic


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\r=x"])
def test_formula_like_text_is_neutralised(text: str) -> None:
    """Text starting with = + - @ tab or CR gets a leading apostrophe."""
    assert safe_cell(text) == "'" + text


def test_numbers_stay_numbers_and_control_characters_are_replaced() -> None:
    """Numbers pass unchanged, NaN becomes empty, illegal control characters cannot crash."""
    assert safe_cell(3) == 3
    assert safe_cell(-2.5) == -2.5
    assert safe_cell(float("nan")) is None
    assert safe_cell("a\x0bb\x00c") == "a\ufffdb\ufffdc"


def test_characters_xml_cannot_store_are_replaced(tmp_path: Path) -> None:
    """Lone surrogates, U+FFFE and U+FFFF (valid in decoded client text) are replaced too, so
    the workbook saves instead of crashing."""
    import openpyxl

    text = safe_cell("a\ud800b\ufffec\uffff")
    assert text == "a\ufffdb\ufffdc\ufffd"
    book = openpyxl.Workbook()
    book.active["A1"] = text
    book.save(tmp_path / "x.xlsx")


def test_hostile_client_text_in_the_scores_workbook(instrument: Instrument, tmp_path: Path) -> None:
    """An organisation and comment crafted as formulas are stored as text, not formulas."""
    data = tmp_path / "r.csv"
    data.write_text(
        "organisation,respondent,role,unit,question,answer,comment\n"
        '"=HYPERLINK(""http://x"")",R1,"@role\x0b",U,PB-GOV-01,3,"=cmd|\' /C calc\'!A0"\n'
    )
    report = score(load_responses([data], instrument), instrument, Profile(min_group_size=1,
                   identifiable_workshop=True))  # fmt: skip
    out = write_scores_workbook(report, tmp_path / "scores.xlsx")
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    assert wb["Summary"]["A2"].value.startswith("'=HYPERLINK")
    assert wb["Comments"]["C2"].value.startswith("'=cmd")


def test_interrupted_write_leaves_the_previous_file(tmp_path: Path) -> None:
    """If writing fails midway, the old file is intact and no temporary file is left behind."""
    target = tmp_path / "out.txt"
    write_text_atomic(target, "previous")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, broken)
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_files_get_normal_permissions(tmp_path: Path) -> None:
    """Atomic writes do not leave files readable by their owner only."""
    target = write_text_atomic(tmp_path / "x.txt", "x")
    assert target.stat().st_mode & 0o044 == 0o044


def test_same_style_copies_every_style_and_stays_independent() -> None:
    """Cells given a model cell's style show its font, fill, alignment and number format, and
    restyling one of them later changes neither the model nor the others."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    from pmo2vmo.render.workbook import same_style

    ws = openpyxl.Workbook().active
    model, *cells = (ws.cell(row=1, column=c) for c in range(1, 5))
    model.font = Font(bold=True, color="FFFFFF")
    model.fill = PatternFill("solid", fgColor="1F4E79")
    model.alignment = Alignment(wrap_text=True, vertical="top")
    model.number_format = "0.00"
    same_style(model, cells)
    for cell in cells:
        assert cell.font.bold
        assert cell.fill.fgColor.rgb == "001F4E79"
        assert cell.alignment.wrap_text
        assert cell.number_format == "0.00"
    cells[0].number_format = "0%"
    assert model.number_format == cells[1].number_format == "0.00"
