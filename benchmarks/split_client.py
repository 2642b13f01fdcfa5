"""Where a batch client's CPU goes: its kernel, its worker, and the kernel protocol itself.

Run from the repository root:

    python benchmarks/split_client.py [--clients 8]

In one process acting as a batch worker (one warm process, one kernel ahead, no other work on
the machine), on copies of the bundled samples with their profiles:

1. each client's report notebook is run as a batch runs it; the kernel's CPU time (user and
   system) and page faults are read from ``/proc/PID/stat`` before the kernel is stopped, the
   worker's own CPU time from ``time.process_time`` (running the notebook, then delivering the
   HTML and the notebook); the first two clients warm up and are not counted;
2. a notebook of 40 trivial cells (``x += 1``), then 40 cells that each display one small
   output, is run three times on fresh kernels: the protocol's cost per cell and per display,
   on each side.

Linux only (``/proc``). Prints seconds per client, or milliseconds per cell or display.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_batch import make_clients
from pmo2vmo.execute.run import (
    deliver,
    execute_report,
    make_job,
    skip_slow_optional_imports,
)

FORMATS = ("html", "ipynb", "xlsx", "pptx")


def _stat(pid: int) -> tuple[float, float, int]:
    """User and system CPU seconds and minor page faults of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick, int(fields[7])


def clients(pool: Any, files: list[Path], out: Path) -> None:
    """Part 1: the kernel's and the worker's CPU per client."""
    from pmo2vmo.execute.pools import shutdown
    from pmo2vmo.model.job import NAMES, SCORES

    totals = dict.fromkeys(("start", "user", "system", "faults", "run", "deliver"), 0.0)
    counted = 0
    for i, path in enumerate(files):
        km = pool.take()
        pool.prepare()  # the next client's kernel, as a worker does
        started = _stat(km.kernel_pid)
        staging = out / f"client-{i}"
        staging.mkdir()
        job = make_job(path, staging, FORMATS, "2027-01-02", profile=path.with_suffix(".yaml"),
                       one_organisation=True)  # fmt: skip
        w0 = time.process_time()
        nb, seconds = execute_report(job, staging, timeout=600, km=km)
        ran = _stat(km.kernel_pid)
        w1 = time.process_time()
        targets = {f: staging / f"out-{NAMES[f]}" for f in FORMATS}
        deliver(nb, staging, targets | {"scores": staging / f"out-{SCORES}"}, seconds)
        w2 = time.process_time()
        shutdown(km)
        if i < 2:
            continue  # warm-up
        counted += 1
        totals["start"] += started[0] + started[1]
        totals["user"] += ran[0] - started[0]
        totals["system"] += ran[1] - started[1]
        totals["faults"] += ran[2]
        totals["run"] += w1 - w0
        totals["deliver"] += w2 - w1
    per = {k: v / counted for k, v in totals.items()}
    kernel = per["start"] + per["user"] + per["system"]
    print(f"{counted} clients, CPU seconds per client:")
    print(f"  kernel {kernel:.3f} (start {per['start']:.3f}; running: user {per['user']:.3f}, "
          f"system {per['system']:.3f}; {per['faults']:,.0f} page faults)")  # fmt: skip
    print(f"  worker {per['run'] + per['deliver']:.3f} (running the notebook "
          f"{per['run']:.3f}, delivering HTML and notebook {per['deliver']:.3f})")  # fmt: skip


def protocol(pool: Any, folder: Path) -> None:
    """Part 2: the kernel protocol's cost per cell and per display."""
    import nbformat
    import papermill

    from pmo2vmo.execute.pools import shutdown

    sources = {
        "cell": "x += 1",
        "display": "display({'text/plain': 'x'}, raw=True)",
    }
    measured: dict[str, tuple[float, float]] = {}
    for kind, source in sources.items():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("x = 1; from IPython.display import display")]
        nb.cells += [nbformat.v4.new_code_cell(source) for _ in range(40)]
        nb.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                     "display_name": "Python 3"}  # fmt: skip
        path = folder / f"{kind}.ipynb"
        nbformat.write(nb, str(path))
        runs = []
        for _ in range(3):
            km = pool.take()
            pool.prepare()
            k0, w0 = sum(_stat(km.kernel_pid)[:2]), time.process_time()
            papermill.execute_notebook(str(path), None, km=km, progress_bar=False,
                                       kernel_name="python3")  # fmt: skip
            runs.append((sum(_stat(km.kernel_pid)[:2]) - k0, time.process_time() - w0))
            shutdown(km)
        best = min(runs)  # the least disturbed run
        measured[kind] = (best[0] / 40 * 1000, best[1] / 40 * 1000)
    cell, display = measured["cell"], measured["display"]
    print("protocol, milliseconds of CPU (least of three runs of 40):")
    print(f"  per cell: kernel {cell[0]:.1f}, worker {cell[1]:.1f}")
    print(f"  per display, on top: kernel {display[0] - cell[0]:.1f}, "
          f"worker {display[1] - cell[1]:.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        raise SystemExit("Linux only: reads /proc")
    skip_slow_optional_imports()
    from pmo2vmo.execute.forkkernel import Zygote
    from pmo2vmo.execute.pools import ForkPool
    from pmo2vmo.execute.worker import warm_up

    folder = Path(tempfile.mkdtemp(prefix="pmo2vmo-split-"))
    files = make_clients(folder / "in", max(args.clients, 3))
    pool = ForkPool(Zygote())
    warm_up()
    pool.prepare()
    try:
        out = folder / "out"
        out.mkdir()
        clients(pool, files, out)
        protocol(pool, folder)
    finally:
        pool.close()
    print(f"(measured {time.strftime('%Y-%m-%d %H:%M')})")


if __name__ == "__main__":
    main()
