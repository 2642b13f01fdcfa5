"""``pmo2vmo workshop``: Voilà serving the participant page to the room.

Voilà runs as a child process on one notebook (``playbook/workshop/participant.ipynb``), served at
``/`` with its code hidden, on ``127.0.0.1`` unless ``--host`` names the laptop's LAN address, with
``--Voila.port_retries=0`` (a busy port is an error, never a silent move to another port), token
authentication always on, and idle kernels culled (a closed tab's kernel goes after
:data:`CULL_IDLE_SECONDS`; a connected one never). The page uses the ``pmo2vmo`` Voilà template
(``templates/workshop/``): Voilà's lab template without the FontAwesome stylesheet it links from a
CDN, so the page requests nothing from outside the server.

The page's settings (journal folder, profile, organisation, the signing key) reach its kernels
through the environment. The journal folder holds journals only and must not lie inside the folder
Voilà serves. Ctrl-C (or SIGTERM) stops Voilà, which shuts its kernels down.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from pmo2vmo.errors import WorkshopError
from pmo2vmo.model.instrument import load_instrument
from pmo2vmo.model.profile import Profile, load_profile
from pmo2vmo.resources import data_dir
from pmo2vmo.workshop.app import (
    ENV_INVITED,
    ENV_JOURNAL,
    ENV_KEY,
    ENV_ORGANISATION,
    ENV_PROFILE,
)
from pmo2vmo.workshop.journal import SUFFIX
from pmo2vmo.workshop.links import Invitee, default_token, read_invitees, workshop_key, write_links

DEFAULT_PORT = 8866
CULL_IDLE_SECONDS = 600
CULL_INTERVAL_SECONDS = 60
STOP_GRACE_SECONDS = 20


def participant_notebook() -> Path:
    """The notebook Voilà serves."""
    return data_dir("playbook") / "workshop" / "participant.ipynb"


def template_root() -> Path:
    """The folder added to ``JUPYTER_PATH`` so Voilà finds the ``pmo2vmo`` template."""
    return data_dir("templates") / "workshop"


@dataclass(frozen=True)
class Workshop:
    """A workshop server's settings, checked."""

    journal_dir: Path
    profile: Path | None
    organisation: str
    host: str
    port: int
    token: str
    key: bytes
    invitees: tuple[Invitee, ...] = ()

    @property
    def url(self) -> str:
        """The address participants open (without the token)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def command(self) -> list[str]:
        """The Voilà command line."""
        return [
            sys.executable, "-m", "voila", str(participant_notebook()),
            "--no-browser", "--template=pmo2vmo", "--theme=light", "--strip_sources=True",
            "--show_tracebacks=False", f"--Voila.ip={self.host}", f"--Voila.port={self.port}",
            "--Voila.port_retries=0", f"--token={self.token}",
            f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
            f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
            "--MappingKernelManager.cull_connected=False",
        ]  # fmt: skip

    def environment(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment Voilà (and so every participant kernel) runs in."""
        env = dict(os.environ if base is None else base)
        env["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (str(template_root()), env.get("JUPYTER_PATH", "")) if p
        )
        env[ENV_JOURNAL] = str(self.journal_dir)
        env[ENV_KEY] = self.key.hex()
        env[ENV_INVITED] = "1" if self.invitees else "0"
        env[ENV_ORGANISATION] = self.organisation
        env.pop(ENV_PROFILE, None)
        if self.profile is not None:
            env[ENV_PROFILE] = str(self.profile)
        return env


def _check_journal_dir(folder: Path) -> Path:
    """The journal folder, created if missing: outside the served folder, journals only."""
    folder = folder.expanduser().resolve()
    served = participant_notebook().parent.resolve()
    if folder == served or served in folder.parents:
        raise WorkshopError(
            f"the journal folder {folder} is inside the folder Voilà serves ({served}); "
            "choose a folder elsewhere, e.g. ~/workshops/<client>"
        )
    if folder.exists() and not folder.is_dir():
        raise WorkshopError(f"{folder} is a file, not a folder: give a folder for the journals")
    if not folder.exists():
        folder.mkdir(parents=True)
        parent = os.open(folder.parent, os.O_RDONLY)  # the folder's own name made durable
        try:
            os.fsync(parent)
        finally:
            os.close(parent)
    others = sorted(p.name for p in folder.iterdir()
                    if not p.name.startswith(".") and p.suffix != SUFFIX)  # fmt: skip
    if others:
        shown = ", ".join(others[:5]) + ("…" if len(others) > 5 else "")
        raise WorkshopError(
            f"the journal folder {folder} holds other files ({shown}); a journal folder holds "
            "the workshop's journals and nothing else: choose an empty folder"
        )
    return folder


