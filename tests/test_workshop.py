"""Workshop capture without a browser: the journal, restoring, folders of journals as one
organisation, the questionnaire driven through its widgets' values and clicks, the participant
page's entry rules, signed links, the facilitator's view and the server's checks."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pmo2vmo.analysis.scoring import score
from pmo2vmo.cli import main
from pmo2vmo.errors import InvalidInputError, WorkshopError
from pmo2vmo.ingest.responses import inspect_file, load_responses
from pmo2vmo.model.instrument import Instrument
from pmo2vmo.model.profile import Profile
from pmo2vmo.resources import samples_dir
from pmo2vmo.workshop import links
from pmo2vmo.workshop.app import PageSettings, ParticipantPage, participant_page
from pmo2vmo.workshop.form import DONT_KNOW, NA, Participant, Questionnaire
from pmo2vmo.workshop.journal import SessionJournal, restore, safe_name
from pmo2vmo.workshop.room import RoomView, snapshot, write_rehearsal
from pmo2vmo.workshop.server import participant_notebook, prepare

Q1, Q2, Q3 = "PB-GOV-01", "PB-GOV-02", "PB-GOV-03"


def _lines(folder: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.jsonl")):
        out += [json.loads(line) for line in path.read_text().splitlines()]
    return out


def _form(instrument: Instrument, folder: Path, rid: str = "R01", role: str = "PMO lead",
          **kwargs: Any) -> Questionnaire:  # fmt: skip
    states, _ = restore(folder, rid)
    journal = SessionJournal(folder, rid, role=role, organisation="Acme")
    return Questionnaire(instrument, Participant(rid, role, None, "Acme"), journal=journal,
                         restored=states, clock=lambda: "10:42:07", **kwargs)  # fmt: skip


# ------------------------------------------------------------------------------ journal ---


def test_each_change_is_one_complete_synced_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every event is one os.write of one whole line on an O_APPEND descriptor, then fsync."""
    calls: list[tuple[str, object]] = []
    real_write, real_fsync, real_open = os.write, os.fsync, os.open

    def spy_open(path: Any, flags: int, *args: Any) -> int:
        fd = real_open(path, flags, *args)
        if str(path).endswith(".jsonl"):
            calls.append(("open", flags))
        return fd

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(
        os, "write", lambda fd, data: calls.append(("write", data)) or real_write(fd, data)
    )
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(("fsync", fd)) or real_fsync(fd))
    journal = SessionJournal(tmp_path / "j", "R01", role="CFO", organisation="Acme")
    journal.write(Q1, 3, None)
    journal.write(Q1, 3, "a comment, with a newline\nin it")
    opened = [flags for kind, flags in calls if kind == "open"]
    assert len(opened) == 1
    assert opened[0] & os.O_APPEND
    assert opened[0] & os.O_EXCL
    writes = [data for kind, data in calls if kind == "write"]
    assert len(writes) == 2
    assert all(isinstance(w, bytes) and w.endswith(b"\n") and w.count(b"\n") == 1 for w in writes)
    kinds = [kind for kind, _ in calls if kind in ("write", "fsync")]
    assert kinds[-2:] == ["write", "fsync"]
    assert kinds.count("fsync") >= 4
    events = _lines(tmp_path / "j")
    assert [e["seq"] for e in events] == [1, 2]
    assert set(events[0]) == {"v", "seq", "ts", "organisation", "respondent", "role", "unit",
                              "question", "answer", "comment"}  # fmt: skip


def test_the_folder_holds_journals_only_and_nothing_before_the_first_answer(tmp_path: Path) -> None:
    """A session creates its file on its first change; no header, lock or other file appears."""
    folder = tmp_path / "j"
    journal = SessionJournal(folder, "R01")
    assert not folder.exists()
    journal.write(Q1, 2, None)
    assert [p.suffix for p in folder.iterdir()] == [".jsonl"]


