"""``pmo2vmo training``: copy the training modules out (see :mod:`pmo2vmo.training.modules`)."""

from __future__ import annotations

from pathlib import Path

import click

from pmo2vmo.cli.common import echo, handles_bad_input
from pmo2vmo.training.modules import copy_modules


@click.command("training")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the modules (created if missing; nothing in it is overwritten).",
)
@click.option(
    "--facilitator-notes",
    is_flag=True,
    help="Also copy the facilitator notes (model answers, common mistakes) into OUT/facilitator/; "
    "keep them away from participants.",
)
@handles_bad_input
def training_cmd(out: Path, facilitator_notes: bool) -> None:
    """Copy the six training modules and their agenda into --out, ready for `jupyter lab OUT`."""
    written = copy_modules(out, facilitator_notes)
    for path in written:
        echo(f"  {path}")
    echo(f"Start the session with: jupyter lab {out}")
