"""Shared fixtures: the bundled instrument, the sample organisations, a hypothesis profile."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from pmo2vmo.instrument import Instrument, load_instrument
from pmo2vmo.profile import Profile, load_profile
from pmo2vmo.resources import samples_dir

# No deadlines: a noisy 2-core CI machine must not turn slow examples into failures.
settings.register_profile(
    "ci", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=30)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def instrument() -> Instrument:
    return load_instrument()


@pytest.fixture(scope="session")
def samples() -> dict[str, tuple[Path, Profile]]:
    """Sample organisations by slug: (responses file, client profile)."""
    out = {}
    folder = samples_dir()
    for profile in sorted(folder.glob("*.yaml")):
        data = next(p for p in folder.glob(f"{profile.stem}.*") if p.suffix in {".csv", ".xlsx"})
        out[profile.stem] = (data, load_profile(profile))
    return out
