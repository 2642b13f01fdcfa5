"""Text helpers every writer shares: figures as people read them, and characters no file takes.

- :func:`figure`: a score for a table — fixed decimals, an em dash when there is none (never 0);
- :func:`compact`: a figure inside a sentence — ``2.5`` not ``2.50``, ``3`` not ``3.00``;
- :func:`fold`: header text as a matching key, case and punctuation dropped;
- :data:`XML_ILLEGAL`: what XML 1.0 (so xlsx and pptx) cannot store — control characters other
  than tab, line feed and carriage return, lone surrogates, U+FFFE and U+FFFF. Client text can
  carry any of them; a writer that meets one crashes.
"""

from __future__ import annotations

import re

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def figure(value: float | None, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals; an em dash when there is no value."""
    return "—" if value is None else f"{value:.{digits}f}"


def plural(count: float, noun: str, plural_form: str | None = None) -> str:
    """``1 month``, ``18 months``, ``0.5 people``: a count with its noun, in the right number."""
    return f"{count:g} {noun if count == 1 else plural_form or noun + 's'}"


def capital(text: str) -> str:
    """``text`` with its first letter upper-cased ("value culture" → "Value culture"; "PMO" kept)."""
    return text[:1].upper() + text[1:]


def compact(value: float, digits: int = 2) -> str:
    """``value`` to at most ``digits`` (at least 2) decimals, trailing zeros dropped."""
    return f"{value:.{max(digits, 2)}f}".rstrip("0").rstrip(".")


def fold(text: str) -> str:
    """``text`` as a matching key: case folded, everything but letters and digits dropped
    ("Response ID" → "responseid")."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())
