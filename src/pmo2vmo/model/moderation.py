"""Assessor moderation: a consultant's evidence-based level per dimension, with the rationale and
the evidence seen (PRODUCT §5). Self-assessment is known to run high; the moderated level is shown
beside the respondents' score, and the profile's ``drive`` says which of the two drives the gaps,
the decision and the roadmap (``moderated`` by default when a moderation is given).

A moderation file (YAML, or the Moderation sheet of ``pmo2vmo template``) looks like::

    organisation: Harbor Mutual        # needed only when the responses hold several
    assessor: A. Consultant            # optional
    date: 2026-11-20                   # optional
    dimensions:
      MR-BEN:
        level: 1.5                     # 1.0 to 5.0, in steps of 0.1 at most
        rationale: No benefit has an owner after go-live.
        evidence: [Benefits register (last updated 2025-03), Steering minutes Q3]
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, field_validator

from pmo2vmo.model.base import PlainText, StrictModel
from pmo2vmo.util.text import CONTROL

Text = Annotated[str, Field(min_length=1, max_length=2000)]


class ModeratedDimension(StrictModel):
    """The assessor's level of one dimension, why, and what it rests on."""

    level: Annotated[float, Field(ge=1, le=5)]
    rationale: Text
    evidence: Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]],
                        Field(min_length=1, max_length=50)]  # fmt: skip

    @field_validator("level", mode="before")
    @classmethod
    def _not_a_flag(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("a level is a number from 1 to 5, not true or false")
        return value

    @field_validator("level")
    @classmethod
    def _tenths(cls, value: float) -> float:
        if abs(value * 10 - round(value * 10)) > 1e-9:
            raise ValueError(f"level {value} has more than one decimal (use e.g. 1.5 or 2.3)")
        return round(value, 1)

    @field_validator("rationale", "evidence")
    @classmethod
    def _plain(cls, value: object) -> object:
        texts = value if isinstance(value, list) else [value]
        if any(CONTROL.search(str(t).replace("\n", " ")) for t in texts):
            raise ValueError("holds control characters (tabs or terminal codes)")
        return value


class Moderation(StrictModel):
    """One organisation's moderation: dimension id -> the assessor's level."""

    organisation: Annotated[PlainText, Field(min_length=1, max_length=200)] | None = None
    assessor: Annotated[PlainText, Field(min_length=1, max_length=200)] | None = None
    date: dt.date | None = None
    dimensions: Annotated[dict[str, ModeratedDimension], Field(min_length=1)]
