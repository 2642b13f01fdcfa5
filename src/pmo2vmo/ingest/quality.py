"""Data-quality flags: straight-lining, partial responses, respondents with no role.

Flags are findings to discuss, never reasons to refuse a file: validation reports them as warnings
with their rows, scoring reports how many respondents carry each flag (without naming anyone).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd

from pmo2vmo.model.instrument import Instrument

FLAGS = ("straight_lining", "partial", "no_role")


def respondent_flags(
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    instrument: Instrument,
    asked: Mapping[str, Collection[str]] | None = None,
) -> pd.DataFrame:
    """One row per respondent: answered, scored, the level if straight-lined, and the flags.

    ``instrument`` should be the tailored one. A respondent is expected to answer the questions
    their file asks (``asked``, by file name) that the instrument holds; a file not in ``asked``
    asks every question of the instrument.
    """
    settings = instrument.meta.data_quality
    questions = set(instrument.questions)
    per_file = {name: len(questions & set(qs)) for name, qs in (asked or {}).items()}
    keys = ["organisation", "respondent"]
    out = respondents[[*keys, "role", "row", "file"]].copy()
    if answers.empty:
        for name in ("answered", "scored", "distinct"):
            out[name] = 0
        out["first"] = float("nan")
    else:
        answered = answers.groupby(keys, sort=False).size().rename("answered")
        scored = (
            answers[answers["kind"] == "score"]
            .groupby(keys, sort=False)["value"]
            .agg(scored="count", distinct="nunique", first="first")
        )
        out = out.join(answered, on=keys).join(scored, on=keys)
        out[["answered", "scored", "distinct"]] = (
            out[["answered", "scored", "distinct"]].fillna(0).astype(int)
        )
    out["expected"] = [per_file.get(name, len(questions)) for name in out["file"]]
    out["straight_lining"] = (out["scored"] >= settings.straight_lining_min_answers) & (
        out["distinct"] == 1
    )
    out["partial"] = out["answered"] < settings.partial_below * out["expected"]
    out["no_role"] = out["role"].isna()
    return out