def _check_port(host: str, port: int) -> None:
    """Refuse a port already in use, before anything is written."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As Tornado binds: a port whose last connections are still closing is free to use.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise WorkshopError(
                    f"port {port} on {host} is already in use; choose another with --port"
                ) from None
            raise WorkshopError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _named_in(folder: Path) -> set[str]:
    """The organisations the folder's journals already name (each journal's first event)."""
    named = set()
    for path in folder.glob(f"*{SUFFIX}"):
        with path.open("rb") as handle:
            first = handle.readline()
        try:
            event = json.loads(first.decode("utf-8"))
        except ValueError:
            continue
        if isinstance(event, dict) and isinstance(event.get("organisation"), str):
            named.add(event["organisation"])
    return named


def _continuing(folder: Path, wanted: str | None, explicit: bool) -> str:
    """The organisation this session's journals name: the one the folder's journals already
    name (a restarted workshop goes on as the same organisation), else ``wanted``, else the
    folder's name. Asking explicitly for another one is an error: a folder is one organisation."""
    named = _named_in(folder)
    if len(named) == 1:
        (existing,) = named
        if explicit and wanted != existing:
            raise WorkshopError(
                f"the journals in {folder} are for {existing!r}, not {wanted!r}: a journal folder "
                "is one organisation; give another folder for another organisation"
            )
        return existing
    if len(named) > 1:
        raise WorkshopError(f"the journals in {folder} name several organisations "
                            f"({', '.join(sorted(named))}); give a folder of one workshop")  # fmt: skip
    return wanted or folder.name


def prepare(
    journal_dir: Path,
    *,
    profile: Path | None = None,
    organisation: str | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    token: str | None = None,
    invitees: Path | None = None,
    links_out: Path | None = None,
) -> Workshop:
    """Check every setting and write the links file; raises before anything starts."""
    if (invitees is None) != (links_out is None):
        raise WorkshopError("--invitees and --links-out go together: give both, or neither")
    folder = _check_journal_dir(journal_dir)
    loaded: Profile | None = None
    if profile is not None:
        loaded = load_profile(profile)
        load_instrument().tailored(loaded)  # a profile the instrument refuses fails here
    people = tuple(read_invitees(invitees)) if invitees is not None else ()
    organisation = _continuing(folder, organisation or (loaded.organisation_name if loaded else None),
                               explicit=organisation is not None)  # fmt: skip
    chosen = DEFAULT_PORT if port is None else port
    _check_port(host, chosen)
    key = workshop_key(folder)
    workshop = Workshop(
        journal_dir=folder,
        profile=profile.resolve() if profile is not None else None,
        organisation=organisation,
        host=host, port=chosen, token=token or default_token(key), key=key, invitees=people,
    )  # fmt: skip
    if links_out is not None:
        write_links(links_out, workshop.url, key, workshop.token, people)
    return workshop


def _listening(workshop: Workshop, child: subprocess.Popen[bytes], timeout: float = 90) -> bool:
    """Wait until Voilà accepts connections; False when it exited first."""
    deadline = time.monotonic() + timeout
    while child.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection((workshop.host, workshop.port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return child.poll() is None


class _Stop(Exception):
    """A signal asking the workshop to stop."""


def _raise_stop(_signum: int, _frame: FrameType | None) -> None:
    raise _Stop


def serve(workshop: Workshop, say: Callable[[str], None] = print) -> int:
    """Run Voilà until Ctrl-C, SIGTERM or SIGHUP (the terminal closed); 0 when stopped so,
    Voilà's own exit code when it stopped by itself. Whatever happens after Voilà starts —
    a signal during start-up, a second Ctrl-C — Voilà (and with it every kernel) is stopped."""
    stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, _raise_stop) for sig in stops}
    child: subprocess.Popen[bytes] | None = None
    try:
        child = subprocess.Popen(workshop.command(), env=workshop.environment(),
                                 start_new_session=True)  # fmt: skip
        if not _listening(workshop, child):
            return child.wait()
        say(f"Workshop running at {workshop.url}?token={workshop.token}")
        say(f"Journals for {workshop.organisation!r} go to {workshop.journal_dir}. "
            "Press Ctrl-C to stop.")  # fmt: skip
        return child.wait()
    except _Stop:
        say("Stopping the workshop (answers are already saved)…")
        return 0
    finally:
        for sig in stops:  # a second Ctrl-C must not cut the stopping short
            signal.signal(sig, signal.SIG_IGN)
        if child is not None and child.poll() is None:
            _stop_voila(child)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_voila(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM (Voilà shuts its kernels down), then SIGKILL to its group after a grace period."""
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def run_workshop(
    journal_dir: Path,
    *,
    profile: Path | None = None,
    organisation: str | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    token: str | None = None,
    invitees: Path | None = None,
    links_out: Path | None = None,
    say: Callable[[str], None] = print,
) -> int:
    """``pmo2vmo workshop``: check the settings, write the links, serve until stopped."""
    workshop = prepare(journal_dir, profile=profile, organisation=organisation, host=host,
                       port=port, token=token, invitees=invitees, links_out=links_out)  # fmt: skip
    if links_out is not None:
        say(f"Wrote {len(workshop.invitees)} participant links to {links_out}.")
    return serve(workshop, say)
