"""The facilitator's view of the room, read from the journal folder every few seconds.

It shows who has answered so far, the answers per question, the room's radar and the questions to
discuss first: the lowest consensus (Tastle & Wierman, the report's measure) and the largest
perception gaps between role groups. Everything comes from the product's own reading and scoring
of the folder (:func:`~pmo2vmo.ingest.responses.load_responses`,
:func:`~pmo2vmo.analysis.scoring.score`), so the confidentiality rules of the report hold here too:
a role group smaller than ``min_group_size`` is never shown, nor a gap that would reveal one. Who
answered what is shown only when the profile declares an identifiable workshop
(``identifiable_workshop: true``: every participant agreed to be identifiable).

A folder is re-read only when a journal in it changed (names, sizes and modification times), so an
idle room costs nothing.
"""

from __future__ import annotations

import asyncio
import html
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ipywidgets as widgets

from pmo2vmo.analysis.score_report import OrganisationScores
from pmo2vmo.analysis.scoring import score
from pmo2vmo.errors import InvalidInputError
from pmo2vmo.ingest.responses import ResponseSet, load_responses
from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.model.profile import Profile, load_profile
from pmo2vmo.resources import samples_dir
from pmo2vmo.workshop.form import DONT_KNOW, NA
from pmo2vmo.workshop.journal import SUFFIX, SessionJournal
from pmo2vmo.workshop.live import LiveRadar

DISCUSS_FIRST = 5


@dataclass(frozen=True)
class QuestionCount:
    """How a question has been answered so far."""

    id: str
    text: str
    scored: int
    not_applicable: int
    dont_know: int
    consensus: float | None


@dataclass(frozen=True)
class Discussion:
    """A question (or dimension) worth discussing first, and why."""

    kind: str  # "consensus" or "perception gap"
    id: str
    text: str
    why: str
    who: tuple[tuple[str, str], ...] = ()  # (respondent, answer): identifiable workshops only


@dataclass
class RoomSnapshot:
    """The room as the journals leave it now."""

    respondents: int = 0
    answers: int = 0
    counts: list[QuestionCount] = field(default_factory=list)
    discuss: list[Discussion] = field(default_factory=list)
    org: OrganisationScores | None = None
    problems: list[str] = field(default_factory=list)  # read errors, or the scores' warnings


