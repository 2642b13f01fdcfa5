"""The response workbook clients fill in: ``pmo2vmo template --out responses.xlsx``.

Sheets: *Instructions* (how to answer, the five levels, N/A versus Don't know, confidentiality),
*Responses* (one row per respondent, one column per question with a drop-down of answers; each
question header carries its five level descriptors as a cell note), *Questions* (every question with
its descriptors and evidence examples, readable on screen or printed), *Moderation* (for the
assessor: an evidence-based level per dimension, its rationale and evidence; the workbook is then a
valid ``--moderation`` input, see :mod:`pmo2vmo.ingest.moderation`) and a hidden *Lists* sheet
feeding the drop-downs. The workbook reads back with :func:`pmo2vmo.ingest.responses.load_responses`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pmo2vmo.ingest.moderation import MODERATION_COLUMNS, SHEET
from pmo2vmo.model.instrument import Instrument, QuestionRef
from pmo2vmo.model.profile import Profile
from pmo2vmo.render.workbook import add_table_sheet, safe_cell, text_cell
from pmo2vmo.util.atomic import write_atomic

META_HEADERS = ("Organisation", "Respondent ID", "Role", "Unit")
ANSWER_ROWS = 500


def answer_labels(instrument: Instrument) -> list[str]:
    """The drop-down choices: ``1 - Initial`` … ``5 - Optimising``, ``N/A``, ``Don't know``."""
    return [f"{lv.value} - {lv.name}" for lv in instrument.levels] + ["N/A", "Don't know"]


def answer_minutes(questions: int) -> int:
    """About how long answering takes, in minutes (45 seconds a question, in fives)."""
    return max(5, round(questions * 0.75 / 5) * 5)


def how_to_answer(
    instrument: Instrument, profile: Profile, where: str = ""
) -> list[tuple[str, str]]:
    """What every questionnaire and survey says before its questions, as (label, text): how to
    answer (pick one ``where``) with the partial-fit rule, N/A against Don't know, who sees what."""
    return [
        ("How to answer:", (f"Read the five levels of each question, then pick one{where}. "
         f"{instrument.meta.partial_fit_rule}")),
        ("N/A or Don't know:", ("N/A: the practice does not apply to your organisation. Don't "
         "know: you cannot see how this works — that is a finding in itself, never scored as 0. "
         "Leave an answer empty only to skip the question.")),
        ("Confidentiality:", (f"Answers are reported only for groups of at least "
         f"{profile.min_group_size} people. Comments are quoted without your name, role or date.")),
    ]  # fmt: skip


def question_header(question_id: str, text: str) -> str:
    """A Responses column header: the id in brackets, then the question text."""
    return f"[{question_id}] {' '.join(text.split())}"


def _instructions(
    ws: Any, instrument: Instrument, profile: Profile, audience: str | None, asked: int
) -> None:
    from openpyxl.styles import Alignment, Font

    client = profile.client or profile.organisation_name
    k = profile.min_group_size
    lines: list[tuple[str, str]] = [
        ("title", "PMO-to-VMO readiness assessment" + (f" — {client}" if client else "")),
        ("", ""),
        ("head", "How to answer"),
        ("", "Fill in one row of the Responses sheet per person, starting at row 2."),
        ("", "Respondent ID: any text that tells respondents apart (e.g. R01). It never appears in a report."),
        ("", f"Role and Unit: used to compare groups. No group smaller than {k} people is ever shown."),
        ("", "Answer each question with the level that best describes what happens today — not what is planned, or written in a policy nobody follows."),
        ("", f"When no level fits exactly: {instrument.meta.partial_fit_rule}"),
        ("", "Hover over a question's header to read the five level descriptions, or see the Questions sheet."),
        ("", "N/A: the practice does not apply to your organisation. It lowers what is expected, not the score."),
        ("", "Don't know: you cannot see how this works. That is a finding in itself; it is counted, never scored as 0."),
        ("", "Leave a cell empty only if you skipped the question."),
        ("", "Comments (last column) are shown without your name, role or date."),
        ("", ""),
        ("head", "The five levels"),
        *[("", f"{lv.value} - {lv.name}: {lv.description}") for lv in instrument.levels],
        ("", ""),
        ("head", "About this questionnaire"),
        ("", f"Instrument {instrument.id} version {instrument.version}: {len(instrument.questions)} questions in {len(instrument.dimensions)} dimensions and {len(instrument.pillars)} pillars."),
        ("", _routing_line(instrument, audience, asked)),
    ]  # fmt: skip
    for kind, text in lines:
        ws.append([safe_cell(text)])
        cell = ws.cell(row=ws.max_row, column=1)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind == "title":
            cell.font = Font(bold=True, size=16)
        elif kind == "head":
            cell.font = Font(bold=True, size=12)
    ws.column_dimensions["A"].width = 110


