"""Compute once: the data files are parsed once per process and again only when they change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pmo2vmo.errors import InstrumentError
from pmo2vmo.model.archetypes import load_transition
from pmo2vmo.model.instrument import load_instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.model.settings import load_settings
from pmo2vmo.resources import assessment_dir
from pmo2vmo.util import memo


def test_bundled_data_is_parsed_once() -> None:
    """Loading the instrument, transition data and settings twice gives the same objects."""
    instrument = load_instrument()
    assert load_instrument() is instrument
    assert load_transition(instrument) is load_transition(instrument)
    assert load_settings() is load_settings()


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    """Editing a data file (same path, even the same size) gives the new content."""
    path = tmp_path / "roadmap.yaml"
    shutil.copy(assessment_dir() / "roadmap.yaml", path)
    first = load_settings(path)
    text = path.read_text(encoding="utf-8")
    assert "min_gap: 0.1" in text
    path.write_text(text.replace("min_gap: 0.1", "min_gap: 0.2"), encoding="utf-8")
    second = load_settings(path)
    assert (first.min_gap, second.min_gap) == (0.1, 0.2)


def test_errors_are_reported_every_time(tmp_path: Path) -> None:
    """A broken file raises on every load; nothing wrong is remembered."""
    path = tmp_path / "roadmap.yaml"
    path.write_text("type: roadmap_settings\nversion: x\nphases: []\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InstrumentError):
            load_settings(path)


def test_tailoring_is_done_once_per_profile() -> None:
    """The same profile gives the same tailored instrument; another profile another one."""
    instrument = load_instrument()
    one = Profile(exclude_dimensions=["PF-VST"])
    assert instrument.tailored(one) is instrument.tailored(Profile(exclude_dimensions=["PF-VST"]))
    assert instrument.tailored(one) is not instrument.tailored(Profile())


def test_memo_keeps_a_bounded_number_of_results() -> None:
    """Only the last MAX_ENTRIES results are kept."""
    for i in range(memo.MAX_ENTRIES + 5):
        memo.memoised(("test", i), lambda i=i: i)
    assert len(memo._CACHE) == memo.MAX_ENTRIES
    assert memo.memoised(("test", memo.MAX_ENTRIES + 4), lambda: -1) == memo.MAX_ENTRIES + 4
