"""Survey definitions a survey tool imports: ``pmo2vmo survey --format FORMAT --out FILE``.

- ``qualtrics-txt``: Qualtrics' Advanced Format TXT (``[[AdvancedFormat]]``; Survey → Tools →
  Import/Export → Import Survey). An "About you" block first (how to answer with the partial-fit
  rule as a text item, then role and unit), a block per pillar with a page per dimension, one
  single-answer question per item whose data export tag (``[[ID:…]]``) is its id with ``_`` for
  ``-`` (Qualtrics turns ``-`` into ``_`` in export tags), choices ``1 – Initial: descriptor`` …
  recoded 1–5, N/A recoded 97 and Don't know 98 (:data:`~pmo2vmo.ingest.survey.QUALTRICS_RECODES`,
  so a numeric export reads back), and a closing comments question.
- ``limesurvey-tsv``: LimeSurvey's tab-separated survey structure (Surveys → Create → Import,
  a ``.txt`` file; one language), the same groups and questions: each item a "List with comment"
  (type ``O``) whose code is the id's letters and digits (``PB-GOV-01`` → ``PBGOV01``, checked to
  be reversible against the instrument), answer codes ``1``–``5``, ``NA`` and ``DK``; an export's
  ``PBGOV01`` and ``PBGOV01[comment]`` columns read back as the question and its comment.

Every question text also carries its id in brackets, so an export whose headings are the question
texts (or whose tags were renumbered) still names its questions. Client text is data: in
question, choice and help texts (HTML in both tools) it is escaped, Qualtrics' ``[[`` and ``${``
are broken and LimeSurvey's expression braces written as entities; in the plain-text names (block,
group, survey title) the characters either tool reads as markup become look-alikes.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path

from pmo2vmo.errors import InstrumentError
from pmo2vmo.ingest.ids import compact
from pmo2vmo.ingest.survey import QUALTRICS_RECODES
from pmo2vmo.model.instrument import Instrument, QuestionRef
from pmo2vmo.model.profile import Profile
from pmo2vmo.render.template import answer_minutes, how_to_answer
from pmo2vmo.util.atomic import write_text_atomic

FORMATS = ("qualtrics-txt", "limesurvey-tsv")
NA_RECODE, DK_RECODE = sorted(QUALTRICS_RECODES)
LANGUAGE = "en"
# LimeSurvey's rules for a question code: a letter first, letters and digits, at most 20, and not
# one of its reserved words.
_LS_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,19}$")
_LS_RESERVED = {"lang", "sid", "savedid", "token", "qid", "gid", "sgq", "self", "that", "this"}
LS_COLUMNS = ("id", "related_id", "class", "type/scale", "name", "relevance", "text", "help",
              "language", "validation", "mandatory", "other", "default", "same_default")  # fmt: skip


ROLE_HELP = "Your job title or role, for example PMO lead. It is used to compare groups."
UNIT_HELP = "Your business unit or department, if you were asked for it."
COMMENTS_HELP = "Anything else about how your organisation manages value (optional)."


def _text(value: str) -> str:
    """Client or instrument text as one line of HTML, with nothing a format reads as markup:
    tags escaped, Qualtrics' ``[[`` tags and ``${…}`` piped text broken."""
    text = html.escape(" ".join(value.split()), quote=False)
    text = text.replace("${", "$&#123;")
    return text.replace("[[", "[&#8203;[").replace("]]", "]&#8203;]")


_PLAIN = str.maketrans({"<": "‹", ">": "›", "{": "(", "}": ")", "[": "(", "]": ")"})


def _plain_text(value: str) -> str:
    """Client text for a field the tools show as plain text (a block or group name, the title):
    one line, no entities, and no character a tool reads as markup, a tag or an expression
    (``< > { } [ ]`` become look-alikes)."""
    return " ".join(value.split()).translate(_PLAIN)


def _guidance(instrument: Instrument, profile: Profile) -> list[str]:
    """How to answer, as paragraphs: the partial-fit rule, N/A against Don't know, who sees what."""
    return [text for _label, text in how_to_answer(instrument, profile)]


