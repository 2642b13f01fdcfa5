"""The instrument's content as validated data: levels, sources, questions, dimensions, pillars.

One pydantic model per entity of ``assessment/pillars/*.yaml`` (and the levels, sources and
thresholds of ``instrument.yaml``); :mod:`pmo2vmo.model.instrument` loads and checks them together.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from pmo2vmo.model.audiences import AUDIENCE_ID
from pmo2vmo.model.base import StrictModel

LEVELS = (1, 2, 3, 4, 5)
Weight = Annotated[float, Field(gt=0, le=100)]
LevelScore = Annotated[float, Field(ge=1, le=5)]
PARTIAL_FIT_RULE = (
    "Choose the highest level whose every statement is true of your organisation today. If a "
    "level is only partly true, choose the level below it."
)
Rationale = Annotated[str, Field(min_length=20, max_length=300)]
QUESTION_ID = re.compile(r"^[A-Z]{2,4}-[A-Z]{2,4}-\d{2}$")
DIMENSION_ID = re.compile(r"^[A-Z]{2,4}-[A-Z]{2,4}$")
PILLAR_ID = re.compile(r"^[A-Z]{2,4}$")


def _reasoned(weight: float, why: str | None) -> None:
    """A weight other than 1 must say why (``weight_rationale``, one line)."""
    if weight != 1 and not why:
        raise ValueError(f"weight {weight:g} needs a weight_rationale saying why it is not 1")


class Level(StrictModel):
    """One level of the scale: its value (1–5), name and meaning."""

    value: Literal[1, 2, 3, 4, 5]
    name: Annotated[str, Field(min_length=1, max_length=40)]
    description: str = ""


class Source(StrictModel):
    """A seed article (by file name) or a named public model that questions may cite."""

    id: Annotated[str, Field(min_length=2)]
    title: Annotated[str, Field(min_length=3)]
    # How the report's references name it: an article (a seed) or a public model, who publishes
    # it and which edition the instrument draws on.
    kind: Literal["article", "model"] = "model"
    publisher: Annotated[str, Field(min_length=2)] | None = None
    edition: Annotated[str, Field(min_length=2)] | None = None


class Question(StrictModel):
    """A question with a behavioural descriptor for each of the five levels."""

    id: str
    text: Annotated[str, Field(min_length=10)]
    weight: Weight = 1.0
    # Why a weight other than 1 (one line); required for every weight that is not 1.
    weight_rationale: Rationale | None = None
    source: Annotated[str, Field(min_length=3)]
    descriptors: dict[int, Annotated[str, Field(min_length=3)]]
    evidence: Annotated[list[Annotated[str, Field(min_length=3)]], Field(min_length=1)]
    # Who can observe the practice (ids of instrument.yaml's audiences): routed to them.
    audiences: Annotated[list[Annotated[str, Field(pattern=AUDIENCE_ID)]], Field(min_length=1)]

    @model_validator(mode="after")
    def _weight_reasoned(self) -> Question:
        _reasoned(self.weight, self.weight_rationale)
        return self

    @field_validator("audiences")
    @classmethod
    def _distinct_audiences(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("lists an audience twice")
        return value

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not QUESTION_ID.match(value):
            raise ValueError("question ids look like VC-OBJ-01 (pillar-dimension-number)")
        return value

    @field_validator("descriptors")
    @classmethod
    def _five_descriptors(cls, value: dict[int, str]) -> dict[int, str]:
        if sorted(value) != list(LEVELS):
            raise ValueError(
                f"needs exactly five descriptors, keys 1 to 5 (found keys {sorted(value)})"
            )
        texts = [value[level].casefold() for level in LEVELS]
        if len(set(texts)) != len(texts):
            raise ValueError("the five descriptors must differ from each other")
        return value

    def descriptor_list(self) -> list[str]:
        """Descriptors from level 1 to level 5."""
        return [self.descriptors[level] for level in LEVELS]


class _Part(StrictModel):
    """What a dimension and a pillar share: a name, an order, a reasoned weight, an id of the
    right shape, children whose ids start with their own."""

    ID_SHAPE: ClassVar[re.Pattern[str]]
    ID_HINT: ClassVar[str]
    KIND: ClassVar[str]
    CHILD: ClassVar[str]
    CHILDREN: ClassVar[str]  # the field that holds the children

    id: str
    name: Annotated[str, Field(min_length=3)]
    order: int = 0
    weight: Weight = 1.0
    weight_rationale: Rationale | None = None
    description: str = ""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not cls.ID_SHAPE.match(value):
            raise ValueError(cls.ID_HINT)
        return value

    @model_validator(mode="after")
    def _children_belong(self) -> _Part:
        _reasoned(self.weight, self.weight_rationale)
        for child in (c.id for c in getattr(self, self.CHILDREN)):
            if not child.startswith(self.id + "-"):
                raise ValueError(
                    f"{self.CHILD} {child} must start with its {self.KIND} id {self.id}-"
                )
        return self


class Dimension(_Part):
    """A dimension of a pillar, scored as the weighted mean of its questions."""

    ID_SHAPE = DIMENSION_ID
    ID_HINT = "dimension ids look like VC-OBJ (pillar-dimension)"
    KIND, CHILD, CHILDREN = "dimension", "question", "questions"

    default_target: LevelScore | None = None
    questions: Annotated[list[Question], Field(min_length=1)]


class Pillar(_Part):
    """One of the four pillars (PMO baseline, value culture, portfolio, metrics)."""

    ID_SHAPE = PILLAR_ID
    ID_HINT = "pillar ids are 2-4 capital letters, e.g. VC"
    KIND, CHILD, CHILDREN = "pillar", "dimension", "dimensions"

    type: Literal["pillar"]
    dimensions: Annotated[list[Dimension], Field(min_length=1)]


class Disagreement(StrictModel):
    """When an item counts as disputed (Tastle & Wierman consensus below a threshold)."""

    consensus_below: Annotated[float, Field(gt=0, lt=1)] = 0.6
    min_answers: Annotated[int, Field(ge=2)] = 3
    perception_gap_at_least: Annotated[float, Field(gt=0, le=4)] = 0.75


class DataQuality(StrictModel):
    """Thresholds of the data-quality flags."""

    straight_lining_min_answers: Annotated[int, Field(ge=3)] = 10
    partial_below: Annotated[float, Field(gt=0, le=1)] = 0.8