def test_seq_keeps_rising_across_sessions_and_restore_takes_the_latest(tmp_path: Path) -> None:
    """A resumed session continues the participant's seq; restoring gives each question's latest
    state and writes nothing."""
    first = SessionJournal(tmp_path, "R01")
    first.write(Q1, 2, None)
    first.write(Q2, NA, "not here")
    first.close()
    second = SessionJournal(tmp_path, "R01")
    assert second.seq == 2
    second.write(Q1, 4, None)
    before = sorted(p.stat().st_size for p in tmp_path.iterdir())
    states, top = restore(tmp_path, "R01")
    assert top == 3
    assert (states[Q1].answer, states[Q2].answer, states[Q2].comment) == (4, NA, "not here")
    assert sorted(p.stat().st_size for p in tmp_path.iterdir()) == before
    assert restore(tmp_path, "R02") == ({}, 0)


def test_ids_are_sanitised_for_file_names(tmp_path: Path) -> None:
    """A respondent id with slashes, dots or spaces never escapes the folder or hides a file, and
    two ids that sanitise alike get different names."""
    assert safe_name("alice") == "alice"
    for rid in ("../../etc/passwd", ".hidden", "a b", "a/b", "é😀"):
        name = safe_name(rid)
        assert "/" not in name
        assert not name.startswith(".")
        assert len(name) <= 48
    assert safe_name("a b") != safe_name("a/b")
    journal = SessionJournal(tmp_path / "j", "../../escape")
    journal.write(Q1, 1, None)
    assert journal.path.parent == tmp_path / "j"
    assert journal.path.exists()
    assert restore(tmp_path / "j", "../../escape")[0][Q1].answer == 1


# ----------------------------------------------------------------------- folder as input ---


def _session(folder: Path, rid: str, answers: dict[str, Any], role: str = "PMO lead",
             org: str | None = "Acme") -> SessionJournal:  # fmt: skip
    journal = SessionJournal(folder, rid, role=role, organisation=org)
    for qid, answer in answers.items():
        journal.write(qid, answer, None)
    journal.close()
    return journal


def test_a_folder_of_journals_is_one_organisation(tmp_path: Path, instrument: Instrument) -> None:
    """Every journal in the folder counts; a participant's later session wins question by
    question; N/A, Don't know and unanswered stay distinct."""
    _session(tmp_path, "R01", {Q1: 2, Q2: NA})
    _session(tmp_path, "R01", {Q1: 4})  # resumed: seq continues, Q1 replaced, Q2 kept
    _session(tmp_path, "R02", {Q1: DONT_KNOW, Q3: 5}, role="CFO")
    rs = load_responses([tmp_path], instrument)
    got = {(a.respondent, a.question): (a.kind, a.value)
           for a in rs.answers.itertuples(index=False)}  # fmt: skip
    assert got[("R01", Q1)] == ("score", 4.0)
    assert got[("R01", Q2)][0] == "na"
    assert got[("R02", Q1)][0] == "dk"
    assert ("R02", Q2) not in got
    assert rs.organisations == ["Acme"]
    assert len(rs.respondents) == 2
    org = score(rs, instrument).organisations[0]
    assert org.respondents == 2


def test_merge_does_not_depend_on_listing_order(tmp_path: Path, instrument: Instrument) -> None:
    """Two events with the same seq: the later file name wins, whichever file was created first."""
    event = {"v": 1, "respondent": "R01", "question": Q1, "seq": 1, "organisation": "Acme"}
    for folder, order in ((tmp_path / "x", ("b", "a")), (tmp_path / "y", ("a", "b"))):
        folder.mkdir()
        for name in order:
            answer = 5 if name == "b" else 2
            (folder / f"R01--{name}.jsonl").write_text(
                json.dumps(event | {"answer": answer}) + "\n"
            )
        rs = load_responses([folder], instrument)
        assert rs.answers["value"].tolist() == [5.0]


def test_two_open_sessions_of_one_participant_let_the_later_change_win(tmp_path: Path,
                                                                      instrument: Instrument) -> None:  # fmt: skip
    """Phone and laptop open at once: each write takes a seq above everything on disk, so the
    later change wins whichever file sorts last."""
    laptop = SessionJournal(tmp_path, "R01")
    phone = SessionJournal(tmp_path, "R01")
    phone.write(Q1, 2, None)
    laptop.write(Q1, 5, None)
    phone.write(Q2, 3, None)
    assert [e["seq"] for e in _lines(tmp_path) if e["question"] == Q2] == [3]
    rs = load_responses([tmp_path], instrument)
    assert rs.answers.loc[rs.answers["question"] == Q1, "value"].tolist() == [5.0]
    assert restore(tmp_path, "R01")[0][Q1].answer == 5


