"""The tidy long form: one row per answer (``organisation, respondent, role, unit, question,
answer, comment``).

A respondent answers each question once and keeps one role; the first role given is theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pmo2vmo.ingest.answers import AnswerError, Kind
from pmo2vmo.ingest.header import META_FIELDS, meta_columns
from pmo2vmo.ingest.readers import Cell, Grid, column_letter
from pmo2vmo.ingest.records import ReadContext, RecordBuilder, cell_text


@dataclass
class _TidyRows:
    """Reads a tidy file's rows into the builder, remembering each respondent's role and
    each answer's row."""

    ctx: ReadContext
    builder: RecordBuilder
    meta: dict[str, int]
    roles: dict[tuple[str, str], tuple[str | None, int]] = field(default_factory=dict)
    seen: dict[tuple[str, str, str], int] = field(default_factory=dict)
    given: dict[tuple[str, str, str], str] = field(default_factory=dict)  # id as the file gave it

    def cell(self, row: list[Cell], name: str) -> str | None:
        """A field of a row as text (None when blank or absent)."""
        col = self.meta.get(name)
        return cell_text(row[col]) if col is not None and col < len(row) else None

    def where(self, number: int, name: str) -> dict[str, Any]:
        """The location of a field on a row, for a problem."""
        return {"row": number, "column": f"{column_letter(self.meta[name])} ({name})"}

    def read(self, row: list[Cell], number: int) -> None:
        """One answer's row: its respondent, question and answer checked, then recorded."""
        log, ctx = self.builder.log, self.ctx
        cell = partial(self.cell, row)
        where = partial(self.where, number)
        rid = cell("respondent")
        qtext = cell("question") or ""
        tokens = ctx.matcher.tokens(qtext)
        qid = tokens[0] if tokens else qtext
        if rid is None:
            log.error(
                "respondent is empty", "give every row a respondent id", **where("respondent")
            )
            return
        current = ctx.current(qid) if tokens else None
        if current is None:
            if not ctx.retired(qid):
                log.error(
                    f"unknown question id {qtext!r}",
                    "use the ids listed by `pmo2vmo instrument`",
                    question=qid or None,
                    **where("question"),
                )
            return
        given, qid = qid, current
        if qid in ctx.excluded:
            return
        self.builder.asked.add(qid)
        org = cell("organisation") or ctx.fallback_org
        raw = row[self.meta["answer"]] if self.meta["answer"] < len(row) else None
        try:
            answer = ctx.parser.parse(raw)
        except AnswerError as exc:
            log.error(str(exc), question=qid, **where("answer"))
            return
        if self._repeated(org, rid, qid, number, given):
            return
        role = cell("role")
        self._check_role(org, rid, role, number)
        if answer.kind is Kind.BLANK:
            return
        self.builder.answer(
            org, rid, qid, answer.kind, answer.value, str(raw).strip(), cell("comment"), number
        )
        respondents = self.builder.respondents
        if (org, rid) not in respondents:
            self.builder.respondent(org, rid, role, cell("unit"), None, number)
        elif role is not None and respondents[(org, rid)][2] is None:
            respondents[(org, rid)][2] = role

    def _repeated(self, org: str, rid: str, qid: str, number: int, given: str) -> bool:
        """Whether the respondent already answered the question (an error, unless one of the
        two answers is under an earlier version's id merged into it: the first is kept), else
        note the row and the id it was given under."""
        key = (org, rid, qid)
        if key in self.seen:
            first = self.given.get(key, qid)
            if first != qid or given != qid:
                self.ctx.shadowed[given if first == qid else first] = qid
                return True
            self.builder.log.error(
                f"respondent {rid!r} answered {qid} twice (also on row {self.seen[key]})",
                "keep one answer per respondent and question",
                question=qid,
                **self.where(number, "answer"),
            )
            return True
        self.seen[key] = number
        self.given[key] = given
        return False

    def _check_role(self, org: str, rid: str, role: str | None, number: int) -> None:
        """Refuse a second, different role for a respondent; remember the first one given."""
        previous = self.roles.get((org, rid))
        if previous is not None and role is not None and previous[0] not in (None, role):
            self.builder.log.error(
                f"respondent {rid!r} has role {previous[0]!r} on row {previous[1]} but {role!r} here",
                "give each respondent one role",
                **self.where(number, "role"),
            )
        if previous is None or previous[0] is None:
            self.roles[(org, rid)] = (role, number)


def read_tidy(grid: Grid, ctx: ReadContext, builder: RecordBuilder, header_row: int) -> None:
    """Read a tidy grid whose header is ``header_row`` into the builder."""
    log = builder.log
    shown = grid.row_number(header_row)
    meta = meta_columns(
        [grid.rows[header_row]], (*META_FIELDS, "question", "answer"), log, shown, ctx.matcher
    )
    if "respondent" not in meta:
        log.error(
            "the long-form file has no respondent column", "add a 'respondent' column", row=shown
        )
        return
    rows = _TidyRows(ctx, builder, meta)
    data = 0
    for index in range(header_row + 1, len(grid.rows)):
        row = grid.rows[index]
        if all(cell_text(c) is None for c in row):
            continue
        data += 1
        rows.read(row, grid.row_number(index))
    if data == 0:
        log.error("the file has a header but no responses", "add one row per answer")
