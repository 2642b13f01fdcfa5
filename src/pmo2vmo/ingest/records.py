"""What the wide, tidy and journal readers share: the context of a read (the instrument's ids, the
answer parser, the fallback organisation), the builder of one file's answer and respondent records,
and cells read as text."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pmo2vmo.errors import ProblemLog
from pmo2vmo.ingest.answers import AnswerParser, Kind
from pmo2vmo.ingest.readers import ID_TOKEN, Cell
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile


def cell_text(cell: Cell) -> str | None:
    """A cell as trimmed text (None when blank); whole numbers lose their ``.0``."""
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    return text or None


def question_tokens(text: str) -> list[str]:
    """The question ids (``VC-OBJ-01``) in a text, upper-cased, in order."""
    return [t.upper() for t in ID_TOKEN.findall(text)]


@dataclass
class RecordBuilder:
    """Accumulates records for one file while problems are logged."""

    log: ProblemLog
    answers: list[tuple[object, ...]] = field(default_factory=list)
    respondents: dict[tuple[str, str], list[object]] = field(default_factory=dict)
    seen_rows: dict[tuple[str, str], int] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)  # question ids the file has a place for

    def respondent(
        self, org: str, rid: str, role: str | None, unit: str | None, comment: str | None, row: int
    ) -> None:
        """Record (or replace) a respondent of an organisation, with the row that names them."""
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
                self.log.file,
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

    def known(self, token: str) -> bool:
        """Whether the instrument has a question of this id."""
        return token in self.questions