def test_a_short_write_leaves_no_half_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           instrument: Instrument) -> None:  # fmt: skip
    """A write that stops part-way (a full disk) is cut back off the file and raised; the next
    answer lands on a line of its own and the folder still reads."""
    journal = SessionJournal(tmp_path, "R01")
    journal.write(Q1, 2, None)
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[:10]))
    with pytest.raises(OSError, match="only 10 of"):
        journal.write(Q2, 3, None)
    monkeypatch.setattr(os, "write", real_write)
    journal.write(Q3, 4, "très bien")
    assert [e["question"] for e in _lines(tmp_path)] == [Q1, Q3]
    assert [e["seq"] for e in _lines(tmp_path)] == [1, 2]
    assert len(load_responses([tmp_path], instrument).answers) == 2


def test_a_journal_cut_inside_a_character_still_restores(tmp_path: Path) -> None:
    """A last line cut in the middle of a UTF-8 character is passed over, not a crash."""
    journal = SessionJournal(tmp_path, "R01")
    journal.write(Q1, 2, "très")
    journal.close()
    path = journal.path
    path.write_bytes(path.read_bytes() + '{"v":1,"seq":2,"comment":"trè'.encode()[:-1])
    assert restore(tmp_path, "R01")[0][Q1].comment == "très"
    assert SessionJournal(tmp_path, "R01").seq == 1


def test_folder_problems_name_the_journal_and_line(tmp_path: Path, instrument: Instrument) -> None:
    """A bad event is reported with its journal's name and line; other files, and journals of
    two organisations, are errors; hidden files are passed over; a torn last line warns."""
    _session(tmp_path, "R01", {Q1: 2})
    bad = tmp_path / "R02--x.jsonl"
    bad.write_text('{"v": 1, "seq": 1, "respondent": "R02", "question": "XX-YY-01", "answer": 3}\n')
    (tmp_path / ".DS_Store").write_bytes(b"\0\0")
    (tmp_path / "notes.txt").write_text("hello")
    _, problems = inspect_file(tmp_path, instrument)
    located = {(p.file, p.row, p.message.split(":")[0]) for p in problems if p.severity == "error"}
    assert (f"{tmp_path.name}/R02--x.jsonl", 1, "unknown question id 'XX-YY-01'") in located
    assert any(
        p.file == f"{tmp_path.name}/notes.txt" and "is not a response file" in p.message
        for p in problems
    )
    assert not any(p.file.endswith(".DS_Store") for p in problems)

    other = tmp_path / "two"
    _session(other, "R01", {Q1: 2}, org="Acme")
    _session(other, "R02", {Q1: 3}, org="Globex")
    _, problems = inspect_file(other, instrument)
    assert any("more than one organisation" in p.message and "Globex" in p.message
               for p in problems)  # fmt: skip

    torn = tmp_path / "torn"
    _session(torn, "R01", {Q1: 2, Q2: 3})
    path = next(torn.iterdir())
    path.write_bytes(path.read_bytes() + b'{"v": 1, "seq": 3, "resp')
    rs, problems = inspect_file(torn, instrument)
    assert rs is not None
    assert len(rs.answers) == 2
    assert any(p.severity == "warning" and "incomplete" in p.message for p in problems)


def test_a_folder_takes_the_profile_organisation_else_its_own_name(tmp_path: Path,
                                                                    instrument: Instrument) -> None:  # fmt: skip
    """Events naming no organisation belong to the profile's client, else to the folder's name."""
    _session(tmp_path / "globex-workshop", "R01", {Q1: 3}, org=None)
    rs = load_responses([tmp_path / "globex-workshop"], instrument)
    assert rs.organisations == ["globex-workshop"]
    rs = load_responses([tmp_path / "globex-workshop"], instrument, Profile(client="Globex"))
    assert rs.organisations == ["Globex"]


