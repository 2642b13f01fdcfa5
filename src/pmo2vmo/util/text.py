"""Text helpers every writer shares: figures as people read them, and characters no file takes.

- :func:`figure`: a score for a table — fixed decimals, an em dash when there is none (never 0);
- :func:`compact`: a figure inside a sentence — ``2.5`` not ``2.50``, ``3`` not ``3.00``;
- :func:`fold`: header text as a matching key, case and punctuation dropped;
- :data:`XML_ILLEGAL`: what XML 1.0 (so xlsx and pptx) cannot store — control characters other
  than tab, line feed and carriage return, lone surrogates, U+FFFE and U+FFFF. Client text can
  carry any of them; a writer that meets one crashes.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any

# Characters a terminal acts on: C0 and C1 controls and DEL (ESC starts colour codes, cursor moves
# and window-title changes), and the bidirectional overrides that reorder what is shown.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Those of CONTROL that json.dumps leaves unescaped (it escapes U+0000 to U+001F itself).
_JSON_RAW = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def figure(value: float | None, digits: int = 2, signed: bool = False) -> str:
    """``value`` with ``digits`` decimals (and its sign when ``signed``); an em dash when there
    is no value."""
    return "—" if value is None else f"{value:{'+' if signed else ''}.{digits}f}"


def plural(count: float, noun: str, plural_form: str | None = None) -> str:
    """``1 month``, ``18 months``, ``0.5 people``: a count with its noun, in the right number."""
    return f"{count:g} {noun if count == 1 else plural_form or noun + 's'}"


def capital(text: str) -> str:
    """``text`` with its first letter upper-cased ("value culture" → "Value culture"; "PMO" kept)."""
    return text[:1].upper() + text[1:]


def compact(value: float, digits: int = 2) -> str:
    """``value`` to at most ``digits`` (at least 2) decimals, trailing zeros dropped."""
    return f"{value:.{max(digits, 2)}f}".rstrip("0").rstrip(".")


_NOT_ALNUM = re.compile(r"[^0-9a-z]")


def fold(text: str) -> str:
    """``text`` as a matching key: case folded, everything but letters and digits dropped
    ("Response ID" → "responseid")."""
    return _NOT_ALNUM.sub("", text.casefold())


def clip(text: str, limit: int = 200) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut: a value echoed
    in a message never floods a terminal, whatever its size."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ESC sequences (CSI, OSC up to its terminator, two-character ones) and the one-byte C1 CSI.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)?|\x9b[0-?]*[ -/]*[@-~]?"
)


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: escape sequences and control characters removed
    (line breaks and tabs kept), so a client's name can never recolour, move or retitle it."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    return CONTROL.sub(lambda m: m.group() if m.group() in "\n\t" else "", text)


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by ``None`` (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def json_text(value: Any, indent: int | None = 2) -> str:
    """``value`` as strict JSON (no NaN or Infinity) that is also safe on a terminal: the
    characters a terminal acts on that JSON leaves raw (DEL, C1 controls, bidirectional
    overrides) are written as ``\\u`` escapes; JSON escapes the C0 controls itself."""
    text = json.dumps(finite(value), indent=indent, ensure_ascii=False, allow_nan=False)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def slugify(name: str, fallback: str = "organisation") -> str:
    """A safe file-name stem from client text: ASCII letters, digits and single dashes."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    return slug or fallback
