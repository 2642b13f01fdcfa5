"""The workshop in a real browser: `pmo2vmo workshop` started on a free port with invitees, two
participants answering by clicking in two browser contexts (every request outside the server
blocked), answers on disk before their receipt, the radar's data moving, a reload restoring, a
killed kernel losing nothing that showed its receipt, `score` counting both, and Ctrl-C stopping
Voilà and its kernels."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pmo2vmo.analysis.scoring import score
from pmo2vmo.cli import main
from pmo2vmo.ingest.responses import journal_responses
from pmo2vmo.model.instrument import load_instrument

pytestmark = pytest.mark.slow
PAGE_TIMEOUT_MS = 120_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _poll(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """``check()``'s first truthy result within ``timeout`` seconds (the last one otherwise)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _events(folder: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        out += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return out


def _children(pid: int) -> set[int]:
    """Every descendant process of ``pid`` (read from /proc)."""
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            kids.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _kernels(pid: int) -> set[int]:
    out = set()
    for child in _children(pid):
        try:
            cmd = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ipykernel_launcher" in cmd:
            out.add(child)
    return out


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    journals: Path
    links: dict[str, str]
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("workshop")
    invitees = root / "invitees.csv"
    invitees.write_text("respondent,role,unit\nalice,PMO lead,IT\nbob,CFO,Finance\n")
    port = _free_port()
    log = root / "server.log"
    env = {**os.environ, "XDG_CONFIG_HOME": str(root / "config")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from pmo2vmo.cli import main; main()", "workshop",
             "--journal-dir", str(root / "acme"), "--organisation", "Acme",
             "--port", str(port), "--invitees", str(invitees),
             "--links-out", str(root / "links.csv")],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
        )  # fmt: skip
    try:
        ready = _poll(lambda: b"Workshop running at" in log.read_bytes()
                      or process.poll() is not None, 90)  # fmt: skip
        assert ready, log.read_text()
        assert process.poll() is None, log.read_text()
        rows = csv.DictReader((root / "links.csv").read_text().splitlines())
        links = {row["respondent"]: row["url"] for row in rows}
        yield Server(process, port, root / "acme", links, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


class Participant:
    """One participant's browser context, every request outside the server refused."""

    def __init__(self, browser: Any, server: Server, url: str) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1100, "height": 1200})
        own = f"http://127.0.0.1:{server.port}/"

        def route(r: Any) -> None:
            if r.request.url.startswith(own):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.url = url
        self.open()

    def open(self) -> None:
        self.page.goto(self.url)
        self.page.wait_for_selector(".p2v-questionnaire, .p2v-refused", timeout=PAGE_TIMEOUT_MS)

    def choose(self, qid: str, index: int) -> None:
        """Click the choice at ``index`` (0: level 1 … 5: N/A, 6: Don't know) and wait for the
        receipt of this change."""
        saved = (
            "() => Number(document.querySelector('.p2v-receipt [data-saved]')?.dataset.saved || 0)"
        )
        before = self.page.evaluate(saved)
        self.page.locator(f".p2v-q-{qid} input[type=radio]").nth(index).check()
        self.page.wait_for_function(f"before => ({saved})() > before", arg=before,
                                    timeout=PAGE_TIMEOUT_MS)  # fmt: skip
        assert "saved ✓" in self.page.inner_text(".p2v-receipt")

    def radar(self) -> Any:
        return self.page.evaluate(
            "() => { const d = document.querySelector('.p2v-radar .js-plotly-plot');"
            " return d && d.data ? d.data.map(t => [t.name, Array.from(t.r)]) : null; }"
        )

    def checked(self, qid: str) -> int | None:
        found = self.page.eval_on_selector_all(
            f".p2v-q-{qid} input[type=radio]", "els => els.findIndex(e => e.checked)"
        )
        return None if found < 0 else int(found)


