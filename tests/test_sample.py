"""The bundled sample organisations: reproducible from their generator, clearly different."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from pmo2vmo.analysis.scoring import score
from pmo2vmo.ingest.responses import load_responses
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.resources import samples_dir
from pmo2vmo.sample import write_samples


def _cells(path: Path) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    return [list(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]


def test_generator_reproduces_the_committed_samples(instrument: Instrument, tmp_path: Path) -> None:
    """Regenerating the samples gives the committed files (CSV and YAML byte for byte)."""
    written = write_samples(tmp_path, instrument)
    assert {p.name for p in written} == {
        p.name for p in samples_dir().iterdir() if p.suffix in {".csv", ".xlsx", ".yaml", ".png"}
    }
    for path in written:
        committed = samples_dir() / path.name
        if path.suffix == ".xlsx":
            assert _cells(path) == _cells(committed), path.name
        else:
            assert path.read_bytes() == committed.read_bytes(), path.name


def test_three_clearly_different_organisations(
    instrument: Instrument, samples: dict[str, tuple[Path, Profile]]
) -> None:
    """Weak PMO; solid PMO with weak value culture and metrics; close to a VMO."""
    pillars = {}
    for slug, (data, profile) in samples.items():
        org = score(load_responses([data], instrument, profile), instrument, profile)
        only = org.organisations[0]
        assert 8 <= only.respondents <= 40
        pillars[slug] = {p.id: p.score for p in only.pillars}
    weak, solid, near = (pillars[s] for s in ("northwind-utilities", "harbor-mutual",
                                               "lumen-digital"))  # fmt: skip
    assert max(weak.values()) < 2.5
    assert solid["PB"] > 3.5
    assert max(solid["VC"], solid["MR"]) < 2.6
    assert min(near.values()) > 3.3


def test_samples_carry_realistic_non_answers(
    instrument: Instrument, samples: dict[str, tuple[Path, Profile]]
) -> None:
    """Every sample has N/A, Don't know, comments and respondents across several roles."""
    for data, profile in samples.values():
        rs = load_responses([data], instrument, profile)
        kinds = set(rs.answers["kind"])
        assert {"score", "na", "dk"} <= kinds
        assert len(score(rs, instrument, profile).organisations[0].comments) >= 5
        assert rs.respondents["role"].nunique() >= 5
        assert profile.start_date is not None
