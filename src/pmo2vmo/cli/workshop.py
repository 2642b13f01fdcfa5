"""``pmo2vmo workshop``: serve the participant page to a room (see :mod:`pmo2vmo.workshop.server`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pmo2vmo.cli.common import echo, handles_bad_input


@click.command("workshop")
@click.option(
    "--journal-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the participants' journals (created if missing; it must hold nothing else "
    "and lie outside any folder a server publishes). Later, `validate`, `score`, `roadmap` and "
    "`run` read it as one organisation.",
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Client profile (YAML): exclusions, targets, role mapping and min_group_size apply.",
)
@click.option(
    "--organisation",
    help="The organisation the journals name (default: the profile's, else the journal "
    "folder's name).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; give the laptop's LAN address to serve a room.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Port to listen on (default 8866); a busy port is an error, never silently changed.",
)
@click.option(
    "--token",
    help="Access token every link carries (default: one derived from this workshop's secret, "
    "the same each time the workshop restarts).",
)
@click.option(
    "--invitees",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of invitees (columns respondent, role and optionally unit): only their signed "
    "links enter. Needs --links-out.",
)
@click.option(
    "--links-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write one row per invitee: respondent, role, url (a signed link).",
)
@handles_bad_input
def workshop_cmd(
    journal_dir: Path,
    profile: Path | None,
    organisation: str | None,
    host: str,
    port: int | None,
    token: str | None,
    invitees: Path | None,
    links_out: Path | None,
) -> None:
    """Serve the workshop questionnaire with Voilà until Ctrl-C.

    Each participant answers on their own device; every change is saved at once to their own
    journal in --journal-dir. Without --invitees, the first screen asks for an id and role and the
    token alone grants entry. Exit code 2 when the settings are wrong (nothing starts).
    """
    from pmo2vmo.workshop.server import run_workshop  # lazy: Voilà's settings load jupyter

    code = run_workshop(journal_dir, profile=profile, organisation=organisation, host=host,
                        port=port, token=token, invitees=invitees, links_out=links_out,
                        say=echo)  # fmt: skip
    if code:
        sys.exit(1)
