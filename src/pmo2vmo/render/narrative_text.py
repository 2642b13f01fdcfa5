"""The report's wording (``templates/report.yaml``, ``templates/narrative.yaml``) and the way
the narrative's sentences show figures.

Every figure in a narrative sentence is formatted here from the assessment's own data — scores
with up to two decimals, readiness with one, person-months and money with their unit — so that
the wording file holds no number at all (``tests/test_narrative.py`` checks both).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pmo2vmo.resources import data_dir
from pmo2vmo.util.text import compact
from pmo2vmo.util.yamlio import read_yaml

#: Currency symbols written before the amount; any other ISO 4217 code is written after it.
SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


@cache
def report_text() -> dict[str, Any]:
    """The wording of the report's titles, headings and tables (``templates/report.yaml``)."""
    data: dict[str, Any] = read_yaml(data_dir("templates") / "report.yaml")
    return data


@cache
def narrative_text() -> dict[str, Any]:
    """The narrative's wording (``templates/narrative.yaml``)."""
    data: dict[str, Any] = read_yaml(data_dir("templates") / "narrative.yaml")
    return data


def words(*keys: str) -> Any:
    """The wording at ``keys`` (``words("summary", "recommendation")``)."""
    node: Any = narrative_text()
    for key in keys:
        node = node[key]
    return node


def say(*keys: str, **values: Any) -> str:
    """The sentence at ``keys`` with its placeholders filled (client text only as values)."""
    text: str = words(*keys)
    return text.format(**values)


def score(value: float | None) -> str:
    """A 1–5 score or level in a sentence: ``2.15``, ``3.5``, ``4`` (an em dash for none)."""
    return "—" if value is None else compact(value)


def index(value: float | None) -> str:
    """A 0–100 readiness index in a sentence: one decimal (``69.4``)."""
    return "—" if value is None else f"{value:.1f}"


def share(value: float) -> str:
    """A share as a percentage: ``0.93`` → ``93 %``."""
    return f"{value * 100:.0f} %"


def person_months(value: float) -> str:
    """``38 person-months``, ``8.2 person-months``."""
    return f"{value:g} person-month" + ("" if value == 1 else "s")


def money(amount: float, currency: str) -> str:
    """``€228,000`` for a currency with a symbol, else ``228,000 CHF`` (cents only when the
    amount has them: a day rate of 1,234.50)."""
    digits = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{digits}" if symbol else f"{digits} {currency}"


def in_sentence(name: str) -> str:
    """A name inside a sentence: "Prioritisation by value" → "prioritisation by value"; a name
    that starts with an acronym ("PMO baseline") is kept."""
    first = name.split(" ", 1)[0]
    return name if first.isupper() else name[:1].lower() + name[1:]


def listing(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def said(count: int, people: int) -> str:
    """How often a merged comment was given, said truthfully: "" once, "4 people said this"
    when every copy is on one question (a respondent answers a question once), else "said 4
    times" (across questions one person may have repeated it)."""
    if count <= 1:
        return ""
    key = "people_said" if people >= count else "said_times"
    text: str = report_text()["story"][key]
    return text.format(count=count)
