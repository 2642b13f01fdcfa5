"""The capture journal: JSON lines, one answer event a line, replayed into answers.

The last ``seq`` per respondent and question wins (a later line breaks a tie), ``"answer": null``
clears; a respondent's role and unit come from their latest event. An incomplete last line (a
capture interrupted mid-write) is a warning, not an error.

A workshop writes one journal per participant session into a folder; :func:`read_journals` replays
the folder's journals as one: an event's place is (``seq``, the file's place in name order, its
line), so the merge never depends on the order the file system lists them. A participant's
resumed session continues their ``seq``, so their latest answer wins across files; two tabs of one
participant open at once write the same ``seq`` and the later file name breaks the tie.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pmo2vmo.errors import InputProblem, ProblemLog
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

#: (seq, file's place, line number, event, file name)
_Latest = tuple[int, int, int, dict[str, Any], str]


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
    #: Organisations events name, with the first file and line naming each.
    named: dict[str, tuple[str, int]] = field(default_factory=dict)

    def add(self, org: str, rid: str, qid: str, place: _Latest) -> None:
        """Count an event, keeping it where it is the latest so far."""
        self.events += 1
        key = (org, rid, qid)
        if key not in self.latest or place[:3] >= self.latest[key][:3]:
            self.latest[key] = place
        if (org, rid) not in self.people or place[:3] >= self.people[(org, rid)][:3]:
            self.people[(org, rid)] = place

    def fold(self, old: str, new: str) -> None:
        """File the events of organisation ``old`` (those naming none) under ``new``: in a
        folder, one organisation named by some events is the organisation of them all."""
        if old == new:
            return
        moved = [(k, v) for k, v in self.latest.items() if k[0] == old]
        events = self.events
        for key, place in moved:
            del self.latest[key]
            self.people.pop((old, key[1]), None)
            self.add(new, key[1], key[2], place)
        self.events = events


def _replay_lines(
    text: str, ctx: ReadContext, log: ProblemLog, replay: _Replay, order: int = 0
) -> None:
    """Every line of one journal checked, and its valid events of known questions replayed;
    ``order`` is the file's place among the journals replayed together."""
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        last = number == len(lines) and not text.endswith("\n")
        event = _parse_line(line, number, last, log)
        if event is None or not _valid_event(event, number, log):
            continue
        respondent, given = who_and_what(event)
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
        named = cell_text(event.get("organisation"))
        if named is not None:
            replay.named.setdefault(named, (log.file, number))
        org = named or ctx.fallback_org
        replay.add(org, respondent, qid, (seq_of(event), order, number,
                                                                  event, log.file))  # fmt: skip


def who_and_what(event: dict[str, Any]) -> tuple[str, str]:
    """The respondent and question an event is about, as every journal reader compares them
    (ids trimmed; question ids upper-cased)."""
    return str(event.get("respondent")).strip(), str(event.get("question")).strip().upper()


def seq_of(event: dict[str, Any]) -> int:
    """An event's ``seq`` (checked whole by :func:`_valid_event`)."""
    return int(event["seq"])


def _record_answers(
    replay: _Replay, ctx: ReadContext, builder: RecordBuilder
) -> set[tuple[str, str]]:
    """Record the latest answer to each question, in line order; who answered anything."""
    log = builder.log
    answered: set[tuple[str, str]] = set()
    for (org, rid, qid), (_seq, _order, number, event, file) in sorted(
        replay.latest.items(), key=lambda kv: kv[1][1:3]
    ):
        raw = event.get("answer")
        if qid in ctx.excluded:
            continue
        builder.asked.add(qid)
        try:
            answer = ctx.parser.parse(raw)
        except AnswerError as exc:
            log.problems.append(InputProblem(file, str(exc), "", None, number, "answer", qid))
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
            file=file,
        )
        answered.add((org, rid))
    return answered


def _record_people(replay: _Replay, answered: set[tuple[str, str]], builder: RecordBuilder) -> None:
    """Each respondent who answered something, with the role and unit of their latest event."""
    for (org, rid), (_seq, _order, number, event, file) in replay.people.items():
        if (org, rid) in answered:
            builder.respondent(
                org,
                rid,
                cell_text(event.get("role")),
                cell_text(event.get("unit")),
                None,
                number,
                file=file,
            )


def read_journal(text: str, ctx: ReadContext, builder: RecordBuilder) -> None:
    """Replay a capture journal: last ``seq`` per respondent and question wins; null clears."""
    log = builder.log
    replay = _Replay()
    _replay_lines(text, ctx, log, replay)
    if replay.events == 0 and not log.errors:
        log.error("the journal holds no answer events", "capture at least one answer")
        return
    _record_people(replay, _record_answers(replay, ctx, builder), builder)


def read_journals(
    journals: list[tuple[str, str]], ctx: ReadContext, builder: RecordBuilder
) -> None:
    """Replay the journals of a folder, ``(file name, text)`` in name order, as one organisation.

    Problems name the journal and line they are on (in ``builder.log``). Journals that name two
    organisations are an error: a folder is one organisation's workshop.
    """
    log = builder.log
    replay = _Replay()
    for order, (name, text) in enumerate(journals):
        _replay_lines(text, ctx, ProblemLog(file=name, problems=log.problems), replay, order)
    if len(replay.named) == 1:
        replay.fold(ctx.fallback_org, next(iter(replay.named)))
    if len(replay.named) > 1:
        (first, (f1, l1)), (second, (f2, l2)) = list(replay.named.items())[:2]
        log.error(
            f"the journals name more than one organisation: {first!r} ({f1}, line {l1}) and "
            f"{second!r} ({f2}, line {l2})",
            "a folder of journals is one organisation: keep each workshop in its own folder",
        )
        return
    if replay.events == 0 and not log.errors:
        log.error("the journals hold no answer events", "capture at least one answer")
        return
    _record_people(replay, _record_answers(replay, ctx, builder), builder)
