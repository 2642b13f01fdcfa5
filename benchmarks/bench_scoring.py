"""Benchmark: score 100,000 answers, against a straightforward per-row Python loop, in one run.

    python benchmarks/bench_scoring.py [--orgs 50] [--respondents 25] [--repeat 5]

Builds a synthetic response set (50 organisations × 25 respondents × every question of the bundled
instrument ≈ 100k answers, with 3% N/A and 4% Don't know), then times, each ``--repeat`` times:

- ``pmo2vmo.analysis.scoring.score`` — the whole report: items, dimensions, pillars, overall, consensus,
  breakouts by role band and unit with suppression, perception gaps, flags, comments;
- ``score_groups`` — the vectorised engine alone (item → dimension → pillar → overall);
- the baseline — a plain Python loop over the rows that computes item, dimension, pillar and
  overall scores with dictionaries (what one would write first).

It checks that engine and baseline agree on every overall score, and prints medians and ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from pmo2vmo.analysis.scoring import _Structure, kind_codes, score, score_groups
from pmo2vmo.ingest.responses import ANSWER_COLUMNS, RESPONDENT_COLUMNS, ResponseSet, SourceFile
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.model.profile import Profile

ROLES = ["Executive", "PMO analyst", "Project manager", "Delivery team member", "Finance partner"]


def synthetic(instrument: Instrument, orgs: int, respondents: int, seed: int = 7) -> ResponseSet:
    rng = np.random.default_rng(seed)
    qids = list(instrument.questions)
    n = orgs * respondents * len(qids)
    org = np.repeat(np.arange(orgs), respondents * len(qids))
    resp = np.repeat(np.arange(orgs * respondents), len(qids))
    question = np.tile(np.arange(len(qids)), orgs * respondents)
    draw = rng.random(n)
    kind = np.where(draw < 0.03, "na", np.where(draw < 0.07, "dk", "score"))
    value = np.where(kind == "score", rng.integers(1, 6, n), np.nan).astype(float)
    org_names = np.array([f"Org {i:03d}" for i in range(orgs)], dtype=object)
    resp_names = np.array([f"R{i:05d}" for i in range(orgs * respondents)], dtype=object)
    answers = pd.DataFrame({
        "organisation": org_names[org],
        "respondent": resp_names[resp],
        "question": np.array(qids, dtype=object)[question],
        "kind": kind.astype(object),
        "value": value,
        "answer": np.where(kind == "score", value.astype(str), kind).astype(object),
        "comment": None,
        "file": "synthetic.csv",
        "row": resp + 2,
    })[ANSWER_COLUMNS]  # fmt: skip
    people = pd.DataFrame({
        "organisation": np.repeat(org_names, respondents),
        "respondent": resp_names,
        "role": [ROLES[i % len(ROLES)] for i in range(orgs * respondents)],
        "unit": [f"Unit {i % 3}" for i in range(orgs * respondents)],
        "comment": None,
        "file": "synthetic.csv",
        "row": np.arange(orgs * respondents) + 2,
    })[RESPONDENT_COLUMNS]  # fmt: skip
    return ResponseSet(answers, people, [SourceFile("synthetic.csv", "tidy", "0" * 64)])


def baseline(answers: pd.DataFrame, instrument: Instrument) -> dict[str, float]:
    """The straightforward loop: per-row accumulation in dictionaries, then weighted means."""
    rows = answers[["organisation", "respondent", "question", "kind", "value"]].itertuples(
        index=False, name=None
    )
    orgs: set[str] = set()
    sums: dict[tuple[str, str], float] = defaultdict(float)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for org, _resp, question, kind, value in rows:
        orgs.add(org)
        if kind == "score":
            sums[(org, question)] += value
            counts[(org, question)] += 1
    overall: dict[str, float] = {}
    for org in sorted(orgs):
        p_num = p_den = 0.0
        for pillar in instrument.pillars:
            d_num = d_den = 0.0
            for dim in pillar.dimensions:
                q_num = q_den = 0.0
                for q in dim.questions:
                    if counts[(org, q.id)]:
                        q_num += q.weight * sums[(org, q.id)] / counts[(org, q.id)]
                        q_den += q.weight
                if q_den:
                    d_num += dim.weight * q_num / q_den
                    d_den += dim.weight
            if d_den:
                p_num += pillar.weight * d_num / d_den
                p_den += pillar.weight
        overall[org] = p_num / p_den
    return overall


def median_time(func: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=50)
    parser.add_argument("--respondents", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    instrument = load_instrument()
    responses = synthetic(instrument, args.orgs, args.respondents)
    n = len(responses.answers)
    structure = _Structure.of(instrument)
    orgs = list(dict.fromkeys(responses.respondents["organisation"]))
    o_index = {o: i for i, o in enumerate(orgs)}
    a = responses.answers

    def engine() -> Any:
        return score_groups(
            structure,
            pd.Categorical(a["organisation"], categories=orgs).codes.astype(np.int64),
            len(orgs),
            pd.Categorical(a["question"], categories=structure.qids).codes.astype(np.int64),
            kind_codes(a["kind"]),
            a["value"].fillna(0).to_numpy(dtype=float),
            np.full(len(orgs), args.respondents),
        )

    t_full, report = median_time(lambda: score(responses, instrument, Profile()), args.repeat)
    t_engine, groups = median_time(engine, args.repeat)
    t_base, expected = median_time(lambda: baseline(a, instrument), args.repeat)

    worst = max(abs(groups.overall[o_index[o]] - v) for o, v in expected.items())
    assert worst < 1e-9, f"engine and baseline disagree by {worst}"
    assert len(report.organisations) == len(orgs)
    print(f"answers scored: {n:,} ({args.orgs} organisations × {args.respondents} respondents × "
          f"{len(structure.qids)} questions); median of {args.repeat} runs")  # fmt: skip
    print(f"baseline per-row Python loop (core scores only):  {t_base * 1000:8.1f} ms   1.0x")
    print(f"pmo2vmo engine (core scores only):                {t_engine * 1000:8.1f} ms"
          f"   {t_base / t_engine:4.1f}x faster")  # fmt: skip
    print(f"pmo2vmo score() (full report, breakouts, flags):  {t_full * 1000:8.1f} ms"
          f"   {t_full / t_base:4.1f}x the baseline's time, doing far more")  # fmt: skip
    print(f"engine and baseline agree on every overall score (max difference {worst:.1e})")


if __name__ == "__main__":
    main()
