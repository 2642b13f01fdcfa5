"""Client files in, one tidy table of answers out — every problem reported in one pass.

Formats (detected from content, not trusted from the name):

- the Excel template written by ``pmo2vmo template`` and any wide workbook or CSV export (Microsoft
  Forms, Google Forms, Qualtrics with its three header rows...): one row per respondent, a question's
  column found by its id anywhere in the header (``[VC-OBJ-01] Value objectives are…``);
- the tidy long form: ``organisation, respondent, role, unit, question, answer, comment``;
- the capture journal: JSON lines, one answer event a line; the last ``seq`` per respondent and
  question wins, ``"answer": null`` clears.

Rules applied (stated here because consultants ask):

- A respondent answers once per organisation: the same respondent id twice in one organisation is an
  error naming both rows (in the journal, later events replace earlier ones by design).
- A file that names no organisation takes it from the profile (``organisation`` or ``client``), else
  from the file name.
- Values are read as text: an organisation called ``NA`` stays ``NA``, respondent ``007`` stays
  ``007``. Only answer cells are interpreted (see :mod:`pmo2vmo.ingest.answers`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pmo2vmo.errors import InputProblem, InvalidInputError, NotReadable, ProblemLog
from pmo2vmo.ingest.answers import AnswerError, AnswerParser, Kind
from pmo2vmo.ingest.quality import respondent_flags
from pmo2vmo.ingest.readers import (
    ID_TOKEN,
    Cell,
    Grid,
    column_letter,
    decode_text,
    read_text_grid,
    read_xlsx_grid,
    size_limit,
    sniff_kind,
    too_big,
)
from pmo2vmo.ingest.survey import (
    COMPANION,
    DUAL_SCALE,
    LIMESURVEY_OTHER,
    SURVEY_FIELDS,
    TEXT_IQ,
    survey_status,
    survey_warnings,
)
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.util.safeio import open_regular, read_at_most
from pmo2vmo.util.text import fold, plural

ANSWER_COLUMNS = [
    "organisation",
    "respondent",
    "question",
    "kind",
    "value",
    "answer",
    "comment",
    "file",
    "row",
]
RESPONDENT_COLUMNS = ["organisation", "respondent", "role", "unit", "comment", "file", "row"]


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


def _text(cell: Cell) -> str | None:
    """A cell as trimmed text (None when blank); whole numbers lose their ``.0``."""
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    return text or None


@dataclass(frozen=True)
class SourceFile:
    """An input file as read: its name, format and content hash."""

    path: str
    format: str
    sha256: str


@dataclass
class ResponseSet:
    """Answers read from one or more files, ready to score.

    ``answers`` has one row per non-blank answer (columns :data:`ANSWER_COLUMNS`: ``kind`` is
    ``score``, ``na`` or ``dk``; ``value`` is the level for scores, else NaN). ``respondents`` has
    one row per respondent who gave at least one answer.
    """

    answers: pd.DataFrame
    respondents: pd.DataFrame
    files: list[SourceFile]
    warnings: list[InputProblem] = field(default_factory=list)
    #: The questions each file asks (by the file name respondents carry): a partial response is
    #: judged against these, not the whole instrument. A file missing here asks everything.
    asked: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def input_sha256(self) -> str:
        """One hash for all inputs: the file's own hash, or a hash of the files' hashes in order."""
        if len(self.files) == 1:
            return self.files[0].sha256
        digest = hashlib.sha256()
        for source in self.files:
            digest.update(source.sha256.encode())
        return digest.hexdigest()

    @property
    def organisations(self) -> list[str]:
        """Organisations in the order they first appear."""
        return list(dict.fromkeys(self.respondents["organisation"]))


@dataclass
class _Builder:
    """Accumulates records for one file while problems are logged."""

    log: ProblemLog
    answers: list[tuple[object, ...]] = field(default_factory=list)
    respondents: dict[tuple[str, str], list[object]] = field(default_factory=dict)
    seen_rows: dict[tuple[str, str], int] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)  # question ids the file has a place for

    def respondent(
        self, org: str, rid: str, role: str | None, unit: str | None, comment: str | None, row: int
    ) -> None:
        self.respondents[(org, rid)] = [org, rid, role, unit, comment, self.log.file, row]

    def answer(
        self,
        org: str,
        rid: str,
        qid: str,
        kind: Kind,
        value: int | None,
        raw: str,
        comment: str | None,
        row: int,
    ) -> None:
        self.answers.append(
            (
                org,
                rid,
                qid,
                kind.value,
                float("nan") if value is None else float(value),
                raw,
                comment,
                self.log.file,
                row,
            )
        )


class _Context:
    """What every reader needs: the instrument's ids, the answer parser, the fallback organisation."""

    def __init__(self, instrument: Instrument, profile: Profile | None, path: Path) -> None:
        self.instrument = instrument
        self.profile = profile or Profile()
        self.tailored = instrument.tailored(profile) if profile is not None else instrument
        self.questions = set(instrument.questions)
        # Answers may use the client's level names or the instrument's own.
        self.parser = AnswerParser(self.tailored, [(lv.value, lv.name) for lv in instrument.levels])
        self.fallback_org = self.profile.organisation_name or path.stem
        self.excluded: set[str] = set(self.questions) - set(self.tailored.questions)

    def known(self, token: str) -> bool:
        return token in self.questions


