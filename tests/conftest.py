"""Shared fixtures: the bundled instrument, the sample organisations, a hypothesis profile, and
the OS Chromium driven by Playwright for the browser tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from pmo2vmo.model.archetypes import TransitionFile, load_transition
from pmo2vmo.model.catalogue import Catalogue, load_catalogue
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.model.profile import Profile, load_profile
from pmo2vmo.model.settings import RoadmapSettings, load_settings
from pmo2vmo.resources import samples_dir

# No deadlines: a noisy 2-core CI machine must not turn slow examples into failures.
hypothesis_settings.register_profile(
    "ci", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("dev", deadline=None, max_examples=30)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("PMO2VMO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless OS Chromium (Playwright's own download does not work here); missing, it fails
    under CI and skips elsewhere."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}: .ci/run must install it")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def instrument() -> Instrument:
    return load_instrument()


@pytest.fixture(scope="session")
def spec(instrument: Instrument) -> TransitionFile:
    """The bundled transition decision data."""
    return load_transition(instrument)


@pytest.fixture(scope="session")
def catalogue(instrument: Instrument, spec: TransitionFile) -> Catalogue:
    """The bundled initiative catalogue."""
    return load_catalogue(instrument, {a.id for a in spec.archetypes})


@pytest.fixture(scope="session")
def settings() -> RoadmapSettings:
    """The bundled roadmap settings."""
    return load_settings()


@pytest.fixture(scope="session")
def samples() -> dict[str, tuple[Path, Profile]]:
    """Sample organisations by slug: (responses file, client profile)."""
    out = {}
    folder = samples_dir()
    for profile in sorted(folder.glob("*.yaml")):
        data = next(p for p in folder.glob(f"{profile.stem}.*") if p.suffix in {".csv", ".xlsx"})
        out[profile.stem] = (data, load_profile(profile))
    return out


HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_COMMENTS = (
    '<script>alert("comment")</script> =HYPERLINK("http://evil.example","x")',
    "</script><img src=x onerror=alert(2)>\x07 @SUM(A1)",
)


@pytest.fixture
def hostile_sample(tmp_path: Path) -> tuple[Path, Path]:
    """Harbor Mutual's answers under a script-bearing client name, with script-bearing comments:
    (responses CSV, client profile)."""
    import pandas as pd
    import yaml

    folder = samples_dir()
    frame = pd.read_csv(folder / "harbor-mutual.csv", dtype=str, keep_default_na=False)
    comment_columns = [c for c in frame.columns if c.endswith("] Comment")]
    frame.loc[0, comment_columns[0]] = HOSTILE_COMMENTS[0]
    frame.loc[1, comment_columns[1]] = HOSTILE_COMMENTS[1]
    responses = tmp_path / "hostile.csv"
    frame.to_csv(responses, index=False)
    profile = yaml.safe_load((folder / "harbor-mutual.yaml").read_text(encoding="utf-8"))
    profile["client"] = HOSTILE_NAME
    profile.setdefault("branding", {})["name"] = HOSTILE_NAME
    profile["branding"]["logo"] = str(folder / profile["branding"]["logo"])  # absolute
    profile_path = tmp_path / "hostile.yaml"
    profile_path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return responses, profile_path


#: A comment that matches a theme (prioritisation), given by several people on a question of
#: its own dimension, so that it is quoted as evidence and counted in the themes: markup and
#: str.format fields must stay text wherever it is shown.
HOSTILE_THEME_COMMENT = '<b onmouseover="alert(3)">Every project is priority one</b> {0} {name!r}'


@pytest.fixture
def hostile_theme_sample(tmp_path: Path) -> tuple[Path, Path]:
    """Harbor Mutual's answers with HOSTILE_THEME_COMMENT given by six respondents on a
    prioritisation-by-value question: (responses CSV, client profile)."""
    import pandas as pd

    folder = samples_dir()
    frame = pd.read_csv(folder / "harbor-mutual.csv", dtype=str, keep_default_na=False)
    column = next(c for c in frame.columns if c.startswith("[PF-PRI-01] Comment"))
    frame.loc[:5, column] = HOSTILE_THEME_COMMENT
    responses = tmp_path / "hostile-theme.csv"
    frame.to_csv(responses, index=False)
    return responses, folder / "harbor-mutual.yaml"


LINK_UNIT = '<a href="https://evil.example/">Claims</a>'


@pytest.fixture
def linked_unit_sample(tmp_path: Path) -> tuple[Path, Path]:
    """Harbor Mutual's answers with half the respondents in a unit named as a link (and one
    role, so both units are shown): (responses CSV, client profile)."""
    import pandas as pd

    frame = pd.read_csv(samples_dir() / "harbor-mutual.csv", dtype=str)
    half = len(frame) // 2
    frame["Department"] = [LINK_UNIT] * half + ["Underwriting"] * (len(frame) - half)
    frame["Job title"] = "Executive"
    responses = tmp_path / "linked.csv"
    frame.to_csv(responses, index=False)
    return responses, samples_dir() / "harbor-mutual.yaml"