def _routing_line(instrument: Instrument, audience: str | None, asked: int) -> str:
    """Who this questionnaire is for: one audience's questions, or every question with the
    audiences each is meant for."""
    if audience is None:
        return ("Every question is included. Each is meant for the people who can see the practice "
                "at work (see Asked of on the Questions sheet); answer Don't know where you cannot "
                "see it.")  # fmt: skip
    name = instrument.audience_name(audience)
    return (f"This questionnaire holds the {asked} questions for {name}: those they can observe "
            "at work. The others are asked of other people.")  # fmt: skip


def _asked_of(instrument: Instrument, ref: QuestionRef) -> str:
    """The names of the audiences a question is routed to ("Executives, Finance")."""
    names = {a.id: a.name for a in instrument.meta.audiences}
    return ", ".join(names[a] for a in ref.question.audiences)


def _question_note(instrument: Instrument, ref: QuestionRef) -> Any:
    """A question header's cell note: its dimension, who it is asked of, then the five level
    descriptors."""
    from openpyxl.comments import Comment

    levels = "\n".join(
        f"{lv.value} {lv.name}: {ref.question.descriptors[lv.value]}" for lv in instrument.levels
    )
    head = f"{ref.dimension.name}\nAsked of: {_asked_of(instrument, ref)}"
    note = Comment(f"{head}\n\n{levels}", "pmo2vmo")
    note.width, note.height = 420, 360
    return note


def _responses_sheet(
    wb: Any, instrument: Instrument, profile: Profile, refs: list[QuestionRef]
) -> Any:
    """The Responses sheet: styled headers with their notes, frozen panes, the organisation
    pre-filled when the profile names it."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    headers = [*META_HEADERS, *(question_header(r.question.id, r.question.text) for r in refs)]
    headers.append("Comments")
    ws = wb.create_sheet("Responses")
    ws.append([safe_cell(h) for h in headers])
    header_font = Font(bold=True, color="FFFFFF")
    for col, ref in enumerate(refs, start=len(META_HEADERS) + 1):
        ws.cell(row=1, column=col).comment = _question_note(instrument, ref)
    for col, cell in enumerate(ws[1], start=1):
        cell.font = header_font
        pillar_fill = "1F4E79" if col <= len(META_HEADERS) else "2E75B6"
        cell.fill = PatternFill("solid", fgColor=pillar_fill)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(col)].width = 16 if col <= 4 else 22
    ws.column_dimensions[get_column_letter(len(headers))].width = 60
    ws.row_dimensions[1].height = 120
    ws.freeze_panes = ws.cell(row=2, column=len(META_HEADERS) + 1)
    if profile.organisation_name:
        for row in range(2, 2 + ANSWER_ROWS):
            ws.cell(row=row, column=1, value=safe_cell(profile.organisation_name))
    return ws


def lists_sheet(wb: Any, instrument: Instrument, profile: Profile) -> list[str]:
    """The hidden Lists sheet feeding the drop-downs (of this workbook and the questionnaire):
    answers in A, the profile's roles in B. Returns the roles."""
    lists = wb.create_sheet("Lists")
    for row, label in enumerate(answer_labels(instrument), start=1):
        lists.cell(row=row, column=1, value=label)
    roles = sorted({role for roles in profile.role_bands.values() for role in roles})
    for row, role in enumerate(roles, start=1):
        text_cell(lists.cell(row=row, column=2), role)
    lists.sheet_state = "hidden"
    return roles


def list_drop_downs(
    instrument: Instrument, roles: list[str], **answer_error: str
) -> tuple[Any, Any]:
    """The drop-downs the Lists sheet feeds (their cells still to add): the answers, refusing
    anything else or, with ``errorStyle="warning"``, warning (``answer_error``: the style, title
    and message), and — when the profile has roles, else None — a role suggestion that lets any
    other role through."""
    from openpyxl.worksheet.datavalidation import DataValidation

    answers = DataValidation(type="list", allow_blank=True, showErrorMessage=True,
                             formula1=f"=Lists!$A$1:$A${len(answer_labels(instrument))}",
                             **answer_error)  # fmt: skip
    role_list = None
    if roles:  # other roles are allowed: the list is a suggestion
        role_list = DataValidation(type="list", formula1=f"=Lists!$B$1:$B${len(roles)}",
                                   allow_blank=True, showErrorMessage=False)  # fmt: skip
    return answers, role_list


