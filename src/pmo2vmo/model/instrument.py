"""The assessment instrument as validated data.

The instrument lives in ``assessment/``: ``instrument.yaml`` (scale, settings, sources, pillar files)
and one YAML file per pillar. :func:`load_instrument` reads and validates it with pydantic models;
every problem is reported at once, naming the file, the key and the value. A client profile tailors
the loaded instrument (:meth:`Instrument.tailored`) without touching the files.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.audiences import AUDIENCE_ID, Audience, RoleAudience, audiences_of
from pmo2vmo.model.base import StrictModel, parse_model
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.vocabulary import normalise
from pmo2vmo.resources import assessment_dir
from pmo2vmo.util.memo import digest, memoised
from pmo2vmo.util.yamlio import read_yaml

LEVELS = (1, 2, 3, 4, 5)
Weight = Annotated[float, Field(gt=0, le=100)]
LevelScore = Annotated[float, Field(ge=1, le=5)]
QUESTION_ID = re.compile(r"^[A-Z]{2,4}-[A-Z]{2,4}-\d{2}$")
DIMENSION_ID = re.compile(r"^[A-Z]{2,4}-[A-Z]{2,4}$")
PILLAR_ID = re.compile(r"^[A-Z]{2,4}$")


class Level(StrictModel):
    """One level of the scale: its value (1–5), name and meaning."""

    value: Literal[1, 2, 3, 4, 5]
    name: Annotated[str, Field(min_length=1, max_length=40)]
    description: str = ""


class Source(StrictModel):
    """A seed article (by file name) or a named public model that questions may cite."""

    id: Annotated[str, Field(min_length=2)]
    title: Annotated[str, Field(min_length=3)]


class Question(StrictModel):
    """A question with a behavioural descriptor for each of the five levels."""

    id: str
    text: Annotated[str, Field(min_length=10)]
    weight: Weight = 1.0
    source: Annotated[str, Field(min_length=3)]
    descriptors: dict[int, Annotated[str, Field(min_length=3)]]
    evidence: Annotated[list[Annotated[str, Field(min_length=3)]], Field(min_length=1)]
    # Who can observe the practice (ids of instrument.yaml's audiences): routed to them.
    audiences: Annotated[list[Annotated[str, Field(pattern=AUDIENCE_ID)]], Field(min_length=1)]

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


class Dimension(StrictModel):
    """A dimension of a pillar, scored as the weighted mean of its questions."""

    id: str
    name: Annotated[str, Field(min_length=3)]
    order: int = 0
    weight: Weight = 1.0
    description: str = ""
    default_target: LevelScore | None = None
    questions: Annotated[list[Question], Field(min_length=1)]

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not DIMENSION_ID.match(value):
            raise ValueError("dimension ids look like VC-OBJ (pillar-dimension)")
        return value

    @model_validator(mode="after")
    def _questions_belong(self) -> Dimension:
        for question in self.questions:
            if not question.id.startswith(self.id + "-"):
                raise ValueError(
                    f"question {question.id} must start with its dimension id {self.id}-"
                )
        return self


class Pillar(StrictModel):
    """One of the four pillars (PMO baseline, value culture, portfolio, metrics)."""

    type: Literal["pillar"]
    id: str
    name: Annotated[str, Field(min_length=3)]
    order: int = 0
    weight: Weight = 1.0
    description: str = ""
    dimensions: Annotated[list[Dimension], Field(min_length=1)]

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not PILLAR_ID.match(value):
            raise ValueError("pillar ids are 2-4 capital letters, e.g. VC")
        return value

    @model_validator(mode="after")
    def _dimensions_belong(self) -> Pillar:
        for dimension in self.dimensions:
            if not dimension.id.startswith(self.id + "-"):
                raise ValueError(
                    f"dimension {dimension.id} must start with its pillar id {self.id}-"
                )
        return self


class Disagreement(StrictModel):
    """When an item counts as disputed (Tastle & Wierman consensus below a threshold)."""

    consensus_below: Annotated[float, Field(gt=0, lt=1)] = 0.6
    min_answers: Annotated[int, Field(ge=2)] = 3
    perception_gap_at_least: Annotated[float, Field(gt=0, le=4)] = 0.75


class DataQuality(StrictModel):
    """Thresholds of the data-quality flags."""

    straight_lining_min_answers: Annotated[int, Field(ge=3)] = 10
    partial_below: Annotated[float, Field(gt=0, le=1)] = 0.8


class InstrumentFile(StrictModel):
    """The top-level ``instrument.yaml``."""

    type: Literal["instrument"]
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    name: str
    description: str = ""
    levels: Annotated[list[Level], Field(min_length=5, max_length=5)]
    default_target: LevelScore = 3.5
    achieved_level_tolerance: Annotated[float, Field(ge=0, le=1)] = 0.0
    disagreement: Disagreement = Disagreement()
    data_quality: DataQuality = DataQuality()
    sources: Annotated[list[Source], Field(min_length=1)]
    audiences: Annotated[list[Audience], Field(min_length=2)]
    role_audiences: list[RoleAudience] = []
    pillars: Annotated[list[str], Field(min_length=1)]

    @model_validator(mode="after")
    def _audiences_known(self) -> InstrumentFile:
        ids = [a.id for a in self.audiences]
        if len(set(ids)) != len(ids):
            raise ValueError(f"audiences: an id is listed twice: {ids}")
        for i, rule in enumerate(self.role_audiences):
            unknown = sorted(set(rule.audiences) - set(ids))
            if unknown:
                raise ValueError(f"role_audiences[{i}]: unknown audiences {unknown}")
        return self

    @field_validator("levels")
    @classmethod
    def _levels_in_order(cls, value: list[Level]) -> list[Level]:
        if [level.value for level in value] != list(LEVELS):
            raise ValueError("levels must be listed with values 1, 2, 3, 4, 5 in that order")
        names = [level.name.casefold() for level in value]
        if len(set(names)) != 5:
            raise ValueError("level names must differ")
        return value


@dataclass(frozen=True)
class QuestionRef:
    """A question with the ids of the dimension and pillar it belongs to."""

    question: Question
    dimension: Dimension
    pillar: Pillar


@dataclass(frozen=True)
class Instrument:
    """A loaded, validated instrument (possibly tailored by a client profile)."""

    meta: InstrumentFile
    pillars: tuple[Pillar, ...]
    folder: Path

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def version(self) -> str:
        return self.meta.version

    @property
    def levels(self) -> list[Level]:
        return self.meta.levels

    def level_name(self, value: int) -> str:
        """The name of level ``value`` (1–5)."""
        return self.meta.levels[value - 1].name

    @property
    def dimensions(self) -> list[Dimension]:
        """Every dimension, pillar by pillar, in reporting order."""
        return [d for p in self.pillars for d in p.dimensions]

    def iter_questions(self) -> Iterator[QuestionRef]:
        """Every question in reporting order, with its dimension and pillar."""
        for pillar in self.pillars:
            for dimension in pillar.dimensions:
                for question in dimension.questions:
                    yield QuestionRef(question, dimension, pillar)

    @cached_property
    def questions(self) -> dict[str, QuestionRef]:
        """Questions by id, in reporting order."""
        return {ref.question.id: ref for ref in self.iter_questions()}

    @cached_property
    def dimension_index(self) -> dict[str, tuple[Dimension, Pillar]]:
        """Dimensions by id, with their pillar."""
        return {d.id: (d, p) for p in self.pillars for d in p.dimensions}

    def default_target(self, dimension_id: str) -> float:
        """The instrument's target for a dimension: its own default, else the instrument's."""
        dimension = self.dimension_index[dimension_id][0]
        if dimension.default_target is not None:
            return dimension.default_target
        return self.meta.default_target

    def problems_of(self, profile: Profile, name: str = "profile") -> list[str]:
        """References in ``profile`` that this instrument does not know, and level names that
        another level of this instrument already uses, as messages."""
        problems = []
        for level in self.levels:
            for value, renamed in profile.level_names.items():
                if value != level.value and normalise(renamed) == normalise(level.name):
                    problems.append(
                        f"{name}: level_names: level {value} is named {renamed!r}, the "
                        f"instrument's name of level {level.value}; answers could not tell them "
                        "apart"
                    )
        dims = self.dimension_index
        pillar_ids = {p.id for p in self.pillars}
        for key, ids, known in (
            ("exclude_dimensions", profile.exclude_dimensions, dims),
            ("targets", list(profile.targets), dims),
            ("weights.dimensions", list(profile.weights.dimensions), dims),
            ("weights.questions", list(profile.weights.questions), self.questions),
            ("weights.pillars", list(profile.weights.pillars), pillar_ids),
        ):
            for ident in ids:
                if ident not in known:
                    problems.append(f"{name}: {key}: unknown id {ident!r}")
        audience_ids = {a.id for a in self.meta.audiences}
        for role, audiences in profile.audiences.items():
            for audience in sorted(set(audiences) - audience_ids):
                problems.append(
                    f"{name}: audiences: {role!r}: unknown audience {audience!r} (known: "
                    f"{', '.join(sorted(audience_ids))})"
                )
        excluded = set(profile.exclude_dimensions)
        for pillar in self.pillars:
            if pillar.dimensions and all(d.id in excluded for d in pillar.dimensions):
                problems.append(
                    f"{name}: exclude_dimensions: excludes every dimension of pillar {pillar.id}"
                )
        return problems

    @property
    def audience_ids(self) -> list[str]:
        """The instrument's audiences, in the order it lists them."""
        return [a.id for a in self.meta.audiences]

    def routed(self, audiences: Collection[str] | None) -> list[str]:
        """The ids of the questions routed to any of ``audiences`` (every question for None)."""
        if audiences is None:
            return list(self.questions)
        wanted = set(audiences)
        return [q for q, ref in self.questions.items() if wanted & set(ref.question.audiences)]

    def audiences_for(self, role: str | None, profile: Profile) -> frozenset[str] | None:
        """The audiences a respondent with ``role`` is asked about: the profile's mapping of the
        role, else of its band, else the instrument's default table; None: every question."""
        return audiences_of(role, profile.band_of(role), profile.audiences,
                            self.meta.role_audiences)  # fmt: skip

    def tailored(self, profile: Profile) -> Instrument:
        """This instrument with a client's exclusions, weights and level names applied (made
        once per profile: the same profile gives the same tailored instrument)."""
        made: dict[str, Instrument] = self.__dict__.setdefault("_tailored", {})
        key = profile.model_dump_json()
        if key not in made:
            made[key] = self._tailor(profile)
        return made[key]

    def _tailor(self, profile: Profile) -> Instrument:
        problems = self.problems_of(profile)
        if problems:
            raise InstrumentError(problems)
        weights = profile.weights
        excluded = set(profile.exclude_dimensions)
        pillars = []
        for pillar in self.pillars:
            dims = []
            for dim in pillar.dimensions:
                if dim.id in excluded:
                    continue
                questions = [
                    q.model_copy(update={"weight": weights.questions.get(q.id, q.weight)})
                    for q in dim.questions
                ]
                dims.append(
                    dim.model_copy(
                        update={
                            "weight": weights.dimensions.get(dim.id, dim.weight),
                            "questions": questions,
                        }
                    )
                )
            pillars.append(
                pillar.model_copy(
                    update={
                        "weight": weights.pillars.get(pillar.id, pillar.weight),
                        "dimensions": dims,
                    }
                )
            )
        levels = [
            level.model_copy(update={"name": profile.level_names.get(level.value, level.name)})
            for level in self.meta.levels
        ]
        meta = self.meta.model_copy(update={"levels": levels})
        return Instrument(meta=meta, pillars=tuple(pillars), folder=self.folder)

    def to_json(self) -> dict[str, object]:
        """The instrument as the stable JSON of ``pmo2vmo instrument --json``."""
        return {
            "id": self.id,
            "version": self.version,
            "name": self.meta.name,
            "levels": [
                {"value": lv.value, "name": lv.name, "description": lv.description}
                for lv in self.levels
            ],
            "default_target": self.meta.default_target,
            "sources": [{"id": s.id, "title": s.title} for s in self.meta.sources],
            "audiences": [a.model_dump() for a in self.meta.audiences],
            "pillars": [
                {
                    "id": p.id,
                    "name": p.name,
                    "weight": p.weight,
                    "description": p.description,
                    "dimensions": [
                        {
                            "id": d.id,
                            "name": d.name,
                            "weight": d.weight,
                            "description": d.description,
                            "default_target": self.default_target(d.id),
                            "questions": [
                                {
                                    "id": q.id,
                                    "text": q.text,
                                    "descriptors": q.descriptor_list(),
                                    "weight": q.weight,
                                    "evidence": list(q.evidence),
                                    "source": q.source,
                                    "audiences": list(q.audiences),
                                }
                                for q in d.questions
                            ],
                        }
                        for d in p.dimensions
                    ],
                }
                for p in self.pillars
            ],
        }


