"""Module 6's calls into the product: a sample organisation scored and planned under a profile
and a capacity — the same functions `pmo2vmo roadmap` uses, so what a trainee sees is what a
client would get."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import yaml

from pmo2vmo.analysis.plan import OrganisationPlan, roadmap_files
from pmo2vmo.resources import samples_dir

__all__ = [
    "AMBITIOUS_TARGETS",
    "SAMPLE",
    "ambitious_profile",
    "path_of",
    "plan",
    "sample_data",
    "samples_dir",
]

SAMPLE = "northwind-utilities"
#: The "ambitious" profile of module 6: the sample's own, with value targets raised to 4.5.
AMBITIOUS_TARGETS = {"MR-BEN": 4.5, "MR-KPI": 4.5, "PF-PRI": 4.5, "VC-OBJ": 4.5}


def sample_data(stem: str = SAMPLE) -> Path:
    """The sample organisation's responses file."""
    return next(p for p in sorted(samples_dir().glob(f"{stem}.*")) if p.suffix in (".csv", ".xlsx"))


@cache
def ambitious_profile(stem: str = SAMPLE) -> Path:
    """The sample's profile with :data:`AMBITIOUS_TARGETS`, written to a temporary file."""
    data = yaml.safe_load((samples_dir() / f"{stem}.yaml").read_text(encoding="utf-8"))
    data["targets"] = {**(data.get("targets") or {}), **AMBITIOUS_TARGETS}
    logo = (data.get("branding") or {}).get("logo")
    if logo:
        data["branding"]["logo"] = str(samples_dir() / logo)
    path = Path(tempfile.mkdtemp(prefix="pmo2vmo-training-")) / f"{stem}-ambitious.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@cache
def plan(stem: str = SAMPLE, *, ambitious: bool = False,
         capacity: float | None = None) -> OrganisationPlan:  # fmt: skip
    """The sample scored, decided and planned (under the ambitious profile, or a capacity)."""
    profile = ambitious_profile(stem) if ambitious else samples_dir() / f"{stem}.yaml"
    report = roadmap_files([sample_data(stem)], profile=profile, capacity_people=capacity,
                           confidence=False)  # fmt: skip
    return report.organisations[0]


def path_of(organisation: OrganisationPlan) -> str:
    """The id of the recommended path ("insufficient-evidence" when there is none)."""
    archetype = organisation.decision.archetype
    return archetype.id if archetype is not None else "insufficient-evidence"