def _drop_downs(ws: Any, instrument: Instrument, questions: int, roles: list[str]) -> None:
    """The answer drop-down on every question column and, when the profile has roles, a role
    suggestion on the Role column."""
    from openpyxl.utils import get_column_letter

    first = get_column_letter(len(META_HEADERS) + 1)
    last = get_column_letter(len(META_HEADERS) + questions)
    answers, role_list = list_drop_downs(instrument, roles, errorTitle="Not an answer",
                                         error="Choose a level 1-5, N/A or Don't know from the "
                                         "list.")  # fmt: skip
    answers.add(f"{first}2:{last}{ANSWER_ROWS + 1}")
    ws.add_data_validation(answers)
    if role_list is not None:
        role_list.add(f"C2:C{ANSWER_ROWS + 1}")
        ws.add_data_validation(role_list)


def _questions_sheet(wb: Any, instrument: Instrument, refs: list[QuestionRef]) -> None:
    """The Questions sheet: every question with its descriptors and evidence, wrapped to read."""
    from openpyxl.styles import Alignment

    add_table_sheet(
        wb,
        "Questions",
        ["Id", "Pillar", "Dimension", "Question", *(f"{lv.value} - {lv.name}"
                                                   for lv in instrument.levels), "Evidence",
         "Asked of"],
        [
            [r.question.id, r.pillar.name, r.dimension.name, r.question.text,
             *r.question.descriptor_list(), "\n".join(r.question.evidence),
             _asked_of(instrument, r)]
            for r in refs
        ],
        [11, 18, 24, 50, 34, 34, 34, 34, 34, 40, 24],
    )  # fmt: skip
    questions = wb["Questions"]
    for row in questions.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


MODERATION_NOTE = (
    "For the assessor: an evidence-based level per dimension (leave a row's level empty to keep "
    "the self-assessed score). Pass this workbook as --moderation."
)


def _moderation_sheet(wb: Any, instrument: Instrument, profile: Profile) -> None:
    """The Moderation sheet: labelled cells for the organisation, assessor and date, then every
    dimension with an empty level (1–5, one decimal), rationale and evidence to fill in."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet(SHEET)
    ws.append([MODERATION_NOTE])
    ws["A1"].font = Font(bold=True)
    ws.append(["Organisation:", safe_cell(profile.organisation_name)])
    ws.append(["Assessor:", None])
    ws.append(["Date:", None])
    ws.append(list(MODERATION_COLUMNS))
    header = ws.max_row
    for cell in ws[header]:
        cell.font = Font(bold=True)
    for pillar in instrument.pillars:
        for dim in pillar.dimensions:
            ws.append([dim.id, safe_cell(f"{pillar.name}: {dim.name}")])
    last = ws.max_row
    for width, col in zip((14, 44, 13, 12, 60, 60), range(1, 7), strict=True):
        ws.column_dimensions[get_column_letter(col)].width = width
    for row in ws.iter_rows(min_row=header + 1, max_row=last, min_col=5, max_col=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    check = DataValidation(type="decimal", operator="between", formula1="1", formula2="5",
                           allow_blank=True, showErrorMessage=True, errorTitle="Level",
                           error="A level from 1 to 5, at most one decimal.")  # fmt: skip
    check.add(f"D{header + 1}:D{last}")
    ws.add_data_validation(check)
    ws.freeze_panes = ws.cell(row=header + 1, column=3)


def build_template(
    instrument: Instrument, profile: Profile | None = None, audience: str | None = None
) -> Any:
    """The response workbook as an openpyxl ``Workbook`` (not yet saved): every question, or
    only those routed to ``audience`` (an id of the instrument's audiences)."""
    from openpyxl import Workbook

    profile = profile or Profile()
    instrument = instrument.tailored(profile)
    refs = instrument.asked_of(audience)
    wb = Workbook()
    _instructions(wb.active, instrument, profile, audience, len(refs))
    wb.active.title = "Instructions"

    ws = _responses_sheet(wb, instrument, profile, refs)
    roles = lists_sheet(wb, instrument, profile)
    _drop_downs(ws, instrument, len(refs), roles)
    _questions_sheet(wb, instrument, refs)
    wb.move_sheet("Questions", offset=-1)
    _moderation_sheet(wb, instrument, profile)
    wb.move_sheet(SHEET, offset=-1)
    wb.active = 0
    return wb


def write_template(
    path: Path | str,
    instrument: Instrument,
    profile: Profile | None = None,
    audience: str | None = None,
) -> Path:
    """Write the response workbook to ``path`` (atomically) and return the path."""
    workbook = build_template(instrument, profile, audience)
    return write_atomic(path, workbook.save)
