"""The ``pmo2vmo`` command line: options in, one library call, results out.

Exit codes: 0 ok; 1 some work failed; 2 invalid input or usage (every problem is printed, no
traceback).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from pmo2vmo import __version__, api
from pmo2vmo.analysis.scoring import OrganisationScores, ScoreReport
from pmo2vmo.cli.collect import questionnaire, survey, template
from pmo2vmo.cli.common import (
    echo,
    echo_problems,
    handles_bad_input,
    instrument_option,
    moderation_option,
    profile_option,
)
from pmo2vmo.cli.training import training_cmd
from pmo2vmo.cli.workshop import workshop_cmd
from pmo2vmo.model.job import DEFAULT_FORMATS
from pmo2vmo.util.text import figure, json_text


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pmo2vmo")
def main() -> None:
    """Assess a PMO's readiness for value management and plan its move to a VMO."""


@main.command("instrument")
@click.option("--json", "as_json", is_flag=True, help="Print the instrument as JSON.")
@profile_option
@instrument_option
@handles_bad_input
def instrument_cmd(as_json: bool, profile: Path | None, instrument_dir: Path | None) -> None:
    """Show the instrument: pillars, dimensions, questions and levels."""
    instrument = api.describe_instrument(profile=profile, instrument_dir=instrument_dir)
    if as_json:
        echo(json_text(instrument.to_json()))
        return
    echo(f"{instrument.meta.name} — {instrument.id} {instrument.version}")
    echo("Levels: " + ", ".join(f"{lv.value} {lv.name}" for lv in instrument.levels))
    echo(f"How to answer: {instrument.meta.partial_fit_rule}")
    for pillar in instrument.pillars:
        echo(f"\n{pillar.id}  {pillar.name} (weight {pillar.weight:g})")
        for dim in pillar.dimensions:
            ids = ", ".join(q.id for q in dim.questions)
            echo(f"  {dim.id:<8} {dim.name} (weight {dim.weight:g}): {ids}")
    echo(
        f"\n{len(instrument.pillars)} pillars, {len(instrument.dimensions)} dimensions, "
        f"{len(instrument.questions)} questions."
    )


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@profile_option
@instrument_option
@handles_bad_input
def validate(files: tuple[Path, ...], profile: Path | None, instrument_dir: Path | None) -> None:
    """Check response files (or folders: one organisation each) and list every problem and
    data-quality warning in them.

    Exit code 0 when every file can be scored, 2 when any file has an error.
    """
    checks = api.validate_files(list(files), profile=profile, instrument_dir=instrument_dir)
    failed = 0
    for check in checks:
        echo_problems(check.problems)
        if check.ok and check.responses is not None:
            rs = check.responses
            orgs = ", ".join(rs.organisations)
            echo(
                f"ok: {check.path}: {len(rs.respondents)} respondents, {len(rs.answers)} answers "
                f"({rs.files[0].format}) for {orgs}"
            )
        else:
            failed += 1
            errors = sum(1 for p in check.problems if p.severity == "error")
            echo(f"invalid: {check.path}: {errors} error{'s' if errors != 1 else ''}")
    if failed:
        sys.exit(2)


def _print_scores(org: OrganisationScores) -> None:
    echo(f"\n{org.organisation}: {org.respondents} respondents, overall {figure(org.overall)}")
    for p in org.pillars:
        level = f"achieved level {p.achieved_level} {p.achieved_level_name}"
        echo(f"  {p.id:<3} {p.name:<22} {figure(p.score)}  ({level})")
    echo(
        f"\n  {'dimension':<9} {'name':<45} {'score':>5} {'target':>6} {'gap':>5} "
        f"{'cover':>5} {'cons.':>5}"
    )
    for d in org.dimensions:
        flag = "  disputed: " + ", ".join(d.disputed_items) if d.disputed_items else ""
        echo(
            f"  {d.id:<9} {d.name[:45]:<45} {figure(d.score):>5} {d.target:>6.2f} "
            f"{figure(d.gap):>5} {figure(d.coverage):>5} {figure(d.consensus):>5}{flag}"
        )
    if gaps := [g for g in org.perception_gaps if g.flagged]:
        echo("\n  Perception gaps:")
    for g in gaps:
        echo(f"  {g.dimension:<9} {g.high_group} {figure(g.high)} vs {g.low_group} "
             f"{figure(g.low)} (gap {figure(g.gap)})")  # fmt: skip
    if (mod := org.moderation) is not None:  # the assessor's levels beside the self-assessment
        echo(f"\n  Assessor moderation ({'drives' if mod.drives else 'shown, not driving'}):")
        for m in mod.levels:
            self_assessed = next(d.self_assessed for d in org.dimensions if d.id == m.dimension)
            echo(f"  {m.dimension:<9} moderated {m.level:g}, self-assessed {figure(self_assessed)}")
        echo("  optimism: " + ", ".join(f"{o.group} {o.index:+.2f}" for o in mod.optimism))
    for warning in org.warnings:
        echo(f"  note: {warning}")