def folder_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when any journal in the folder changes."""
    if not folder.is_dir():
        return ()
    out = []
    for entry in os.scandir(folder):
        if entry.name.endswith(SUFFIX) and not entry.name.startswith("."):
            info = entry.stat()
            out.append((entry.name, info.st_size, info.st_mtime_ns))
    return tuple(sorted(out))


def _answer_text(kind: str, value: float) -> str:
    """An answer as the questionnaire journals it (N/A and Don't know as their choices)."""
    return {"na": NA, "dk": DONT_KNOW}.get(kind, f"{value:g}")


def _who(responses: ResponseSet, qid: str) -> tuple[tuple[str, str], ...]:
    rows = responses.answers[responses.answers["question"] == qid]
    columns = (rows[c].tolist() for c in ("respondent", "kind", "value"))
    return tuple((str(rid), _answer_text(str(kind), float(value)))
                 for rid, kind, value in zip(*columns, strict=True))  # fmt: skip


def _discuss(org: OrganisationScores, instrument: Instrument, responses: ResponseSet,
             identifiable: bool) -> list[Discussion]:  # fmt: skip
    """The lowest-consensus questions, then the largest perception gaps shown."""
    texts = {qid: ref.question.text for qid, ref in instrument.questions.items()}
    split = sorted((i for i in org.items if i.consensus is not None and i.answered >= 2),
                   key=lambda i: (i.consensus, i.id))[:DISCUSS_FIRST]  # fmt: skip
    out = []
    for i in split:
        levels = ", ".join(f"{level}×{n}" for level, n in enumerate(i.distribution, 1) if n)
        why = f"consensus {i.consensus:.2f} over {i.answered} answers; levels given: {levels}"
        who = _who(responses, i.id) if identifiable else ()
        out.append(Discussion("consensus", i.id, texts.get(i.id, i.id), why, who))
    names = {d.id: d.name for d in org.dimensions}
    gaps = sorted((g for g in org.perception_gaps if g.gap > 0),
                  key=lambda g: (-g.gap, g.dimension))[:DISCUSS_FIRST]  # fmt: skip
    for g in gaps:
        if g.high is None or g.low is None:
            continue
        why = (
            f"{g.high_group} {g.high:.1f} against {g.low_group} {g.low:.1f} (a gap of {g.gap:.1f})"
        )
        out.append(
            Discussion("perception gap", g.dimension, names.get(g.dimension, g.dimension), why)
        )
    return out


def snapshot(folder: Path, instrument: Instrument, profile: Profile | None = None) -> RoomSnapshot:
    """Read and score the folder's journals as one organisation."""
    profile = profile or Profile()
    if not folder_signature(folder):
        return RoomSnapshot()
    try:
        responses = load_responses([folder], instrument, profile)
    except InvalidInputError as exc:  # journals are named by respondent: say where only if open
        if profile.identifiable_workshop:
            return RoomSnapshot(problems=[str(p) for p in exc.problems])
        count = len(exc.problems)
        note = (f"{count} problem{'s' if count != 1 else ''} in the journals: run "
                "`pmo2vmo validate` on the folder to see them")  # fmt: skip
        return RoomSnapshot(problems=[note])
    org = score(responses, instrument, profile).organisations[0]
    counts = [QuestionCount(i.id, instrument.questions[i.id].question.text, i.answered,
                            i.not_applicable, i.dont_know, i.consensus)
              for i in org.items if i.id in instrument.questions]  # fmt: skip
    return RoomSnapshot(
        respondents=org.respondents, answers=len(responses.answers), counts=counts,
        discuss=_discuss(org, instrument, responses, profile.identifiable_workshop), org=org,
        problems=list(org.warnings),  # as the report words them: counts, nobody named
    )  # fmt: skip


# ------------------------------------------------------------------------------- rendering ---


_KINDS = {"consensus": "Opinions split", "perception gap": "Groups differ"}
_CSS = """<style>
.p2v-discuss td, .p2v-counts td { vertical-align: top; padding: 0.25em 0.6em; }
.p2v-discuss td:nth-child(1), .p2v-discuss td:nth-child(2), .p2v-counts td:nth-child(1) {
    white-space: nowrap; }
.p2v-notes { color: #555; font-size: 0.9em; }
</style>"""


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], css: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)  # fmt: skip
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def discussion_html(snap: RoomSnapshot) -> str:
    """The questions to discuss first, as escaped HTML."""
    if not snap.discuss:
        return "<p>Nothing to discuss yet: a question needs two answers before it can split the room.</p>"
    rows = []
    for d in snap.discuss:
        who = "; ".join(f"{r}: {a}" for r, a in d.who)
        rows.append(
            (_KINDS.get(d.kind, d.kind), d.id, d.text, d.why + (f" — {who}" if who else ""))
        )
    return _table(("Why", "Id", "Question or dimension", "What the room said"), rows,
                  "p2v-discuss")  # fmt: skip


def counts_html(snap: RoomSnapshot) -> str:
    """Answers per question, as escaped HTML."""
    rows = [(c.id, c.text[:90] + ("…" if len(c.text) > 90 else ""), c.scored, c.not_applicable,
             c.dont_know, "—" if c.consensus is None else f"{c.consensus:.2f}")
            for c in snap.counts]  # fmt: skip
    return _table(("Id", "Question", "Scored", "N/A", "Don't know", "Consensus"), rows,
                  "p2v-counts")  # fmt: skip


