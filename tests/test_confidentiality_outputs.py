"""The issue's three attacks, on the bundled instrument, through every output a client or a reader
sees: ``score --json``, the HTML report (chart data too), the executed notebook, the report
workbook, the deck, the scores workbook and the batch summary page.

Each case is built so that the figure the attack needs is a distinctive number; the test looks
for that number, as any output writes it (4 decimals in data, 2 in tables), in every output, and
checks that a figure the case is allowed to show is found the same way (so the search is seen to
work). The code before the cross-breakout rule fails every one of these checks.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pmo2vmo.analysis.plan import score_files
from pmo2vmo.execute.run import run_report
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.render.summary import render_summary
from pmo2vmo.render.workbook import write_scores_workbook

PROFILE = """\
client: Confidentiality cases
min_group_size: 5
role_bands:
  Leadership: [Executive]
  PMO and portfolio: [PMO analyst]
  Delivery: [Project manager, Delivery team member]
  Finance: [Finance partner]
start_date: 2027-01-04
"""
Row = tuple[str, str, str, str, str, int]  # organisation, respondent, role, unit, question, level


def _questions(instrument: Instrument, pillar: str | None = None, skip: str = "") -> list[str]:
    return [
        q.id
        for p in instrument.pillars
        if pillar is None or p.id == pillar
        for d in p.dimensions
        if d.id != skip
        for q in d.questions
    ]


def _cases(instrument: Instrument) -> list[Row]:
    rows: list[Row] = []

    def add(org: str, rid: str, role: str, unit: str, qids: Sequence[str], level: Any) -> None:
        for n, qid in enumerate(qids):
            rows.append((org, rid, role, unit, qid, level(n) if callable(level) else level))

    everything = _questions(instrument)
    # 1. Differencing: unit Strategy = the five PMO analysts (band PMO, 4.4) + the only
    #    executive: 6 × Strategy (3.8333) − 5 × PMO = the executive.
    for i, level in enumerate([4, 4, 4, 5, 5]):
        add("Differencing", f"d-pmo{i}", "PMO analyst", "Strategy", everything, level)
    add("Differencing", "d-exec", "Executive", "Strategy", everything, 1)
    for i, level in enumerate([2, 2, 2, 3, 3]):
        add("Differencing", f"d-pm{i}", "Project manager", "Operations", everything, level)
    for i, level in enumerate([3, 3, 3, 3, 4]):
        add("Differencing", f"d-fin{i}", "Finance partner", "Finance", everything, level)
    # 2. Pillar minus dimensions: unit Ops (6) hides PB-SPO, which one of them answered, and
    #    would show its PB pillar: PB-SPO = (ΣW × pillar − Σ others) / w.
    no_spo = _questions(instrument, skip="PB-SPO")
    for i in range(6):
        add("Pillar", f"p-ops{i}", "Project manager", "Ops", no_spo, 3)
    spo = [q for q in _questions(instrument, "PB") if q.startswith("PB-SPO-")]
    add("Pillar", "p-ops0", "Project manager", "Ops", spo, 1)
    for i in range(5):
        add("Pillar", f"p-works{i}", "Delivery team member", "Works", everything, 4)
    # 3. Every dimension hidden: unit Board (5), each member answered one pillar only, so each
    #    Board pillar score would be one or two people's.
    cycles = [(1, 2), (1, 1, 2), (1, 2, 2), (2, 1, 1, 1), (2, 2, 1)]  # low, so unlike the others
    for i, (pillar, cycle) in enumerate(zip(["PB", "VC", "PF", "MR", "PB"], cycles, strict=True)):
        qids = _questions(instrument, pillar)
        add("Board", f"b-exec{i}", "Executive", "Board", qids, lambda n, c=cycle: c[n % len(c)])
    for i in range(5):
        add("Board", f"b-staff{i}", "Delivery team member", "Staff", everything, 3)
    return rows


def _write(path: Path, rows: Sequence[Row]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["organisation", "respondent", "role", "unit", "question", "answer"])
        writer.writerows(rows)
    return path


def _alone(folder: Path, rows: Sequence[Row], ids: set[str], name: str) -> dict[str, Any]:
    """The scores of exactly these respondents (what an attack would recover)."""
    subset = [r for r in rows if r[1] in ids]
    path = _write(folder / f"{name}.csv", subset)
    return score_files([path]).organisations[0].to_json()


def _spellings(value: float) -> list[str]:
    """A figure as outputs write it: 4 decimals without trailing zeros (data), 2 (tables)."""
    four = f"{value:.4f}".rstrip("0").rstrip(".")
    return sorted({four, f"{value:.2f}"})


def _found(text: str, value: float) -> bool:
    # Not inside a longer number, nor the mantissa of one in exponent form (papermill's cell
    # "duration": 4.4e-05 is no score).
    return any(re.search(rf"(?<![\d.]){re.escape(s)}(?![\d]|[eE][-+]?\d)", text)
               for s in _spellings(value))  # fmt: skip


def _texts(path: Path) -> Iterator[str]:
    """Everything a file shows a reader: text, or each cell and XML part of an Office file."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                yield " ".join("" if v is None else str(v) for v in row)
    elif path.suffix == ".pptx":
        with zipfile.ZipFile(path) as package:
            for name in package.namelist():
                if name.endswith(".xml"):
                    yield package.read(name).decode("utf-8")
    elif path.suffix == ".html":  # less the inlined plotly.js library and its loader
        yield re.sub(r"<script>.*?</script>", "", path.read_text(encoding="utf-8"), flags=re.S)
    else:
        yield path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every output for the three cases, and the figures each attack would need."""
    folder = tmp_path_factory.mktemp("cases")
    instrument = load_instrument()
    rows = _cases(instrument)
    data = _write(folder / "cases.csv", rows)
    profile = folder / "cases.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    out = folder / "out"
    outcomes = run_report(data, out, profile=profile, timeout=300)
    assert [o.status for o in outcomes] == ["ok"] * 3, [o.error for o in outcomes]
    scores = score_files([data], profile=profile)
    files: dict[str, list[Path]] = {o.organisation: list(o.outputs) for o in outcomes}
    json_path = folder / "score.json"
    json_path.write_text(json.dumps(scores.to_json()), encoding="utf-8")
    workbook = write_scores_workbook(scores, folder / "sample-scores.xlsx")
    # The batch summary compares clients from five on: the three cases and two copies.
    by_client = {o["organisation"]: o for o in (x.to_json() for x in scores.organisations)}
    by_client.update({f"{name} copy": org for name, org in list(by_client.items())[:2]})
    manifest = {"clients": [{"client": c, "status": "ok", "outputs": []} for c in by_client]}
    summary = folder / "index.html"
    summary.write_text(render_summary(manifest, by_client), encoding="utf-8")
    common = [json_path, workbook, summary]
    for name in files:
        files[name] += common

    def score_of(name: str, ids: set[str], key: str, ident: str | None = None) -> float:
        org = _alone(folder, rows, ids, name)
        if ident is None:
            return float(org[key])
        return float(next(x["score"] for x in org[key] if x["id"] == ident))

    return {"files": files, "score_of": score_of}


def _everywhere(files: Sequence[Path], value: float) -> list[str]:
    """The outputs (by kind) in which ``value`` appears."""
    return sorted({p.suffix + ":" + p.name for p in files for t in _texts(p) if _found(t, value)})


def test_no_output_shows_both_groups_whose_difference_is_one_person(
    outputs: dict[str, Any],
) -> None:
    """Unit Strategy (3.8333) and band PMO (4.4) never both appear: one of them is hidden."""
    files = outputs["files"]["Differencing"]
    strategy = outputs["score_of"]("strategy", {f"d-pmo{i}" for i in range(5)} | {"d-exec"},
                                   "dimensions", "PB-GOV")  # fmt: skip
    pmo = outputs["score_of"]("pmo", {f"d-pmo{i}" for i in range(5)}, "dimensions", "PB-GOV")
    assert (round(strategy, 4), round(pmo, 4)) == (3.8333, 4.4)
    for path in files:
        for text in _texts(path):
            assert not (_found(text, strategy) and _found(text, pmo)), path.name
    # The search works: the Delivery band (Operations unit), shown, is found in the report.
    delivery = outputs["score_of"]("delivery", {f"d-pm{i}" for i in range(5)}, "overall")
    assert {".html", ".ipynb", ".xlsx", ".pptx"} <= {
        s.split(":")[0] for s in _everywhere(files, delivery)
    }


def test_no_output_shows_a_pillar_with_a_hidden_dimension_inside(
    outputs: dict[str, Any],
) -> None:
    """Unit Ops' PB pillar and overall (from which PB-SPO, one person's, would follow) appear
    nowhere."""
    files = outputs["files"]["Pillar"]
    ops = {f"p-ops{i}" for i in range(6)}
    pillar = outputs["score_of"]("ops", ops, "pillars", "PB")
    overall = outputs["score_of"]("ops", ops, "overall")
    assert (round(pillar, 4), round(overall, 4)) == (2.5385, 2.8846)  # (3 × 5 + 1 × 1.5) / 6.5
    assert _everywhere(files, pillar) == []
    assert _everywhere(files, overall) == []


def test_no_output_shows_a_pillar_whose_dimensions_are_all_hidden(
    outputs: dict[str, Any],
) -> None:
    """Board's pillar scores, each one or two people's, appear nowhere."""
    files = outputs["files"]["Board"]
    hidden = {
        "VC": outputs["score_of"]("vc", {"b-exec1"}, "pillars", "VC"),
        "PF": outputs["score_of"]("pf", {"b-exec2"}, "pillars", "PF"),
        "MR": outputs["score_of"]("mr", {"b-exec3"}, "pillars", "MR"),
        "PB": outputs["score_of"]("pb", {"b-exec0", "b-exec4"}, "pillars", "PB"),
    }
    assert len({round(v, 2) for v in hidden.values()}) == 4  # distinct, so each search is its own
    for pillar, value in hidden.items():
        assert _everywhere(files, value) == [], (pillar, value)
