"""Plans from files: read, validate and score the responses, decide each organisation's path and plan its roadmap — what the API, the reports and the notebooks share."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pmo2vmo import __version__
from pmo2vmo.analysis.confidence import confidence_of
from pmo2vmo.analysis.design import design_problems
from pmo2vmo.analysis.investment import investment
from pmo2vmo.analysis.roadmap import Roadmap, plan
from pmo2vmo.analysis.scoring import OrganisationScores, ScoreReport, score
from pmo2vmo.analysis.transition import Decision, decide
from pmo2vmo.errors import InputProblem, InstrumentError, InvalidInputError, NotReadable
from pmo2vmo.ingest.moderation import load_moderation
from pmo2vmo.ingest.responses import ResponseSet, load_responses
from pmo2vmo.model.archetypes import MAX_FIXED_STEPS, TransitionFile, load_transition
from pmo2vmo.model.branding import brand_for
from pmo2vmo.model.catalogue import Catalogue, load_catalogue
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.model.moderation import Moderation
from pmo2vmo.model.profile import Profile, load_profile
from pmo2vmo.model.results import plain
from pmo2vmo.model.settings import RoadmapSettings, load_settings
from pmo2vmo.resources import assessment_dir
from pmo2vmo.util.safeio import read_bounded
from pmo2vmo.util.text import clip


def instrument_and_profile(
    profile: Path | str | None, instrument_dir: Path | str | None
) -> tuple[Instrument, Profile | None]:
    instrument = load_instrument(Path(instrument_dir) if instrument_dir else None)
    loaded = load_profile(profile) if profile else None
    if loaded is not None:
        instrument.tailored(loaded)  # raises InstrumentError naming unknown ids
        # The logo, checked whole here: a bad one is refused before any report kernel starts.
        brand_for(loaded, "", profile)
    return instrument, loaded


def describe_instrument(
    *, profile: Path | str | None = None, instrument_dir: Path | str | None = None
) -> Instrument:
    """The instrument, tailored by the profile when one is given."""
    instrument, loaded = instrument_and_profile(profile, instrument_dir)
    return instrument.tailored(loaded) if loaded else instrument


MAX_PREVIOUS_BYTES = 50 * 1024 * 1024


def load_previous(path: Path | str) -> dict[str, Any]:
    """An earlier ``score --json`` output, checked enough to compute deltas from it: a regular
    file, bounded, whose dimension scores are numbers on the scale (1–5) or null."""
    path = Path(path)
    name = path.name
    hint = "pass the output of `pmo2vmo score --json`"
    try:
        data = json.loads(read_bounded(path, MAX_PREVIOUS_BYTES).decode("utf-8-sig"))
    except NotReadable as exc:
        raise InvalidInputError([InputProblem(name, exc.reason, exc.hint)]) from None
    except RecursionError:
        raise InvalidInputError([InputProblem(name, "not JSON: nested too deeply", hint)]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError([InputProblem(name, f"not JSON: {exc}", hint)]) from None
    if not isinstance(data, dict) or not isinstance(data.get("organisations"), list):
        raise InvalidInputError(
            [InputProblem(name, "not a `pmo2vmo score --json` output (no organisations list)")]
        )
    problems = []
    for org in data["organisations"]:
        if not isinstance(org, dict) or not isinstance(org.get("dimensions", []), list):
            continue
        label = clip(str(org.get("organisation")), 80)
        for dim in org.get("dimensions", []):
            if not isinstance(dim, dict):
                continue
            value = dim.get("score")
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if value is None or (number and math.isfinite(value) and 1 <= value <= 5):
                continue
            problems.append(InputProblem(
                name, f"organisation {label}, dimension {clip(str(dim.get('id')), 40)}: score "
                f"{clip(repr(value), 40)} is not a score from 1 to 5 or null", hint,
                question=None,
            ))  # fmt: skip
    if problems:
        raise InvalidInputError(problems)
    return data


def previous_dimension_scores(
    previous: Path | str | None, organisation: str
) -> dict[str, float | None] | None:
    """Dimension scores of ``organisation`` in an earlier ``score --json`` (for the radar).

    ``None`` when no previous file is given or it does not hold this organisation.
    """
    if previous is None:
        return None
    data = load_previous(previous)
    for org in data["organisations"]:
        if isinstance(org, dict) and org.get("organisation") == organisation:
            return {
                str(d.get("id")): d.get("score")
                for d in org.get("dimensions", [])
                if isinstance(d, dict)
                and (isinstance(d.get("score"), int | float) or d.get("score") is None)
            }
    return None


def moderations_for(
    path: Path | str | None, responses: ResponseSet, instrument: Instrument
) -> dict[str, Moderation]:
    """The moderation in ``path`` by the organisation it moderates (``instrument`` tailored to
    the client): the one it names, else the only organisation of the responses."""
    if path is None:
        return {}
    moderation = load_moderation(path, instrument)
    orgs = list(dict.fromkeys(responses.respondents["organisation"]))
    named = moderation.organisation
    if named is not None and named not in orgs:
        held = ", ".join(clip(o, 80) for o in orgs)
        problem = f"organisation: {clip(named, 80)!r} is not in the responses (they hold {held})"
        raise InstrumentError([f"{path}: {problem}"])
    if named is None and len(orgs) != 1:
        problem = f"the responses hold {len(orgs)} organisations; name the one moderated"
        raise InstrumentError([f"{path}: {problem} with `organisation:`"])
    return {named or orgs[0]: moderation}


def score_files(
    paths: Sequence[Path | str],
    *,
    profile: Path | str | None = None,
    previous: Path | str | None = None,
    instrument_dir: Path | str | None = None,
    moderation: Path | str | None = None,
) -> ScoreReport:
    """Read, validate and score the files; raises :class:`InvalidInputError` on bad input.
    ``moderation``: an assessor's moderation file (YAML or a template's Moderation sheet)."""
    instrument, loaded = instrument_and_profile(profile, instrument_dir)
    prior = load_previous(previous) if previous else None
    responses = load_responses(paths, instrument, loaded)
    client = loaded or Profile()
    moderations = moderations_for(moderation, responses, instrument.tailored(client))
    report = score(responses, instrument, loaded, prior, moderations)
    # Targets as the roadmap and every report use them: the decided path's defaults included.
    folder = Path(instrument_dir) if instrument_dir else assessment_dir()
    transition = load_transition(instrument, _data_file(folder, "transition.yaml"))
    client = loaded or Profile()
    tailored = instrument.tailored(client)
    for org in report.organisations:
        apply_targets(org, decide(org, transition, tailored, client))
    return report


def apply_targets(org: OrganisationScores, decision: Decision) -> None:
    """Give each dimension of ``org`` the target the decision uses — the profile's, else the
    decided path's default, else the instrument's — with its source and the gap to it: one
    meaning of target and gap in ``score``, ``roadmap``, the workbooks and every report."""
    org.dimensions = [
        replace(
            dim,
            target=target,
            target_source=source,
            gap=None if dim.score is None else round(target - dim.score, 4),
        )
        for dim in org.dimensions
        for target, source in [decision.targets[dim.id]]
    ]


@dataclass
class OrganisationPlan:
    """Scores, transition decision and roadmap of one organisation."""

    scores: OrganisationScores
    decision: Decision
    roadmap: Roadmap

    def to_json(self) -> dict[str, Any]:
        keys = ("id", "score", "self_assessed", "moderated", "target", "target_source", "gap")
        dims = [{k: d.to_json()[k] for k in keys} for d in self.scores.dimensions]
        old = ("score", "target", "target_source", "gap")
        return {
            "organisation": self.scores.organisation,
            "respondents": self.scores.respondents,
            **self.decision.to_json(),
            # "targets" (with names) is kept for scripts written before "dimensions" existed.
            "targets": [
                {"id": d.id, "name": d.name, **{k: d.to_json()[k] for k in old}}
                for d in self.scores.dimensions
            ],
            "dimensions": dims,
            "moderation": plain(self.scores.moderation),
            **self.roadmap.to_json(),
        }


@dataclass
class RoadmapReport:
    """Roadmaps of every organisation in the input, with what they were built from."""

    scores: ScoreReport
    catalogue_version: str
    transition_version: str
    organisations: list[OrganisationPlan]
    instrument: Instrument  # tailored to the profile
    profile: Profile
    settings: RoadmapSettings

    def to_json(self) -> dict[str, Any]:

        return {
            "instrument": {
                "id": self.scores.instrument_id,
                "version": self.scores.instrument_version,
            },
            "catalogue_version": self.catalogue_version,
            "transition_version": self.transition_version,
            "pmo2vmo_version": __version__,
            "input_sha256": self.scores.input_sha256,
            "organisations": [o.to_json() for o in self.organisations],
        }


def preload(instrument_dir: Path | str | None = None) -> None:
    """Parse and validate the instrument, transition data, catalogue and roadmap settings now,
    so that later calls in this process (and in processes forked from it) find them parsed."""
    instrument = load_instrument(Path(instrument_dir) if instrument_dir else None)
    folder = Path(instrument_dir) if instrument_dir else assessment_dir()
    transition = load_transition(instrument, _data_file(folder, "transition.yaml"))
    load_catalogue(
        instrument, {a.id for a in transition.archetypes}, _data_file(folder, "initiatives.yaml")
    )
    load_settings(_data_file(folder, "roadmap.yaml"))


def roadmap_files(
    paths: Sequence[Path | str],
    *,
    profile: Path | str | None = None,
    start_date: dt.date | None = None,
    capacity_people: float | None = None,
    horizon_months: int | None = None,
    instrument_dir: Path | str | None = None,
    previous: Path | str | None = None,
    confidence: bool = True,
    moderation: Path | str | None = None,
) -> RoadmapReport:
    """Score the files, decide each organisation's transition path and plan its roadmap
    (``confidence``: and measure how sure each decision is — a validation can skip it).

    Capacity, start date and horizon come from the arguments, else the profile, else
    ``assessment/roadmap.yaml``. The catalogue, transition and roadmap settings are read from
    ``instrument_dir`` when it holds them, else from the bundled ``assessment/``. ``previous``
    (an earlier ``score --json``) adds deltas to the scores; ``moderation`` (an assessor's
    moderation file) adds the moderated levels, which drive unless the profile says otherwise.
    """
    instrument, loaded = instrument_and_profile(profile, instrument_dir)
    prior = load_previous(previous) if previous else None
    folder = Path(instrument_dir) if instrument_dir else assessment_dir()
    responses = load_responses(paths, instrument, loaded)
    client = loaded or Profile()
    moderations = moderations_for(moderation, responses, instrument.tailored(client))
    scores = score(responses, instrument, client, prior, moderations)
    transition = load_transition(instrument, _data_file(folder, "transition.yaml"))
    catalogue = load_catalogue(
        instrument, {a.id for a in transition.archetypes}, _data_file(folder, "initiatives.yaml")
    )
    settings = load_settings(_data_file(folder, "roadmap.yaml"))
    tailored = instrument.tailored(client)
    missing = [i for g in transition.gates for i in g.first if i not in catalogue.by_id]
    if missing:
        raise InstrumentError([f"transition.yaml: gates: unknown initiatives {missing}"])
    problems = fixed_plan_problems(transition, catalogue)
    problems += design_problems(transition, catalogue, settings)
    if problems:
        raise InstrumentError(problems)
    plans = []
    for org in scores.organisations:
        decision = decide(org, transition, tailored, client)
        if confidence:
            decision.confidence = confidence_of(
                org, responses, tailored, client, transition, decision
            )
        apply_targets(org, decision)
        roadmap = plan(
            org,
            decision,
            catalogue,
            tailored,
            settings,
            capacity_people=capacity_people
            or client.capacity_people
            or settings.defaults.capacity_people,
            horizon_months=horizon_months
            or client.horizon_months
            or settings.defaults.horizon_months,
            start_date=start_date or client.start_date or settings.defaults.start_date,
        )
        roadmap.investment = investment(
            roadmap.items, roadmap.phases, days_per_person_month=settings.days_per_person_month,
            day_rate=client.day_rate, currency=client.currency,
        )  # fmt: skip
        plans.append(OrganisationPlan(org, decision, roadmap))
    return RoadmapReport(
        scores, catalogue.version, transition.version, plans, tailored, client, settings
    )


def fixed_plan_problems(transition: TransitionFile, catalogue: Catalogue) -> list[str]:
    """What is wrong with a path's fixed plan (hold and reset): an unknown initiative, one not
    suited to the path, or more than six steps once their prerequisites come along."""
    problems = []
    for archetype in transition.archetypes:
        where = f"transition.yaml: archetypes[{archetype.id}].plan"
        needed: set[str] = set()
        stack = list(archetype.plan)
        while stack:
            ini_id = stack.pop()
            ini = catalogue.by_id.get(ini_id)
            if ini is None:
                problems.append(f"{where}: unknown initiative {ini_id!r}")
                continue
            if archetype.id not in ini.archetypes:
                problems.append(f"{where}: {ini_id} is not suited to {archetype.id}")
            needed.add(ini_id)
            stack.extend(p for p in ini.prerequisites if p not in needed)
        if len(needed) > MAX_FIXED_STEPS:
            problems.append(
                f"{where}: {len(needed)} steps with their prerequisites, at most {MAX_FIXED_STEPS}"
            )
    return problems


def _data_file(folder: Path, name: str) -> Path:
    """``folder/name`` if a tailored copy holds it, else the bundled file."""
    candidate = folder / name
    return candidate if candidate.is_file() else assessment_dir() / name
