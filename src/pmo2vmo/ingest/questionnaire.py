"""The one-respondent questionnaire (``pmo2vmo questionnaire``) read back.

Recognised by its labelled ``Respondent ID:`` cell above a table whose heading names ``Id`` and
``Your answer``. Who answered comes from the labelled cells (``Respondent ID:``, ``Role:``,
``Unit:``, ``Organisation:``, the value in the cell to the right of each), the respondent's id
from the file name when its cell is empty; each table row whose id cell holds a question id is
that question's answer and comment. Pillar and dimension rows hold no id and are passed over;
the cell right of ``Anything else:`` below the table is the respondent's closing comment.
Flaws (merged cells, formulas without a result) count only in the cells read: the progress line's
formula is the questionnaire's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmo2vmo.errors import ProblemLog
from pmo2vmo.ingest.answers import AnswerError, Kind
from pmo2vmo.ingest.readers import Cell, Grid, column_letter
from pmo2vmo.ingest.records import ReadContext, RecordBuilder, cell_text
from pmo2vmo.util.text import fold

# Labelled cells of the header block, by their folded label.
LABELLED = {
    "respondentid": "respondent",
    "respondent": "respondent",
    "role": "role",
    "unit": "unit",
    "organisation": "organisation",
    "organization": "organisation",
}
_SCAN = 40  # the table's heading is looked for in the first rows


@dataclass
class Layout:
    """Where a questionnaire keeps its fields: labelled cells ``(row index, column)`` and the
    table's heading row with its id, answer and comment columns."""

    labelled: dict[str, tuple[int, int]]
    head: int
    id_col: int
    answer_col: int
    comment_col: int | None
    read: set[tuple[int, int]] = field(default_factory=set)  # (1-based row, column) read


def _cell(grid: Grid, index: int, col: int) -> Cell:
    row = grid.rows[index] if index < len(grid.rows) else []
    return row[col] if col < len(row) else None


def find_layout(grid: Grid) -> Layout | None:
    """The questionnaire's layout, or None when the grid is not one."""
    labelled: dict[str, tuple[int, int]] = {}
    for index, row in enumerate(grid.rows[:_SCAN]):
        folded = [fold(c) if isinstance(c, str) else "" for c in row]
        if "youranswer" in folded and "id" in folded:
            if "respondent" not in labelled:
                return None
            comment = next((c for c, f in enumerate(folded) if f.startswith("comment")), None)
            return Layout(labelled, index, folded.index("id"), folded.index("youranswer"), comment)
        for col, cell in enumerate(row):
            if isinstance(cell, str) and cell.rstrip().endswith(":"):
                name = LABELLED.get(fold(cell))
                if name is not None and name not in labelled:
                    labelled[name] = (index, col + 1)
    return None


def _meta(grid: Grid, layout: Layout, name: str) -> str | None:
    if name not in layout.labelled:
        return None
    index, col = layout.labelled[name]
    layout.read.add((grid.row_number(index), col))
    return cell_text(_cell(grid, index, col))


def read_questionnaire(grid: Grid, ctx: ReadContext, builder: RecordBuilder) -> bool:
    """Read the grid into the builder if it is a questionnaire; whether it was."""
    layout = find_layout(grid)
    if layout is None:
        return False
    log = builder.log
    org = _meta(grid, layout, "organisation") or ctx.fallback_org
    rid = _meta(grid, layout, "respondent")
    if rid is None:
        rid = Path(log.file).stem
        row, col = layout.labelled["respondent"]
        log.warning(
            f"Respondent ID is empty; the file name {rid!r} is used as the respondent's id",
            "fill in Respondent ID to choose it",
            row=grid.row_number(row),
            column=column_letter(col),
        )
    role, unit = _meta(grid, layout, "role"), _meta(grid, layout, "unit")
    answered = _answers(grid, layout, ctx, builder, org, rid)
    closing = _closing(grid, layout)
    grid.log_flaws(log, lambda row, col: (row, col) in layout.read)
    if not log.errors:
        if answered:
            shown = grid.row_number(layout.labelled["respondent"][0])
            builder.respondent(org, rid, role, unit, closing, shown)
        elif ctx.in_folder:  # one blank return among others: left out, as the wide reader does
            log.warning("no question of the questionnaire is answered; left out",
                        "take the file out of the folder if nobody means to answer it")  # fmt: skip
        else:
            log.error(
                "no question of the questionnaire is answered",
                "fill in Your answer for the questions, or take the file out",
            )
    return True


