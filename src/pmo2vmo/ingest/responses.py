"""Client files in, one tidy table of answers out — every problem reported in one pass.

Formats (detected from content, not trusted from the name):

- the Excel template written by ``pmo2vmo template`` and any wide workbook or CSV export (Microsoft
  Forms, Google Forms, Qualtrics with its three header rows...): one row per respondent, a question's
  column found by its id anywhere in the header (``[VC-OBJ-01] Value objectives are…``);
- the tidy long form: ``organisation, respondent, role, unit, question, answer, comment``;
- the capture journal: JSON lines, one answer event a line; the last ``seq`` per respondent and
  question wins, ``"answer": null`` clears;
- a folder of capture journals (a workshop writes one per participant session): one organisation
  made of every journal in it, merged as one journal (:func:`~pmo2vmo.ingest.journal.read_journals`).

Each format has its reader (:mod:`~pmo2vmo.ingest.wide`, :mod:`~pmo2vmo.ingest.tidy`,
:mod:`~pmo2vmo.ingest.journal`); here a file is opened and dispatched to one, checked for
data-quality warnings, and files are merged into one :class:`ResponseSet`.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pmo2vmo.errors import InputProblem, InvalidInputError, NotReadable, ProblemLog
from pmo2vmo.ingest.encoding import decode_text
from pmo2vmo.ingest.header import find_header
from pmo2vmo.ingest.journal import read_journal, read_journals
from pmo2vmo.ingest.quality import respondent_flags
from pmo2vmo.ingest.questionnaire import read_questionnaire
from pmo2vmo.ingest.readers import Grid, read_text_grid, size_limit, sniff_kind, too_big
from pmo2vmo.ingest.records import ReadContext, RecordBuilder, cell_text
from pmo2vmo.ingest.tidy import read_tidy
from pmo2vmo.ingest.wide import read_wide
from pmo2vmo.ingest.xlsx import read_xlsx_grid
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.util.safeio import open_regular, read_at_most
from pmo2vmo.util.text import plural

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


# ------------------------------------------------------------------------------ quality flags ---


def _quality_flags(
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    ctx: ReadContext,
    log: ProblemLog,
    asked: Mapping[str, frozenset[str]],
) -> None:
    """Straight-lining, partial responses and missing roles, as warnings with their rows."""
    if respondents.empty:
        return
    flags = respondent_flags(answers, respondents, ctx.tailored, asked, ctx.profile)
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


def _read_bytes(path: Path, log: ProblemLog) -> tuple[str, bytes] | None:
    """The file's kind and bytes, or None with the problem logged.

    A regular file only, sniffed and sized before it is read whole, never past its cap.
    """
    try:
        handle, size = open_regular(path)
        with handle:
            kind = sniff_kind(path, handle.read(4096))
            if too_big(kind, size, log):
                return None
            handle.seek(0)
            data = read_at_most(handle, size_limit(kind))
        if too_big(kind, len(data), log):  # it grew while being read
            return None
    except NotReadable as exc:
        log.error(exc.reason, exc.hint)
        return None
    except OSError as exc:
        log.error(f"cannot be read: {exc.strerror}")
        return None
    return kind, data


def _read_grid(grid: Grid, kind: str, ctx: ReadContext, builder: RecordBuilder) -> str | None:
    """Read a grid's responses into the builder: the format its header shows, None if none."""
    log = builder.log
    if not any(cell_text(c) is not None for row in grid.rows for c in row):
        log.error("the file is empty", "export the responses again")
        return None
    if read_questionnaire(grid, ctx, builder):
        return "questionnaire"
    grid.log_flaws(log)
    found = find_header(grid, ctx.matcher)
    if found is None:
        log.error(
            "no header names a question id such as VC-OBJ-01, and there are no "
            "question/answer columns",
            "use the workbook from `pmo2vmo template`, or put each question's id in its "
            "column header",
        )
        return None
    if found[0] == "tidy":
        read_tidy(grid, ctx, builder, found[1])
        return "tidy"
    read_wide(grid, ctx, builder, found[1], found[2])
    return "wide-xlsx" if kind == "xlsx" else "wide-csv"


JOURNAL_SUFFIXES = (".jsonl", ".ndjson")
RESPONSE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv")


@dataclass(frozen=True)
class FolderListing:
    """What a folder holds for the readers: journals and response files (in name order), and
    the entries that are neither (subfolders included). Hidden files and Office lock files
    (``~$…``) are passed over."""

    journals: list[str]
    files: list[str]
    others: list[str]

    @classmethod
    def of(cls, path: Path) -> FolderListing:
        entries = sorted(p for p in path.iterdir() if not p.name.startswith((".", "~$")))
        plain = [p.name for p in entries if not p.is_dir()]
        journals = [n for n in plain if n.lower().endswith(JOURNAL_SUFFIXES)]
        files = [n for n in plain if n.lower().endswith(RESPONSE_SUFFIXES)]
        others = [p.name for p in entries if p.name not in journals and p.name not in files]
        return cls(journals, files, others)


