"""A client profile: how one engagement tailors the instrument and the outputs.

A profile is a small YAML file (``--profile client.yaml``)::

    client: Northwind Utilities          # shown in reports; also the organisation for files naming none
    industry: Energy and utilities
    exclude_dimensions: [PF-VST]         # dimensions not assessed for this client
    weights: {dimensions: {PB-SPO: 2.0}} # re-weight pillars, dimensions or questions
    level_names: {1: Ad hoc}             # rename levels (answers may use either name)
    targets: {VC-OBJ: 4.0}               # target level per dimension (beats the instrument default)
    min_group_size: 5                    # smallest group shown in any breakout (floor 3)
    role_bands: {Leadership: [CEO, CFO]} # group roles so small groups can be compared
    audiences: {Leadership: [executive]} # who a role or role band is asked about (routing)
    incomplete: keep                     # survey responses not finished: keep (flagged) or drop
    capacity_people: 3                   # people available per month for the roadmap
    start_date: 2027-01-04
    horizon_months: 18
    branding: {name: Northwind, primary_colour: "#0b5394"}

Every key is optional. Unknown keys are errors, so a misspelt key is never silently ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from pmo2vmo.model.base import PlainText, StrictModel, parse_model
from pmo2vmo.model.vocabulary import DONT_KNOW, NOT_APPLICABLE, normalise
from pmo2vmo.util.text import CONTROL
from pmo2vmo.util.yamlio import read_yaml

MAX_PROFILE_BYTES = 256 * 1024  # a profile is a few hundred bytes; anything near this is not one
MIN_GROUP_FLOOR = 3
DEFAULT_MIN_GROUP = 5
Weight = Annotated[float, Field(gt=0, le=100)]


class Weights(StrictModel):
    """Client re-weighting, by id."""

    pillars: dict[str, Weight] = {}
    dimensions: dict[str, Weight] = {}
    questions: dict[str, Weight] = {}


class Branding(StrictModel):
    """How reports look for this client. Colours are ``#rrggbb`` only."""

    name: Annotated[PlainText, Field(max_length=120)] | None = None
    logo: PlainText | None = None
    primary_colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#1f4e79"
    accent_colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#c55a11"


class Profile(StrictModel):
    """A client's tailoring of the instrument and the outputs (all keys optional)."""

    client: Annotated[str, Field(max_length=200)] | None = None
    organisation: Annotated[str, Field(max_length=200)] | None = None
    industry: Annotated[str, Field(max_length=200)] | None = None
    exclude_dimensions: list[str] = []
    weights: Weights = Weights()
    level_names: dict[int, Annotated[str, Field(min_length=1, max_length=40)]] = {}
    targets: dict[str, Annotated[float, Field(ge=1, le=5)]] = {}
    min_group_size: Annotated[int, Field(ge=1, le=50)] = DEFAULT_MIN_GROUP
    identifiable_workshop: bool = False
    incomplete: Literal["keep", "drop"] = "keep"
    role_bands: dict[str, list[str]] = {}
    # How respondents count in every figure: one each, or every role band the same in total.
    # Unset: equal_per_band when role_bands are given, else per_respondent (see the README).
    respondent_weighting: Literal["equal_per_band", "per_respondent"] | None = None
    # What drives gaps, decision and roadmap when an assessor's moderation is given: the
    # moderated levels (default) or the respondents' self-assessed scores.
    drive: Literal["moderated", "self_assessed"] = "moderated"
    # Role or role band -> the audiences whose questions its respondents are asked.
    audiences: dict[
        Annotated[str, Field(min_length=1, max_length=200)],
        Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(min_length=1)],
    ] = {}
    capacity_people: Annotated[float, Field(gt=0, le=1000)] | None = None
    start_date: dt.date | None = None
    horizon_months: Annotated[int, Field(ge=1, le=120)] | None = None
    # What a consultant day of transition work costs, in an ISO 4217 currency: with both, the
    # report prices the plan's person-months (roadmap.yaml's days_per_person_month a month).
    day_rate: Annotated[float, Field(gt=0, le=100_000)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    branding: Branding = Branding()

    @field_validator("level_names")
    @classmethod
    def _levels_1_to_5(cls, value: dict[int, str]) -> dict[int, str]:
        bad = [k for k in value if k not in (1, 2, 3, 4, 5)]
        if bad:
            raise ValueError(f"level_names keys must be levels 1 to 5 (found {bad})")
        seen: dict[str, int] = {}
        for level, name in sorted(value.items()):
            key = normalise(name)
            if key in seen:
                raise ValueError(f"levels {seen[key]} and {level} have the same name {name!r}")
            seen[key] = level
            if _NUMBER_NAME.match(key):
                raise ValueError(
                    f"level {level} is named {name!r}, a number: answers could not tell it from "
                    "a level number"
                )
            if key in NOT_APPLICABLE or key in DONT_KNOW:
                raise ValueError(f"level {level} is named {name!r}, which answers use for N/A or "
                                 "Don't know")  # fmt: skip
        return value

    @field_validator("client", "organisation", "industry", "level_names", "role_bands", "audiences")
    @classmethod
    def _no_control_characters(cls, value: object) -> object:
        texts = _texts(value)
        if any(CONTROL.search(t) for t in texts):
            raise ValueError("holds control characters (tabs, line breaks or terminal codes)")
        return value

    @model_validator(mode="after")
    def _group_floor(self) -> Profile:
        if self.min_group_size < MIN_GROUP_FLOOR and not self.identifiable_workshop:
            raise ValueError(
                f"min_group_size {self.min_group_size} is below the floor of {MIN_GROUP_FLOOR}; "
                "set identifiable_workshop: true only if every participant agreed to be identifiable"
            )
        if (self.day_rate is None) != (self.currency is None):
            given, missing = (
                ("day_rate", "currency") if self.currency is None else ("currency", "day_rate")
            )
            raise ValueError(f"{given} is set but {missing} is not: the plan is priced with both")
        seen: dict[str, str] = {}
        for band, roles in self.role_bands.items():
            for role in roles:
                key = role.strip().casefold()
                if key in seen and seen[key] != band:
                    raise ValueError(f"role {role!r} is in two role bands: {seen[key]} and {band}")
                seen[key] = band
        return self

    @property
    def organisation_name(self) -> str | None:
        """The organisation to use for files that name none."""
        return self.organisation or self.client

    @property
    def weighting(self) -> Literal["equal_per_band", "per_respondent"]:
        """The respondent weighting in force: as set, else equal per band when the profile
        names role bands (the consultant said which groups matter), else one per respondent."""
        if self.respondent_weighting is not None:
            return self.respondent_weighting
        return "equal_per_band" if self.role_bands else "per_respondent"

    def band_of(self, role: str | None) -> str | None:
        """The role band a role belongs to (the role itself when no band lists it)."""
        if role is None:
            return None
        key = role.strip().casefold()
        for band, roles in self.role_bands.items():
            if key in {r.strip().casefold() for r in roles}:
                return band
        return role


_NUMBER_NAME = re.compile(r"^(?:level\s*|l)?[+-]?\d+(?:[.,]\d*)?$")


def _texts(value: object) -> list[str]:
    """Every string in a value and its keys (lists and dicts, one level deep or more)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _texts(k) + _texts(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    return []


def load_profile(path: Path | str) -> Profile:
    """Read and validate a client profile, raising :class:`InstrumentError` listing every problem."""
    path = Path(path)
    data = read_yaml(path, MAX_PROFILE_BYTES)
    if data is None:
        data = {}
    return parse_model(Profile, path, data)
