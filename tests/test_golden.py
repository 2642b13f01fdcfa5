"""The JSON outputs of ``score`` and ``roadmap`` for the samples, pinned byte for byte."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))

import make_golden

CASES = make_golden.cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_output_matches_its_golden_file(name: str) -> None:
    """The command's JSON is byte-identical to the committed golden file (rewrite it with
    ``python tests/golden/make_golden.py`` only for an intended change)."""
    expected = (make_golden.HERE / name).read_text(encoding="utf-8")
    actual = make_golden.run(CASES[name])
    if actual != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(True), actual.splitlines(True), "golden", "now", n=2
                )
            )[:60]
        )
        pytest.fail(f"{name} differs from its golden file:\n{diff}")


def test_every_golden_file_has_a_case() -> None:
    """No stale golden file lingers without the command that makes it."""
    on_disk = {p.name for p in make_golden.HERE.glob("*.json")}
    assert on_disk == set(CASES)
