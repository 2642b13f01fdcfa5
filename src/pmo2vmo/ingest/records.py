"""What the wide, tidy and journal readers share: the context of a read (the instrument's ids, the
answer parser, the fallback organisation), the builder of one file's answer and respondent records,
and cells read as text."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pmo2vmo.errors import ProblemLog
from pmo2vmo.ingest.answers import AnswerParser, Kind
from pmo2vmo.ingest.ids import IdMatcher
from pmo2vmo.ingest.readers import Cell
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.mapping import Entry, IdMapping
from pmo2vmo.model.profile import Profile


def cell_text(cell: Cell) -> str | None:
    """A cell as trimmed text (None when blank); whole numbers lose their ``.0``."""
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    return text or None


@dataclass
class RecordBuilder:
    """Accumulates records for one file while problems are logged."""

    log: ProblemLog
    answers: list[tuple[object, ...]] = field(default_factory=list)
    respondents: dict[tuple[str, str], list[object]] = field(default_factory=dict)
    seen_rows: dict[tuple[str, str], int] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)  # question ids the file has a place for

    def respondent(
        self,
        org: str,
        rid: str,
        role: str | None,
        unit: str | None,
        comment: str | None,
        row: int,
        file: str | None = None,
    ) -> None:
        """Record (or replace) a respondent of an organisation, with the row (and file, when not
        the log's) that names them."""
        self.respondents[(org, rid)] = [org, rid, role, unit, comment, file or self.log.file, row]

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
        file: str | None = None,
    ) -> None:
        """Record one non-blank answer; ``value`` is the level for scores, else NaN."""
        self.answers.append(
            (
                org,
                rid,
                qid,
                kind.value,
                float("nan") if value is None else float(value),
                raw,
                comment,
                file or self.log.file,
                row,
            )
        )


class ReadContext:
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
        #: Whether the file is one of a folder's (one organisation's) files.
        self.in_folder = False
        #: Finds ids in the forms survey tools give them (``PB_GOV_01``, ``PBGOV01``…).
        self.matcher = IdMatcher([*instrument.questions, *sorted(self.ids - self.questions)])

        #: Ids of an earlier instrument version met in this file, with what became of them.
        self.legacy: dict[str, tuple[IdMapping, Entry]] = {}
        #: Answers under an old id not read because the file answers its new id itself.
        self.shadowed: dict[str, str] = {}

    @property
    def ids(self) -> set[str]:
        """Every question id a file may use: this version's and earlier versions' (mapped)."""
        return self.questions | {q for m in self.instrument.mappings for q in m.questions}

    def known(self, token: str) -> bool:
        """Whether the instrument has a question of this id."""
        return token in self.questions

    def current(self, token: str) -> str | None:
        """The id an answer under ``token`` counts for: itself in this version, else where an
        earlier version's id went (noted for the file's warning); None when the id is unknown or
        was removed (see :meth:`retired`)."""
        if token in self.questions:
            return token
        found = self.instrument.legacy(token)
        if found is None:
            return None
        self.legacy[token] = found
        return found[1].target(token)

    def retired(self, token: str) -> bool:
        """Whether ``token`` is an earlier version's id that is asked no more (not scored)."""
        return token in self.legacy and self.legacy[token][1].target(token) is None

    def legacy_warning(self) -> str | None:
        """One sentence on the earlier version's ids this file used and how they were read."""
        if not self.legacy:
            return None
        mapping = next(iter(self.legacy.values()))[0]
        read = [f"{old} → {entry.target(old)} ({entry.status.value})"
                for old, (_, entry) in self.legacy.items()
                if entry.target(old) is not None and old not in self.shadowed]  # fmt: skip
        gone = [old for old in self.legacy if self.retired(old)]
        source = f"instrument {mapping.instrument} {mapping.from_major}.x"
        parts = [f"the file uses question ids of {source}, read through assessment/{mapping.file}"]
        if read:
            parts.append("read as " + ", ".join(read))
        if gone:
            parts.append(f"removed in {mapping.to_version} and not scored: " + ", ".join(gone))
        if self.shadowed:
            parts.append("not read because the file answers the new id itself: " + ", ".join(
                f"{old} (→ {new})" for old, new in self.shadowed.items()))  # fmt: skip
        return "; ".join(parts)
