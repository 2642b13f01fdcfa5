"""The questionnaire widget a participant answers in a workshop (Voilà) or a consultant fills for
them (JupyterLab).

Pillars are tabs; each question shows its statement, its five behavioural descriptors as the
choices (then N/A and Don't know, distinct choices), a comment box and a button that clears the
answer. Only the questions routed to the participant's audiences are shown, unless "Show all
questions" is ticked. Every choice starts unselected. Each change is journalled at once
(:class:`~pmo2vmo.workshop.journal.SessionJournal`) and only then acknowledged with a receipt
("saved ✓ 10:42:07"); comments are journalled when the box loses focus, not per keystroke. The radar is redrawn once
the participant pauses.

The widget holds no logic a report depends on: the journal it writes is read back by
:mod:`pmo2vmo.ingest.journal` like any other, and its radar is the product's own scoring of the
participant's answers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from pmo2vmo.analysis.scoring import score
from pmo2vmo.ingest.responses import journal_responses
from pmo2vmo.model.instrument import Instrument, QuestionRef
from pmo2vmo.model.profile import Profile
from pmo2vmo.workshop.journal import Answer, QuestionState, SessionJournal
from pmo2vmo.workshop.live import ConnectionWatch, LiveRadar

NA = "N/A"
DONT_KNOW = "Don't know"
#: Seconds without a change before the radar is redrawn: a burst of answers costs one redraw,
#: and the next click is never queued behind the last one's chart (in the kernel or the browser).
RADAR_PAUSE = 0.8

_CSS = """<style>
.p2v-choice .widget-radio-box label { display: flex; flex-direction: row;
    justify-content: flex-start; align-items: flex-start; gap: 0.5em;
    white-space: normal !important; line-height: 1.35; height: auto !important;
    margin-bottom: 0.35em; }
