"""The assessment instrument as validated data.

The instrument lives in ``assessment/``: ``instrument.yaml`` (scale, settings, sources, pillar files)
and one YAML file per pillar. :func:`load_instrument` reads and validates it with pydantic models;
every problem is reported at once, naming the file, the key and the value. A client profile tailors
the loaded instrument (:meth:`Instrument.tailored`) without touching the files.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.audiences import Audience, RoleAudience, audiences_of
from pmo2vmo.model.base import StrictModel, parse_model
from pmo2vmo.model.mapping import Entry, IdMapping, load_mappings
from pmo2vmo.model.pillars import (
    LEVELS,
    PARTIAL_FIT_RULE,
    DataQuality,
    Dimension,
    Disagreement,
    Level,
    LevelScore,
    Pillar,
    Question,
    Source,
)
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.vocabulary import normalise
from pmo2vmo.resources import assessment_dir
from pmo2vmo.util.memo import digest, memoised
from pmo2vmo.util.yamlio import read_yaml


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
    # How to answer when no level fits exactly: shown wherever respondents answer.
    partial_fit_rule: Annotated[str, Field(min_length=20)] = PARTIAL_FIT_RULE
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
    #: How earlier versions' ids map to this one (``mappings/*.yaml`` beside instrument.yaml).
    mappings: tuple[IdMapping, ...] = ()

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
            (
                "weights.questions",
                [q for q in profile.weights.questions if not self.legacy(q)],
                self.questions,
            ),
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

    def legacy(self, old: str) -> tuple[IdMapping, Entry] | None:
        """The mapping that knows ``old`` as a question id of an earlier version, and its entry
        (None when ``old`` is no earlier id, or is an id of this version)."""
        if old in self.questions:
            return None
        for mapping in self.mappings:
            entry = mapping.question(old)
            if entry is not None:
                return mapping, entry
        return None

    def legacy_in(self, profile: Profile) -> str | None:
        """One sentence on the earlier version's question ids a profile's weights use."""
        found = {q: self.legacy(q) for q in profile.weights.questions}
        read = [f"{q} → {f[1].target(q)}" for q, f in found.items() if f and f[1].target(q)]
        gone = [q for q, f in found.items() if f and not f[1].target(q)]
        if not read and not gone:
            return None
        text = "the profile's weights.questions use ids of an earlier instrument version"
        text += f"; read as {', '.join(read)}" if read else ""
        return text + (f"; removed, ignored: {', '.join(gone)}" if gone else "")

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

    def asked_of(self, audience: str | None) -> list[QuestionRef]:
        """The questions a questionnaire for ``audience`` asks (every question for None), in
        reporting order; :class:`InstrumentError` names an unknown audience and the known ones."""
        if audience is not None and audience not in self.audience_ids:
            known = ", ".join(self.audience_ids)
            raise InstrumentError([f"--audience: unknown audience {audience!r} (known: {known})"])
        routed = set(self.routed(None if audience is None else [audience]))
        return [ref for ref in self.iter_questions() if ref.question.id in routed]

    def audience_name(self, audience: str) -> str:
        """An audience's name ("Finance") from its id."""
        return next(a.name for a in self.meta.audiences if a.id == audience)

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
        question_weights = dict(weights.questions)
        for old, weight in weights.questions.items():  # an earlier version's ids, mapped
            found = self.legacy(old)
            target = found[1].target(old) if found else None
            if target is not None and target not in weights.questions:
                question_weights[target] = weight
        excluded = set(profile.exclude_dimensions)
        pillars = []
        for pillar in self.pillars:
            dims = []
            for dim in pillar.dimensions:
                if dim.id in excluded:
                    continue
                questions = [
                    q.model_copy(update={"weight": question_weights.get(q.id, q.weight)})
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
        return Instrument(meta=meta, pillars=tuple(pillars), folder=self.folder,
                          mappings=self.mappings)  # fmt: skip

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
            "partial_fit_rule": self.meta.partial_fit_rule,
            "sources": [{"id": s.id, "title": s.title} for s in self.meta.sources],
            "audiences": [a.model_dump() for a in self.meta.audiences],
            "pillars": [
                {
                    "id": p.id,
                    "name": p.name,
                    "weight": p.weight,
                    "weight_rationale": p.weight_rationale,
                    "description": p.description,
                    "dimensions": [
                        {
                            "id": d.id,
                            "name": d.name,
                            "weight": d.weight,
                            "weight_rationale": d.weight_rationale,
                            "description": d.description,
                            "default_target": self.default_target(d.id),
                            "questions": [
                                {
                                    "id": q.id,
                                    "text": q.text,
                                    "descriptors": q.descriptor_list(),
                                    "weight": q.weight,
                                    "weight_rationale": q.weight_rationale,
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
                cited, _, where = q.source.partition(" - ")
                if cited not in source_ids or len(where.strip()) < 10:
                    problems.append(
                        f"{path}: dimensions[{dim.id}].questions[{q.id}].source: {q.source!r} names "
                        "no known source; write '<source id> - <where in it>' with one of the ids "
                        "listed under sources in instrument.yaml"
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
    try:
        mappings = load_mappings(folder)
    except InstrumentError as exc:
        problems.extend(exc.problems)
        mappings = []
    questions = {q.id for _, p in loaded for d in p.dimensions for q in d.questions}
    dimensions = {d.id for _, p in loaded for d in p.dimensions}
    for mapping in mappings if not problems else []:  # ids resolve once the pillars are sound
        name = str(folder / mapping.file)
        if mapping.to_version != meta.version:
            problems.append(f"{name}: to_version {mapping.to_version} is not {meta.version}")
        problems.extend(mapping.problems(questions, dimensions, name))
    if problems:
        raise InstrumentError(problems)
    ordered = sorted(loaded, key=lambda item: item[1].order)
    pillars = tuple(
        p.model_copy(update={"dimensions": sorted(p.dimensions, key=lambda d: d.order)})
        for _, p in ordered
    )
    return Instrument(meta=meta, pillars=pillars, folder=folder, mappings=tuple(mappings))
