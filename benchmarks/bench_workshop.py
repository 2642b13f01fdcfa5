"""Workshop speed: answer to disk, page ready, facilitator refresh — each against a floor measured
in the same run.

Run from the repository root (Chromium from the OS packages, nothing else running):

    python benchmarks/bench_workshop.py [--answers 200] [--loads 5] [--people 40] [--per 80]

1. **Answer → line on disk**, in the browser: ``pmo2vmo workshop`` on a free port with one
   invitee; the participant clicks ``--answers`` choices (cycling through their questions and
   levels); each time is from just before the click to the moment the new line is in the journal
   file (polled every millisecond). Median and p95. Floor: the same line appended by this
   process with one ``os.write`` and ``fsync`` in the same folder.
2. **Page ready**: from navigation to the questionnaire drawn, over ``--loads`` fresh browser
   contexts. Floor: the same Voilà, template and flags on a notebook that displays one label.
3. **Facilitator refresh** with ``--people`` participants × ``--per`` answers journalled in a
   folder: :meth:`RoomView.refresh` forced to re-read (median of 5). Floor: reading and scoring
   the same answers from one tidy CSV file.

Aims (issue 17): p95 answer → disk < 300 ms, page ready < 8 s, refresh < 1 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

from pmo2vmo.analysis.scoring import score
from pmo2vmo.ingest.responses import load_responses
from pmo2vmo.model.instrument import load_instrument
from pmo2vmo.workshop.journal import SessionJournal
from pmo2vmo.workshop.room import RoomView
from pmo2vmo.workshop.server import participant_notebook, template_root

CHROMIUM = os.environ.get("PMO2VMO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_port(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _lines(folder: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in folder.glob("*.jsonl"))


def _floor_write(folder: Path, n: int) -> list[float]:
    """One line appended and synced, as the journal does, ``n`` times."""
    path = folder.parent / "floor.jsonl"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    line = (b'{"v":1,"seq":1,"ts":"2026-12-01T10:42:07.000Z","organisation":"Acme","respondent":'
            b'"alice","role":"PMO lead","unit":null,"question":"PB-GOV-01","answer":3,'
            b'"comment":null}\n')  # fmt: skip
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        os.write(fd, line)
        os.fsync(fd)
        out.append(time.perf_counter() - t0)
    os.close(fd)
    return out


def _browser_part(root: Path, answers: int, loads: int) -> tuple[list[float], ...]:
    from playwright.sync_api import sync_playwright

    invitees = root / "invitees.csv"
    invitees.write_text("respondent,role\nalice,PMO lead\n")
    port = _free_port()
    env = {**os.environ, "XDG_CONFIG_HOME": str(root / "config")}
    server = subprocess.Popen(
        [sys.executable, "-m", "pmo2vmo.cli", "workshop", "--journal-dir", str(root / "acme"),
         "--organisation", "Acme", "--port", str(port), "--invitees", str(invitees),
         "--links-out", str(root / "links.csv")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    floor_server = None
    try:
        _wait_port(port)
        url = next(csv.DictReader((root / "links.csv").read_text().splitlines()))["url"]
        floor_port = _free_port()
        trivial = root / "trivial" / "trivial.ipynb"
        trivial.parent.mkdir()
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.Label('ready')")]
        nbformat.write(nb, trivial)
        floor_env = {**os.environ, "JUPYTER_PATH": str(template_root())}
        floor_server = subprocess.Popen(
            [sys.executable, "-m", "voila", str(trivial), "--no-browser", "--template=pmo2vmo",
             f"--Voila.port={floor_port}", "--Voila.port_retries=0", "--Voila.ip=127.0.0.1"],
            env=floor_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_port(floor_port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)

            def load(target: str, selector: str) -> tuple[float, tuple[Any, Any]]:
                context = browser.new_context(viewport={"width": 1100, "height": 1200})
                page = context.new_page()
                t0 = time.perf_counter()
                page.goto(target)
                page.wait_for_selector(selector, timeout=120_000)
                return time.perf_counter() - t0, (context, page)

            ready = []
            floors = []
            for _ in range(loads):
                seconds, (context, _page) = load(url, ".p2v-questionnaire")
                ready.append(seconds)
                context.close()
                seconds, (context, _page) = load(f"http://127.0.0.1:{floor_port}/",
                                                 ".widget-label")  # fmt: skip
                floors.append(seconds)
                context.close()
            _seconds, (context, page) = load(url, ".p2v-questionnaire")
            qids = page.eval_on_selector_all(
                ".p2v-question", "els => els.filter(e => e.offsetParent !== null)"
                ".map(e => [...e.classList].find(c => c.startsWith('p2v-q-')).slice(6))")  # fmt: skip
            folder = root / "acme"
            latency = []
            for n in range(answers):
                qid = qids[n % len(qids)]
                choice = (n // len(qids) + n) % 7
                before = _lines(folder)
                radio = page.locator(f".p2v-q-{qid} input[type=radio]").nth(choice)
                radio.scroll_into_view_if_needed()
                t0 = time.perf_counter()
                radio.check()
                while _lines(folder) <= before:
                    if time.perf_counter() - t0 > 30:
                        raise SystemExit(f"answer {n} never reached the journal")
                    time.sleep(0.001)
                latency.append(time.perf_counter() - t0)
            context.close()
            browser.close()
        floor = _floor_write(folder, answers)
    finally:
        _stop(server)
        if floor_server is not None:
            _stop(floor_server)
    return latency, floor, ready, floors


def _refresh_part(root: Path, people: int, per: int) -> tuple[list[float], list[float]]:
    instrument = load_instrument()
    qids = list(instrument.questions)[:per]
    folder = root / "room"
    rng = random.Random(17)
    tidy = root / "room.csv"
    with tidy.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["organisation", "respondent", "role", "unit", "question", "answer",
                         "comment"])  # fmt: skip
        for p in range(people):
            rid, role = f"P{p:02d}", ("PMO lead", "CFO", "Delivery lead", "CIO")[p % 4]
            journal = SessionJournal(folder, rid, role=role, organisation="Acme")
            for qid in qids:
                answer: int | str = rng.choice([1, 2, 3, 4, 5, 3, 2, "N/A", "Don't know"])
                journal.write(qid, answer, None)
                writer.writerow(["Acme", rid, role, "", qid, answer, ""])
            journal.close()
    view = RoomView(folder, instrument)
    refresh = []
    for _ in range(5):
        view._seen = None  # force a re-read, as when a journal changed
        t0 = time.perf_counter()
        view.refresh()
        refresh.append(time.perf_counter() - t0)
    floor = []
    for _ in range(5):
        t0 = time.perf_counter()
        score(load_responses([tidy], instrument), instrument)
        floor.append(time.perf_counter() - t0)
    return refresh, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--per", type=int, default=80)
    args = parser.parse_args()
    assert participant_notebook().exists()
    with tempfile.TemporaryDirectory(prefix="pmo2vmo-bench-workshop-") as tmp:
        root = Path(tmp)
        refresh, refresh_floor = _refresh_part(root, args.people, args.per)
        seconds, floor_seconds, ready, ready_floor = _browser_part(root, args.answers, args.loads)
    latency = [1000 * s for s in seconds]
    floor = [1000 * s for s in floor_seconds]
    print(f"1. answer -> line on disk, {len(latency)} answers in the browser:")
    print(f"   median {statistics.median(latency):.0f} ms, p95 {_pct(latency, 0.95):.0f} ms "
          f"(aim p95 < 300 ms); floor os.write+fsync median {statistics.median(floor):.2f} ms, "
          f"p95 {_pct(floor, 0.95):.2f} ms")  # fmt: skip
    print(f"2. page ready, {len(ready)} loads: median {statistics.median(ready):.2f} s, "
          f"max {max(ready):.2f} s (aim < 8 s); floor (one label, same Voilà): median "
          f"{statistics.median(ready_floor):.2f} s; ratio "
          f"{statistics.median(ready) / statistics.median(ready_floor):.1f}x")  # fmt: skip
    print(f"3. facilitator refresh, {args.people} participants x {args.per} answers: median "
          f"{statistics.median(refresh) * 1000:.0f} ms (aim < 1 s); floor (one tidy CSV read and "
          f"scored) {statistics.median(refresh_floor) * 1000:.0f} ms; ratio "
          f"{statistics.median(refresh) / statistics.median(refresh_floor):.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