def _title(profile: Profile) -> str:
    client = profile.client or profile.organisation_name
    return "PMO-to-VMO readiness assessment" + (f" — {client}" if client else "")


def _statement(ref: QuestionRef) -> str:
    """A question's text: dimension, id and statement (HTML)."""
    return (f"<strong>{_text(ref.dimension.name)}</strong> [{ref.question.id}]<br>"
            f"{_text(ref.question.text)}")  # fmt: skip


def _choices(instrument: Instrument, ref: QuestionRef) -> Iterator[tuple[str, str]]:
    """(code, text) of a question's choices: the five levels with their descriptors, N/A and
    Don't know."""
    for level in instrument.levels:
        descriptor = ref.question.descriptors[level.value]
        yield str(level.value), f"{level.value} – {_text(level.name)}: {_text(descriptor)}"
    yield "NA", "N/A"
    yield "DK", "Don't know"


# ---------------------------------------------------------------------------------- Qualtrics ---


def export_tag(question_id: str) -> str:
    """A question's Qualtrics data export tag: its id with ``_`` for ``-`` (``PB_GOV_01``)."""
    return question_id.replace("-", "_")


def qualtrics_txt(instrument: Instrument, profile: Profile, audience: str | None = None) -> str:
    """The survey in Qualtrics' Advanced Format TXT."""
    recode = {"NA": NA_RECODE, "DK": DK_RECODE}
    lines = ["[[AdvancedFormat]]", "", "[[Block:About you]]", "", "[[Question:DB]]", "[[ID:Intro]]",
             f"<strong>{_text(_title(profile))}</strong><br><br>"
             + "<br><br>".join(_text(p) for p in _guidance(instrument, profile)), "",
             "[[Question:TE:SingleLine]]", "[[ID:Role]]", f"Your role<br>{ROLE_HELP}", "",
             "[[Question:TE:SingleLine]]", "[[ID:Unit]]", f"Your unit<br>{UNIT_HELP}", ""]  # fmt: skip
    pillar = dimension = None
    for ref in instrument.asked_of(audience):
        if ref.pillar.id != pillar:
            pillar, dimension = ref.pillar.id, ref.dimension.id
            lines += [f"[[Block:{_plain_text(ref.pillar.name)}]]", ""]
        elif ref.dimension.id != dimension:
            dimension = ref.dimension.id
            lines += ["[[PageBreak]]", ""]
        lines += ["[[Question:MC:SingleAnswer:Vertical]]", f"[[ID:{export_tag(ref.question.id)}]]",
                  _statement(ref), "[[AdvancedChoices]]"]  # fmt: skip
        for code, text in _choices(instrument, ref):
            lines += [f"[[Choice:{recode.get(code, code)}]]", text]
        lines.append("")
    lines += ["[[Block:Comments]]", "", "[[Question:TE:Essay]]", "[[ID:Comments]]",
              f"Comments<br>{COMMENTS_HELP}", ""]  # fmt: skip
    return "\n".join(lines)


# --------------------------------------------------------------------------------- LimeSurvey ---


def limesurvey_code(question_id: str) -> str:
    """A question's LimeSurvey code: the id's letters and digits (``PBGOV01``)."""
    return compact(question_id)


def _ls_text(value: str) -> str:
    """HTML text with LimeSurvey's expression braces written as entities."""
    return value.replace("{", "&#123;").replace("}", "&#125;")


def _check_codes(refs: list[QuestionRef]) -> None:
    """Refuse codes LimeSurvey would rename on import, or two ids sharing one code (the codes
    must read back as the ids)."""
    seen: dict[str, str] = {}
    problems = []
    for ref in refs:
        code = limesurvey_code(ref.question.id)
        if not _LS_CODE.match(code) or code.casefold() in _LS_RESERVED:
            problems.append(f"{ref.question.id}: LimeSurvey cannot take the code {code!r}")
        elif code.casefold() in seen:
            problems.append(f"{ref.question.id} and {seen[code.casefold()]} share the LimeSurvey "
                            f"code {code!r}")  # fmt: skip
        seen[code.casefold()] = ref.question.id
    if problems:
        raise InstrumentError(problems)


