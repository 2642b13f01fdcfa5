"""The wide layout: one row per respondent, each question's column found by its id in the header.

This is the workbook written by ``pmo2vmo template`` and any survey tool's export (Microsoft Forms,
Google Forms, Qualtrics, LimeSurvey, SurveyMonkey...). Survey tools' own markers decide who counts
as a respondent (:mod:`~pmo2vmo.ingest.survey`); a question's companion columns hold its comment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from pmo2vmo.errors import ProblemLog
from pmo2vmo.ingest.answers import Answer, AnswerError, Kind
from pmo2vmo.ingest.header import META_FIELDS, is_import_row, meta_columns, question_columns
from pmo2vmo.ingest.readers import Cell, Grid, column_letter
from pmo2vmo.ingest.records import ReadContext, RecordBuilder, cell_text
from pmo2vmo.ingest.survey import (
    LIMESURVEY_OTHER,
    QUALTRICS_RECODES,
    SURVEY_FIELDS,
    survey_status,
    survey_warnings,
)


@dataclass(frozen=True)
class WideColumns:
    """Where a wide file keeps each field: answers, comments, metadata and survey markers."""

    questions: dict[str, int]
    comments: dict[str, list[int]]
    unknown: set[str]
    meta: dict[str, int]
    survey: dict[str, int]
    qualtrics: bool

    def cell(self, row: list[Cell], name: str) -> str | None:
        """A metadata or survey-marker field of a row as text (None when blank or absent)."""
        col = self.meta.get(name, self.survey.get(name))
        return cell_text(row[col]) if col is not None and col < len(row) else None

    def content(self) -> list[int]:
        """Cells a respondent fills in (unlike organisation, role and unit, which may be
        pre-filled: the template fills in the organisation on every row when the profile names
        the client)."""
        cols = [*self.questions.values(), *(c for cs in self.comments.values() for c in cs)]
        if "comment" in self.meta:
            cols.append(self.meta["comment"])
        return cols


def _wide_columns(
    headers: list[list[Cell]], ctx: ReadContext, log: ProblemLog, shown_row: int
) -> WideColumns:
    """Read the header rows: question, comment, metadata and survey-marker columns."""
    questions, comments, unknown = question_columns(headers, ctx, log, shown_row)
    meta = meta_columns(headers, META_FIELDS, log, shown_row, ctx.matcher)
    survey = meta_columns(headers, SURVEY_FIELDS, log, shown_row, ctx.matcher)
    qualtrics = "finished" in survey or any(is_import_row(h) for h in headers)
    return WideColumns(questions, comments, unknown, meta, survey, qualtrics)


def _scored_columns(
    columns: WideColumns, ctx: ReadContext, builder: RecordBuilder
) -> list[tuple[str, int]]:
    """The columns scored under the profile, with a warning for questions the profile excludes,
    questions with no column, and a missing respondent column."""
    log = builder.log
    question_cols = columns.questions
    excluded = sorted(q for q in question_cols if q in ctx.excluded)
    if excluded:
        log.warning(
            f"answers to {len(excluded)} questions of dimensions the profile excludes are ignored "
            f"({', '.join(excluded[:6])}{'…' if len(excluded) > 6 else ''})"
        )
    scored_cols = [(q, c) for q, c in question_cols.items() if q not in ctx.excluded]
    builder.asked.update(q for q, _ in scored_cols)
    missing = [q for q in ctx.tailored.questions if q not in question_cols]
    if missing and question_cols:
        log.warning(
            f"{len(missing)} questions of the instrument have no column "
            f"({', '.join(missing[:6])}{'…' if len(missing) > 6 else ''}); they are scored "
            "from other files or left unscored"
        )
    if "respondent" not in columns.meta:
        log.warning(
            "no respondent column (Respondent ID, ResponseId, ID, Email, Name…); respondents are "
            "numbered by row"
        )
    return scored_cols


def _skipped(row: list[Cell]) -> bool:
    """A row that is blank, or holds nothing but Qualtrics' ImportId cells."""
    return all(
        (isinstance(c, str) and c.lstrip().startswith('{"ImportId"')) or cell_text(c) is None
        for c in row
    )


