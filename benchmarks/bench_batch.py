"""Batch speed: 20 clients, three ways, same deliverables (HTML, notebook, workbook, deck).

Run from the repository root:

    python benchmarks/bench_batch.py [--clients 20] [--workers 2]

In one run, on copies of the bundled samples (each client with its own profile and logo):

(a) the naive serial loop: per client, the ``papermill`` CLI on the report notebook, then the
    ``jupyter nbconvert --to html`` CLI (stock template, code hidden);
(b) ``pmo2vmo batch`` with ``--workers`` worker processes, a fresh kernel per client — forked
    from a warm process (the default), and again with ``--kernels spawn``;
(c) the same reports built in-process with no kernel, one client after the other.

Each way runs in its own child process; "peak memory" is the largest resident set of any single
process of that way (``ru_maxrss`` of the waited-for descendants). Prints a/b and b/c, and the
yardstick: the time a bare interpreter takes to ``import pandas, plotly.graph_objects``
(median of three, measured in the same run), with (b)'s seconds per client as a multiple of it,
and where (c)'s time per client goes (plan = read, score, decide and plan; report = the view
model and its charts; then HTML, notebook, workbook and deck).
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pmo2vmo.model.job import Job
from pmo2vmo.resources import data_dir, samples_dir

SAMPLES = ("harbor-mutual", "lumen-digital", "northwind-utilities")
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
    "stderr=subprocess.DEVNULL)\n"
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def make_clients(folder: Path, count: int) -> list[Path]:
    """``count`` client files cycling through the samples, each with its profile and logo."""
    folder.mkdir(parents=True)
    files = []
    for i in range(count):
        sample = SAMPLES[i % len(SAMPLES)]
        source = next(p for p in samples_dir().glob(f"{sample}.*") if p.suffix in {".csv", ".xlsx"})
        target = folder / f"client-{i + 1:02d}{source.suffix}"
        shutil.copy(source, target)
        logo = samples_dir() / f"{sample}-logo.png"
        profile = (samples_dir() / f"{sample}.yaml").read_text(encoding="utf-8")
        (folder / f"client-{i + 1:02d}.yaml").write_text(
            profile.replace(f"logo: {logo.name}", f"logo: {logo}"), encoding="utf-8"
        )
        files.append(target)
    return files


def measured(command: list[str]) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of ``command`` and everything it starts."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True,
                         capture_output=True, text=True).stdout.split()  # fmt: skip
    return float(out[0]), int(out[1])


def naive(files: list[Path], out: Path) -> None:
    """(a) papermill CLI, then nbconvert CLI, per client."""
    notebook = data_dir("playbook") / "10-client-report.ipynb"
    out.mkdir(parents=True)
    for path in files:
        folder = out / path.stem
        folder.mkdir()
        job = {"responses": str(path), "profile": str(path.with_suffix(".yaml")),
               "previous": None, "organisation_index": 0, "output_dir": str(folder),
               "formats": ["xlsx", "pptx"], "nonce": secrets.token_hex(8),
               "generated": "2027-01-02"}  # fmt: skip
        (folder / "job.json").write_text(json.dumps(job), encoding="utf-8")
        executed = folder / "report.ipynb"
        subprocess.run([sys.executable, "-m", "papermill", str(notebook), str(executed),
                        "-p", "job", str(folder / "job.json"), "--cwd", str(folder)],
                       check=True, capture_output=True)  # fmt: skip
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
                        "--no-input", str(executed)], check=True, capture_output=True)  # fmt: skip


def in_process(files: list[Path], out: Path) -> None:
    """(c) the same deliverables built in this process, with no kernel."""
    import nbformat

    from pmo2vmo.analysis.plan import roadmap_files
    from pmo2vmo.render import html, report
    from pmo2vmo.render.deck import write_deck
    from pmo2vmo.render.report_workbook import write_report_workbook

    out.mkdir(parents=True)
    split = dict.fromkeys(("plan", "report", "html", "ipynb", "workbook", "deck"), 0.0)

    def timed(stage: str, started: float) -> float:
        now = time.perf_counter()
        split[stage] += now - started
        return now

    for path in files:
        folder = out / path.stem
        folder.mkdir()
        job = Job(responses=str(path), profile=str(path.with_suffix(".yaml")),
                  generated="2027-01-02")  # fmt: skip
        t = time.perf_counter()
        roadmap_files([path], profile=path.with_suffix(".yaml"))  # what prepare() does first
        t = timed("plan", t)
        built = report.prepare(job)
        nb = built.to_notebook()
        t = timed("report", t)
        (folder / "report.html").write_text(html.notebook_to_html(nb), encoding="utf-8")
        t = timed("html", t)
        (folder / "report.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
        t = timed("ipynb", t)
        write_report_workbook(built.plan, built.meta, folder / "scores.xlsx")
        t = timed("workbook", t)
        write_deck(built.plan, built.brand, built.meta, folder / "deck.pptx")
        timed("deck", t)
    # prepare() plans again: what is left of "report" after one more plan is the view model
    split["report"] = max(0.0, split["report"] - split["plan"])
    (out / "split.json").write_text(json.dumps(split), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=["naive", "in-process"], help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:  # a child process of this benchmark
        in_dir, out = Path(args.paths[0]), Path(args.paths[1])
        files = sorted(p for p in in_dir.iterdir() if p.suffix in {".csv", ".xlsx"})
        (naive if args.only == "naive" else in_process)(files, out)
        return
    me = [sys.executable, str(Path(__file__).resolve())]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_clients(folder / "in", args.clients)
        yardstick = sorted(
            measured([sys.executable, "-c", "import pandas, plotly.graph_objects"])[0]
            for _ in range(3)
        )[1]
        a = measured([*me, "--only", "naive", str(folder / "in"), str(folder / "a")])
        b = measured([sys.executable, "-m", "pmo2vmo.cli", "batch", str(folder / "in"), "--out",
                      str(folder / "b"), "--workers", str(args.workers)])  # fmt: skip
        b_spawn = measured([sys.executable, "-m", "pmo2vmo.cli", "batch", str(folder / "in"),
                            "--out", str(folder / "b-spawn"), "--workers", str(args.workers),
                            "--kernels", "spawn"])  # fmt: skip
        c = measured([*me, "--only", "in-process", str(folder / "in"), str(folder / "c")])
        split = json.loads((folder / "c" / "split.json").read_text(encoding="utf-8"))
        manifest = json.loads((folder / "b" / "manifest.json").read_text(encoding="utf-8"))
        statuses = {entry["status"] for entry in manifest["clients"]}
        sizes = {
            name: sum(p.stat().st_size for p in (folder / name).rglob("*.html"))
            for name in ("a", "b", "c")
        }
    print(f"{args.clients} clients, {args.workers} workers; deliverables html, ipynb, xlsx, pptx")
    rows = [("(a) naive serial: papermill CLI + nbconvert CLI", a),
            (f"(b) pmo2vmo batch --workers {args.workers} (forked kernels)", b),
            ("    same with --kernels spawn", b_spawn),
            ("(c) in-process, no kernel, serial", c)]  # fmt: skip
    for label, (seconds, rss) in rows:
        per = seconds / args.clients
        print(f"{label:<50} {seconds:7.1f} s  {per:5.2f} s/client  peak RSS {rss / 1024:6.0f} MB")
    print(
        f"a/b = {a[0] / b[0]:.1f}x   b/c = {b[0] / c[0]:.2f}x   batch statuses: {sorted(statuses)}"
    )
    per_b = b[0] / args.clients
    print(f"yardstick (import pandas, plotly.graph_objects): {yardstick:.2f} s; "
          f"(b) per client = {per_b / yardstick:.2f}x the yardstick")  # fmt: skip
    print("(c) per client: " + ", ".join(
        f"{stage} {seconds / args.clients * 1000:.0f} ms" for stage, seconds in split.items()
    ))  # fmt: skip
    print("HTML bytes per way:", {k: f"{v / 1e6:.1f} MB" for k, v in sizes.items()})
    print(f"(measured {time.strftime('%Y-%m-%d %H:%M')})")


if __name__ == "__main__":
    main()
