"""Header rows found and read: the layout (wide or tidy) and where its header ends, the metadata
columns named by their aliases, and each question's answer and comment columns.

Header names are compared after folding case and dropping everything but letters and digits; a
question's column is found by its id anywhere in the header (``[VC-OBJ-01] Value objectives…``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pmo2vmo.errors import ProblemLog
from pmo2vmo.ingest.ids import IdMatcher
from pmo2vmo.ingest.readers import Cell, Grid, column_letter
from pmo2vmo.ingest.records import ReadContext
from pmo2vmo.ingest.survey import COMPANION, DUAL_SCALE, NOT_ANSWERS, TEXT_IQ
from pmo2vmo.util.text import fold

# Header names recognised for each field, best first (compared after folding case and dropping
# everything but letters and digits).
ALIASES: dict[str, tuple[str, ...]] = {
    "respondent": (
        "respondent",
        "respondentid",
        "respondentcode",
        "participant",
        "participantid",
        "responseid",
        "responderid",
        "id",
        "email",
        "emailaddress",
        "respondentemail",
        "recipientemail",
        "name",
        "respondentname",
        "fullname",
        "yourname",
    ),
    "role": ("role", "respondentrole", "yourrole", "jobrole", "jobtitle", "title", "position"),
    "unit": (
        "unit",
        "businessunit",
        "department",
        "dept",
        "division",
        "team",
        "function",
        "area",
        "yourunit",
        "yourdepartment",
    ),
    "organisation": (
        "organisation",
        "organization",
        "organisationname",
        "organizationname",
        "company",
        "companyname",
        "client",
        "clientname",
        "org",
    ),
    "comment": ("comment", "comments", "remarks", "notes", "additionalcomments", "othercomments"),
    # Survey tools' own markers (Qualtrics Status and Finished, LimeSurvey Date submitted).
    "status": ("status", "responsetype"),
    "finished": ("finished",),
    "submitted": ("datesubmitted", "submitdate"),
    "question": ("question", "questionid", "item", "itemid"),
    "answer": ("answer", "response", "value", "score", "level", "rating"),
}
META_FIELDS = ("respondent", "role", "unit", "organisation", "comment")


def find_header(grid: Grid, matcher: IdMatcher) -> tuple[str, int, int] | None:
    """(layout, first header row, first data row) — layout ``tidy`` or ``wide`` — or None."""
    limit = min(len(grid.rows), 6)
    for index in range(limit):
        folded = {fold(str(c)) for c in grid.rows[index] if c is not None}
        if folded & set(ALIASES["question"]) and folded & set(ALIASES["answer"]):
            return "tidy", index, index + 1
    for index in range(limit):
        if any(isinstance(c, str) and matcher.names_id(c) for c in grid.rows[index]):
            start, data = index, index + 1
            # SurveyMonkey with ids grafted into its second header row (matrix row labels): the
            # first row names the respondent column.
            if index > 0 and _names_respondent(grid.rows[index - 1]):
                start = index - 1
            # Header rows that follow the ids: Qualtrics' question texts and {"ImportId": ...}
            # row, its legacy export's names row (ResponseID, Status…), SurveyMonkey's row of
            # "Response" and matrix row labels.
            for look in range(index + 1, min(index + 3, len(grid.rows))):
                row = grid.rows[look]
                # Qualtrics' ImportId row may follow a (localised) texts row; other header rows
                # run on from the ids without a gap.
                if is_import_row(row) or (look == data and _is_header_row(row)):
                    data = look + 1
            return "wide", start, data
    return None


# Names of a respondent column strong enough to tell a header row from a respondent's row.
_RESPONDENT_HEADERS = {"respondentid", "responseid", "respondent", "participantid"}
# SurveyMonkey's second header row: "Response" over single questions.
_SUBHEADERS = {"response", "openendedresponse"}


def _names_respondent(row: Sequence[Cell]) -> bool:
    """Whether a row names the respondent column (so it is header, not a respondent's row)."""
    return any(isinstance(c, str) and fold(c) in _RESPONDENT_HEADERS for c in row)


def is_import_row(row: Sequence[Cell]) -> bool:
    """Whether a row is Qualtrics' ``{"ImportId": ...}`` header row."""
    return any(isinstance(c, str) and c.lstrip().startswith('{"ImportId"') for c in row)


def _is_header_row(row: Sequence[Cell]) -> bool:
    """A row after the question ids that is still header, not a respondent's answers."""
    return any(isinstance(c, str) and fold(c) in _SUBHEADERS for c in row) or _names_respondent(row)


def meta_columns(
    headers: list[list[Cell]], fields: Sequence[str], log: ProblemLog, row: int, matcher: IdMatcher
) -> dict[str, int]:
    """Columns of the metadata fields, best alias first; a field named twice is an error."""
    found: dict[str, int] = {}
    for name in fields:
        aliases = ALIASES[name]
        best: tuple[int, int] | None = None
        for col in range(max((len(h) for h in headers), default=0)):
            for header in headers:
                cell = header[col] if col < len(header) else None
                if not isinstance(cell, str) or matcher.names_id(cell):
                    continue
                folded = fold(cell)
                if folded not in aliases and ". " in cell:  # LimeSurvey's "CODE. question text"
                    folded = fold(cell.split(". ", 1)[0])
                if folded in aliases:
                    rank = aliases.index(folded)
                    if best is not None and rank == best[0] and col != best[1]:
                        log.error(
                            f"duplicate header {cell!r}: columns {column_letter(best[1])} and "
                            f"{column_letter(col)} both hold the {name}",
                            "delete or rename one of them",
                            row=row,
                            column=column_letter(col),
                        )
                    elif best is None or rank < best[0]:
                        best = (rank, col)
                    break
        if best is not None:
            found[name] = best[1]
    return found


def _names_two(tokens: list[str], col: int, ctx: ReadContext, log: ProblemLog, row: int) -> bool:
    """Whether a header names two questions (an error: a column answers one)."""
    named = sorted({q for q in map(ctx.current, tokens) if q is not None})
    if len(named) > 1:
        log.error(
            f"the header of column {column_letter(col)} names {len(named)} question ids: "
            f"{', '.join(named)}",
            "a column answers one question: keep one id in its header",
            row=row,
            column=column_letter(col),
            question=named[0],
        )
    return len(named) > 1


def question_columns(
    headers: list[list[Cell]], ctx: ReadContext, log: ProblemLog, shown_row: int
) -> tuple[dict[str, int], dict[str, list[int]], set[str]]:
    """Each question's answer column, its comment columns, and the unknown ids in the header.

    A column whose header, once the id is taken out, ends like a companion ("[Other]",
    "- Comment", "- Other (please specify)", "- Text", or starts "Comment") is the question's
    comment; Qualtrics Text iQ columns ("- Topics", "- Sentiment") are ignored. Two answer
    columns for one id are refused, a LimeSurvey dual-scale array ("[Scale 1]", "[Scale 2]")
    with a hint of its own.
    """
    width = max(len(r) for r in headers)
    answer_cols: dict[str, int] = {}
    comment_cols: dict[str, list[int]] = {}
    unknown: set[str] = set()
    origin: dict[str, str] = {}  # the id a question's column carries (an earlier version's?)

    def texts_of(col: int) -> list[str]:
        """The header texts of a column, one per header row that has one."""
        return [str(h[col]) for h in headers if col < len(h) and isinstance(h[col], str)]

    for col in range(width):
        texts = texts_of(col)
        tokens = [t for text in texts for t in ctx.matcher.tokens(text)]
        if not tokens:
            continue
        rests = [ctx.matcher.without_ids(text).strip() for text in texts]
        if any(TEXT_IQ.search(rest) or NOT_ANSWERS.search(rest) for rest in rests):
            continue
        is_comment = any(
            COMPANION.search(rest) or fold(rest).startswith(("comment", "remark", "note"))
            for rest in rests
        )
        if _names_two(tokens, col, ctx, log, shown_row):
            continue
        for token in dict.fromkeys(tokens):
            where: dict[str, Any] = {
                "row": shown_row,
                "column": f"{column_letter(col)} ({token})",
                "question": token,
            }
            qid = ctx.current(token)
            if qid is None:
                if not ctx.retired(token) and token not in unknown:
                    unknown.add(token)
                    log.error(
                        f"unknown question id {token!r} in the header",
                        f"the instrument {ctx.instrument.id} {ctx.instrument.version} has no such "
                        "question; check the id with `pmo2vmo instrument`",
                        **where,
                    )
                continue
            if is_comment:
                comment_cols.setdefault(qid, []).append(col)
                break
            if qid in answer_cols:
                first = answer_cols[qid]
                if origin[qid] != qid or token != qid:  # an old id merged into one asked too
                    if token == qid:  # the id itself wins over an old id merged into it
                        ctx.shadowed[origin[qid]] = qid
                        answer_cols[qid], origin[qid] = col, qid
                    else:
                        ctx.shadowed[token] = qid
                    break
                dual = all(DUAL_SCALE.search(" ".join(texts_of(c))) for c in (first, col))
                log.error(
                    f"duplicate header: columns {column_letter(first)} and {column_letter(col)} "
                    f"are both for {qid}"
                    + (" (a dual-scale array: [Scale 1] and [Scale 2])" if dual else ""),
                    "keep one scale's column for the question and take the id out of the other"
                    if dual
                    else "delete one of the two columns",
                    **where,
                )
                break
            answer_cols[qid], origin[qid] = col, token
            break
    return answer_cols, comment_cols, unknown