@dataclass
class _WideRows:
    """Reads a wide file's rows into the builder, tallying rows that the survey markers leave
    out or mark incomplete."""

    ctx: ReadContext
    builder: RecordBuilder
    columns: WideColumns
    scored: list[tuple[str, int]]
    content: list[int]
    rows_with_data: int = 0
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (respondent, response type)
    incomplete: list[str] = field(default_factory=list)

    def read(self, row: list[Cell], number: int) -> None:
        """One respondent's row: who it is, whether the survey counts it, and its answers."""
        log = self.builder.log
        cell = partial(self.columns.cell, row)
        meta = self.columns.meta
        rid = cell("respondent") if "respondent" in meta else f"row-{number}"
        if rid is None and all(cell_text(row[c]) is None for c in self.content if c < len(row)):
            return  # no respondent and nothing answered: an unused (pre-filled) row
        self.rows_with_data += 1
        if rid is None:
            log.error(
                "respondent id is empty",
                "give every row a respondent id (any text; it is never shown in reports)",
                row=number,
                column=f"{column_letter(meta['respondent'])} (respondent)",
            )
            return
        if not self._counted(cell, rid):
            return
        org = cell("organisation") or self.ctx.fallback_org
        if self._repeated(org, rid, number):
            return
        if self._answers(row, org, rid, number):
            self.builder.respondent(org, rid, cell("role"), cell("unit"), cell("comment"), number)
        else:
            log.warning(f"respondent {rid!r} gave no answers; left out", row=number)

    def _counted(self, cell: Callable[[str], str | None], rid: str) -> bool:
        """Whether the survey's markers keep the row: not a preview, test or spam, and not
        incomplete when the profile drops incomplete responses."""
        not_respondent, unfinished = survey_status(
            cell, self.columns.survey, self.columns.qualtrics
        )
        if not_respondent is not None:
            self.left_out.append((rid, not_respondent))
            return False
        if unfinished:
            self.incomplete.append(rid)
            if self.ctx.profile.incomplete == "drop":
                return False
        return True

    def _repeated(self, org: str, rid: str, number: int) -> bool:
        """Whether the respondent already answered on an earlier row (an error), else note it."""
        key = (org, rid)
        seen = self.builder.seen_rows
        if key in seen:
            self.builder.log.error(
                f"respondent {rid!r} of {org!r} also answered on row {seen[key]}",
                "each respondent answers once: delete the older submission or give the rows "
                "distinct respondent ids",
                row=number,
                column=f"{column_letter(self.columns.meta.get('respondent', 0))} (respondent)",
            )
            return True
        seen[key] = number
        return False

    def _answers(self, row: list[Cell], org: str, rid: str, number: int) -> int:
        """Record the row's non-blank answers with their comments; how many there were."""
        count = 0
        for qid, col in self.scored:
            raw = row[col] if col < len(row) else None
            answer = self._answer(raw, qid, col, number)
            if answer is None:
                continue
            texts = [cell_text(row[c]) for c in self.columns.comments.get(qid, []) if c < len(row)]
            comment = "; ".join(t for t in texts if t) or None
            self.builder.answer(
                org, rid, qid, answer.kind, answer.value, str(raw).strip(), comment, number
            )
            count += 1
        return count

    def _answer(self, raw: Cell, qid: str, col: int, number: int) -> Answer | None:
        """A cell read as an answer; None (with the problem logged) when blank or not an answer."""
        log = self.builder.log
        if raw is None:
            return None  # blank: nothing to read, nothing to report
        column = f"{column_letter(col)} ({qid})"
        if isinstance(raw, str) and raw.strip().casefold() == LIMESURVEY_OTHER:
            log.warning(
                f"{raw.strip()!r} is LimeSurvey's code for an 'Other' choice, not a level: "
                "the question is left unanswered for this respondent",
                "offer the five levels, N/A and Don't know only, without 'Other'",
                row=number,
                column=column,
                question=qid,
            )
            return None
        if self.columns.qualtrics:  # a numeric export's recode for N/A or Don't know
            text = cell_text(raw)
            if text is not None and text.isdigit() and int(text) in QUALTRICS_RECODES:
                raw = QUALTRICS_RECODES[int(text)]
        try:
            answer = self.ctx.parser.parse(raw)
        except AnswerError as exc:
            log.error(str(exc), row=number, column=column, question=qid)
            return None
        return None if answer.kind is Kind.BLANK else answer


def read_wide(
    grid: Grid, ctx: ReadContext, builder: RecordBuilder, header_row: int, data_row: int
) -> None:
    """Read a wide grid whose header spans ``header_row`` up to ``data_row`` into the builder."""
    log = builder.log
    columns = _wide_columns(grid.rows[header_row:data_row], ctx, log, grid.row_number(header_row))
    if not columns.questions and not columns.unknown:
        log.error("no column names a question id such as VC-OBJ-01", "use `pmo2vmo template`")
        return
    scored = _scored_columns(columns, ctx, builder)
    rows = _WideRows(ctx, builder, columns, scored, columns.content())
    for index in range(data_row, len(grid.rows)):
        if not _skipped(grid.rows[index]):
            rows.read(grid.rows[index], grid.row_number(index))
    survey_warnings(log, rows.left_out, rows.incomplete, ctx.profile.incomplete, columns.survey)
    if rows.rows_with_data == 0:
        log.error("the file has a header but no responses", "fill in at least one respondent's row")