def _closing(grid: Grid, layout: Layout) -> str | None:
    """The closing comment: the cell right of ``Anything else:`` below the table."""
    for index in range(layout.head + 1, len(grid.rows)):
        label = _cell(grid, index, 0)
        if isinstance(label, str) and fold(label) == "anythingelse":
            layout.read.add((grid.row_number(index), 1))
            return cell_text(_cell(grid, index, 1))
    return None


def _answers(grid: Grid, layout: Layout, ctx: ReadContext, builder: RecordBuilder, org: str,
             rid: str) -> int:  # fmt: skip
    """Record the table's answers with their comments; how many there were."""
    log = builder.log
    seen: dict[str, int] = {}
    count = 0
    for index in range(layout.head + 1, len(grid.rows)):
        number = grid.row_number(index)
        text = cell_text(_cell(grid, index, layout.id_col))
        tokens = ctx.matcher.tokens(text) if text else []
        if not tokens:
            _lost_id(grid, layout, index, text, log)
            continue
        layout.read.update((number, c) for c in (layout.id_col, layout.answer_col))
        qid = _question(tokens, ctx, log, number, layout.id_col)
        if qid is None or qid in ctx.excluded:
            continue
        if qid in seen:
            log.error(f"{qid} is asked twice, on rows {seen[qid]} and {number}",
                      "keep one row per question", row=number,
                      column=column_letter(layout.id_col), question=qid)  # fmt: skip
            continue
        seen[qid] = number
        builder.asked.add(qid)
        raw = _cell(grid, index, layout.answer_col)
        where: dict[str, Any] = {
            "row": number,
            "column": f"{column_letter(layout.answer_col)} ({qid})",
        }
        try:
            answer = ctx.parser.parse(raw)
        except AnswerError as exc:
            log.error(str(exc), question=qid, **where)
            continue
        if answer.kind is Kind.BLANK:
            continue
        comment = None
        if layout.comment_col is not None:
            layout.read.add((number, layout.comment_col))
            comment = cell_text(_cell(grid, index, layout.comment_col))
        builder.answer(org, rid, qid, answer.kind, answer.value, str(raw).strip(), comment,
                       number)  # fmt: skip
        count += 1
    return count


def _lost_id(grid: Grid, layout: Layout, index: int, text: str | None, log: ProblemLog) -> None:
    """A row with an answer or comment but no question id (cleared or retyped): an error, so
    the answer is never dropped unseen. Pillar and dimension rows hold neither."""
    cols = [c for c in (layout.answer_col, layout.comment_col) if c is not None]
    if all(cell_text(_cell(grid, index, c)) is None for c in cols):
        return
    found = "the Id cell is empty" if text is None else f"{text!r} in the Id cell is no question id"
    log.error(f"an answer without its question: {found}",
              "put the question's id back in the Id cell (the rows above and below show the "
              "order), or answer in a fresh questionnaire", row=grid.row_number(index),
              column=f"{column_letter(layout.id_col)} (Id)")  # fmt: skip


def _question(tokens: list[str], ctx: ReadContext, log: ProblemLog, number: int,
              col: int) -> str | None:  # fmt: skip
    """The question a row answers, or None with the problem logged (unknown, or two ids)."""
    where: dict[str, Any] = {"row": number, "column": column_letter(col), "question": tokens[0]}
    named = list(dict.fromkeys(tokens))
    if len(named) > 1:
        log.error(f"the id cell names {len(named)} question ids: {', '.join(named)}",
                  "keep one id per row", **where)  # fmt: skip
        return None
    qid = ctx.current(tokens[0])
    if qid is None and not ctx.retired(tokens[0]):
        log.error(f"unknown question id {tokens[0]!r}",
                  "use the questionnaire from `pmo2vmo questionnaire`", **where)  # fmt: skip
    return qid
