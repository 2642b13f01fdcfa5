"""Where one in-process client's time goes: cProfile of one report, deck and workbook.

Run from the repository root:

    python benchmarks/profile_client.py [--top 10]

Builds the same four deliverables ``pmo2vmo batch`` writes (HTML, notebook, workbook, deck) for the
bundled Harbor Mutual sample once to warm up, then profiles Lumen Digital's and prints the largest
cumulative costs (the README's table) and the largest own-time costs. The warm-up's heap is
frozen out of the garbage collector's sight first, as in a batch's kernels.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import tempfile
from pathlib import Path

import nbformat

from pmo2vmo.model.job import Job
from pmo2vmo.render import html, report
from pmo2vmo.render.deck import write_deck
from pmo2vmo.render.report_workbook import write_report_workbook
from pmo2vmo.resources import samples_dir


def one(slug: str, out: Path) -> None:
    """Every deliverable of one sample, written into ``out``."""
    src = next(p for p in samples_dir().glob(f"{slug}.*") if p.suffix in {".csv", ".xlsx"})
    job = Job(responses=str(src), profile=str(src.with_suffix(".yaml")), generated="2027-01-02")
    built = report.prepare(job)
    nb = built.to_notebook()
    (out / "report.html").write_text(html.notebook_to_html(nb), encoding="utf-8")
    (out / "report.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    write_report_workbook(built.plan, built.meta, out / "scores.xlsx")
    write_deck(built.plan, built.brand, built.meta, out / "deck.pptx")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        one("harbor-mutual", out)  # warm-up: imports, parsed data files, plotly validators
        # As a batch's warm process does before forking kernels (forkkernel.freeze_heap): else a
        # full collection walking every warm object lands inside one call and misleads.
        gc.collect()
        gc.freeze()
        profiler = cProfile.Profile()
        profiler.enable()
        one("lumen-digital", out)
        profiler.disable()
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(args.top + 6)
        print(text.getvalue())


if __name__ == "__main__":
    main()
