"""The participant page: who is answering, then their questionnaire.

``pmo2vmo workshop`` hands the page its settings in environment variables (Voilà's kernels inherit
the server's environment) and Voilà hands it the page's query string (``QUERY_STRING``):

- with invitees, only a signed link enters (:func:`~pmo2vmo.workshop.links.verified`); a link
  whose respondent, role, unit or signature was edited is refused;
- without invitees, the first screen asks for an id and a role (the server's token is the only
  key to the room).

A participant who comes back (a reload, another device, a restarted server) finds their answers
restored from their journals, and goes on in a new session journal.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets

from pmo2vmo.model.instrument import Instrument, load_instrument
from pmo2vmo.model.profile import Profile, load_profile
from pmo2vmo.workshop.form import Participant, Questionnaire
from pmo2vmo.workshop.journal import SessionJournal, restore
from pmo2vmo.workshop.links import verified

ENV_JOURNAL = "PMO2VMO_WORKSHOP_JOURNAL_DIR"
ENV_PROFILE = "PMO2VMO_WORKSHOP_PROFILE"
ENV_ORGANISATION = "PMO2VMO_WORKSHOP_ORGANISATION"
ENV_KEY = "PMO2VMO_WORKSHOP_KEY"
ENV_INVITED = "PMO2VMO_WORKSHOP_INVITED"


@dataclass(frozen=True)
class PageSettings:
    """What the server tells every participant page."""

    journal_dir: Path
    profile: Path | None
    organisation: str | None
    key: bytes
    invitation_only: bool

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> PageSettings | None:
        """The settings ``pmo2vmo workshop`` exported; None outside a workshop server."""
        if not env.get(ENV_JOURNAL) or not env.get(ENV_KEY):
            return None
        return cls(
            journal_dir=Path(env[ENV_JOURNAL]),
            profile=Path(env[ENV_PROFILE]) if env.get(ENV_PROFILE) else None,
            organisation=env.get(ENV_ORGANISATION) or None,
            key=bytes.fromhex(env[ENV_KEY]),
            invitation_only=env.get(ENV_INVITED) == "1",
        )


def _message(text: str, css: str) -> widgets.HTML:
    note = widgets.HTML(f"<p>{html.escape(text)}</p>")
    note.add_class(css)
    return note


class ParticipantPage:
    """The page's one widget (``widget``): a sign-in or a refusal, then the questionnaire."""

    def __init__(self, settings: PageSettings, query: str = "") -> None:
        self.settings = settings
        self.instrument: Instrument = load_instrument()
        self.profile: Profile | None = (
            load_profile(settings.profile) if settings.profile is not None else None
        )
        self.widget = widgets.VBox()
        self.widget.add_class("p2v-page")
        self.questionnaire: Questionnaire | None = None
        invitee = verified(settings.key, query)
        if invitee is not None:
            self.start(Participant(invitee.respondent, invitee.role, invitee.unit,
                                   self._organisation))  # fmt: skip
        elif settings.invitation_only or "sig=" in query:
            self.widget.children = [_message(
                "This link is not valid for this workshop: it was changed or belongs to another "
                "session. Open the link you were sent, or ask the facilitator for yours.",
                "p2v-refused")]  # fmt: skip
        else:
            self._sign_in()

    @property
    def _organisation(self) -> str | None:
        profile_name = self.profile.organisation_name if self.profile is not None else None
        return self.settings.organisation or profile_name

    def _sign_in(self) -> None:
        rid = widgets.Text(description="Your id", placeholder="e.g. your initials or e-mail")
        rid.add_class("p2v-id")
        role = widgets.Text(description="Your role", placeholder="e.g. PMO lead, CFO")
        role.add_class("p2v-role")
        unit = widgets.Text(description="Unit", placeholder="optional")
        unit.add_class("p2v-unit")
        start = widgets.Button(description="Start", button_style="primary")
        start.add_class("p2v-start")
        problem = widgets.HTML("")

        def go(_button: object) -> None:
            if not rid.value.strip() or not role.value.strip():
                problem.value = "<p>Give your id and your role to start.</p>"
                return
            self.start(Participant(rid.value.strip(), role.value.strip(),
                                   unit.value.strip() or None, self._organisation))  # fmt: skip

        start.on_click(go)
        self.widget.children = [
            widgets.HTML("<h2>Value management assessment</h2><p>Who is answering? Use the same "
                         "id if you come back: your answers are kept under it.</p>"),
            rid, role, unit, start, problem,
        ]  # fmt: skip

    def start(self, who: Participant) -> None:
        """Open ``who``'s questionnaire with their earlier answers restored."""
        folder = self.settings.journal_dir
        states, _ = restore(folder, who.respondent)
        journal = SessionJournal(folder, who.respondent, role=who.role, unit=who.unit,
                                 organisation=who.organisation)  # fmt: skip
        self.questionnaire = Questionnaire(self.instrument, who, profile=self.profile,
                                           journal=journal, restored=states)  # fmt: skip
        self.widget.children = [self.questionnaire.widget]


def participant_page(env: Mapping[str, str] | None = None) -> ParticipantPage:
    """The page for this kernel: the server's settings and the page's query string, or — outside
    a workshop server, e.g. when the notebook is rehearsed in JupyterLab — a sign-in whose answers
    go to a fresh temporary folder."""
    env = os.environ if env is None else env
    settings = PageSettings.from_environment(env)
    if settings is None:
        rehearsal = Path(tempfile.mkdtemp(prefix="pmo2vmo-rehearsal-"))
        settings = PageSettings(rehearsal, None, "Rehearsal", os.urandom(32), False)
    return ParticipantPage(settings, env.get("QUERY_STRING", ""))


def capture(
    journal_dir: Path | str | None,
    respondent: str,
    role: str | None = None,
    *,
    unit: str | None = None,
    organisation: str | None = None,
    profile: Path | str | None = None,
    all_questions: bool = False,
) -> Questionnaire:
    """A consultant capturing one participant's answers in JupyterLab: the participant's earlier
    answers restored, every change journalled into ``journal_dir`` (a fresh temporary folder when
    None, for a rehearsal)."""
    folder = (Path(journal_dir) if journal_dir is not None
              else Path(tempfile.mkdtemp(prefix="pmo2vmo-capture-")))  # fmt: skip
    loaded = load_profile(profile) if profile is not None else None
    org = organisation or (loaded.organisation_name if loaded is not None else None)
    states, _ = restore(folder, respondent)
    journal = SessionJournal(folder, respondent, role=role, unit=unit, organisation=org)
    return Questionnaire(load_instrument(), Participant(respondent, role, unit, org),
                         profile=loaded, journal=journal, restored=states,
                         all_questions=all_questions)  # fmt: skip
