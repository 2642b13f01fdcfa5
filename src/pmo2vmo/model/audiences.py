"""Who can observe a practice: the audiences questions are routed to, and roles mapped to them.

The instrument registers its audiences (``audiences:`` in ``instrument.yaml``: executive, PMO,
delivery, finance, business) and a default table from common role words to audiences
(``role_audiences:``); each question names the audiences that can see the practice it asks about.
A respondent is asked the questions of their audiences: the profile's mapping of their raw role,
else of their role band, else the default table; a role nobody maps sees every question.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Annotated

from pydantic import Field

from pmo2vmo.model.base import StrictModel

AUDIENCE_ID = r"^[a-z][a-z0-9_]*$"
_WORD = re.compile(r"[a-z0-9]+")


class Audience(StrictModel):
    """A group of people who can observe a set of practices."""

    id: Annotated[str, Field(pattern=AUDIENCE_ID)]
    name: Annotated[str, Field(min_length=3)]
    description: Annotated[str, Field(min_length=10)]


class RoleAudience(StrictModel):
    """A default rule: a role holding any of ``words`` (whole words, any case) belongs to
    ``audiences``. The first rule that matches decides."""

    words: Annotated[list[Annotated[str, Field(min_length=2)]], Field(min_length=1)]
    audiences: Annotated[list[Annotated[str, Field(pattern=AUDIENCE_ID)]], Field(min_length=1)]


def _words(text: str) -> list[str]:
    """``text`` as lower-case words ("Chief Financial Officer" → chief, financial, officer)."""
    return _WORD.findall(text.casefold())


def default_audiences(role: str, rules: Iterable[RoleAudience]) -> tuple[str, ...] | None:
    """The audiences the default table gives ``role`` (the first rule whose words, one or
    several in a row, appear in it), or None when no rule matches."""
    words = _words(role)
    for rule in rules:
        for phrase in rule.words:
            wanted = _words(phrase)
            n = len(wanted)
            if any(words[i : i + n] == wanted for i in range(len(words) - n + 1)):
                return tuple(rule.audiences)
    return None


def audiences_of(
    role: str | None,
    band: str | None,
    mapping: Mapping[str, Collection[str]],
    rules: Iterable[RoleAudience],
) -> frozenset[str] | None:
    """A respondent's audiences: the profile's ``mapping`` of their raw role, else of their role
    band, else the default ``rules``; None (every question) for a role nobody maps, or none."""
    if role is None or not role.strip():
        return None
    folded = {k.strip().casefold(): v for k, v in mapping.items()}
    for key in (role, band):
        if key is not None and key.strip().casefold() in folded:
            return frozenset(folded[key.strip().casefold()])
    found = default_audiences(role, rules)
    return None if found is None else frozenset(found)