def test_cli_reads_a_folder(tmp_path: Path) -> None:
    """`validate` and `score --json` take a journal folder; a bad one exits 2 naming the file."""
    _session(tmp_path / "acme", "R01", {Q1: 3, Q2: 4})
    _session(tmp_path / "acme", "R02", {Q1: 2}, role="CFO")
    runner = CliRunner()
    result = runner.invoke(main, ["validate", str(tmp_path / "acme")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["score", str(tmp_path / "acme"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["organisations"][0]["respondents"] == 2
    (tmp_path / "acme" / "R03--bad.jsonl").write_text('{"v": 2}\n')
    result = runner.invoke(main, ["score", str(tmp_path / "acme")])
    assert result.exit_code == 2
    assert "R03--bad.jsonl" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_run_writes_the_report_of_a_journal_folder(tmp_path: Path, instrument: Instrument) -> None:
    """`pmo2vmo run FOLDER` writes the organisation's report from the workshop's journals, and
    `roadmap` plans it."""
    profile = samples_dir() / "harbor-mutual.yaml"
    from pmo2vmo.model.profile import load_profile

    responses = load_responses([samples_dir() / "harbor-mutual.csv"], instrument,
                               load_profile(profile))  # fmt: skip
    folder = write_rehearsal(tmp_path / "harbor", responses)
    runner = CliRunner()
    result = runner.invoke(main, ["roadmap", str(folder), "--profile", str(profile), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["organisations"][0]["archetype"]["id"]
    result = runner.invoke(main, ["run", str(folder), "--out", str(tmp_path / "out"),
                                  "--profile", str(profile), "--formats", "html"])  # fmt: skip
    assert result.exit_code == 0, result.output
    reports = list((tmp_path / "out").rglob("*.html"))
    assert len(reports) == 1
    assert "Harbor Mutual" in reports[0].read_text(encoding="utf-8")


# ------------------------------------------------------------------------ questionnaire ---


def test_choices_start_unselected_with_na_and_dont_know_distinct(tmp_path: Path,
                                                                  instrument: Instrument) -> None:  # fmt: skip
    """Each question offers its five descriptors, N/A and Don't know, and starts unselected; the
    page opens on the first pillar with the first question first."""
    form = _form(instrument, tmp_path)
    box = form.boxes[Q1]
    values = [value for _, value in box.choice.options]
    assert values == [1, 2, 3, 4, 5, NA, DONT_KNOW]
    descriptors = instrument.questions[Q1].question.descriptors
    assert all(descriptors[v] in label for label, v in box.choice.options[:5])
    assert all(b.choice.value is None for b in form.boxes.values())
    assert form.tabs.selected_index == 0
    assert form.tabs.titles[0] == instrument.pillars[0].name
    assert next(iter(form.boxes)) == instrument.pillars[0].dimensions[0].questions[0].id
    assert form.progress.value == f"answered 0 of {len(form.routed)}"
    assert instrument.meta.partial_fit_rule.split(".")[0] in str(
        [w.value for w in form.widget.children[0].children if hasattr(w, "value")]
    )


def test_every_change_is_journalled_then_acknowledged(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A choice, a comment and a clear each write one event carrying the question's whole state,
    then show the receipt and the progress; a comment keeps the answer, and a comment with no
    answer carries null."""
    form = _form(instrument, tmp_path)
    form.boxes[Q1].choice.value = 3
    assert "saved ✓ 10:42:07" in form.receipt.value
    assert form.progress.value.startswith("answered 1 of")
    form.boxes[Q1].comment.value = "We have a charter, unsigned."
    form.boxes[Q2].comment.value = "No gates at all."
    form.boxes[Q1].clear.click()
    events = [(e["question"], e["answer"], e["comment"]) for e in _lines(tmp_path)]
    assert events == [
        (Q1, 3, None),
        (Q1, 3, "We have a charter, unsigned."),
        (Q2, None, "No gates at all."),
        (Q1, None, "We have a charter, unsigned."),
    ]
    assert form.progress.value.startswith("answered 0 of")
    assert form.boxes[Q1].comment.continuous_update is False  # journalled on blur, not per key


def test_na_dont_know_and_unanswered_score_differently(
    tmp_path: Path, instrument: Instrument
) -> None:
    """N/A and Don't know are journalled as themselves and read back as such, never as 0."""
    form = _form(instrument, tmp_path)
    form.boxes[Q1].choice.value = NA
    form.boxes[Q2].choice.value = DONT_KNOW
    form.boxes[Q3].choice.value = 2
    item = {i.id: i for i in score(load_responses([tmp_path], instrument),
                                   instrument).organisations[0].items}  # fmt: skip
    assert (item[Q1].not_applicable, item[Q1].dont_know, item[Q1].score) == (1, 0, None)
    assert (item[Q2].not_applicable, item[Q2].dont_know, item[Q2].score) == (0, 1, None)
    assert item[Q3].score == 2.0


def test_restoring_replays_without_journalling(tmp_path: Path, instrument: Instrument) -> None:
    """A participant who comes back finds their answers and comments in the widgets, and the
    replay writes nothing."""
    form = _form(instrument, tmp_path)
    form.boxes[Q1].choice.value = 4
    form.boxes[Q2].choice.value = DONT_KNOW
    form.boxes[Q2].comment.value = "ask finance"
    count = len(_lines(tmp_path))
    again = _form(instrument, tmp_path)
    assert (again.boxes[Q1].choice.value, again.boxes[Q2].choice.value) == (4, DONT_KNOW)
    assert again.boxes[Q2].comment.value == "ask finance"
    assert len(_lines(tmp_path)) == count
    assert again.receipt.value == "earlier answers restored"
    again.boxes[Q1].choice.value = 5
    assert max(e["seq"] for e in _lines(tmp_path)) == count + 1


def test_questions_are_routed_to_the_role_with_all_questions_as_an_option(
    tmp_path: Path, instrument: Instrument
) -> None:
    """A CFO sees only the finance audience's questions until "Show all questions" is ticked."""
    form = _form(instrument, tmp_path, role="CFO")
    routed = set(instrument.routed(instrument.audiences_for("CFO", Profile())))
    assert form.routed == routed
    assert len(routed) < len(instrument.questions)
    hidden = next(q for q in form.boxes if q not in routed)
    assert form.boxes[hidden].box.layout.display == "none"
    assert form.boxes[next(iter(routed))].box.layout.display is None
    assert form.progress.value == f"answered 0 of {len(routed)}"
    form.show_all.value = True
    assert form.boxes[hidden].box.layout.display is None
    assert form.progress.value == f"answered 0 of {len(instrument.questions)}"


def test_the_radar_shows_the_participant_against_the_target(
    tmp_path: Path, instrument: Instrument
) -> None:
    """The live radar redraws after each answer with the participant's own dimension score."""
    form = _form(instrument, tmp_path)
    assert form.radar.drawn == {}
    for qid in (Q1, Q2, Q3):
        form.boxes[qid].choice.value = 4
    assert form.radar.drawn["Current"][0] == pytest.approx(4.0)
    assert form.radar.drawn["Target"][0] == instrument.default_target("PB-GOV")
    for qid in (Q1, Q2, Q3):
        form.boxes[qid].clear.click()
    assert form.radar.drawn == {}


def test_a_failed_write_says_not_saved(tmp_path: Path, instrument: Instrument) -> None:
    """When the journal cannot be written, the receipt says so instead of "saved"."""
    form = _form(instrument, tmp_path)

    def full(*_args: object) -> dict[str, Any]:
        raise OSError(28, "No space left on device")

    form.boxes[Q2].choice.value = 3
    form.journal.write = full  # type: ignore[method-assign,union-attr]
    form.boxes[Q1].choice.value = 2
    form.boxes[Q2].choice.value = 5
    assert "NOT saved" in form.receipt.value
    assert "saved ✓" not in form.receipt.value
    assert (form.boxes[Q1].choice.value, form.boxes[Q2].choice.value) == (None, 3)  # undone


# ------------------------------------------------------------------ participant page ---


def _settings(tmp_path: Path, invited: bool) -> PageSettings:
    return PageSettings(tmp_path / "j", None, "Acme", b"k" * 32, invited)


def test_signed_links_open_and_altered_ones_are_refused(tmp_path: Path) -> None:
    """A signed link opens its participant's questionnaire; changing its respondent, role, unit
    or signature — or dropping the signature — is refused."""
    key = b"k" * 32
    query = links.link_query(key, links.Invitee("alice", "PMO lead", "IT"), "tok")
    assert links.verified(key, query) == links.Invitee("alice", "PMO lead", "IT")
    for forged in (query.replace("alice", "bob"), query.replace("PMO+lead", "CFO"),
                   query.replace("unit=IT", "unit=HR"), query.replace("unit=IT&", ""),
                   query[:-1] + ("0" if query[-1] != "0" else "1"),
                   query.split("&sig=")[0], query + "&respondent=bob"):  # fmt: skip
        assert links.verified(key, forged) is None, forged
    assert links.verified(b"other" * 8, query) is None
    assert links.verified(key, query.split("&sig=")[0] + "&sig=%C3%A9") is None  # not hex: refused
    page = ParticipantPage(_settings(tmp_path, True), query)
    assert page.questionnaire is not None
    assert page.questionnaire.participant.respondent == "alice"
    refused = ParticipantPage(_settings(tmp_path, True), query.replace("alice", "bob"))
    assert refused.questionnaire is None
    assert "not valid" in refused.widget.children[0].value


def test_without_invitees_the_first_screen_asks_who(tmp_path: Path) -> None:
    """Without invitees, the page asks for an id and a role (both needed) and then opens the
    questionnaire; with invitees, a bare link is refused."""
    page = ParticipantPage(_settings(tmp_path, False), "token=tok")
    rid, role, _unit, start, problem = page.widget.children[1:]
    start.click()
    assert page.questionnaire is None
    assert "id and your role" in problem.value
    rid.value, role.value = "R07", "Delivery lead"
    start.click()
    assert page.questionnaire is not None
    assert page.questionnaire.participant == Participant("R07", "Delivery lead", None, "Acme")
    assert ParticipantPage(_settings(tmp_path, True), "token=tok").questionnaire is None


def test_outside_a_server_the_page_rehearses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opened without a workshop server's settings, the page is a sign-in over a temporary
    folder (how the notebook runs in JupyterLab or under nbval)."""
    page = participant_page({})
    assert page.settings.organisation == "Rehearsal"
    assert page.questionnaire is None


# ---------------------------------------------------------------------------- invitees ---


def test_invitee_lists_report_every_problem(tmp_path: Path) -> None:
    """A missing column, an empty cell and a duplicate respondent are reported together, with
    rows; a good list reads with units optional."""
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent,role\nalice,\nbob,CFO\nbob,CEO\n")
    with pytest.raises(InvalidInputError) as caught:
        links.read_invitees(bad)
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {(2, "role"), (4, "respondent")}
    (tmp_path / "none.csv").write_text("name,job\nalice,CFO\n")
    with pytest.raises(InvalidInputError, match="respondent"):
        links.read_invitees(tmp_path / "none.csv")
    good = tmp_path / "good.csv"
    good.write_text("\ufeffRespondent,Role,Unit\nalice,PMO lead,IT\n=cmd,CFO,\n")
    assert links.read_invitees(good) == [links.Invitee("alice", "PMO lead", "IT"),
                                         links.Invitee("=cmd", "CFO", None)]  # fmt: skip


def test_links_file_has_a_signed_url_per_invitee(tmp_path: Path) -> None:
    """--links-out writes respondent, role and url; the url verifies; formula-like ids are
    neutralised for spreadsheets."""
    key = b"s" * 32
    people = [links.Invitee("alice", "PMO lead", "IT"), links.Invitee("=cmd", "CFO")]
    out = tmp_path / "links.csv"
    links.write_links(out, "http://127.0.0.1:9/", key, "tok", people)
    rows = out.read_text().splitlines()
    assert rows[0] == "respondent,role,url"
    assert rows[2].startswith("'=cmd,CFO,http://127.0.0.1:9/?token=tok&")
    assert links.verified(key, rows[1].split("?", 1)[1]) == people[0]


def test_the_signing_key_is_per_workshop_and_stable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key survives a restart (kept 0600 in the user's config) and differs per folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    one = links.workshop_key(tmp_path / "a")
    assert links.workshop_key(tmp_path / "a") == one != links.workshop_key(tmp_path / "b")
    assert (tmp_path / "cfg" / "pmo2vmo" / "workshop.key").stat().st_mode & 0o077 == 0


# ----------------------------------------------------------------------------- server ---


def test_prepare_refuses_bad_settings_before_anything_starts(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A busy port, a journal folder inside the served one or holding other files, and
    --invitees without --links-out are errors; nothing is written."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(WorkshopError, match="already in use"):
            prepare(tmp_path / "j", port=port)
    with pytest.raises(WorkshopError, match="inside the folder Voilà serves"):
        prepare(participant_notebook().parent / "journals")
    assert not (participant_notebook().parent / "journals").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "report.html").write_text("x")
    with pytest.raises(WorkshopError, match="holds other files"):
        prepare(tmp_path / "full")
    invitees = tmp_path / "inv.csv"
    invitees.write_text("respondent,role\nalice,CFO\n")
    with pytest.raises(WorkshopError, match="go together"):
        prepare(tmp_path / "j", invitees=invitees)
    _session(tmp_path / "acme", "R01", {Q1: 3}, org="Acme")
    with pytest.raises(WorkshopError, match="are for 'Acme', not 'Globex'"):
        prepare(tmp_path / "acme", organisation="Globex", port=0)
    assert prepare(tmp_path / "acme", port=0).organisation == "Acme"  # a restart goes on as Acme


def test_workshop_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`pmo2vmo workshop` exits 2 on a bad setting with no traceback, and its help names every
    option of the issue."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    runner = CliRunner()
    result = runner.invoke(main, ["workshop", "--help"])
    for option in ("--journal-dir", "--profile", "--organisation", "--host", "--port", "--token",
                   "--invitees", "--links-out"):  # fmt: skip
        assert option in result.output
    (tmp_path / "inv.csv").write_text("respondent,role\nalice,CFO\n")
    result = runner.invoke(main, ["workshop", "--journal-dir", str(tmp_path / "j"),
                                  "--invitees", str(tmp_path / "inv.csv")])  # fmt: skip
    assert result.exit_code == 2
    assert "go together" in result.output
    assert "Traceback" not in result.output


def test_workshop_command_runs_voila_on_the_participant_page(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Voilà is asked for the page at / with code hidden, the pmo2vmo template, port retries off,
    a token, idle culling and the page's settings in its environment."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    workshop = prepare(tmp_path / "acme", port=0)
    command = workshop.command()
    assert command[3] == str(participant_notebook())
    for flag in ("--template=pmo2vmo", "--strip_sources=True", "--Voila.port_retries=0",
                 "--Voila.ip=127.0.0.1", f"--token={workshop.token}",
                 "--MappingKernelManager.cull_idle_timeout=600"):  # fmt: skip
        assert flag in command
    env = workshop.environment({})
    assert PageSettings.from_environment(env) == PageSettings(
        tmp_path / "acme", None, "acme", workshop.key, False
    )
    template = Path(env["JUPYTER_PATH"]) / "voila" / "templates" / "pmo2vmo" / "index.html.j2"
    assert "fontawesome" not in template.read_text().lower()
    assert "https://cdn" not in template.read_text()


# ---------------------------------------------------------------------------- the room ---


@pytest.fixture(scope="module")
def harbor(tmp_path_factory: pytest.TempPathFactory, instrument: Instrument) -> tuple[Path, Any]:
    profile_path = samples_dir() / "harbor-mutual.yaml"
    from pmo2vmo.model.profile import load_profile

    profile = load_profile(profile_path)
    responses = load_responses([samples_dir() / "harbor-mutual.csv"], instrument, profile)
    folder = write_rehearsal(tmp_path_factory.mktemp("room") / "journals", responses)
    return folder, profile


def test_the_room_scores_as_the_report_does(
    harbor: tuple[Path, Any], instrument: Instrument
) -> None:
    """The facilitator's snapshot of a folder has the same respondents and scores as the same
    answers read from the survey file."""
    folder, profile = harbor
    snap = snapshot(folder, instrument, profile)
    direct = score(load_responses([samples_dir() / "harbor-mutual.csv"], instrument, profile),
                   instrument, profile).organisations[0]  # fmt: skip
    assert snap.org is not None
    assert (snap.respondents, snap.org.overall) == (direct.respondents, direct.overall)
    assert {c.id: c.scored for c in snap.counts} == {i.id: i.answered for i in direct.items}


def test_discuss_first_lists_lowest_consensus_then_largest_gaps(harbor: tuple[Path, Any],
                                                               instrument: Instrument) -> None:  # fmt: skip
    """Lowest-consensus questions come first (ascending), then the largest perception gaps the
    confidentiality rules show — never a group below min_group_size; nobody is named."""
    folder, profile = harbor
    snap = snapshot(folder, instrument, profile)
    assert snap.org is not None
    split = [d for d in snap.discuss if d.kind == "consensus"]
    values = {i.id: i.consensus for i in snap.org.items}
    assert [values[d.id] for d in split] == sorted(values[d.id] for d in split)
    lowest = min(v for i in snap.org.items if (v := i.consensus) is not None and i.answered >= 2)
    assert values[split[0].id] == lowest
    gaps = [d for d in snap.discuss if d.kind == "perception gap"]
    shown = {b.group for b in snap.org.breakouts if b.status.value == "ok"}
    for gap in gaps:
        found = next(g for g in snap.org.perception_gaps if g.dimension == gap.id)
        assert found.high_group in gap.why
        assert found.low_group in gap.why
    assert all(g.high_group in shown or "(" in g.high_group for g in snap.org.perception_gaps)
    assert all(d.who == () for d in snap.discuss)


def test_the_room_names_nobody_unless_identifiable(harbor: tuple[Path, Any],
                                                   instrument: Instrument) -> None:  # fmt: skip
    """The facilitator's page shows no respondent id (not even in data-quality notes) unless the
    workshop is identifiable."""
    folder, profile = harbor
    view = RoomView(folder, instrument, profile)
    shown = view.status.value + view.discuss.value + view.counts.value
    assert "straight-lining" in shown
    assert "HA-0" not in shown
    open_room = profile.model_copy(update={"identifiable_workshop": True})
    assert "HA-0" in RoomView(folder, instrument, open_room).discuss.value


def test_an_identifiable_workshop_shows_who_said_what(harbor: tuple[Path, Any],
                                                      instrument: Instrument) -> None:  # fmt: skip
    """Only with identifiable_workshop: true does the view name who gave which answer."""
    folder, profile = harbor
    open_room = profile.model_copy(update={"identifiable_workshop": True})
    snap = snapshot(folder, instrument, open_room)
    first = next(d for d in snap.discuss if d.kind == "consensus")
    assert first.who
    assert all(rid.startswith("HA-") for rid, _ in first.who)


def test_the_room_view_refreshes_only_when_a_journal_changes(tmp_path: Path,
                                                            instrument: Instrument) -> None:  # fmt: skip
    """An empty folder waits; a new answer is picked up by the next refresh; an idle folder is
    not re-read."""
    folder = tmp_path / "room"
    view = RoomView(folder, instrument)
    assert "0</b> respondents" in view.status.value
    _session(folder, "R01", {Q1: 3, Q2: 1})
    _session(folder, "R02", {Q1: 1, Q2: 5}, role="CFO")
    assert view.refresh() is True
    assert "2</b> respondents" in view.status.value
    assert Q1 in view.discuss.value
    assert view.refresh() is False
    assert view.radar.drawn["Current"][0] is not None
    assert view.start(0.01) is False  # no event loop outside a kernel: refresh() by hand


def test_journal_timestamps_are_utc(tmp_path: Path) -> None:
    """ts is an ISO UTC time with milliseconds."""
    fixed = dt.datetime(2026, 12, 1, 10, 42, 7, 123456, tzinfo=dt.UTC)
    journal = SessionJournal(tmp_path, "R01", clock=lambda: fixed)
    assert journal.write(Q1, 1, None)["ts"] == "2026-12-01T10:42:07.123Z"
