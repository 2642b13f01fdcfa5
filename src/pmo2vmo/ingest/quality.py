"""Routing and data-quality flags: straight-lining, partial responses, respondents with no role.

A respondent is asked the questions routed to their audiences (:func:`routing`); a partial response
is judged against those, and answers to questions they were not asked are scored like any other
but never make a response look more complete. Flags are findings to discuss, never reasons to
refuse a file: validation reports them as warnings with their rows, scoring reports how many
respondents carry each flag (without naming anyone).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import numpy as np
import pandas as pd

from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile

FLAGS = ("straight_lining", "partial", "no_role")


def routing(instrument: Instrument, profile: Profile, roles: Iterable[object]) -> np.ndarray:
    """Which questions each role is asked: a bool matrix, one row per role, one column per
    question of ``instrument`` in its order. A role nobody maps (or none) is asked everything."""
    audiences = instrument.audience_ids
    routed_to = np.array(
        [[a in ref.question.audiences for a in audiences] for ref in instrument.questions.values()],
        dtype=bool,
    ).reshape(len(instrument.questions), len(audiences))
    rows: dict[object, np.ndarray] = {}
    out = []
    for role in roles:
        key = role if isinstance(role, str) else None
        if key not in rows:
            found = instrument.audiences_for(key, profile)
            if found is None:
                rows[key] = np.ones(len(instrument.questions), dtype=bool)
            else:
                rows[key] = np.asarray(routed_to[:, [a in found for a in audiences]].any(axis=1))
        out.append(rows[key])
    return np.array(out, dtype=bool).reshape(len(out), len(instrument.questions))


def respondent_flags(
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    instrument: Instrument,
    asked: Mapping[str, Collection[str]] | None = None,
    profile: Profile | None = None,
) -> pd.DataFrame:
    """One row per respondent: answered, scored, the level if straight-lined, and the flags.

    ``instrument`` should be the tailored one. A respondent is expected to answer the questions
    routed to them (:func:`routing`) that their file asks (``asked``, by file name; a file not in
    ``asked`` asks every question); ``answered`` counts their answers to those questions.
    """
    settings = instrument.meta.data_quality
    qids = list(instrument.questions)
    routed = routing(instrument, profile or Profile(), respondents["role"])
    for i, name in enumerate(respondents["file"]):
        if asked and name in asked:
            routed[i] &= np.isin(qids, list(asked[name]))
    keys = ["organisation", "respondent"]
    out = respondents[[*keys, "role", "row", "file"]].copy()
    out["expected"] = routed.sum(axis=1)
    if not answers.empty:
        person = pd.MultiIndex.from_frame(respondents[keys]).get_indexer(
            pd.MultiIndex.from_frame(answers[keys])
        )
        question = pd.Index(qids).get_indexer(pd.Index(answers["question"]))
        known = (person >= 0) & (question >= 0)
        on_route = np.zeros(len(answers), dtype=bool)
        on_route[known] = routed[person[known], question[known]]
    if answers.empty:
        for name in ("answered", "scored", "distinct"):
            out[name] = 0
        out["first"] = float("nan")
    else:
        # Answered: of the questions asked of them; straight-lining: over every scored answer.
        answered = answers[on_route].groupby(keys, sort=False).size().rename("answered")
        scored = (
            answers[answers["kind"] == "score"]
            .groupby(keys, sort=False)["value"]
            .agg(scored="count", distinct="nunique", first="first")
        )
        out = out.join(answered, on=keys).join(scored, on=keys)
        out[["answered", "scored", "distinct"]] = (
            out[["answered", "scored", "distinct"]].fillna(0).astype(int)
        )
    out["straight_lining"] = (out["scored"] >= settings.straight_lining_min_answers) & (
        out["distinct"] == 1
    )
    out["partial"] = out["answered"] < settings.partial_below * out["expected"]
    out["no_role"] = out["role"].isna()
    return out
