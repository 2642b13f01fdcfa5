"""The answer vocabulary every layer shares: how text is folded before it is matched, and the words that mean N/A and Don't know."""

from __future__ import annotations

import re
import unicodedata

NOT_APPLICABLE = frozenset(
    {"n/a", "na", "n.a.", "n.a", "n a", "not applicable", "not relevant", "does not apply"}
)


DONT_KNOW = frozenset(
    {"don't know", "dont know", "do not know", "dk", "d/k", "unknown", "not sure", "no idea", "?"}
)


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})


_DASHES = re.compile(r"[‐‑‒–—―−]")


def normalise(text: str) -> str:
    """Fold case, unify apostrophes and dashes, collapse whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    text = _DASHES.sub("-", text)
    return " ".join(text.split()).casefold()