def _folder_digest(hashes: list[tuple[str, bytes]]) -> str:
    """A folder's input hash from its files' (name, SHA-256 digest), journals first."""
    return hashlib.sha256(b"".join(name.encode() + b"\0" + h for name, h in hashes)).hexdigest()


def folder_sha256(path: Path) -> str:
    """A folder's input hash as its reader computes it, without reading it (the batch
    fingerprints a folder client by it)."""
    listing = FolderListing.of(path)
    hashes = []
    for name in [*listing.journals, *listing.files]:
        handle, _size = open_regular(path / name)
        file_hash = hashlib.sha256()
        with handle:
            while block := handle.read(1 << 20):
                file_hash.update(block)
        hashes.append((name, file_hash.digest()))
    return _folder_digest(hashes)


def _read_journal_folder(
    path: Path, names: list[str], ctx: ReadContext, log: ProblemLog, builder: RecordBuilder
) -> list[tuple[str, bytes]]:
    """Replay a folder's journals into the builder as one journal; each one's (name, digest)."""
    journals: list[tuple[str, str]] = []
    hashes = []
    for name in names:
        file_log = ProblemLog(file=f"{path.name}/{name}", problems=log.problems)
        read = _read_bytes(path / name, file_log)
        text = None if read is None else decode_text(read[1], file_log)
        if read is not None and text is not None:
            journals.append((file_log.file, text))
            hashes.append((name, hashlib.sha256(read[1]).digest()))
    if journals:
        read_journals(journals, ctx, builder)
    return hashes


def _read_folder(
    path: Path, instrument: Instrument, profile: Profile | None
) -> tuple[ResponseSet | None, ProblemLog]:
    """A folder read as one organisation: its journals replayed as one workshop's, and each
    other response file (questionnaires, the wide template, exports) read on its own, then
    merged. Anything that is no response file (a subfolder too) is an error naming it, as is one
    respondent in two files; problems name ``FOLDER/FILE``. Every check runs, whatever fails."""
    log = ProblemLog(file=path.name)
    ctx = ReadContext(instrument, profile, path)
    listing = FolderListing.of(path)
    for name in listing.others:
        log.problems.append(InputProblem(f"{path.name}/{name}", "is not a response file (.xlsx, "
                            ".csv, .jsonl) and a folder is read as one organisation's responses",
                            "move it out of the folder"))  # fmt: skip
    if not (listing.journals or listing.files or listing.others):
        log.error("the folder is empty", "give a folder of response files or capture journals")
    sets: list[ResponseSet] = []
    hashes: list[tuple[str, bytes]] = []
    if listing.journals:
        builder = RecordBuilder(log)
        hashes = _read_journal_folder(path, listing.journals, ctx, log, builder)
        sets.append(_response_set(builder, ctx, log, SourceFile(str(path), "journal-folder", "")))
    for name in listing.files:
        result, file_log = _read_one(path / name, instrument, profile, ctx.fallback_org,
                                     f"{path.name}/{name}")  # fmt: skip
        log.problems.extend(file_log.problems)
        if result is not None and not file_log.errors:
            sets.append(result)
            hashes.append((name, bytes.fromhex(result.files[0].sha256)))
    _one_organisation(sets, ctx.fallback_org, log)
    log.problems.extend(_repeated_respondents(sets))
    if not log.errors and sets and not any(len(rs.respondents) for rs in sets):
        log.error("no file in the folder holds an answer", "fill in the questionnaires first")
    if log.errors:
        return None, log
    source = SourceFile(str(path), "journal-folder" if not listing.files else "folder",
                        _folder_digest(hashes))  # fmt: skip
    return _merged(sets, [source]), log


def _one_organisation(sets: list[ResponseSet], fallback: str, log: ProblemLog) -> None:
    """File every response of a folder under one organisation: the one some files name (those
    naming none follow it); two named are an error naming a file of each."""
    named: dict[str, str] = {}
    for rs in sets:
        for org, file in rs.respondents[["organisation", "file"]].itertuples(index=False):
            if org != fallback:
                named.setdefault(org, file)
    if len(named) > 1:
        (first, f1), (second, f2) = list(named.items())[:2]
        log.error(f"the files name more than one organisation: {first!r} ({f1}) and {second!r} "
                  f"({f2})", "a folder is one organisation: keep each in its own folder")  # fmt: skip
    elif named:
        target = next(iter(named))
        for rs in sets:
            for frame in (rs.answers, rs.respondents):
                frame.loc[frame["organisation"] == fallback, "organisation"] = target


