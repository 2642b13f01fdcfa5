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
    files = respondents["file"].to_numpy()
    asks = asked or {}
    for name in set(files) & set(asks):
        routed[files == name] &= np.isin(qids, list(asks[name]))
    keys = ["organisation", "respondent"]
    out = respondents[[*keys, "role", "row", "file"]].copy()
    out["expected"] = routed.sum(axis=1)
    # Plain arrays, not groupby and join (4x faster, and this runs at every read and score):
    # each answer's respondent and question position, -1 when unknown.
    at = {key: i for i, key in enumerate(zip(*(respondents[k] for k in keys), strict=True))}
    person = np.fromiter((at.get(key, -1) for key in zip(*(answers[k] for k in keys),
                                                         strict=True)),
                         dtype=np.int64, count=len(answers))  # fmt: skip
    question = pd.Index(qids).get_indexer(pd.Index(answers["question"]))
    known = (person >= 0) & (question >= 0)
    on_route = np.zeros(len(answers), dtype=bool)
    on_route[known] = routed[person[known], question[known]]
    # Answered: of the questions asked of them; straight-lining: over every scored answer.
    out["answered"] = np.bincount(person[on_route], minlength=len(out))
    values = answers["value"].to_numpy(dtype=float)
    scoring = (person >= 0) & (answers["kind"].to_numpy() == "score") & ~np.isnan(values)
    who, level = person[scoring], values[scoring]
    out["scored"] = np.bincount(who, minlength=len(out))
    pairs = np.unique(np.stack([who, level]), axis=1) if len(who) else np.empty((2, 0))
    out["distinct"] = np.bincount(pairs[0].astype(np.int64), minlength=len(out))
    first = np.full(len(out), np.nan)
    heads, where = np.unique(who, return_index=True)  # each respondent's first scored answer
    first[heads] = level[where]
    out["first"] = first
    out["straight_lining"] = (out["scored"] >= settings.straight_lining_min_answers) & (
        out["distinct"] == 1
    )
    out["partial"] = out["answered"] < settings.partial_below * out["expected"]
    out["no_role"] = out["role"].isna()
    return out