def test_two_participants_answer_and_nothing_is_lost(server: Server, browser: Any) -> None:
    """Two invitees answer by clicking; each answer is on disk (polled, up to 10 s), the radar's
    data changes, a reload restores, a SIGKILLed kernel loses no acknowledged answer, nothing is
    requested outside the server, and `score` on the folder counts both."""
    alice = Participant(browser, server, server.links["alice"])
    bob = Participant(browser, server, server.links["bob"])
    assert alice.checked("PB-GOV-01") is None  # every choice starts unselected

    alice.choose("PB-GOV-01", 2)
    first = _poll(alice.radar)
    alice.choose("PB-GOV-02", 4)
    alice.choose("PB-STD-01", 5)  # N/A
    assert not bob.page.locator(".p2v-q-PB-GOV-01").is_visible()  # not routed to a CFO
    bob.choose("PB-MON-01", 0)
    bob.choose("PB-GOV-02", 6)  # Don't know

    def on_disk() -> list[tuple[str, str, object]]:
        return [(e["respondent"], e["question"], e["answer"]) for e in _events(server.journals)]

    wanted = {("alice", "PB-GOV-01", 3), ("alice", "PB-GOV-02", 5), ("alice", "PB-STD-01", "N/A"),
              ("bob", "PB-MON-01", 1), ("bob", "PB-GOV-02", "Don't know")}  # fmt: skip
    assert _poll(lambda: wanted <= set(on_disk())), on_disk()
    moved = _poll(lambda: alice.radar() != first and alice.radar())
    assert first is not None
    assert moved, (first, alice.radar())
    mine = [e for e in _events(server.journals) if e["respondent"] == "alice"]
    own = score(journal_responses(mine, load_instrument()), load_instrument()).organisations[0]
    assert dict(moved)["Current"][0] == pytest.approx(own.dimensions[0].score)  # PB-GOV

    alice.open()  # a reload restores the answers, without journalling them again
    assert [alice.checked(q) for q in ("PB-GOV-01", "PB-GOV-02", "PB-STD-01")] == [2, 4, 5]
    count = len(on_disk())
    time.sleep(1)
    assert len(on_disk()) == count

    kernels = _kernels(server.process.pid)
    assert kernels, "no kernel process found under the server"
    bob.choose("PB-MON-03", 3)
    for pid in kernels:  # every page's kernel, bob's among them
        os.kill(pid, signal.SIGKILL)
    assert ("bob", "PB-MON-03", 4) in on_disk()  # acknowledged, so already on disk
    warned = _poll(lambda: bob.page.locator(".p2v-connection").is_visible(), 20)
    assert warned, "no connection-lost warning after the kernel died"

    assert alice.outside == []
    assert bob.outside == []
    assert alice.errors == []
    assert bob.errors == []
    alice.context.close()
    bob.context.close()

    result = CliRunner().invoke(main, ["score", str(server.journals), "--json"])
    assert result.exit_code == 0, result.output
    org = json.loads(result.stdout)["organisations"][0]
    assert (org["organisation"], org["respondents"]) == ("Acme", 2)


def test_an_altered_link_is_refused(server: Server, browser: Any) -> None:
    """A link whose respondent was edited (to open someone else's answers) is refused."""
    forged = server.links["bob"].replace("respondent=bob", "respondent=alice")
    mallory = Participant(browser, server, forged)
    assert mallory.page.locator(".p2v-refused").is_visible()
    assert mallory.page.locator(".p2v-questionnaire").count() == 0
    mallory.context.close()


def test_ctrl_c_stops_voila_and_its_kernels(server: Server, browser: Any) -> None:
    """SIGINT (Ctrl-C) stops the workshop: Voilà and every kernel exit, exit code 0."""
    visitor = Participant(browser, server, server.links["alice"])
    kernels = _poll(lambda: _kernels(server.process.pid), 30)
    assert kernels
    visitor.context.close()
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(60) == 0, server.log.read_text()

    def alive() -> set[int]:
        return {pid for pid in kernels if Path(f"/proc/{pid}").exists()
                and b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes()}  # fmt: skip

    assert _poll(lambda: not alive(), 30), f"kernels still running: {alive()}"
