"""Fixture generators: what respondents and survey tools hand back, built from the files pmo2vmo
writes — a filled questionnaire, a Qualtrics CSV export of the Advanced Format TXT survey, a
LimeSurvey CSV export of the tab-separated structure. The export layouts follow the real files
studied in ``../shared/realworld-exports/`` (Qualtrics: three header rows, the ImportId row,
metadata columns first, Status and Finished, CRLF in a choice-text export; LimeSurvey: BOM, every
field quoted, id/submitdate/lastpage/startlanguage/seed first, a column for the text display
question, a trailing blank line). None of those files is copied.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from pmo2vmo.ingest.ids import compact
from pmo2vmo.model.instrument import Instrument

Level = int | str  # 1–5, "na" or "dk"


@dataclass
class Respondent:
    """One person's answers, as each tool will be given them."""

    rid: str
    role: str | None
    unit: str | None
    answers: dict[str, Level]
    comments: dict[str, str] = field(default_factory=dict)
    comment: str | None = None


def respondents(instrument: Instrument, count: int, seed: int = 7) -> list[Respondent]:
    """``count`` respondents with seeded answers: mostly levels, some N/A, Don't know and blanks,
    a few comments (one with a comma and quotes, one with a line break)."""
    rng = random.Random(seed)
    roles = ["PMO lead", "Portfolio manager", "Finance partner"]
    people = []
    for n in range(count):
        answers: dict[str, Level] = {}
        for qid in instrument.questions:
            roll = rng.random()
            if roll < 0.05:
                continue  # skipped
            answers[qid] = "na" if roll < 0.09 else "dk" if roll < 0.14 else rng.randint(1, 5)
        qids = sorted(answers)
        comments = {qids[n]: 'gates, "mostly" skipped', qids[n + 3]: "first line\nsecond line"}
        people.append(Respondent(f"R{n + 1:02d}", roles[n % 3], f"Unit {n % 2}", answers,
                                 comments, "More funding talk, please." if n == 0 else None))  # fmt: skip
    return people


# ----------------------------------------------------------------------------- questionnaire ---


def fill_questionnaire(blank: Path, out: Path, person: Respondent, *, labels: bool = True) -> Path:
    """The questionnaire ``blank`` filled in as ``person`` would: answers picked from the
    drop-down's labels (or typed as numbers), comments, and the respondent's cells."""
    wb = openpyxl.load_workbook(blank)
    ws = wb["Questionnaire"]
    choices = [row[0] for row in wb["Lists"].iter_rows(values_only=True) if row[0]]
    by_label = {str(c).split(" - ")[0]: c for c in choices}
    for row in ws.iter_rows():
        label = row[0].value
        if label == "Respondent ID:":
            row[1].value = person.rid
        elif label == "Role:":
            row[1].value = person.role
        elif label == "Unit:":
            row[1].value = person.unit
        elif label == "Anything else:":
            row[1].value = person.comment
        elif isinstance(label, str) and label in person.answers:
            given = person.answers[label]
            if given == "na":
                row[7].value = "N/A"
            elif given == "dk":
                row[7].value = "Don't know"
            else:
                row[7].value = by_label.get(str(given), given) if labels else given
            row[8].value = person.comments.get(label)
    wb.save(out)
    return out


# --------------------------------------------------------------------------------- Qualtrics ---