def _question_token(text: str) -> list[str]:
    return [t.upper() for t in ID_TOKEN.findall(text)]


# --------------------------------------------------------------------------------- wide / tidy ---


def _find_header(grid: Grid) -> tuple[str, int, int] | None:
    """(layout, first header row, first data row) — layout ``tidy`` or ``wide`` — or None."""
    limit = min(len(grid.rows), 6)
    for index in range(limit):
        folded = {fold(str(c)) for c in grid.rows[index] if c is not None}
        if folded & set(ALIASES["question"]) and folded & set(ALIASES["answer"]):
            return "tidy", index, index + 1
    for index in range(limit):
        if any(isinstance(c, str) and ID_TOKEN.search(c) for c in grid.rows[index]):
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
                if _is_import_row(row) or (look == data and _is_header_row(row)):
                    data = look + 1
            return "wide", start, data
    return None


# Names of a respondent column strong enough to tell a header row from a respondent's row.
_RESPONDENT_HEADERS = {"respondentid", "responseid", "respondent", "participantid"}
# SurveyMonkey's second header row: "Response" over single questions.
_SUBHEADERS = {"response", "openendedresponse"}


def _names_respondent(row: Sequence[Cell]) -> bool:
    return any(isinstance(c, str) and fold(c) in _RESPONDENT_HEADERS for c in row)


def _is_import_row(row: Sequence[Cell]) -> bool:
    return any(isinstance(c, str) and c.lstrip().startswith('{"ImportId"') for c in row)


def _is_header_row(row: Sequence[Cell]) -> bool:
    """A row after the question ids that is still header, not a respondent's answers."""
    return any(isinstance(c, str) and fold(c) in _SUBHEADERS for c in row) or _names_respondent(row)


def _meta_columns(
    headers: list[list[Cell]], fields: Sequence[str], log: ProblemLog, row: int
) -> dict[str, int]:
    """Columns of the metadata fields, best alias first; a field named twice is an error."""
    found: dict[str, int] = {}
    for name in fields:
        aliases = ALIASES[name]
        best: tuple[int, int] | None = None
        for col in range(max((len(h) for h in headers), default=0)):
            for header in headers:
                cell = header[col] if col < len(header) else None
                if not isinstance(cell, str) or ID_TOKEN.search(cell):
                    continue
                folded = fold(cell)
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


