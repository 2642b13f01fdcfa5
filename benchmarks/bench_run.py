"""Where the time of `pmo2vmo run` goes for one client, and how big the deliverables are.

Run from the repository root:

    python benchmarks/bench_run.py [--repeat 3]

Measured in one run, medians of ``--repeat`` rounds, on the bundled sample Harbor Mutual:

- ``cli``: the whole ``pmo2vmo run`` command in a fresh interpreter (what a consultant waits for);
- ``kernel``: starting a Python kernel until it answers, then shutting it down;
- ``notebook``: papermill executing the report notebook (kernel start included), in-process;
- ``html``: converting the executed notebook to the offline HTML report, in-process;
- ``xlsx`` and ``pptx``: writing the workbook and the deck from the report data;
- ``baseline``: the same report (HTML, workbook, deck) built in-process with no kernel at all.

Ratios are against the in-process baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pmo2vmo.execute import run
from pmo2vmo.model.job import Job
from pmo2vmo.render import html, report
from pmo2vmo.render.deck import write_deck
from pmo2vmo.render.report_workbook import write_report_workbook
from pmo2vmo.resources import samples_dir

RESPONSES = samples_dir() / "harbor-mutual.csv"
PROFILE = samples_dir() / "harbor-mutual.yaml"


def timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def kernel_round_trip() -> None:
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    client.stop_channels()
    manager.shutdown_kernel(now=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1798848000")
    times: dict[str, list[float]] = {k: [] for k in
        ("cli", "kernel", "notebook", "html", "xlsx", "pptx", "baseline")}  # fmt: skip
    sizes: dict[str, int] = {}
    job = Job(responses=str(RESPONSES), profile=str(PROFILE), generated="2027-01-02")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for round_ in range(args.repeat):
            out = folder / f"cli-{round_}"
            times["cli"].append(timed(lambda out=out: subprocess.run(  # type: ignore[misc]
                [sys.executable, "-m", "pmo2vmo.cli", "run", str(RESPONSES), "--profile",
                 str(PROFILE), "--out", str(out)], check=True, capture_output=True)))  # fmt: skip
            times["kernel"].append(timed(kernel_round_trip))
            staging = folder / f"staging-{round_}"
            staging.mkdir()
            spec = {**job.__dict__, "output_dir": str(staging), "formats": ["xlsx", "pptx"],
                    "nonce": "bench", "organisation_index": 0}  # fmt: skip
            started = time.perf_counter()
            nb, _ = run.execute_report(spec, staging)
            times["notebook"].append(time.perf_counter() - started)
            times["html"].append(timed(lambda nb=nb: html.notebook_to_html(nb)))  # type: ignore[misc]
            rep = report.prepare(job)
            times["xlsx"].append(timed(lambda rep=rep: write_report_workbook(  # type: ignore[misc]
                rep.plan, rep.meta, folder / "w.xlsx")))  # fmt: skip
            times["pptx"].append(timed(lambda rep=rep: write_deck(  # type: ignore[misc]
                rep.plan, rep.brand, rep.meta, folder / "d.pptx")))  # fmt: skip

            def baseline() -> None:
                built = report.prepare(job)
                (folder / "b.html").write_text(html.notebook_to_html(built.to_notebook()))
                write_report_workbook(built.plan, built.meta, folder / "b.xlsx")
                write_deck(built.plan, built.brand, built.meta, folder / "b.pptx")

            times["baseline"].append(timed(baseline))
        for path in sorted((folder / "cli-0").iterdir()):
            sizes[path.suffix.lstrip(".")] = path.stat().st_size
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"pmo2vmo run, one client (Harbor Mutual, 26 respondents), median of {args.repeat}")
    labels = {
        "cli": "pmo2vmo run (whole command)",
        "kernel": "  kernel start + shutdown",
        "notebook": "  notebook execution (papermill, kernel included)",
        "html": "  HTML rendering (in-process)",
        "xlsx": "  workbook (in-process)",
        "pptx": "  deck (in-process)",
        "baseline": "same deliverables in-process, no kernel",
    }
    for key, label in labels.items():
        ratio = median[key] / median["baseline"]
        print(f"{label:<52} {median[key]:6.2f} s   {ratio:5.1f}× baseline")
    print("deliverable sizes:", ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