QUALTRICS_META = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/London"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/London"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/London"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("LocationLatitude", "Location Latitude", '{"ImportId":"locationLatitude"}'),
    ("LocationLongitude", "Location Longitude", '{"ImportId":"locationLongitude"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]


@dataclass
class Question:
    """A question of a survey definition, as the tool holds it after import."""

    kind: str
    tag: str
    text: str
    choices: list[tuple[str, str]] = field(default_factory=list)  # (code or recode, text)


def _plain(text: str) -> str:
    """Question text as a tool's export header shows it: HTML stripped."""
    return " ".join(re.sub(r"<[^>]+>", " ", text).split()).replace("&amp;", "&")


def parse_qualtrics(txt: str) -> list[Question]:
    """The questions of an Advanced Format TXT survey, in order."""
    questions: list[Question] = []
    choice: str | None = None
    for line in txt.splitlines():
        if line.startswith("[[Question:"):
            questions.append(Question(line[11:-2], "", ""))
            choice = None
        elif line.startswith("[[ID:"):
            questions[-1].tag = line[5:-2]
        elif line.startswith("[[Choice:"):
            choice = line[9:-2]
        elif line.startswith("[[") or not line.strip() or not questions:
            continue
        elif choice is not None:
            questions[-1].choices.append((choice, line))
            choice = None
        else:
            questions[-1].text += line
    return questions


def _qualtrics_value(q: Question, given: Level | None, numeric: bool) -> str:
    if given is None:
        return ""
    code = {"na": "97", "dk": "98"}.get(str(given), str(given))
    if numeric:
        return code
    return next(text for c, text in q.choices if c == code)


def qualtrics_export(txt: str, people: list[Respondent], *, numeric: bool,
                     display_order: bool = False) -> str:  # fmt: skip
    """A Qualtrics CSV export ("Data table", new format) of the survey ``txt`` answered by
    ``people``, numeric values or choice text, with a survey preview that is no respondent (and
    with ``display_order``, each question's ``_DO`` column of the order its choices were shown)."""
    questions = [q for q in parse_qualtrics(txt) if q.kind != "DB"]
    if display_order:
        questions = [d for q in questions for d in
                     ([q, Question("DO", f"{q.tag}_DO", f"{q.text} - Display Order")]
                      if q.choices else [q])]  # fmt: skip
    tags = [q.tag for q in questions]
    header = [[m[0] for m in QUALTRICS_META] + tags,
              [m[1] for m in QUALTRICS_META] + [_plain(q.text) for q in questions],
              [m[2] for m in QUALTRICS_META] + [
                  json.dumps({"ImportId": f"QID{n}" + ("_TEXT" if q.kind.startswith("TE") else "")})
                  .replace(" ", "") for n, q in enumerate(questions, start=2)]]  # fmt: skip
    rows = []
    preview = Respondent("preview", "Tester", None, {q: 3 for q in list(people[0].answers)[:5]})
    for n, person in enumerate([preview, *people]):
        status = ("1" if numeric else "Survey Preview") if person is preview else (
            "0" if numeric else "IP Address")  # fmt: skip
        meta = ["2026-11-20 09:00:00", "2026-11-20 09:31:12", status,
                "" if person is preview else f"10.0.0.{n}", "100", "1872",
                "1" if numeric else "True", "2026-11-20 09:31:13", f"R_{n:015d}", "", "", "", "",
                "51.5", "-0.12", "preview" if person is preview else "anonymous", "EN"]  # fmt: skip
        values = []
        for q in questions:
            if q.tag == "Role":
                values.append(person.role or "")
            elif q.tag == "Unit":
                values.append(person.unit or "")
            elif q.tag == "Comments":
                values.append(person.comment or "")
            elif q.kind == "DO":
                values.append("1|2|3|4|5|97|98")
            else:
                qid = q.tag.replace("_", "-")
                values.append(_qualtrics_value(q, person.answers.get(qid), numeric))
        rows.append(meta + values)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n" if numeric else "\r\n").writerows([*header, *rows])
    return buffer.getvalue()


# -------------------------------------------------------------------------------- LimeSurvey ---


def parse_limesurvey(tsv: str) -> list[Question]:
    """The questions of a tab-separated survey structure, in order, with their answer options."""
    questions: list[Question] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t"):
        if row["class"] == "Q":
            questions.append(Question(row["type/scale"], row["name"], row["text"]))
        elif row["class"] == "A":
            questions[-1].choices.append((row["name"], row["text"]))
    return questions


LS_META = [("id", "Response ID"), ("submitdate", "Date submitted"), ("lastpage", "Last page"),
           ("startlanguage", "Start language"), ("seed", "Seed")]  # fmt: skip


def _ls_heading(code: str, text: str, sub: str | None, style: str) -> str:
    if style == "code":
        return code + (f"[{sub}]" if sub else "")
    shown = _plain(text) + (f" [{sub.capitalize()}]" if sub else "")
    return f"{code}{'[' + sub + ']' if sub else ''}. {shown}" if style == "codetext" else shown


def limesurvey_export(tsv: str, people: list[Respondent], instrument: Instrument, *,
                      headings: str = "code", full_answers: bool = False,
                      timings: bool = False) -> bytes:  # fmt: skip
    """A LimeSurvey CSV export of the survey ``tsv`` answered by ``people`` (headings ``code``,
    ``codetext`` or ``full``; answer codes or full answers; with ``timings``, the total time and
    each question's time after the answers), as its CSV writer writes it."""
    questions = parse_limesurvey(tsv)
    ids = {compact(qid): qid for qid in instrument.questions}
    header = [code if headings == "code" else f"{code}. {text}" if headings == "codetext"
              else text for code, text in LS_META]  # fmt: skip
    for q in questions:
        header.append(_ls_heading(q.tag, q.text, None, headings))
        if q.kind == "O":
            header.append(_ls_heading(q.tag, q.text, "comment", headings))
    timed = [q for q in questions if q.kind == "O"] if timings else []
    if timings:
        header.append("interviewtime" if headings == "code" else "Total time")
        header += [f"{q.tag}Time" if headings == "code" else f"Question time: {q.tag}"
                   for q in timed]  # fmt: skip
    rows = []
    for n, person in enumerate(people, start=1):
        row = [str(n), "2026-11-21 10:12:00", str(len({q.kind for q in questions})), "en",
               str(1000 + n)]  # fmt: skip
        for q in questions:
            if q.kind == "X":
                row.append("")
            elif q.kind == "S":
                row.append((person.role if q.tag == "Role" else person.unit) or "")
            elif q.kind == "T":
                row.append(person.comment or "")
            else:
                qid = ids[q.tag]
                given = person.answers.get(qid)
                code = "" if given is None else {"na": "NA", "dk": "DK"}.get(str(given), str(given))
                label = dict(q.choices).get(code, "")
                row.append(label if full_answers else code)
                row.append(person.comments.get(qid, ""))
        if timings:
            row += ["1834.2", *("12.5" for _ in timed)]
        rows.append(row)

    def quoted(cells: list[str]) -> str:
        return ",".join('"' + c.replace('"', '""') + '"' for c in cells)

    text = "\r\n".join(quoted(r) for r in [header, *rows]) + "\r\n\r\n"
    return b"\xef\xbb\xbf" + text.encode("utf-8")
