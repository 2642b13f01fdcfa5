"""How the ids of one instrument version map to the next: same, renamed, merged, split, removed.

``assessment/mappings/1-to-2.yaml`` lists every question and dimension id of instrument 1.x with
what became of it in 2.0.0. Response files, profiles and previous scores keyed by the old ids are
read through it: an answer under an old id counts for the question it now belongs to (a split
question's answer for the first of its successors), with a warning; an id removed is reported and
not scored.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.base import StrictModel, parse_model
from pmo2vmo.util.yamlio import read_yaml

VERSION = r"^\d+\.\d+\.\d+$"


class Fate(StrEnum):
    """What became of an id in the next version."""

    SAME = "same"  # kept, with its meaning (the wording may be sharper)
    RENAMED = "renamed"  # the same practice under a new id
    MERGED = "merged"  # folded into another question, which now asks it
    SPLIT = "split"  # asked now by several questions (an old answer is read as the first)
    REMOVED = "removed"  # not asked any more: old answers are not scored


class Entry(StrictModel):
    """One old id: its fate and, unless removed or kept, where it went."""

    status: Fate
    to: str | None = None  # renamed
    into: str | list[str] | None = None  # merged: one id; split: two or more
    note: Annotated[str, Field(max_length=300)] = ""

    @model_validator(mode="after")
    def _where_it_went(self) -> Entry:
        wants = {
            Fate.SAME: (self.to is None and self.into is None, "takes neither to nor into"),
            Fate.REMOVED: (self.to is None and self.into is None, "takes neither to nor into"),
            Fate.RENAMED: (self.to is not None and self.into is None, "needs to: NEW-ID"),
            Fate.MERGED: (isinstance(self.into, str) and self.to is None, "needs into: ID"),
            Fate.SPLIT: (
                isinstance(self.into, list) and len(self.into) >= 2 and self.to is None,
                "needs into: [ID, ID, ...]",
            ),
        }
        ok, why = wants[self.status]
        if not ok:
            raise ValueError(f"status {self.status.value} {why}")
        return self

    def target(self, old: str) -> str | None:
        """The id an answer under ``old`` counts for now; None when it is not scored."""
        if self.status is Fate.SAME:
            return old
        if self.status is Fate.RENAMED:
            return self.to
        if isinstance(self.into, list):
            return self.into[0]
        return self.into

    def successors(self, old: str) -> list[str]:
        """Every id that asks what ``old`` asked (several for a split)."""
        if isinstance(self.into, list):
            return list(self.into)
        found = self.target(old)
        return [] if found is None else [found]


class IdMapping(StrictModel):
    """Every id of instrument ``from_version`` and what became of it in ``to_version``."""

    type: Literal["mapping"]
    instrument: Annotated[str, Field(min_length=1)]
    from_version: Annotated[str, Field(pattern=VERSION)]
    to_version: Annotated[str, Field(pattern=VERSION)]
    dimensions: dict[str, Entry]
    questions: dict[str, Entry]

    @property
    def file(self) -> str:
        """Where the mapping lives, relative to the instrument folder."""
        return f"mappings/{self.from_major}-to-{self.to_version.split('.')[0]}.yaml"

    @property
    def from_major(self) -> int:
        """The major version this mapping reads (1 for 1.x)."""
        return int(self.from_version.split(".")[0])

    def question(self, old: str) -> Entry | None:
        """What became of question ``old``; None when it is not an id of the old version."""
        return self.questions.get(old)

    def dimension(self, old: str) -> str | None:
        """The dimension id ``old`` is now, or None when it is gone or unknown."""
        entry = self.dimensions.get(old)
        return None if entry is None else entry.target(old)

    def problems(self, questions: set[str], dimensions: set[str], name: str) -> list[str]:
        """Targets that the new instrument does not have, and new ids the mapping misses."""
        found = []
        for kind, entries, known in (
            ("questions", self.questions, questions),
            ("dimensions", self.dimensions, dimensions),
        ):
            for old, entry in entries.items():
                for new in entry.successors(old):
                    if new not in known:
                        found.append(
                            f"{name}: {kind}.{old}: {new!r} is not an id of the instrument"
                        )
        return found


def load_mappings(folder: Path) -> list[IdMapping]:
    """Every mapping in ``folder/mappings`` (none when the folder has none), validated."""
    where = folder / "mappings"
    if not where.is_dir():
        return []
    out, problems = [], []
    for path in sorted(where.glob("*.yaml")):
        try:
            out.append(parse_model(IdMapping, path, read_yaml(path)))
        except InstrumentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InstrumentError(problems)
    return out