class RoomView:
    """The facilitator's page: ``widget`` to display, :meth:`refresh` to re-read, :meth:`start`
    to re-read every few seconds while the kernel runs."""

    def __init__(self, folder: Path | str, instrument: Instrument,
                 profile: Profile | None = None) -> None:  # fmt: skip
        self.folder = Path(folder)
        self.instrument = instrument
        self.profile = profile
        self.status = widgets.HTML("")
        self.status.add_class("p2v-room-status")
        self.discuss = widgets.HTML("")
        self.discuss.add_class("p2v-room-discuss")
        self.counts = widgets.HTML("")
        self.radar = LiveRadar("p2v-room-radar")
        self.snapshot = RoomSnapshot()
        self._seen: tuple[tuple[str, int, int], ...] | None = None
        self._task: asyncio.Task[None] | None = None
        self.widget = widgets.VBox([
            self.status, widgets.HTML("<h3>Discuss first</h3>"), self.discuss,
            self.radar.widget, widgets.HTML("<h3>Answers per question</h3>"),
            widgets.Accordion([self.counts], titles=["Show every question"]),
        ])  # fmt: skip
        self.refresh()

    def refresh(self) -> bool:
        """Re-read the folder if a journal changed; whether it did."""
        seen = folder_signature(self.folder)
        if seen == self._seen:
            return False
        self._seen = seen
        snap = self.snapshot = snapshot(self.folder, self.instrument, self.profile)
        k = (self.profile or Profile()).min_group_size
        notes = "".join(f"<li>{html.escape(p)}</li>" for p in snap.problems)
        self.status.value = (
            f"{_CSS}<p><b>{snap.respondents}</b> respondent{'s' if snap.respondents != 1 else ''}"
            f" so far, <b>{snap.answers}</b> answers. Role groups show once they have {k} people."
            "</p>" + (f'<ul class="p2v-notes">{notes}</ul>' if notes else "")
        )  # fmt: skip
        self.discuss.value = discussion_html(snap)
        self.counts.value = counts_html(snap)
        if snap.org is not None:
            self.radar.draw(snap.org, "The room so far: dimensions against the target")
        return True

    def start(self, every: float = 3.0) -> bool:
        """Re-read every ``every`` seconds on the kernel's event loop; False outside a kernel
        (call :meth:`refresh` by hand then)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self.stop()
        self._task = loop.create_task(self._poll(every))
        return True

    async def _poll(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                self.refresh()
            except Exception as exc:  # a refresh that fails must not stop the next one
                self.status.value = f"<p>Could not read the journals: {html.escape(str(exc))}</p>"

    def stop(self) -> None:
        """Stop re-reading."""
        if self._task is not None:
            self._task.cancel()
            self._task = None


def write_rehearsal(folder: Path, responses: ResponseSet, organisation: str | None = None) -> Path:
    """Write ``responses`` as a workshop would have journalled them (one session per respondent),
    for rehearsing the facilitator view and for benchmarks."""
    people = responses.respondents.set_index("respondent")
    for rid, rows in responses.answers.groupby("respondent", sort=False):
        person = people.loc[rid]
        journal = SessionJournal(folder, str(rid), role=_text(person["role"]),
                                 unit=_text(person["unit"]),
                                 organisation=organisation or str(person["organisation"]))  # fmt: skip
        columns = (rows[c].tolist() for c in ("question", "kind", "value", "comment"))
        for qid, kind, value, comment in zip(*columns, strict=True):
            answer: int | str = int(value) if kind == "score" else _answer_text(str(kind), 0.0)
            journal.write(str(qid), answer, _text(comment))
        journal.close()
    return folder


def _text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


REHEARSAL_SAMPLE = "harbor-mutual"


def room_view(journal_dir: Path | str | None = None, profile: Path | str | None = None) -> RoomView:
    """The facilitator's view of ``journal_dir``; without one, a rehearsal room: the Harbor
    Mutual sample's 26 respondents journalled into a fresh temporary folder."""
    instrument = load_instrument()
    if journal_dir is None:
        sample = samples_dir() / f"{REHEARSAL_SAMPLE}.csv"
        profile = profile or samples_dir() / f"{REHEARSAL_SAMPLE}.yaml"
        loaded = load_profile(profile)
        folder = Path(tempfile.mkdtemp(prefix="pmo2vmo-room-")) / "journals"
        write_rehearsal(folder, load_responses([sample], instrument, loaded))
        return RoomView(folder, instrument, loaded)
    return RoomView(journal_dir, instrument, load_profile(profile) if profile else None)