.p2v-choice .widget-radio-box input { flex: none; order: -1; margin: 0.2em 0 0 0; }
.p2v-question { border-top: 1px solid #ddd; padding: 0.6em 0 0.8em 0; }
.p2v-receipt { font-weight: bold; color: #1b5e20; }
.p2v-receipt.p2v-failed { color: #b00020; }
.p2v-rule { background: #f4f6f8; padding: 0.5em 1em; border-left: 4px solid #0072b2; }
</style>"""


@dataclass(frozen=True)
class Participant:
    """Who is answering, as the journal records them."""

    respondent: str
    role: str | None = None
    unit: str | None = None
    organisation: str | None = None


def _choice_value(answer: object) -> Answer:
    """A journalled answer as a choice's value (None when it is not one of the choices)."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int) and 1 <= answer <= 5:
        return answer
    if isinstance(answer, str):
        text = answer.strip()
        if text in (NA, DONT_KNOW):
            return text
        if text.isdigit() and 1 <= int(text) <= 5:
            return int(text)
    return None


def _local_time() -> str:
    return dt.datetime.now().strftime("%H:%M:%S")


class _Shared:
    """Layouts and styles every question shares: one model each instead of one per widget,
    which roughly halves what the page has to build (ninety questions make ~1,400 models else)."""

    def __init__(self) -> None:
        self.full = widgets.Layout(width="100%")
        self.comment = widgets.Layout(width="100%", height="3.5em")
        self.plain = widgets.Layout()
        self.shown = widgets.Layout()
        self.hidden = widgets.Layout(display="none")
        self.choice_style = DescriptionStyle()
        self.text_style = TextStyle()
        self.html_style = HTMLStyle()
        self.button_style = widgets.ButtonStyle()


class _QuestionBox:
    """One question's widgets: statement, choices, comment and clear button."""

    def __init__(self, ref: QuestionRef, instrument: Instrument, shared: _Shared) -> None:
        q = ref.question
        self.qid = q.id
        options: list[tuple[str, Answer]] = [
            (f"{level.value} – {level.name}: {q.descriptors[level.value]}", level.value)
            for level in instrument.levels
        ]
        options += [(f"{NA} — this practice does not apply here", NA),
                    (f"{DONT_KNOW} — I cannot see this practice", DONT_KNOW)]  # fmt: skip
        self.choice = widgets.RadioButtons(options=options, value=None, layout=shared.full,
                                           style=shared.choice_style)  # fmt: skip
        self.choice.add_class("p2v-choice")
        self.comment = widgets.Textarea(
            value="", placeholder="Comment (optional): an example, a caveat, evidence",
            continuous_update=False, layout=shared.comment, style=shared.text_style,
        )  # fmt: skip
        self.comment.add_class("p2v-comment")
        self.clear = widgets.Button(description="Clear answer", tooltip="Remove this answer",
                                    layout=shared.plain, style=shared.button_style)  # fmt: skip
        self.clear.add_class("p2v-clear")
        statement = widgets.HTML(f"<b>{html.escape(q.id)}</b> {html.escape(q.text)}",
                                 layout=shared.plain, style=shared.html_style)  # fmt: skip
        self.box = widgets.VBox([statement, self.choice, self.comment, self.clear],
                                layout=shared.shown)  # fmt: skip
        self.box.add_class("p2v-question")
        self.box.add_class(f"p2v-q-{q.id}")

    @property
    def state(self) -> QuestionState:
        return QuestionState(self.choice.value, self.comment.value.strip() or None)


class Questionnaire:
    """The questionnaire for one participant; ``widget`` is what a page displays.

    ``journal`` receives every change (None: nothing is written, e.g. a rehearsal of the layout).
    ``restored`` is what the participant's earlier sessions left (see
    :func:`~pmo2vmo.workshop.journal.restore`): replayed into the widgets without being written
    again. ``clock`` gives the receipt's time of day.
    """

    def __init__(
        self,
        instrument: Instrument,
        participant: Participant,
        *,
        profile: Profile | None = None,
        journal: SessionJournal | None = None,
        restored: Mapping[str, QuestionState] | None = None,
        all_questions: bool = False,
        clock: Callable[[], str] = _local_time,
    ) -> None:
        self.profile = profile or Profile()
        self._base = instrument
        self.instrument = instrument.tailored(self.profile) if profile is not None else instrument
        self.participant = participant
        self.journal = journal
        self._clock = clock
        self._replaying = False
        #: Changes journalled in this session (the receipt carries the count for scripts).
        self.saved = 0
        self._kept: dict[str, QuestionState] = {}  # each question as the journal holds it
        self._pending: asyncio.TimerHandle | None = None
        audiences = self.instrument.audiences_for(participant.role, self.profile)
        self.routed = set(self.instrument.routed(audiences))
        self.boxes: dict[str, _QuestionBox] = {}
        self.receipt = widgets.HTML("")
        self.receipt.add_class("p2v-receipt")
        self.progress = widgets.HTML("")
        self.progress.add_class("p2v-progress")
        self.show_all = widgets.Checkbox(value=all_questions, description="Show all questions",
                                         indent=False)  # fmt: skip
        self.show_all.add_class("p2v-all")
        self.radar = LiveRadar()
        self._shared = _Shared()
        self.tabs = self._tabs()
        self.show_all.observe(lambda _change: self._route(), names="value")
        self._route()
        if restored:
            self.replay(restored)
        else:
            self._refresh()
        self.widget = widgets.VBox([self._header(), self.tabs, self.radar.widget])
        self.widget.add_class("p2v-questionnaire")

    # ------------------------------------------------------------------------------ layout ---

    def _header(self) -> widgets.Widget:
        who = self.participant
        named = html.escape(who.respondent) + (f" ({html.escape(who.role)})" if who.role else "")
        rule = html.escape(self.instrument.meta.partial_fit_rule)
        return widgets.VBox([
            widgets.HTML(_CSS),
            ConnectionWatch(),
            widgets.HTML(f"<h2>Value management assessment</h2><p>Answering as <b>{named}</b>"
                         + (f" for {html.escape(who.organisation)}" if who.organisation else "")
                         + ".</p>"),
            widgets.HTML(f'<div class="p2v-rule"><b>How to answer.</b> {rule} Choose N/A when '
                         "the practice does not apply to your organisation, Don't know when you "
                         "cannot see it.</div>"),
            widgets.HBox([self.progress, widgets.HTML("&nbsp;·&nbsp;"), self.receipt]),
            self.show_all,
        ])  # fmt: skip

    def _tabs(self) -> widgets.Tab:
        pages, titles = [], []
        for pillar in self.instrument.pillars:
            rows: list[widgets.Widget] = []
            for dim in pillar.dimensions:
                rows.append(widgets.HTML(f"<h3>{html.escape(dim.name)}</h3>"))
                for q in dim.questions:
                    box = _QuestionBox(self.instrument.questions[q.id], self.instrument,
                                       self._shared)  # fmt: skip
                    self.boxes[q.id] = box
                    box.choice.observe(self._on_change(q.id), names="value")
                    box.comment.observe(self._on_change(q.id), names="value")
                    box.clear.on_click(self._on_clear(q.id))
                    rows.append(box.box)
            pages.append(widgets.VBox(rows))
            titles.append(pillar.name)
        tabs = widgets.Tab(children=pages, titles=titles, selected_index=0)
        tabs.add_class("p2v-pillars")
        return tabs

    def _route(self) -> None:
        """Show the routed questions (all when "Show all questions" is ticked)."""
        for qid, box in self.boxes.items():
            box.box.layout = self._shared.shown if self.shown(qid) else self._shared.hidden
        self._show_progress()

    def shown(self, qid: str) -> bool:
        """Whether the question is on the participant's page now."""
        return self.show_all.value or qid in self.routed

    # -------------------------------------------------------------------------- behaviour ---

    def _on_change(self, qid: str) -> Callable[[Any], None]:
        def changed(_change: Any) -> None:
            if not self._replaying:
                self.record(qid)

        return changed

    def _on_clear(self, qid: str) -> Callable[[Any], None]:
        def clear(_button: Any) -> None:
            self.boxes[qid].choice.value = None  # journalled by the choice's observer

        return clear

    def record(self, qid: str) -> None:
        """Journal a question's state, then show the receipt, the progress and the radar.

        A change that cannot be written is undone on the page (the question shows what is on
        disk) and the receipt says so, so the screen never shows an answer the journal lacks.
        """
        state = self.boxes[qid].state
        if self.journal is not None:
            try:
                self.journal.write(qid, state.answer, state.comment)
            except OSError as exc:
                self._put({qid: self._kept.get(qid, QuestionState(None, None))})
                self.receipt.value = (f"NOT saved ({html.escape(exc.strerror or str(exc))}): "
                                      "your last change was undone. Tell the facilitator before "
                                      "answering more.")  # fmt: skip
                self.receipt.add_class("p2v-failed")
                self._show_progress()
                return
        self._kept[qid] = state
        self.receipt.remove_class("p2v-failed")
        self.saved += 1
        self.receipt.value = f'<span data-saved="{self.saved}">saved ✓ {self._clock()}</span>'
        self._refresh()

    def _put(self, states: Mapping[str, QuestionState]) -> None:
        """Set questions' widgets without journalling the change."""
        self._replaying = True
        try:
            for qid, state in states.items():
                box = self.boxes.get(qid)
                if box is None:
                    continue
                box.choice.value = _choice_value(state.answer)
                box.comment.value = state.comment or ""
        finally:
            self._replaying = False

    def replay(self, states: Mapping[str, QuestionState]) -> None:
        """Put earlier answers back into the widgets without journalling them again."""
        self._put(states)
        self._kept.update(states)
        self.receipt.value = "earlier answers restored"
        self._refresh()

    # ------------------------------------------------------------------------------ views ---

    def answers(self) -> dict[str, QuestionState]:
        """Every question with an answer or a comment, as the widgets hold it now."""
        return {qid: box.state for qid, box in self.boxes.items()
                if box.state.answer is not None or box.state.comment}  # fmt: skip

    def _show_progress(self) -> None:
        shown = [qid for qid in self.boxes if self.shown(qid)]
        done = sum(1 for qid in shown if self.boxes[qid].choice.value is not None)
        self.progress.value = f"answered {done} of {len(shown)}"

    def _refresh(self) -> None:
        """The progress now; the radar once the participant pauses (see :data:`RADAR_PAUSE`)."""
        self._show_progress()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a test, a script): draw at once
            self.draw_radar()
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(RADAR_PAUSE, self.draw_radar)

    def draw_radar(self) -> None:
        """Redraw the participant's radar from the answers on the page."""
        self._pending = None
        events = [
            {"v": 1, "seq": n, "respondent": self.participant.respondent,
             "role": self.participant.role, "question": qid, "answer": state.answer}
            for n, (qid, state) in enumerate(self.answers().items(), start=1)
            if state.answer is not None
        ]  # fmt: skip
        if not events:
            self.radar.clear()
            return
        responses = journal_responses(events, self._base, self.profile)
        org = score(responses, self._base, self.profile).organisations[0]
        self.radar.draw(org, "Your answers against the target, by dimension")