def _read_one(
    path: Path,
    instrument: Instrument,
    profile: Profile | None,
    organisation: str | None = None,
    label: str | None = None,
) -> tuple[ResponseSet | None, ProblemLog]:
    """Read one file (or a folder: one organisation) into a response set, with its log of
    problems (None when unreadable). In a folder, ``organisation`` is the one a file naming none
    belongs to (else the profile's or the file's name) and ``label`` (``FOLDER/FILE``) names
    the file in problems and records."""
    if path.is_dir():  # a folder's own entries are files: its subfolders are refused
        return _read_folder(path, instrument, profile)
    log = ProblemLog(file=label or path.name)
    ctx = ReadContext(instrument, profile, path)
    if organisation is not None:
        ctx.fallback_org = organisation
    ctx.in_folder = label is not None
    builder = RecordBuilder(log)
    read = _read_bytes(path, log)
    if read is None:
        return None, log
    kind, data = read
    if not data.strip():
        log.error("the file is empty", "export the responses again")
        return None, log
    if kind == "xls":
        log.error("legacy .xls workbooks are not read", "open it in Excel and save as .xlsx")
        return None, log
    fmt = kind
    if kind == "xlsx":
        grid = read_xlsx_grid(data, log, ctx.matcher)
    elif kind == "journal":
        text = decode_text(data, log)
        if text is not None:
            read_journal(text, ctx, builder)
        grid = None
    else:
        grid = read_text_grid(path, data, log)
    if grid is not None:
        fmt = _read_grid(grid, kind, ctx, builder) or kind
    source = SourceFile(path=str(path), format=fmt, sha256=hashlib.sha256(data).hexdigest())
    return _response_set(builder, ctx, log, source), log


def _response_set(
    builder: RecordBuilder, ctx: ReadContext, log: ProblemLog, source: SourceFile
) -> ResponseSet:
    """What a file's reader recorded, as a response set, with the warnings on earlier versions'
    ids and (when the file has no error) the data-quality flags."""
    legacy = ctx.legacy_warning()
    if legacy:
        log.warning(legacy, "answer with the current ids next time: `pmo2vmo template`")
    legacy = ctx.instrument.legacy_in(ctx.profile)
    if legacy:
        log.warning(legacy, "use the current question ids in the profile")
    answers = pd.DataFrame(builder.answers, columns=ANSWER_COLUMNS)
    respondents = pd.DataFrame(list(builder.respondents.values()), columns=RESPONDENT_COLUMNS)
    asked = {log.file: frozenset(builder.asked)}
    if not log.errors:
        _quality_flags(answers, respondents, ctx, log, asked)
    return ResponseSet(
        answers=answers, respondents=respondents, files=[source], warnings=log.warnings,
        asked=asked,
    )  # fmt: skip


def inspect_file(
    path: Path | str, instrument: Instrument, profile: Profile | None = None
) -> tuple[ResponseSet | None, list[InputProblem]]:
    """Read one file and return what it holds with *every* problem and warning, never raising."""
    result, log = _read_one(Path(path), instrument, profile)
    return (None if log.errors else result), log.problems


def journal_responses(
    events: Iterable[Mapping[str, object]],
    instrument: Instrument,
    profile: Profile | None = None,
    name: str = "capture.jsonl",
) -> ResponseSet:
    """Answer events held in memory (a live capture's) read as a journal called ``name``: the
    same replay and checks as a journal file; raises :class:`InvalidInputError` on a bad event."""
    text = "".join(json.dumps(dict(event), ensure_ascii=False) + "\n" for event in events)
    log = ProblemLog(file=name)
    ctx = ReadContext(instrument, profile, Path(name))
    builder = RecordBuilder(log)
    read_journal(text, ctx, builder)
    if log.errors:
        raise InvalidInputError(log.errors)
    source = SourceFile(name, "journal", hashlib.sha256(text.encode()).hexdigest())
    return ResponseSet(
        answers=pd.DataFrame(builder.answers, columns=ANSWER_COLUMNS),
        respondents=pd.DataFrame(list(builder.respondents.values()), columns=RESPONDENT_COLUMNS),
        files=[source],
        asked={name: frozenset(builder.asked)},
    )


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
    if len(sets) > 1:  # every problem in one pass, whatever else failed
        problems.extend(_repeated_respondents(sets))
    if problems:
        raise InvalidInputError(problems)
    return _merged(sets, [f for s in sets for f in s.files])


def _repeated_respondents(sets: list[ResponseSet]) -> list[InputProblem]:
    """A respondent of one organisation in two files: an error naming both files."""
    problems: list[InputProblem] = []
    seen: dict[tuple[str, str], str] = {}
    for rs in sets:
        for org, rid, file in rs.respondents[["organisation", "respondent", "file"]].itertuples(
            index=False
        ):
            if (org, rid) in seen:
                problems.append(InputProblem(
                    file=file, message=f"respondent {rid!r} of {org!r} is also in {seen[(org, rid)]}",
                    hint="each respondent answers once; remove the duplicate file or rows",
                ))  # fmt: skip
            else:
                seen[(org, rid)] = file
    return problems


def _merged(sets: list[ResponseSet], files: list[SourceFile]) -> ResponseSet:
    """Response sets as one (the files they came from given)."""
    return ResponseSet(
        answers=pd.concat([s.answers for s in sets], ignore_index=True),
        respondents=pd.concat([s.respondents for s in sets], ignore_index=True),
        files=files,
        warnings=[w for s in sets for w in s.warnings],
        asked={name: qs for s in sets for name, qs in s.asked.items()},
    )