def _check_references(meta: InstrumentFile, pillars: list[tuple[Path, Pillar]]) -> list[str]:
    """Cross-file checks: unique ids everywhere, sources and audiences that resolve."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    source_ids = [s.id for s in meta.sources]
    audience_ids = {a.id for a in meta.audiences}
    for path, pillar in pillars:
        entities: list[tuple[str, str]] = [(pillar.id, "id")]
        for dim in pillar.dimensions:
            entities.append((dim.id, f"dimensions[{dim.id}].id"))
            for q in dim.questions:
                entities.append((q.id, f"dimensions[{dim.id}].questions[{q.id}].id"))
                if not any(sid in q.source for sid in source_ids):
                    problems.append(
                        f"{path}: dimensions[{dim.id}].questions[{q.id}].source: {q.source!r} names "
                        "no known source; cite one of the ids listed under sources in instrument.yaml"
                    )
                unknown = sorted(set(q.audiences) - audience_ids)
                if unknown:
                    problems.append(
                        f"{path}: dimensions[{dim.id}].questions[{q.id}].audiences: unknown "
                        f"audiences {unknown}; use the ids listed under audiences in instrument.yaml"
                    )
        for ident, key in entities:
            if ident in seen:
                problems.append(
                    f"{path}: {key}: duplicate id {ident!r} (already used in {seen[ident]})"
                )
            else:
                seen[ident] = path.name
    return problems


def load_instrument(folder: Path | None = None) -> Instrument:
    """Load and validate the instrument in ``folder`` (default: the bundled ``assessment/``).

    Raises :class:`~pmo2vmo.errors.InstrumentError` listing every problem found.
    """
    folder = Path(folder) if folder is not None else assessment_dir()
    files = sorted(p for p in folder.rglob("*.yaml") if "samples" not in p.parts)
    return memoised(("instrument", str(folder), digest(files)), lambda: _load_instrument(folder))


def _load_instrument(folder: Path) -> Instrument:
    top = folder / "instrument.yaml"
    meta = parse_model(InstrumentFile, top, read_yaml(top))
    problems: list[str] = []
    loaded: list[tuple[Path, Pillar]] = []
    for rel in meta.pillars:
        path = (folder / rel).resolve()
        if not path.is_relative_to(folder.resolve()):
            problems.append(f"{top}: pillars: {rel!r} lies outside the instrument folder")
            continue
        if not path.is_file():
            problems.append(f"{top}: pillars: file {rel!r} not found")
            continue
        try:
            loaded.append((path, parse_model(Pillar, path, read_yaml(path))))
        except InstrumentError as exc:
            problems.extend(exc.problems)
    problems.extend(_check_references(meta, loaded))
    if problems:
        raise InstrumentError(problems)
    ordered = sorted(loaded, key=lambda item: item[1].order)
    pillars = tuple(
        p.model_copy(update={"dimensions": sorted(p.dimensions, key=lambda d: d.order)})
        for _, p in ordered
    )
    return Instrument(meta=meta, pillars=pillars, folder=folder)
