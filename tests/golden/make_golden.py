"""Write the golden JSON outputs the suite compares against (``tests/test_golden.py``).

Run it only when a change to the JSON is intended, and say so in the commit message:

    python tests/golden/make_golden.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from click.testing import CliRunner

from pmo2vmo import __version__
from pmo2vmo.cli import main
from pmo2vmo.resources import samples_dir

HERE = Path(__file__).resolve().parent
SAMPLES = ("harbor-mutual", "lumen-digital", "northwind-utilities")


def _data(slug: str) -> Path:
    """The sample's responses file (CSV or workbook)."""
    folder = samples_dir()
    return next(p for p in sorted(folder.glob(f"{slug}.*")) if p.suffix in {".csv", ".xlsx"})


def cases() -> dict[str, list[str]]:
    """Golden file name -> CLI arguments (paths relative to the samples folder are absolute)."""
    folder = samples_dir()
    out: dict[str, list[str]] = {}
    for slug in SAMPLES:
        profile = str(folder / f"{slug}.yaml")
        out[f"score-{slug}.json"] = ["score", "--json", "--profile", profile, str(_data(slug))]
        out[f"roadmap-{slug}.json"] = ["roadmap", "--json", "--profile", profile, str(_data(slug))]
    out["score-harbor-mutual-no-profile.json"] = ["score", "--json", str(_data("harbor-mutual"))]
    out["roadmap-lumen-digital-no-profile.json"] = [
        "roadmap",
        "--json",
        str(_data("lumen-digital")),
    ]
    return out


def normalised(text: str) -> str:
    """The output with what changes by release (the version) replaced by a marker."""
    data = json.loads(text)
    if isinstance(data, dict) and "pmo2vmo_version" in data:
        assert data["pmo2vmo_version"] == __version__
        data["pmo2vmo_version"] = "<version>"
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def run(args: list[str]) -> str:
    """The normalised standard output of ``pmo2vmo ARGS`` (which must exit 0)."""
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"pmo2vmo {' '.join(args)} exited {result.exit_code}: {result.output}")
    return normalised(result.stdout)


#: The report sections whose text is pinned for each sample (reviewed by reading them).
NARRATIVE_SECTIONS = ("executive-summary", "findings")


def narrative(slug: str) -> str:
    """A sample's executive summary and findings as the report's plain text (its date fixed)."""
    from pmo2vmo.model.job import Job
    from pmo2vmo.render.report import prepare

    data = _data(slug)
    rep = prepare(Job(responses=str(data), profile=str(data.with_name(f"{slug}.yaml")),
                      generated="2027-01-04"))  # fmt: skip
    parts = []
    for section in NARRATIVE_SECTIONS:
        parts += [b["text/plain"] for b in rep.section(section).bundles()]
    return "\n\n".join(parts) + "\n"


def main_() -> int:
    """Rewrite every golden file."""
    for name, args in cases().items():
        (HERE / name).write_text(run(args), encoding="utf-8")
        print(f"wrote {name}")
    for slug in SAMPLES:
        (HERE / f"narrative-{slug}.txt").write_text(narrative(slug), encoding="utf-8")
        print(f"wrote narrative-{slug}.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