def _question_columns(
    headers: list[list[Cell]], ctx: _Context, log: ProblemLog, shown_row: int
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

    def texts_of(col: int) -> list[str]:
        return [str(h[col]) for h in headers if col < len(h) and isinstance(h[col], str)]

    for col in range(width):
        texts = texts_of(col)
        tokens = [t for text in texts for t in _question_token(text)]
        if not tokens:
            continue
        rests = [ID_TOKEN.sub("", text).strip() for text in texts]
        if any(TEXT_IQ.search(rest) for rest in rests):
            continue
        is_comment = any(
            COMPANION.search(rest) or fold(rest).startswith(("comment", "remark", "note"))
            for rest in rests
        )
        for token in dict.fromkeys(tokens):
            where: dict[str, Any] = {
                "row": shown_row,
                "column": f"{column_letter(col)} ({token})",
                "question": token,
            }
            if not ctx.known(token):
                if token not in unknown:
                    unknown.add(token)
                    log.error(
                        f"unknown question id {token!r} in the header",
                        f"the instrument {ctx.instrument.id} {ctx.instrument.version} has no such "
                        "question; check the id with `pmo2vmo instrument`",
                        **where,
                    )
                continue
            if is_comment:
                comment_cols.setdefault(token, []).append(col)
                break
            if token in answer_cols:
                first = answer_cols[token]
                dual = all(DUAL_SCALE.search(" ".join(texts_of(c))) for c in (first, col))
                log.error(
                    f"duplicate header: columns {column_letter(first)} and {column_letter(col)} "
                    f"are both for {token}"
                    + (" (a dual-scale array: [Scale 1] and [Scale 2])" if dual else ""),
                    "keep one scale's column for the question and take the id out of the other"
                    if dual
                    else "delete one of the two columns",
                    **where,
                )
                break
            answer_cols[token] = col
            break
    return answer_cols, comment_cols, unknown


def _read_wide(
    grid: Grid, ctx: _Context, builder: _Builder, header_row: int, data_row: int
) -> None:
    log = builder.log
    headers = grid.rows[header_row:data_row]
    shown_row = grid.row_number(header_row)
    question_cols, comment_cols, unknown = _question_columns(headers, ctx, log, shown_row)
    meta = _meta_columns(headers, META_FIELDS, log, shown_row)
    survey = _meta_columns(headers, SURVEY_FIELDS, log, shown_row)
    qualtrics = "finished" in survey or any(_is_import_row(h) for h in headers)
    if not question_cols and not unknown:
        log.error("no column names a question id such as VC-OBJ-01", "use `pmo2vmo template`")
        return
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
    if "respondent" not in meta:
        log.warning(
            "no respondent column (Respondent ID, ResponseId, ID, Email, Name…); respondents are "
            "numbered by row"
        )
    # Cells a respondent fills in (unlike organisation, role and unit, which may be pre-filled:
    # the template fills in the organisation on every row when the profile names the client).
    content_cols = [*question_cols.values(), *(c for cs in comment_cols.values() for c in cs)]
    if "comment" in meta:
        content_cols.append(meta["comment"])
    rows_with_data = 0
    left_out: list[tuple[str, str]] = []  # (respondent, Qualtrics response type)
    incomplete: list[str] = []
    for index in range(data_row, len(grid.rows)):
        row = grid.rows[index]
        if all(_text(c) is None for c in row):
            continue
        if all(
            (isinstance(c, str) and c.lstrip().startswith('{"ImportId"')) or _text(c) is None
            for c in row
        ):
            continue
        number = grid.row_number(index)

        def cell(name: str, row: list[Cell] = row) -> str | None:
            col = meta.get(name, survey.get(name))
            return _text(row[col]) if col is not None and col < len(row) else None

        rid = cell("respondent") if "respondent" in meta else f"row-{number}"
        if rid is None and all(_text(row[c]) is None for c in content_cols if c < len(row)):
            continue  # no respondent and nothing answered: an unused (pre-filled) row
        rows_with_data += 1
        if rid is None:
            log.error(
                "respondent id is empty",
                "give every row a respondent id (any text; it is never shown in reports)",
                row=number,
                column=f"{column_letter(meta['respondent'])} (respondent)",
            )
            continue
        not_respondent, unfinished = survey_status(cell, survey, qualtrics)
        if not_respondent is not None:
            left_out.append((rid, not_respondent))
            continue
        if unfinished:
            incomplete.append(rid)
            if ctx.profile.incomplete == "drop":
                continue
        org = cell("organisation") or ctx.fallback_org
        key = (org, rid)
        if key in builder.seen_rows:
            log.error(
                f"respondent {rid!r} of {org!r} also answered on row {builder.seen_rows[key]}",
                "each respondent answers once: delete the older submission or give the rows "
                "distinct respondent ids",
                row=number,
                column=f"{column_letter(meta.get('respondent', 0))} (respondent)",
            )
            continue
        builder.seen_rows[key] = number
        count = 0
        for qid, col in scored_cols:
            raw = row[col] if col < len(row) else None
            if isinstance(raw, str) and raw.strip().casefold() == LIMESURVEY_OTHER:
                log.warning(
                    f"{raw.strip()!r} is LimeSurvey's code for an 'Other' choice, not a level: "
                    "the question is left unanswered for this respondent",
                    "offer the five levels, N/A and Don't know only, without 'Other'",
                    row=number,
                    column=f"{column_letter(col)} ({qid})",
                    question=qid,
                )
                continue
            try:
                answer = ctx.parser.parse(raw)
            except AnswerError as exc:
                log.error(
                    str(exc), row=number, column=f"{column_letter(col)} ({qid})", question=qid
                )
                continue
            if answer.kind is Kind.BLANK:
                continue
            texts = [_text(row[c]) for c in comment_cols.get(qid, []) if c < len(row)]
            comment = "; ".join(t for t in texts if t) or None
            builder.answer(
                org, rid, qid, answer.kind, answer.value, str(raw).strip(), comment, number
            )
            count += 1
        if count:
            builder.respondent(org, rid, cell("role"), cell("unit"), cell("comment"), number)
        else:
            log.warning(f"respondent {rid!r} gave no answers; left out", row=number)
    survey_warnings(log, left_out, incomplete, ctx.profile.incomplete, survey)
    if rows_with_data == 0:
        log.error("the file has a header but no responses", "fill in at least one respondent's row")


def _read_tidy(grid: Grid, ctx: _Context, builder: _Builder, header_row: int) -> None:
    log = builder.log
    header = grid.rows[header_row]
    shown = grid.row_number(header_row)
    meta = _meta_columns([header], (*META_FIELDS, "question", "answer"), log, shown)
    for required in ("respondent",):
        if required not in meta:
            log.error(
                f"the long-form file has no {required} column",
                "add a 'respondent' column",
                row=shown,
            )
            return
    roles: dict[tuple[str, str], tuple[str | None, int]] = {}
    seen: dict[tuple[str, str, str], int] = {}
    data = 0
    for index in range(header_row + 1, len(grid.rows)):
        row = grid.rows[index]
        if all(_text(c) is None for c in row):
            continue
        data += 1
        number = grid.row_number(index)

        def cell(name: str, row: list[Cell] = row) -> str | None:
            col = meta.get(name)
            return _text(row[col]) if col is not None and col < len(row) else None

        def where(name: str, number: int = number) -> dict[str, Any]:
            return {"row": number, "column": f"{column_letter(meta[name])} ({name})"}

        rid = cell("respondent")
        qtext = cell("question") or ""
        tokens = _question_token(qtext)
        qid = tokens[0] if tokens else qtext
        if rid is None:
            log.error(
                "respondent is empty", "give every row a respondent id", **where("respondent")
            )
            continue
        if not tokens or not ctx.known(qid):
            log.error(
                f"unknown question id {qtext!r}",
                "use the ids listed by `pmo2vmo instrument`",
                question=qid or None,
                **where("question"),
            )
            continue
        if qid in ctx.excluded:
            continue
        builder.asked.add(qid)
        org = cell("organisation") or ctx.fallback_org
        raw = grid.rows[index][meta["answer"]] if meta["answer"] < len(row) else None
        try:
            answer = ctx.parser.parse(raw)
        except AnswerError as exc:
            log.error(str(exc), question=qid, **where("answer"))
            continue
        key = (org, rid, qid)
        if key in seen:
            log.error(
                f"respondent {rid!r} answered {qid} twice (also on row {seen[key]})",
                "keep one answer per respondent and question",
                question=qid,
                **where("answer"),
            )
            continue
        seen[key] = number
        role = cell("role")
        previous = roles.get((org, rid))
        if previous is not None and role is not None and previous[0] not in (None, role):
            log.error(
                f"respondent {rid!r} has role {previous[0]!r} on row {previous[1]} but {role!r} here",
                "give each respondent one role",
                **where("role"),
            )
        if previous is None or previous[0] is None:
            roles[(org, rid)] = (role, number)
        if answer.kind is Kind.BLANK:
            continue
        builder.answer(
            org, rid, qid, answer.kind, answer.value, str(raw).strip(), cell("comment"), number
        )
        if (org, rid) not in builder.respondents:
            builder.respondent(org, rid, role, cell("unit"), None, number)
        elif role is not None and builder.respondents[(org, rid)][2] is None:
            builder.respondents[(org, rid)][2] = role
    if data == 0:
        log.error("the file has a header but no responses", "add one row per answer")


# ------------------------------------------------------------------------------------ journal ---

JOURNAL_FIELDS = {
    "v",
    "seq",
    "ts",
    "organisation",
    "respondent",
    "role",
    "unit",
    "question",
    "answer",
    "comment",
}


def _read_journal(text: str, ctx: _Context, builder: _Builder) -> None:
    """Replay a capture journal: last ``seq`` per respondent and question wins; null clears."""
    log = builder.log
    latest: dict[tuple[str, str, str], tuple[int, int, dict[str, Any]]] = {}
    people: dict[tuple[str, str], tuple[int, int, dict[str, Any]]] = {}
    lines = text.split("\n")
    events = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except RecursionError:
            log.error("nested too deeply to be an answer event", "each line must be one flat "
                      "JSON event", row=number)  # fmt: skip
            continue
        except json.JSONDecodeError as exc:
            if number == len(lines) and not text.endswith("\n"):
                log.warning(
                    "the last line is incomplete (the capture was interrupted mid-write); ignored",
                    row=number,
                )
            else:
                log.error(
                    f"not a JSON object: {exc.msg}", "each line must be one JSON event", row=number
                )
            continue
        if not isinstance(event, dict):
            log.error("not a JSON object", "each line must be one JSON event", row=number)
            continue
        unknown = sorted(set(event) - JOURNAL_FIELDS)
        if unknown:
            log.error(f"unknown fields {unknown}", f"allowed: {sorted(JOURNAL_FIELDS)}", row=number)
            continue
        if event.get("v") != 1:
            log.error(
                f"journal version {event.get('v')!r} is not supported",
                "expected v: 1",
                row=number,
                column="v",
            )
            continue
        seq = event.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            log.error(f"seq {seq!r} is not a whole number", row=number, column="seq")
            continue
        bad = False
        for name in ("respondent", "question"):
            if not isinstance(event.get(name), str | int) or not str(event.get(name)).strip():
                log.error(f"{name} is missing", row=number, column=name)
                bad = True
        for name in ("organisation", "role", "unit", "comment", "ts"):
            if event.get(name) is not None and not isinstance(event.get(name), str):
                log.error(
                    f"{name} must be text or null (got {event.get(name)!r})",
                    row=number,
                    column=name,
                )
                bad = True
        if bad:
            continue
        qid = str(event["question"]).strip().upper()
        if not ctx.known(qid):
            log.error(
                f"unknown question id {qid!r}",
                "use the ids listed by `pmo2vmo instrument`",
                row=number,
                column="question",
                question=qid,
            )
            continue
        events += 1
        org = _text(event.get("organisation")) or ctx.fallback_org
        rid = str(event["respondent"]).strip()
        key = (org, rid, qid)
        if key not in latest or (seq, number) >= latest[key][:2]:
            latest[key] = (seq, number, event)
        if (org, rid) not in people or (seq, number) >= people[(org, rid)][:2]:
            people[(org, rid)] = (seq, number, event)
    if events == 0 and not log.errors:
        log.error("the journal holds no answer events", "capture at least one answer")
        return
    answered: set[tuple[str, str]] = set()
    for (org, rid, qid), (_seq, number, event) in sorted(latest.items(), key=lambda kv: kv[1][1]):
        raw = event.get("answer")
        if qid in ctx.excluded:
            continue
        builder.asked.add(qid)
        try:
            answer = ctx.parser.parse(raw)
        except AnswerError as exc:
            log.error(str(exc), row=number, column="answer", question=qid)
            continue
        if answer.kind is Kind.BLANK:
            continue
        builder.answer(
            org,
            rid,
            qid,
            answer.kind,
            answer.value,
            str(raw).strip(),
            _text(event.get("comment")),
            number,
        )
        answered.add((org, rid))
    for (org, rid), (_seq, number, event) in people.items():
        if (org, rid) in answered:
            builder.respondent(
                org,
                rid,
                _text(event.get("role")),
                _text(event.get("unit")),
                None,
                number,
            )


# ------------------------------------------------------------------------------ quality flags ---


def _quality_flags(
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    ctx: _Context,
    log: ProblemLog,
    asked: Mapping[str, frozenset[str]],
) -> None:
    """Straight-lining, partial responses and missing roles, as warnings with their rows."""
    if respondents.empty:
        return
    flags = respondent_flags(answers, respondents, ctx.tailored, asked)
    for item in flags[flags["straight_lining"]].to_dict("records"):
        log.warning(
            f"respondent {item['respondent']!r} ({item['organisation']}) gave level "
            f"{int(item['first'])} to all {item['scored']} scored questions (straight-lining)",
            "check with the respondent, or keep it knowingly: the scores include it",
            row=int(item["row"]),
        )
    partial = flags[flags["partial"]].to_dict("records")
    if partial:
        shown = ", ".join(
            f"{item['respondent']!r} (row {item['row']}: {item['answered']} of {item['expected']})"
            for item in partial[:20]
        )
        log.warning(
            f"{plural(len(partial), 'respondent')} answered only part of the questions the file "
            f"asks (partial response): {shown}{'…' if len(partial) > 20 else ''}",
            "their answers are scored; the rest of their questions count as unanswered",
        )
    no_role = flags[flags["no_role"]]
    if len(no_role):
        shown = ", ".join(str(r) for r in no_role["row"].head(10))
        log.warning(
            f"{len(no_role)} respondent{'s' if len(no_role) != 1 else ''} gave no role "
            f"(rows {shown}{'…' if len(no_role) > 10 else ''}); they count in totals but in no "
            "role breakout",
            "add the role if you know it",
        )


# ------------------------------------------------------------------------------------- entry ---


def _read_one(
    path: Path, instrument: Instrument, profile: Profile | None
) -> tuple[ResponseSet | None, ProblemLog]:
    log = ProblemLog(file=path.name)
    ctx = _Context(instrument, profile, path)
    try:  # a regular file only, sniffed and sized before it is read whole, never past its cap
        handle, size = open_regular(path)
        with handle:
            kind = sniff_kind(path, handle.read(4096))
            if too_big(kind, size, log):
                return None, log
            handle.seek(0)
            data = read_at_most(handle, size_limit(kind))
        if too_big(kind, len(data), log):  # it grew while being read
            return None, log
    except NotReadable as exc:
        log.error(exc.reason, exc.hint)
        return None, log
    except OSError as exc:
        log.error(f"cannot be read: {exc.strerror}")
        return None, log
    source = SourceFile(path=str(path), format="", sha256=hashlib.sha256(data).hexdigest())
    if not data.strip():
        log.error("the file is empty", "export the responses again")
        return None, log
    builder = _Builder(log)
    fmt = kind
    if kind == "xls":
        log.error("legacy .xls workbooks are not read", "open it in Excel and save as .xlsx")
        return None, log
    if kind == "xlsx":
        grid = read_xlsx_grid(data, log, ctx.questions)
    elif kind == "journal":
        text = decode_text(data, log)
        if text is not None:
            _read_journal(text, ctx, builder)
        grid = None
    else:
        grid = read_text_grid(path, data, log)
    if grid is not None:
        if not any(_text(c) is not None for row in grid.rows for c in row):
            log.error("the file is empty", "export the responses again")
        else:
            found = _find_header(grid)
            if found is None:
                log.error(
                    "no header names a question id such as VC-OBJ-01, and there are no "
                    "question/answer columns",
                    "use the workbook from `pmo2vmo template`, or put each question's id in its "
                    "column header",
                )
            elif found[0] == "tidy":
                fmt = "tidy"
                _read_tidy(grid, ctx, builder, found[1])
            else:
                fmt = "wide-xlsx" if kind == "xlsx" else "wide-csv"
                _read_wide(grid, ctx, builder, found[1], found[2])
    answers = pd.DataFrame(builder.answers, columns=ANSWER_COLUMNS)
    respondents = pd.DataFrame(list(builder.respondents.values()), columns=RESPONDENT_COLUMNS)
    asked = {log.file: frozenset(builder.asked)}
    if not log.errors:
        _quality_flags(answers, respondents, ctx, log, asked)
    source = SourceFile(path=source.path, format=fmt, sha256=source.sha256)
    result = ResponseSet(
        answers=answers, respondents=respondents, files=[source], warnings=log.warnings,
        asked=asked,
    )  # fmt: skip
    return result, log


def inspect_file(
    path: Path | str, instrument: Instrument, profile: Profile | None = None
) -> tuple[ResponseSet | None, list[InputProblem]]:
    """Read one file and return what it holds with *every* problem and warning, never raising."""
    result, log = _read_one(Path(path), instrument, profile)
    return (None if log.errors else result), log.problems


def load_responses(
    paths: Iterable[Path | str], instrument: Instrument, profile: Profile | None = None
) -> ResponseSet:
    """Read and merge files; raises :class:`InvalidInputError` listing every error of every file."""
    sets: list[ResponseSet] = []
    problems: list[InputProblem] = []
    for path in paths:
        result, log = _read_one(Path(path), instrument, profile)
        problems.extend(log.errors)
        if result is not None and not log.errors:
            sets.append(result)
    if not problems and not sets:
        raise InvalidInputError([InputProblem(file="(none)", message="no input files given")])
    if not problems and len(sets) > 1:
        seen: dict[tuple[str, str], str] = {}
        for rs in sets:
            for org, rid, file in rs.respondents[["organisation", "respondent", "file"]].itertuples(
                index=False
            ):
                if (org, rid) in seen:
                    problems.append(
                        InputProblem(
                            file=file,
                            message=f"respondent {rid!r} of {org!r} is also in {seen[(org, rid)]}",
                            hint="each respondent answers once; remove the duplicate file or rows",
                        )
                    )
                else:
                    seen[(org, rid)] = file
    if problems:
        raise InvalidInputError(problems)
    return ResponseSet(
        answers=pd.concat([s.answers for s in sets], ignore_index=True),
        respondents=pd.concat([s.respondents for s in sets], ignore_index=True),
        files=[f for s in sets for f in s.files],
        warnings=[w for s in sets for w in s.warnings],
        asked={name: qs for s in sets for name, qs in s.asked.items()},
    )
