"""Hostile and careless input and output conditions: each gets a clear message naming the file,
no traceback, exit code 2 (a full disk: 1), within seconds and small memory — and nothing already
written is lost. One regression test per condition of the issue; browser, batch and notebook
runs are in test_browser.py, test_batch_hostile.py and test_run.py."""

from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml
from click.testing import CliRunner

from pmo2vmo import api
from pmo2vmo.cli import main
from pmo2vmo.errors import InstrumentError
from pmo2vmo.execute import run, staging
from pmo2vmo.ingest import readers
from pmo2vmo.ingest.responses import inspect_file
from pmo2vmo.model import branding
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import load_profile
from pmo2vmo.render import charts
from pmo2vmo.resources import samples_dir
from pmo2vmo.util import atomic
from pmo2vmo.util.text import json_text, printable
from pmo2vmo.util.yamlio import read_yaml

SAMPLE = samples_dir() / "harbor-mutual.csv"
PROFILE = samples_dir() / "harbor-mutual.yaml"
LOGO = samples_dir() / "harbor-mutual-logo.png"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=False)
)
MEMORY_CAP = 2 * 1024**3  # address space a CLI process may use in these tests


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``pmo2vmo ARGS`` in a child process limited to 2 GB of address space and a timeout: a
    file that streams forever or a bomb fails the test instead of the machine."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    return subprocess.run(
        [sys.executable, "-m", "pmo2vmo.cli", *args],
        capture_output=True, text=True, timeout=timeout, preexec_fn=limit, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def _refused(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit 2, no traceback, a short message holding every needle."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr) < 2_000, result.stderr[:300]
    for needle in needles:
        assert needle in result.stderr


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A named pipe nobody writes to: opening it for reading blocks, reading it never ends."""
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    return path


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def _profile(tmp_path: Path, **changes: Any) -> Path:
    data = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    data["branding"]["logo"] = str(LOGO)
    data.update(changes)
    path = tmp_path / "client.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# ------------------------------------------------------------------------- special files ---


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
@pytest.mark.parametrize("role", ["responses", "profile", "logo", "previous"])
def test_special_files_are_refused_unread(
    special: str, role: str, fifo: Path, tmp_path: Path
) -> None:
    """/dev/zero or a FIFO as responses, profile, logo or --previous: exit 2 naming a
    non-regular file, quickly and within 2 GB (they report size 0 and stream without end)."""
    path = str(fifo) if special == "fifo" else special
    args = ["score", str(SAMPLE), "--profile", str(PROFILE)]
    if role == "responses":
        args[1] = path
    elif role == "profile":
        args[3] = path
    elif role == "logo":
        args[3] = str(_profile(tmp_path, branding={"logo": path}))
    else:
        args += ["--previous", path]
    _refused(_cli(*args), "not a regular file")


def test_read_bounded_stops_at_the_limit(tmp_path: Path) -> None:
    """A regular file over the limit is refused with its size; one at the limit is read."""
    from pmo2vmo.errors import NotReadable
    from pmo2vmo.util.safeio import read_bounded

    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 1000)
    assert read_bounded(path, 1000) == b"x" * 1000
    with pytest.raises(NotReadable, match="1,000 bytes; the limit is 999"):
        read_bounded(path, 999)


# ---------------------------------------------------------------------------- YAML bombs ---


def test_yaml_alias_bomb_profile_is_refused_fast(tmp_path: Path) -> None:
    """A 300-byte alias bomb (9^9 values) as profile: exit 2 in a short message, not minutes,
    gigabytes and a 250 MB echo."""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    assert len(BOMB) < 400
    started = time.monotonic()
    result = _cli("score", str(SAMPLE), "--profile", str(bomb))
    _refused(result, "bomb.yaml", "aliases expand")
    assert time.monotonic() - started < 30  # generous: interpreter start-up included


def test_a_key_given_twice_is_refused_not_silently_dropped(tmp_path: Path) -> None:
    """YAML keeps the last of two equal keys: a profile (or any data file) giving a key twice is
    refused with its line, never read with one of the values lost."""
    path = tmp_path / "twice.yaml"
    path.write_text("client: Acme\ntargets:\n  PB-SPO: 4.0\n  PB-SPO: 2.0\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"the key 'PB-SPO' is given twice .*line 4"):
        load_profile(path)
    raci = tmp_path / "transition.yaml"
    raci.write_text("rows: [{raci: {pmo: A, pmo: R, executive_committee: A}}]\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="the key 'pmo' is given twice"):
        read_yaml(raci)


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    """An alias inside the node it names is refused, not followed."""
    path = tmp_path / "loop.yaml"
    path.write_text("client: &a [*a]\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="refers to the node that contains it"):
        load_profile(path)


@pytest.mark.parametrize(
    "text",
    ["a: " + "[" * 100_000 + "]" * 100_000, "a: " + "{b: " * 50_000 + "1" + "}" * 50_000],
    ids=["lists", "mappings"],
)
def test_deeply_nested_yaml_is_refused_not_a_crash(text: str, tmp_path: Path) -> None:
    """100,000 nested brackets in a profile are refused (libyaml's composer recursed in C on
    them and crashed the process)."""
    path = tmp_path / "deep.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    _refused(_cli("score", str(SAMPLE), "--profile", str(path)), "nests more than 100 levels")


def test_a_few_aliases_are_still_yaml(tmp_path: Path) -> None:
    """Ordinary anchors and aliases (a role list reused) still load."""
    path = tmp_path / "ok.yaml"
    path.write_text(
        "role_bands:\n  Leadership: &lead [Executive]\n  Delivery: [Project manager]\n"
        "exclude_dimensions: []\n", encoding="utf-8",
    )  # fmt: skip
    assert load_profile(path).role_bands["Leadership"] == ["Executive"]


def test_batch_fingerprint_of_a_bomb_profile_returns(tmp_path: Path) -> None:
    """The batch parent fingerprints each client's profile: a bomb there returns at once
    (the client fails later, loudly) instead of hanging the parent."""
    from pmo2vmo.execute import batch

    (tmp_path / "acme.csv").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "acme.yaml").write_text(BOMB, encoding="utf-8")
    (client,) = batch.discover(tmp_path)
    prints = batch.fingerprint(client, ("html",), "env")
    assert len(prints["fingerprint"]) == 64


def test_batch_fingerprint_of_a_special_logo_returns(tmp_path: Path, fifo: Path) -> None:
    """A client profile whose logo is /dev/zero or a FIFO is fingerprinted at once (the logo's
    hash is left out; the client fails later, loudly) instead of being read forever."""
    from pmo2vmo.execute import batch

    (tmp_path / "acme.csv").write_bytes(SAMPLE.read_bytes())
    for logo in ("/dev/zero", str(fifo)):
        (tmp_path / "acme.yaml").write_text(f"branding:\n  logo: {logo}\n", encoding="utf-8")
        (client,) = batch.discover(tmp_path)
        assert len(batch.fingerprint(client, ("html",), "env")["fingerprint"]) == 64


def test_long_values_are_clipped_in_messages(tmp_path: Path) -> None:
    """A 100,000-character value in a profile is echoed as at most ~200 characters."""
    path = tmp_path / "long.yaml"
    path.write_text(f"client: {'x' * 100_000}\n", encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_profile(path)
    (line,) = caught.value.problems
    assert len(line) < 400
    assert "…" in line


def test_oversized_profile_is_refused(tmp_path: Path) -> None:
    """A profile over 256 KB is refused from its size."""
    path = tmp_path / "big.yaml"
    path.write_text("# padding\n" * 30_000, encoding="utf-8")
    with pytest.raises(InstrumentError, match="the limit is 262,144 bytes"):
        load_profile(path)


# ----------------------------------------------------------------------------- workbooks ---


def _workbook(rows: list[list[Any]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _repack(data: bytes, rename: dict[str, str], edit: dict[str, Any]) -> bytes:
    """The workbook with parts renamed and edited (``edit[name](bytes) -> bytes``)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename in edit:
                body = edit[info.filename](body)
            dst.writestr(rename.get(info.filename, info.filename), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


ROWS = [["respondent", "role", "PB-GOV-01"]] + [[f"R{i}", "PMO analyst", 3] for i in range(60)]


def _hidden_sheet(data: bytes) -> bytes:
    """The sheet moved to xl/data/cells.xml, its relationship and content type following it."""
    return _repack(
        data,
        {"xl/worksheets/sheet1.xml": "xl/data/cells.xml"},
        {
            "xl/_rels/workbook.xml.rels": lambda b: b.replace(
                b"worksheets/sheet1.xml", b"data/cells.xml"
            ).replace(b"/xl/worksheets/sheet1.xml", b"/xl/data/cells.xml"),
            "[Content_Types].xml": lambda b: b.replace(
                b"/xl/worksheets/sheet1.xml", b"/xl/data/cells.xml"
            ),
        },
    )


def test_sheet_outside_worksheets_folder_is_still_capped(
    tmp_path: Path, instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worksheet stored outside xl/worksheets/ (found through the workbook's relationships)
    counts against the cell cap like any other."""
    data = _hidden_sheet(_workbook(ROWS))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert not [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert readers.sheets_of(data) == ["xl/data/cells.xml"]
    path = tmp_path / "hidden.xlsx"
    path.write_bytes(data)
    monkeypatch.setattr(readers, "MAX_CELLS", 100)
    responses, problems = inspect_file(path, instrument)
    assert responses is None
    assert any("more than 100 cells" in p.message for p in problems)


def test_sheet_outside_worksheets_folder_is_read_when_small(
    tmp_path: Path, instrument: Instrument
) -> None:
    """The same relocated sheet under the cap is read: the guard follows openpyxl, not names."""
    path = tmp_path / "hidden.xlsx"
    path.write_bytes(_hidden_sheet(_workbook(ROWS)))
    responses, problems = inspect_file(path, instrument)
    assert responses is not None, problems
    assert len(responses.respondents) == 60


def test_workbook_without_a_sheet_is_an_error_not_index_error(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A workbook whose sheet list is empty is one clear problem (it raised IndexError)."""
    import re

    data = _repack(
        _workbook(ROWS), {},
        {"xl/workbook.xml": lambda b: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", b)},
    )  # fmt: skip
    path = tmp_path / "nosheet.xlsx"
    path.write_bytes(data)
    responses, problems = inspect_file(path, instrument)
    assert responses is None
    assert [p.message for p in problems] == ["the workbook has no worksheet"]


# -------------------------------------------------------------------------------- values ---


def _previous(tmp_path: Path, score: Any) -> Path:
    path = tmp_path / "previous.json"
    body = {"organisations": [{"organisation": "Harbor Mutual Insurance",
                               "dimensions": [{"id": "PB-GOV", "score": score}]}]}  # fmt: skip
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


@pytest.mark.parametrize("score", [float("inf"), float("-inf"), float("nan"), 7, -1, "3", True])
def test_previous_scores_are_range_checked(tmp_path: Path, score: Any, cli: CliRunner) -> None:
    """--previous dimension scores outside 1–5 (Infinity, NaN, text, 7) exit 2 naming the
    organisation and dimension."""
    result = cli.invoke(main, ["score", str(SAMPLE), "--previous", str(_previous(tmp_path, score))])
    assert result.exit_code == 2, result.output
    assert "dimension PB-GOV" in result.output
    assert "is not a score from 1 to 5" in result.output


def test_json_output_never_holds_nan_or_infinity(tmp_path: Path, cli: CliRunner) -> None:
    """`score --json` with a previous assessment is strict JSON: no NaN, no Infinity."""
    result = cli.invoke(
        main, ["score", str(SAMPLE), "--json", "--previous", str(_previous(tmp_path, 2.5))]
    )
    assert result.exit_code == 0, result.output

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON output")

    json.loads(result.output, parse_constant=refuse)
    assert json.loads(json_text({"x": float("nan"), "y": [float("inf")]})) == {
        "x": None,
        "y": [None],
    }


def test_deeply_nested_previous_is_refused(tmp_path: Path, cli: CliRunner) -> None:
    """A --previous of 100,000 nested lists exits 2 (it raised RecursionError)."""
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = cli.invoke(main, ["score", str(SAMPLE), "--previous", str(path)])
    assert result.exit_code == 2
    assert "nested too deeply" in result.output


def test_deeply_nested_journal_line_is_a_problem(tmp_path: Path, instrument: Instrument) -> None:
    """A journal line of 100,000 nested objects is a problem on that line, not a crash."""
    path = tmp_path / "capture.jsonl"
    path.write_text('{"a":' * 100_000 + "1" + "}" * 100_000 + "\n", encoding="utf-8")
    responses, problems = inspect_file(path, instrument)
    assert responses is None
    assert any("nested too deeply" in p.message and p.row == 1 for p in problems)


@pytest.mark.parametrize(
    "args",
    [["--start-date", "9999-01-01"], ["--start-date", "1000-06-01"]],
)
def test_start_date_out_of_range_exits_2(args: list[str], cli: CliRunner) -> None:
    """A start date in year 9999 (or 1000) exits 2 with the range (it overflowed)."""
    result = cli.invoke(main, ["roadmap", str(SAMPLE), *args])
    assert result.exit_code == 2, result.output
    assert "out of range; give a date between 2000-01-01 and 2099-12-31" in result.output


def test_profile_start_date_out_of_range_exits_2(tmp_path: Path, cli: CliRunner) -> None:
    """A profile's start_date of 9999-12-01 exits 2 too."""
    import datetime as dt

    profile = _profile(tmp_path, start_date=dt.date(9999, 12, 1))
    result = cli.invoke(main, ["roadmap", str(SAMPLE), "--profile", str(profile)])
    assert result.exit_code == 2, result.output
    assert "9999-12-01 is out of range" in result.output


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({1: "Ad\x1b[31mhoc"}, "control characters"),
        ({1: "Start\nhere"}, "control characters"),
        ({1: "Basic", 2: "basic"}, "same name"),
        ({1: "3"}, "a number"),
        ({2: "Level 4"}, "a number"),
        ({1: "N/A"}, "N/A or Don't know"),
    ],
)
def test_bad_level_names_are_refused(
    tmp_path: Path, names: dict[int, str], message: str, cli: CliRunner
) -> None:
    """Level names with control characters, repeated, numbers or N/A exit 2 (they raised or
    silently made answers ambiguous)."""
    result = cli.invoke(
        main, ["score", str(SAMPLE), "--profile", str(_profile(tmp_path, level_names=names))]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_level_name_of_another_instrument_level_is_refused(
    tmp_path: Path, instrument: Instrument, cli: CliRunner
) -> None:
    """Naming level 1 after the instrument's level 3 is refused: answers could not tell them."""
    third = instrument.levels[2].name
    result = cli.invoke(
        main, ["score", str(SAMPLE), "--profile", str(_profile(tmp_path, level_names={1: third}))]
    )
    assert result.exit_code == 2, result.output
    assert "the instrument's name of level 3" in result.output


# ---------------------------------------------------------------------------------- logo ---


def _png_variants() -> dict[str, bytes]:
    png = LOGO.read_bytes()
    return {
        "truncated": png[: len(png) // 2],
        "html after the end": png + b"<html><script>alert(1)</script></html>",
        "zip after the end": png + b"PK\x03\x04" + b"\x00" * 26,
        "script in a text chunk": _png_with_text(png, b"Comment\x00<script>alert(1)</script>"),
        "bad checksum": png[:20] + bytes([png[20] ^ 0xFF]) + png[21:],
    }


def _png_with_text(png: bytes, text: bytes) -> bytes:
    import struct
    import zlib

    chunk = struct.pack(">I", len(text)) + b"tEXt" + text
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + text))
    return png[:33] + chunk + png[33:]  # after the 8-byte signature and the 25-byte IHDR


@pytest.mark.parametrize("kind", sorted(_png_variants()))
def test_bad_logos_are_refused(kind: str, tmp_path: Path) -> None:
    """A truncated logo, a polyglot (HTML, zip or script riding in it) or a damaged chunk is
    refused naming the file — its first bytes alone look like a PNG."""
    path = tmp_path / "logo.png"
    path.write_bytes(_png_variants()[kind])
    with pytest.raises(InstrumentError, match=r"logo\.png: branding\.logo: "):
        branding.load_logo(path)


def test_jpeg_logo_is_checked_to_its_end(tmp_path: Path) -> None:
    """A real JPEG (baseline and progressive) passes; cut short or with bytes after its end, it
    is refused."""
    from PIL import Image

    for progressive in (False, True):
        path = tmp_path / f"logo-{progressive}.jpg"
        Image.new("RGB", (64, 32), (19, 79, 92)).save(path, progressive=progressive)
        assert branding.load_logo(path).mime == "image/jpeg"
        data = path.read_bytes()
        for bad in (data[:-40], data + b"<script>x</script>"):
            path.write_bytes(bad)
            with pytest.raises(InstrumentError):
                branding.load_logo(path)


def test_bad_logo_is_refused_before_any_kernel_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunner
) -> None:
    """`run` with a missing or truncated logo exits 2 naming it, and no kernel is started (it
    showed 'KeyboardInterrupt caught in kernel')."""

    def no_kernel(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(run, "execute_report", no_kernel)
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(LOGO.read_bytes()[:100])
    for logo, needle in ((tmp_path / "missing.png", "file not found"), (truncated, "truncated")):
        profile = _profile(tmp_path, branding={"logo": str(logo)})
        result = cli.invoke(main, ["run", str(SAMPLE), "--out", str(tmp_path / "out"),
                                   "--profile", str(profile)])  # fmt: skip
        assert result.exit_code == 2, result.output
        assert needle in result.output
        assert logo.name in result.output


# ------------------------------------------------------------------------------ terminal ---

HOSTILE_ORG = "\x1b]0;pwned\x07Acme\x1b[2J\x9b31m\u202eCorp"


def _hostile_org_csv(tmp_path: Path) -> Path:
    import pandas as pd

    frame = pd.read_csv(SAMPLE, dtype=str)
    frame.insert(0, "organisation", HOSTILE_ORG)
    path = tmp_path / "hostile.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("command", [["validate"], ["score"], ["score", "--json"], ["roadmap"]])
def test_terminal_codes_in_names_are_never_printed(
    command: list[str], tmp_path: Path, cli: CliRunner
) -> None:
    """An organisation named with escape sequences, C1 controls and a bidi override prints as
    plain text in every command (they were printed raw)."""
    result = cli.invoke(main, [command[0], str(_hostile_org_csv(tmp_path)), *command[1:]])
    assert result.exit_code == 0, result.output
    for code in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert code not in result.output
    assert "Acme" in result.output


def test_run_output_strips_terminal_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunner
) -> None:
    """`run` prints each organisation's outcome without its terminal codes."""
    outcome = run.Outcome(HOSTILE_ORG, "acme", "failed", error=f"cell 3 raised {HOSTILE_ORG}")
    monkeypatch.setattr(run, "run_report", lambda *a, **k: [outcome])
    result = cli.invoke(main, ["run", str(SAMPLE), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "\x9b" not in result.output
    assert "AcmeCorp: FAILED" in result.output


def test_printable_keeps_line_breaks_and_text() -> None:
    """printable() drops escape sequences and controls, keeps text, tabs and line breaks."""
    assert printable("a\x1b[1;31mb\x1b]2;t\x07c\td\ne\x00") == "abc\td\ne"


# ------------------------------------------------------------------------- unique names ---


def test_output_names_are_unique_however_names_collide() -> None:
    """'Acme', 'Acme!', 'Acme 2' (and case variants) get distinct file names: a made-up
    'acme-2' never meets the real 'Acme 2'."""
    names = ["Acme", "Acme!", "Acme 2", "ACME", "acme-2", "Acme 2!"]
    slugs = run.unique_slugs(names)
    assert len({s.casefold() for s in slugs}) == len(names)
    assert run.unique_slugs(["Acme", "Acme!", "Acme 2"]) == ["acme", "acme-2", "acme-2-2"]


def _fake_execute(job: dict[str, Any], folder: Path, **kwargs: Any) -> tuple[Any, dict[str, float]]:
    """What a report notebook leaves in staging, without a kernel: the workbook, the deck and
    the sentinel; the executed notebook names its organisation."""
    for name in (run.NAMES["xlsx"], run.NAMES["pptx"]):
        (folder / name).write_text(f"organisation {job['organisation_index']}", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(f"organisation {job['organisation_index']}"))
    return nb, {"notebook": 0.0}


def _three_acmes(tmp_path: Path) -> Path:
    import pandas as pd

    frame = pd.read_csv(SAMPLE, dtype=str)
    third = len(frame) // 3
    orgs = ["Acme"] * third + ["Acme!"] * third + ["Acme 2"] * (len(frame) - 2 * third)
    frame.insert(0, "organisation", orgs)
    path = tmp_path / "acmes.csv"
    frame.to_csv(path, index=False)
    return path


def test_run_writes_one_set_per_organisation_whatever_the_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run` on 'Acme', 'Acme!' and 'Acme 2' writes three complete sets, flat in --out, none
    lost under another's name."""
    monkeypatch.setattr(run, "execute_report", _fake_execute)
    out = tmp_path / "out"
    outcomes = run.run_report(_three_acmes(tmp_path), out, formats="ipynb,xlsx,pptx")
    assert [o.status for o in outcomes] == ["ok"] * 3
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 9
    contents = {
        (out / f"{o.slug}-{run.NAMES['xlsx']}").read_text(encoding="utf-8") for o in outcomes
    }
    assert contents == {"organisation 0", "organisation 1", "organisation 2"}


# -------------------------------------------------------------------------- stale staging ---


def test_staging_left_by_a_killed_run_is_cleaned_and_a_live_one_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staging folder whose run was killed (its lock free) is removed by the next run; one
    whose lock a live process holds is left alone."""
    out = tmp_path / "out"
    out.mkdir()
    dead = out / ".pmo2vmo-dead"
    dead.mkdir()
    (dead / staging.LOCK).write_text("12345", encoding="utf-8")
    (dead / "executed.ipynb").write_text("{}", encoding="utf-8")
    old = out / ".pmo2vmo-nolock"
    old.mkdir()
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    live = out / ".pmo2vmo-live"
    live.mkdir()
    holder = os.open(live / staging.LOCK, os.O_WRONLY | os.O_CREAT)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        monkeypatch.setattr(run, "execute_report", _fake_execute)
        run.run_report(SAMPLE, out, formats="xlsx")
        assert not dead.exists()
        assert not old.exists()
        assert live.exists()
    finally:
        os.close(holder)
    assert not [p for p in out.iterdir() if p.name.startswith(".pmo2vmo-") and p != live]


def test_a_killed_run_leaves_a_staging_folder_the_next_removes(tmp_path: Path) -> None:
    """kill -9 of a process holding a staging folder frees its lock: the folder is then stale."""
    out = tmp_path / "out"
    out.mkdir()
    code = (
        "import sys, time; from pathlib import Path; from pmo2vmo.execute.staging import staging_folder\n"
        "with staging_folder(Path(sys.argv[1])) as f:\n    print(f, flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE,
                             text=True)  # fmt: skip
    assert child.stdout is not None
    folder = Path(child.stdout.readline().strip())
    child.stdout.close()
    assert staging.clean_stale(out) == []  # alive: kept
    child.kill()
    child.wait()
    assert folder.exists()
    assert staging.clean_stale(out) == [folder]
    assert not folder.exists()


# ------------------------------------------------------------------------- links in charts ---


def test_client_strings_in_charts_are_escaped(linked_unit_sample: tuple[Path, Path]) -> None:
    """A unit named <a href=…> reaches the heatmap, and the organisation's name every title, as
    escaped text, never as markup plotly would render (the browser test checks the page)."""
    responses, profile = linked_unit_sample
    (org,) = api.score_files([responses], profile=profile).organisations
    fig = charts.perception_gaps(org, "unit")
    labels = list(fig.data[0].x)
    assert any(label.startswith("&lt;a href=") for label in labels), labels
    assert not any("<a" in label for label in labels)
    for name, figure in charts.figures(org).items():
        spec = figure.to_json()
        assert "<a href" not in spec, name
    assert (
        charts.label('<a href="x">y</a> & <b>') == '&lt;a href="x"&gt;y&lt;/a&gt; &amp; &lt;b&gt;'
    )


# ------------------------------------------------------------ read-only folder, disk full ---


def _fail_with(code: int) -> Any:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(code, os.strerror(code), str(args[0]) if args else None)

    return fail


def test_read_only_output_folder_exits_2_and_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunner
) -> None:
    """Writing into a read-only folder (EROFS, simulated: CI runs as root) exits 2 with a clear
    message; the file written before is unchanged."""
    target = tmp_path / "template.xlsx"
    target.write_bytes(b"previous")
    monkeypatch.setattr(atomic.tempfile, "mkstemp", _fail_with(errno.EROFS))
    result = cli.invoke(main, ["template", "--out", str(target)])
    assert result.exit_code == 2, result.output
    assert "Read-only file system" in result.output
    assert "choose a folder you can write to" in result.output
    assert "Traceback" not in result.output
    assert target.read_bytes() == b"previous"


def test_full_disk_exits_1_and_keeps_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunner
) -> None:
    """A disk that fills while a report is moved into place (ENOSPC, simulated) exits 1 with a
    clear message; the previous report survives whole and no partial file is left."""
    monkeypatch.setattr(run, "execute_report", _fake_execute)
    out = tmp_path / "out"
    run.run_report(SAMPLE, out, formats="ipynb")
    previous = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(atomic.os, "fsync", _fail_with(errno.ENOSPC))
    result = cli.invoke(main, ["run", str(SAMPLE), "--out", str(out), "--formats", "ipynb"])
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output
    assert "free some space" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == previous