def limesurvey_tsv(instrument: Instrument, profile: Profile, audience: str | None = None) -> str:
    """The survey as a LimeSurvey tab-separated survey structure (one language)."""
    refs = instrument.asked_of(audience)
    _check_codes(refs)
    key = f"{instrument.id} {instrument.version} {audience or 'all'} {_title(profile)}"
    sid = 100000 + int(hashlib.sha256(key.encode()).hexdigest(), 16) % 900000
    guidance = "".join(f"<p>{_ls_text(_text(p))}</p>" for p in _guidance(instrument, profile))
    rows: list[dict[str, str]] = [
        *({"class": "S", "name": n, "text": v} for n, v in (
            ("sid", str(sid)), ("language", LANGUAGE), ("format", "G"), ("anonymized", "Y"),
            ("showprogress", "Y"), ("allowprev", "Y"), ("allowsave", "Y"))),
        *({"class": "SL", "name": n, "text": v, "language": LANGUAGE} for n, v in (
            ("surveyls_title", _plain_text(_title(profile))),
            ("surveyls_language", LANGUAGE),
            ("surveyls_welcometext", (f"<p>{len(refs)} questions, about "
             f"{answer_minutes(len(refs))} minutes; you can save and come back.</p>")),
            ("surveyls_endtext", "<p>Thank you. Your answers are saved.</p>"))),
    ]  # fmt: skip
    ids = iter(range(1, 10_000))
    group = 0

    def add_group(name: str, text: str = "") -> None:
        nonlocal group
        group += 1
        rows.append({"id": str(next(ids)), "class": "G", "type/scale": str(group), "name": name,
                     "relevance": "1", "text": text, "language": LANGUAGE})  # fmt: skip

    def add_question(kind: str, code: str, text: str, help_text: str = "") -> str:
        qid = str(next(ids))
        rows.append({"id": qid, "class": "Q", "type/scale": kind, "name": code, "relevance": "1",
                     "text": text, "help": help_text, "language": LANGUAGE, "mandatory": "N",
                     "other": "N", "same_default": "0"})  # fmt: skip
        return qid

    add_group("About you")
    add_question("X", "Intro", guidance)
    # Texts that are also the readers' header names, for exports with question-text headings.
    add_question("S", "Role", "Your role", ROLE_HELP)
    add_question("S", "Unit", "Your unit", UNIT_HELP)
    pillar = None
    for ref in refs:
        if ref.pillar.id != pillar:
            pillar = ref.pillar.id
            add_group(_plain_text(ref.pillar.name), _ls_text(_text(ref.pillar.description)))
        qid = add_question("O", limesurvey_code(ref.question.id), _ls_text(_statement(ref)),
                           _ls_text(_text(instrument.meta.partial_fit_rule)))  # fmt: skip
        for code, text in _choices(instrument, ref):
            rows.append({"id": qid, "class": "A", "type/scale": "0", "name": code,
                         "text": _ls_text(text), "language": LANGUAGE})  # fmt: skip
    add_group("Comments")
    add_question("T", "Comments", "Comments", COMMENTS_HELP)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, LS_COLUMNS, delimiter="\t", lineterminator="\n",
                            restval="")  # fmt: skip
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def survey_definition(
    fmt: str, instrument: Instrument, profile: Profile | None = None, audience: str | None = None
) -> str:
    """The survey definition in ``fmt`` (one of :data:`FORMATS`) for the tailored instrument."""
    profile = profile or Profile()
    tailored = instrument.tailored(profile)
    if fmt == "qualtrics-txt":
        return qualtrics_txt(tailored, profile, audience)
    if fmt == "limesurvey-tsv":
        return limesurvey_tsv(tailored, profile, audience)
    raise InstrumentError([f"--format: unknown format {fmt!r} (known: {', '.join(FORMATS)})"])


def write_survey(path: Path | str, text: str) -> Path:
    """Write a survey definition (UTF-8, no byte-order mark) atomically; the path."""
    return write_text_atomic(path, text)