def _print_report(report: ScoreReport, as_json: bool) -> None:
    if as_json:
        echo(json_text(report.to_json()))
        return
    echo(
        f"Instrument {report.instrument_id} {report.instrument_version}; "
        f"input {report.input_sha256[:12]}…"
    )
    for org in report.organisations:
        _print_scores(org)


@main.command("score")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@profile_option
@click.option(
    "--previous",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An earlier `score --json` output, for deltas per dimension.",
)
@moderation_option
@instrument_option
@handles_bad_input
def score_cmd(
    files: tuple[Path, ...],
    as_json: bool,
    profile: Path | None,
    previous: Path | None,
    moderation: Path | None,
    instrument_dir: Path | None,
) -> None:
    """Score response files (a folder of them is one organisation): items,
    dimensions, pillars, overall, breakouts and gaps."""
    report = api.score_files(list(files), profile=profile, previous=previous,
                             instrument_dir=instrument_dir, moderation=moderation)  # fmt: skip
    _print_report(report, as_json)


def _print_plan(plan: api.OrganisationPlan) -> None:
    decision, roadmap = plan.decision, plan.roadmap
    echo(f"\n{plan.scores.organisation}: {plan.scores.respondents} respondents")
    echo("  Readiness (0-100): " + ", ".join(
        f"{v.label} {figure(v.value, 0)} (level {v.achieved_level})"
        if v.value is not None else f"{v.label} not scored"
        for v in decision.readiness.values()
    ))  # fmt: skip
    for gate in decision.gates:
        state = "FIRED" if gate.fired else "not fired" if gate.judged else "not judged"
        echo(f"  Gate {gate.id}: {state} — {gate.reason}")
    if decision.archetype is None:
        echo(f"  {decision.path_name}: " + "; ".join(decision.missing))
    else:
        echo(f"  Recommended path: {decision.archetype.name} — " + "; ".join(decision.reasons))
    echo(f"  {roadmap.message}.")
    if not roadmap.items:
        return
    echo(f"\n  {'phase':<9} {'start':<10} {'end':<10} {'initiative':<36} {'effort':>6}  why")
    for item in roadmap.items:
        flag = " (quick win)" if item.quick_win else ""
        echo(
            f"  {item.phase:<9} {item.start.isoformat():<10} {item.end.isoformat():<10} "
            f"{item.initiative.id:<36} {item.initiative.effort:>6g}  {item.reason}{flag}"
        )
    if roadmap.residual_gaps:
        echo("\n  Still open at the end of the horizon: " + ", ".join(
            f"{g.dimension} {figure(g.remaining)}" for g in roadmap.residual_gaps
        ))  # fmt: skip


@main.command("roadmap")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the decision and roadmap as JSON.")
@profile_option
@click.option(
    "--start-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First day of the plan (default: the profile's, else assessment/roadmap.yaml's).",
)
@click.option(
    "--capacity",
    type=click.FloatRange(min=0, min_open=True),
    help="People available per month for the transition (default: profile, else 3).",
)
@click.option(
    "--horizon",
    type=click.IntRange(min=1, max=120),
    help="Months the plan may span (default: profile, else 18).",
)
@moderation_option
@instrument_option
@handles_bad_input
def roadmap_cmd(
    files: tuple[Path, ...],
    as_json: bool,
    profile: Path | None,
    start_date: dt.datetime | None,
    capacity: float | None,
    horizon: int | None,
    moderation: Path | None,
    instrument_dir: Path | None,
) -> None:
    """Decide the transition path and plan a scheduled, explained roadmap per organisation."""
    report = api.roadmap_files(
        list(files), profile=profile, start_date=start_date.date() if start_date else None,
        capacity_people=capacity, horizon_months=horizon, instrument_dir=instrument_dir,
        moderation=moderation,
    )  # fmt: skip
    if as_json:
        echo(json_text(report.to_json()))
        return
    for plan in report.organisations:
        _print_plan(plan)


formats_option = click.option(
    "--formats", default=",".join(DEFAULT_FORMATS), show_default=True,
    help="Comma-separated deliverables: html (offline report), ipynb (executed notebook, the "
    "audit trail), xlsx (editable workbook), pptx (deck with native charts), pdf (not a default: "
    "the report on A4 via Chromium or $PMO2VMO_CHROMIUM; no .html file unless html is asked).",
)  # fmt: skip
timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    help="Seconds any one notebook cell may run before the report counts as failed.",
)


