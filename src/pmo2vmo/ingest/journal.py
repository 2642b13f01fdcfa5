"""The capture journal: JSON lines, one answer event a line, replayed into answers.

The last ``seq`` per respondent and question wins (a later line breaks a tie), ``"answer": null``
clears; a respondent's role and unit come from their latest event. An incomplete last line (a
capture interrupted mid-write) is a warning, not an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pmo2vmo.errors import ProblemLog
from pmo2vmo.ingest.answers import AnswerError, Kind
from pmo2vmo.ingest.records import ReadContext, RecordBuilder, cell_text

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

_Latest = tuple[int, int, dict[str, Any]]  # (seq, line number, event)


def _parse_line(line: str, number: int, last: bool, log: ProblemLog) -> dict[str, Any] | None:
    """A line as a JSON object, or None with the problem logged (``last``: the file's last line,
    with no newline after it)."""
    try:
        event = json.loads(line)
    except RecursionError:
        log.error("nested too deeply to be an answer event", "each line must be one flat "
                  "JSON event", row=number)  # fmt: skip
        return None
    except json.JSONDecodeError as exc:
        if last:
            log.warning(
                "the last line is incomplete (the capture was interrupted mid-write); ignored",
                row=number,
            )
        else:
            log.error(
                f"not a JSON object: {exc.msg}", "each line must be one JSON event", row=number
            )
        return None
    if not isinstance(event, dict):
        log.error("not a JSON object", "each line must be one JSON event", row=number)
        return None
    return event


def _valid_event(event: dict[str, Any], number: int, log: ProblemLog) -> bool:
    """Whether an event has known fields, version 1, a whole ``seq``, a respondent and a
    question, and text (or null) elsewhere; each problem logged."""
    unknown = sorted(set(event) - JOURNAL_FIELDS)
    if unknown:
        log.error(f"unknown fields {unknown}", f"allowed: {sorted(JOURNAL_FIELDS)}", row=number)
        return False
    if event.get("v") != 1:
        log.error(
            f"journal version {event.get('v')!r} is not supported",
            "expected v: 1",
            row=number,
            column="v",
        )
        return False
    seq = event.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        log.error(f"seq {seq!r} is not a whole number", row=number, column="seq")
        return False
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
    return not bad


@dataclass
class _Replay:
    """The latest event per respondent and question, and per respondent, by (seq, line)."""

    latest: dict[tuple[str, str, str], _Latest] = field(default_factory=dict)
    people: dict[tuple[str, str], _Latest] = field(default_factory=dict)
    events: int = 0

    def add(self, org: str, rid: str, qid: str, number: int, event: dict[str, Any]) -> None:
        """Count an event, keeping it where it is the latest so far."""
        self.events += 1
        seq = event["seq"]
        key = (org, rid, qid)
        if key not in self.latest or (seq, number) >= self.latest[key][:2]:
            self.latest[key] = (seq, number, event)
        if (org, rid) not in self.people or (seq, number) >= self.people[(org, rid)][:2]:
            self.people[(org, rid)] = (seq, number, event)


def _replay_lines(text: str, ctx: ReadContext, log: ProblemLog) -> _Replay:
    """Every line checked, and the valid events of known questions replayed."""
    replay = _Replay()
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        last = number == len(lines) and not text.endswith("\n")
        event = _parse_line(line, number, last, log)
        if event is None or not _valid_event(event, number, log):
            continue
        given = str(event["question"]).strip().upper()
        qid = ctx.current(given)
        if qid is None:
            if not ctx.retired(given):
                log.error(
                    f"unknown question id {given!r}",
                    "use the ids listed by `pmo2vmo instrument`",
                    row=number,
                    column="question",
                    question=given,
                )
            continue
        org = cell_text(event.get("organisation")) or ctx.fallback_org
        replay.add(org, str(event["respondent"]).strip(), qid, number, event)
    return replay


def _record_answers(
    replay: _Replay, ctx: ReadContext, builder: RecordBuilder
) -> set[tuple[str, str]]:
    """Record the latest answer to each question, in line order; who answered anything."""
    log = builder.log
    answered: set[tuple[str, str]] = set()
    for (org, rid, qid), (_seq, number, event) in sorted(
        replay.latest.items(), key=lambda kv: kv[1][1]
    ):
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
            cell_text(event.get("comment")),
            number,
        )
        answered.add((org, rid))
    return answered


def read_journal(text: str, ctx: ReadContext, builder: RecordBuilder) -> None:
    """Replay a capture journal: last ``seq`` per respondent and question wins; null clears."""
    log = builder.log
    replay = _replay_lines(text, ctx, log)
    if replay.events == 0 and not log.errors:
        log.error("the journal holds no answer events", "capture at least one answer")
        return
    answered = _record_answers(replay, ctx, builder)
    for (org, rid), (_seq, number, event) in replay.people.items():
        if (org, rid) in answered:
            builder.respondent(
                org,
                rid,
                cell_text(event.get("role")),
                cell_text(event.get("unit")),
                None,
                number,
            )
