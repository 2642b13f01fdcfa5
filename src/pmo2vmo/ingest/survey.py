"""Survey tools' own markers in their exports: which rows are not respondents, which responses
are incomplete, and which columns beside a question hold its comment.

- Qualtrics ``Status`` (``Response Type``): previews, generated test responses and spam are not
  respondents — the labels of a choice-text export, or the codes of a numeric one (1 Survey
  Preview, 2 Survey Test, 8 Spam, 9 Survey Preview Spam, 12 Imported Spam, 17 Offline Survey
  Preview, 40 EX Spam); 0 IP Address, 4 Imported, 16 Offline and 32 EX are respondents.
- Incomplete: Qualtrics ``Finished`` false, LimeSurvey without ``Date submitted``.
- Companion columns: "[Other]", "- Other (please specify)", "- Comment", "- Text", "_TEXT";
  Qualtrics Text iQ columns ("- Topics", "- Sentiment…"), display order ("_DO") and LimeSurvey's
  question timings ("Question time: …") are not answers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping

from pmo2vmo.errors import ProblemLog
from pmo2vmo.util.text import fold, plural

SURVEY_FIELDS = ("status", "finished", "submitted")

# Qualtrics' response types that are not respondents (Status: label in a choice-text export, code
# in a numeric one): previews, generated test responses and spam. Real responses are 0 "IP
# Address", 4 "Imported", 16 "Offline", 32 "EX".
NOT_RESPONDENTS = {
    "surveypreview": "Survey Preview",
    "surveytest": "Survey Test",
    "spam": "Spam",
    "surveypreviewspam": "Survey Preview Spam",
    "importedspam": "Imported Spam",
    "offlinesurveypreview": "Offline Survey Preview",
    "exspam": "EX Spam",
    "1": "Survey Preview",
    "2": "Survey Test",
    "8": "Spam",
    "9": "Survey Preview Spam",
    "12": "Imported Spam",
    "17": "Offline Survey Preview",
    "40": "EX Spam",
}
UNFINISHED = {"false", "0", "no"}

# The recode values ``pmo2vmo survey --format qualtrics-txt`` gives N/A and Don't know (levels are
# 1–5): a numeric Qualtrics export holds these numbers. 99 is left out on purpose: Qualtrics' own
# example recodes N/A as 99, so a hand-built survey's 99 is refused, not misread.
QUALTRICS_RECODES = {97: "N/A", 98: "Don't know"}

# A column that keeps a question's id but holds text beside it: "[Other]", "- Other (please
# specify)", "- Comment", "- Text", "_TEXT" (the question's comment), or Qualtrics Text iQ's
# "- Topics", "- Sentiment…" (ignored).
COMPANION = re.compile(
    r"(\[\s*(other|comments?)\s*\]|[-–—:]\s*(other(\s*\(please specify\))?|comments?|text|"
    r"other\s*[-–—]\s*text)|_text|\(please specify\))\s*$",
    re.IGNORECASE,
)
TEXT_IQ = re.compile(r"[-–—]\s*(parent\s+)?(topics|sentiment(\s+(polarity|score))?)\s*$", re.I)
# Other columns that carry a question's id but no answer: Qualtrics' display order (``_DO``) and
# LimeSurvey's question timings (``Question time: PBGOV01``; ``PBGOV01Time`` names no id at all).
NOT_ANSWERS = re.compile(r"^\s*question\s+time\s*:|^_do\s*$", re.IGNORECASE)
DUAL_SCALE = re.compile(r"\[\s*scale\s*([12])\s*\]\s*$", re.IGNORECASE)
LIMESURVEY_OTHER = "-oth-"


def survey_status(
    cell: Callable[[str], str | None], meta: Mapping[str, int], qualtrics: bool
) -> tuple[str | None, bool]:
    """(why the row is no respondent, or None; whether the response is incomplete)."""
    status = cell("status") if "status" in meta else None
    label = None
    if status is not None:
        folded = fold(status)
        if not folded.isdigit() or qualtrics:  # a bare code counts in a Qualtrics file only
            label = NOT_RESPONDENTS.get(folded)
    finished = cell("finished") if "finished" in meta else None
    incomplete = finished is not None and finished.casefold() in UNFINISHED
    if "submitted" in meta and cell("submitted") is None:
        incomplete = True  # LimeSurvey: no "Date submitted"
    return label, incomplete


def survey_warnings(
    log: ProblemLog,
    left_out: list[tuple[str, str]],
    incomplete: list[str],
    policy: str,
    survey: Mapping[str, int],
) -> None:
    """One warning for the previews, tests and spam left out, one for the incomplete responses."""
    if left_out:
        kinds = ", ".join(f"{n} {kind}" for kind, n in Counter(k for _, k in left_out).items())
        log.warning(
            f"{plural(len(left_out), 'response')} left out as not from respondents ({kinds}, by "
            f"the Status column): {', '.join(repr(r) for r, _ in left_out)}",
            "previews, test responses and spam are never scored; export without them, or "
            "change their Status, to count them",
        )
    if incomplete:
        signal = "Finished is false" if "finished" in survey else "no Date submitted"
        ids = ", ".join(repr(r) for r in incomplete)
        if policy == "drop":
            log.warning(
                f"{plural(len(incomplete), 'incomplete response')} ({signal}) left out, as the "
                f"profile says (incomplete: drop): {ids}"
            )
        else:
            log.warning(
                f"{plural(len(incomplete), 'incomplete response')} ({signal}) kept and scored "
                f"for what was answered: {ids}",
                "set `incomplete: drop` in the profile to leave them out",
            )
