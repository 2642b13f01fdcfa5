"""The files respondents fill in: ``pmo2vmo template`` (one row per respondent),
``pmo2vmo questionnaire`` (one respondent's workbook) and ``pmo2vmo survey`` (a definition to
import into Qualtrics or LimeSurvey)."""

from __future__ import annotations

from pathlib import Path

import click

from pmo2vmo import api
from pmo2vmo.cli.common import (
    audience_option,
    echo,
    handles_bad_input,
    instrument_option,
    profile_option,
)
from pmo2vmo.render.survey_files import FORMATS


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("pmo2vmo-responses.xlsx"),
    show_default=True,
    help="Where to write the workbook.",
)
@audience_option("every question, with the audiences each is asked of")
@profile_option
@instrument_option
@handles_bad_input
def template(
    out: Path, audience: str | None, profile: Path | None, instrument_dir: Path | None
) -> None:
    """Write the Excel workbook respondents fill in (drop-downs, descriptors, instructions)."""
    path = api.make_template(out, profile=profile, instrument_dir=instrument_dir, audience=audience)
    echo(f"Wrote {path}")


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("pmo2vmo-questionnaire.xlsx"),
    show_default=True,
    help="Where to write the workbook.",
)
@audience_option()
@click.option("--respondent", metavar="ID", help="Pre-fill the Respondent ID cell.")
@click.option("--role", metavar="ROLE", help="Pre-fill the Role cell.")
@profile_option
@instrument_option
@handles_bad_input
def questionnaire(
    out: Path,
    audience: str | None,
    respondent: str | None,
    role: str | None,
    profile: Path | None,
    instrument_dir: Path | None,
) -> None:
    """Write the questionnaire one respondent fills in, top to bottom: one row per question with
    its five levels beside it and a drop-down answer; return it, or a folder of them, to
    validate, score, roadmap or run."""
    path = api.make_questionnaire(
        out,
        profile=profile,
        instrument_dir=instrument_dir,
        audience=audience,
        respondent=respondent,
        role=role,
    )
    echo(f"Wrote {path}")


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="qualtrics-txt: Qualtrics Advanced Format TXT (Import Survey); limesurvey-tsv: a "
    "LimeSurvey tab-separated survey structure (.txt, Import survey).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the survey file.",
)
@audience_option()
@profile_option
@instrument_option
@handles_bad_input
def survey(
    fmt: str, out: Path, audience: str | None, profile: Path | None, instrument_dir: Path | None
) -> None:
    """Write a survey definition to import into Qualtrics or LimeSurvey: every question with its
    five levels as choices, N/A and Don't know, and ids that come back in the export's headers,
    so the export reads with validate, score, roadmap and run as it is."""
    path = api.make_survey(
        out, fmt, profile=profile, instrument_dir=instrument_dir, audience=audience
    )
    echo(f"Wrote {path}")