def _print_outcomes(outcomes: Sequence[Any]) -> None:
    for outcome in outcomes:
        if outcome.status == "ok":
            echo(f"{outcome.organisation}: ok")
            for path in outcome.outputs:
                echo(f"  {path}")
        else:
            echo(f"{outcome.organisation}: FAILED — {outcome.error}", err=True)


@main.command("run")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the deliverables (created if missing); one set per organisation.",
)
@profile_option
@click.option(
    "--previous",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An earlier `score --json` output: the report shows the change since then.",
)
@moderation_option
@formats_option
@timeout_option
@handles_bad_input
def run_cmd(
    file: Path,
    out: Path,
    profile: Path | None,
    previous: Path | None,
    moderation: Path | None,
    formats: str,
    timeout: float,
) -> None:
    """Run the client-report notebook on FILE (or a folder: one organisation) and write the
    deliverables into --out.

    Exit code 1 when any organisation's report failed (the cell and error are printed), 2 on
    invalid input (nothing is run).
    """
    from pmo2vmo.execute.run import run_report  # lazy: papermill and jupyter are slow to load

    outcomes = run_report(file, out, profile=profile, previous=previous, moderation=moderation,
                          formats=formats, timeout=timeout)  # fmt: skip
    _print_outcomes(outcomes)
    if any(o.status != "ok" for o in outcomes):
        sys.exit(1)


@main.command("batch")
@click.argument("in_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for every client's deliverables, manifest.json and the summary index.html.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Clients run at once, each in its own worker process and fresh kernel.",
)
@timeout_option
@click.option(
    "--profile-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to look for CLIENT.yaml profiles when not beside the input file.",
)
@formats_option
@click.option(
    "--kernels",
    type=click.Choice(["fork", "spawn"]),
    default="fork",
    show_default=True,
    help="fork: each client's fresh kernel is forked from a warm process per worker (imports "
    "paid once); spawn: each kernel is started from its kernelspec, as Jupyter does.",
)
@handles_bad_input
def batch_cmd(
    in_dir: Path,
    out_dir: Path,
    workers: int,
    timeout: float,
    profile_dir: Path | None,
    formats: str,
    kernels: str,
) -> None:
    """Report on every client file in IN_DIR (one client per .csv/.xlsx/.jsonl file, named by
    its stem; its profile STEM.yaml beside it or in --profile-dir; an assessor's moderation
    STEM.moderation.yaml beside it, when there is one).

    Clients run in parallel and in isolation: one that fails is recorded in
    OUT/manifest.json with the reason, and the others go on. Re-running skips clients whose
    input, profile, moderation, formats, instrument, templates and version are unchanged. Exit code 1 when
    any client failed, 2 on invalid usage (e.g. two files for one client).
    """
    from pmo2vmo.execute.batch import run_batch  # lazy: papermill and jupyter are slow to load

    result = run_batch(in_dir, out_dir, workers=workers, timeout=timeout,
                       profile_dir=profile_dir, formats=formats, kernels=kernels)  # fmt: skip
    for item in result.results:
        line = f"{item.status:<8} {item.client}"
        if item.error:
            line += f" — {item.error}"
        echo(line, err=item.status == "failed")
    counts = result.counts()
    echo(
        f"{counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} skipped; "
        f"summary: {result.summary}"
    )
    if result.failed:
        sys.exit(1)


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("pmo2vmo-demo"),
    show_default=True,
    help="Folder for the demo's outputs.",
)
@handles_bad_input
def demo(out: Path) -> None:
    """Score the bundled samples and write the full client report for one of them."""
    result = api.run_demo(out)
    for report in result.reports:
        for org in report.organisations:
            pillars = "  ".join(f"{p.id} {figure(p.score)}" for p in org.pillars)
            echo(
                f"{org.organisation:<26} {org.respondents:>3} respondents  "
                f"overall {figure(org.overall)}  {pillars}"
            )
    echo(f"\nScores workbook of the three samples: {result.workbook}\n")
    echo("Client report deliverables:")
    _print_outcomes(result.outcomes)
    if any(o.status != "ok" for o in result.outcomes):
        sys.exit(1)
    html = next((p for o in result.outcomes for p in o.outputs if p.suffix == ".html"), None)
    if html is not None:
        echo(f"\nOpen the report in a browser: {html.resolve().as_uri()}")


main.add_command(template)
main.add_command(questionnaire)
main.add_command(survey)
main.add_command(workshop_cmd)
main.add_command(training_cmd)

if __name__ == "__main__":  # pragma: no cover
    main()
