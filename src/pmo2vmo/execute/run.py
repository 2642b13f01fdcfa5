"""``pmo2vmo run``: execute the report notebook per organisation and write the deliverables.

For each organisation in the input file:

1. a private staging folder is made inside ``--out`` and a job file written into it (input,
   profile, previous scores, organisation index, formats, a random nonce). The notebook's only
   parameter is that job file's path: client text never becomes notebook code;
2. papermill executes ``playbook/10-client-report.ipynb`` in a fresh kernel; the notebook
   writes the workbook and deck into the staging folder and, last, a sentinel carrying the nonce
   (papermill marks every cell completed even after a timeout or a dead kernel: the sentinel is
   the proof the run finished);
3. the executed notebook is converted to HTML in-process (:mod:`pmo2vmo.render.html`), the PDF
   (when asked for) printed from that HTML by the system's Chromium (:mod:`pmo2vmo.execute.pdf`,
   checked before anything runs), and every deliverable is moved into ``--out`` atomically
   under a safe slug of the organisation's name.

An interrupted run leaves the previous deliverables or none, never a half-written file. A failed
notebook is reported with the cell and the error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmo2vmo.analysis.plan import roadmap_files
from pmo2vmo.errors import RunError
from pmo2vmo.execute.pdf import print_pdf, require_chromium
from pmo2vmo.execute.staging import clean_stale, staging_folder
from pmo2vmo.model.job import (
    DEFAULT_FORMATS,
    NAMES,
    REPORT_NOTEBOOK,
    SCORES,
    parse_formats,
    read_refusal,
)
from pmo2vmo.render.html import notebook_to_html
from pmo2vmo.render.report_model import REPORT_MIME
from pmo2vmo.resources import data_dir
from pmo2vmo.util.atomic import write_text_atomic
from pmo2vmo.util.text import slugify

QUIET_KERNEL = ["--IPKernelApp.log_level=ERROR"]


@dataclass
class Outcome:
    """What happened to one organisation's report."""

    organisation: str
    slug: str
    status: str  # "ok" or "failed"
    outputs: list[Path] = field(default_factory=list)
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "slug": self.slug,
            "status": self.status,
            "outputs": [str(p) for p in self.outputs],
            "error": self.error,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def report_date() -> str:
    """Today, or the date of ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
    return dt.date.today().isoformat()


def unique_slugs(names: Sequence[str]) -> list[str]:
    """A safe, distinct file-name stem per organisation."""

    issued: set[str] = set()  # every name given out, so "acme-2" made for a second "Acme"
    out = []  # never meets the "acme-2" of an organisation called "Acme 2"
    for name in names:
        base = slug = slugify(name)
        number = 1
        while slug.casefold() in issued:  # case-insensitive file systems too
            number += 1
            slug = f"{base}-{number}"
        issued.add(slug.casefold())
        out.append(slug)
    return out


def skip_slow_optional_imports() -> None:
    """Keep an optional, slow import out of this process.

    nbformat (and so papermill and nbconvert) imports jsonschema, which imports ``rfc3987_syntax``
    when installed (jupyterlab's dependencies install it) to check IRI formats; it compiles a
    grammar at import time: 2.5 s measured here, for checks notebook validation never makes.
    Marking it absent makes jsonschema skip that one format checker. No effect if something
    imported it already.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _failure(exc: BaseException) -> str:
    """A one-line account of a notebook failure: the cell and the error."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        source = (exc.source or "").strip().splitlines()
        first = source[0] if source else ""
        return f"cell {exc.cell_index} ({first[:80]!r}) raised {exc.ename}: {exc.evalue}"
    return f"{type(exc).__name__}: {exc}"


def make_job(
    responses: Path | str,
    staging: Path,
    formats: Sequence[str],
    generated: str,
    *,
    profile: Path | str | None = None,
    previous: Path | str | None = None,
    moderation: Path | str | None = None,
    organisation_index: int = 0,
    one_organisation: bool = False,
) -> dict[str, Any]:
    """The job file's content for one report notebook run: absolute paths (the kernel runs in
    ``staging``), the deliverables the notebook writes itself, and a fresh nonce.
    ``one_organisation``: the notebook refuses a file of more (or no) organisations."""

    def absolute(path: Path | str | None) -> str | None:
        return None if path is None else str(Path(path).resolve())

    return {
        "responses": absolute(responses),
        "profile": absolute(profile),
        "previous": absolute(previous),
        "moderation": absolute(moderation),
        "organisation_index": organisation_index,
        "output_dir": str(staging),
        "formats": [f for f in formats if f in ("xlsx", "pptx")],
        "nonce": secrets.token_hex(16),
        "generated": generated,
        "one_organisation": one_organisation,
    }


def scrub_local_paths(nb: Any, staging: Path) -> None:
    """Keep the consultant's folders out of the executed notebook: the injected job path and
    papermill's record of the input and output paths become bare file names."""
    job = str(staging.resolve() / "job.json")
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = cell.source.replace(json.dumps(job), json.dumps("job.json"))
    record = nb.metadata.get("papermill")
    if isinstance(record, dict):
        for key in ("input_path", "output_path"):
            if isinstance(record.get(key), str):
                record[key] = Path(record[key]).name
        if isinstance(record.get("parameters"), dict) and "job" in record["parameters"]:
            record["parameters"]["job"] = "job.json"


def report_head(nb: Any) -> dict[str, Any]:
    """The report's head (title, organisation, meta with the ``generated`` date) as the
    executed notebook carries it, or an empty dict."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            head = output.get("data", {}).get(REPORT_MIME)
            if isinstance(head, dict):
                return head
    return {}


def _print(nb: Any, page: str, staging: Path, target: Path, header: tuple[str | None, ...]) -> Path:
    """Print the report's HTML ``page`` to ``target`` as PDF, its header naming the client and
    the date: those of ``header`` (organisation, generated), else the report head's."""
    head = report_head(nb)
    organisation = header[0] or str(head.get("organisation", ""))
    generated = header[1] or str(head.get("meta", {}).get("generated", ""))
    source = write_text_atomic(staging / "print.html", page)  # printed from a file: file: URIs
    return print_pdf(source, target, organisation=organisation, generated=generated)


def deliver(
    nb: Any,
    staging: Path,
    targets: dict[str, Path],
    seconds: dict[str, float],
    *,
    organisation: str | None = None,
    generated: str | None = None,
) -> list[Path]:
    """Put each deliverable of an executed run in place, atomically: HTML converted in-process,
    the PDF printed from it (first, as the step most likely to fail), the executed notebook,
    and what the notebook wrote into ``staging`` (workbook, deck, scores). ``targets`` maps a
    format (or ``"scores"``) to its final path; ``organisation`` and ``generated`` head the
    PDF's pages (default: the report's own)."""
    import nbformat

    scrub_local_paths(nb, staging)
    page = ""
    if {"html", "pdf"} & targets.keys():
        started = time.perf_counter()
        page = notebook_to_html(nb)
        seconds["html"] = time.perf_counter() - started
    if "pdf" in targets:
        started = time.perf_counter()
        _print(nb, page, staging, targets["pdf"], (organisation, generated))
        seconds["pdf"] = time.perf_counter() - started
    written = []
    for fmt, target in targets.items():
        if fmt == "html":
            written.append(write_text_atomic(target, page))
        elif fmt == "pdf":
            written.append(target)
        elif fmt == "ipynb":
            written.append(write_text_atomic(target, nbformat.writes(nb)))
        else:  # written by the notebook into staging, inside the same folder tree: atomic
            os.replace(staging / (SCORES if fmt == "scores" else NAMES[fmt]), target)
            written.append(target)
    return written


_NOTEBOOKS: dict[tuple[str, int, int], str] = {}  # (path, mtime, size) → the notebook as JSON


def report_notebook(path: Path) -> Any:
    """The notebook at ``path``, ready to run: read and validated once per process (again if
    the file changes), then a fresh copy per call, its stored outputs left out (every code cell
    runs anew; the bundled report notebook keeps its outputs for nbval, 0.4 MB of them)."""
    import nbformat
    from papermill.iorw import load_notebook_node

    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _NOTEBOOKS:
        nb = load_notebook_node(str(path))  # validated, with papermill's metadata, once
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        _NOTEBOOKS[key] = json.dumps(nb)
    return nbformat.from_dict(json.loads(_NOTEBOOKS[key]))


def _papermill(
    source: Path,
    parameters: dict[str, str],
    *,
    cwd: Path,
    kernel_name: str,
    timeout: float | None,
    km: Any,
) -> Any:
    """What ``papermill.execute_notebook(source, None, …)`` does, step by step, less two costs
    of a batch client: the notebook is not read and validated again for every client
    (:func:`report_notebook`), and the executed notebook is not serialised once more for an
    output path there is none of (papermill's last step; 0.03 s a client). Returns the executed
    notebook; raises papermill's error for a failing cell."""
    from papermill.engines import papermill_engines
    from papermill.execute import (
        prepare_notebook_metadata,
        raise_for_execution_errors,
        remove_error_markers,
    )
    from papermill.parameterize import parameterize_notebook
    from papermill.utils import chdir

    nb = parameterize_notebook(report_notebook(source), parameters, kernel_name=kernel_name)
    nb = remove_error_markers(prepare_notebook_metadata(nb, str(source), None))
    # A kernel we start: errors only (its plain-TCP-on-127.0.0.1 warning is noise here).
    kernel: dict[str, Any] = {"km": km} if km is not None else {"extra_arguments": QUIET_KERNEL}
    with chdir(str(cwd)):
        nb = papermill_engines.execute_notebook_with_engine(
            None, nb, kernel_name=kernel_name, input_path=str(source), output_path=None,
            progress_bar=False, log_output=False, execution_timeout=timeout, **kernel,
        )  # fmt: skip
    raise_for_execution_errors(nb, None)  # writes nothing: no output path
    return nb


def execute_report(
    job: dict[str, Any],
    staging: Path,
    *,
    timeout: float | None = None,
    kernel_name: str = "python3",
    notebook: Path | None = None,
    km: Any = None,
) -> tuple[Any, dict[str, float]]:
    """Run the report notebook on one job; return the executed notebook and timings.

    ``km`` is an already started kernel manager (a fresh kernel the caller owns and shuts
    down); without it papermill starts and stops its own. Raises :class:`RunError` with the
    reason the notebook refused the input, else naming the failing cell, or the missing
    sentinel.
    """
    skip_slow_optional_imports()
    staging = staging.resolve()  # the kernel runs in staging: every path it gets is absolute
    job_path = staging / "job.json"
    job_path.write_text(json.dumps(job), encoding="utf-8")
    source = Path(notebook or data_dir("playbook") / REPORT_NOTEBOOK)
    started = time.perf_counter()
    try:
        nb = _papermill(source, {"job": str(job_path)}, cwd=staging, kernel_name=kernel_name,
                        timeout=timeout, km=km)  # fmt: skip
    except Exception as exc:  # every notebook failure becomes a reported failure
        # Input the notebook refused is reported as such (its reason), not as its cell.
        raise RunError(read_refusal(staging, job["nonce"]) or _failure(exc)) from exc
    seconds = {"notebook": time.perf_counter() - started}
    sentinel = staging / "done.json"
    try:
        done = json.loads(sentinel.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        done = {}
    if done.get("nonce") != job["nonce"]:
        raise RunError(
            "the report notebook did not finish (no success sentinel from its last cell)"
        )
    return nb, seconds


def run_report(
    path: Path | str,
    out: Path | str,
    *,
    profile: Path | str | None = None,
    previous: Path | str | None = None,
    moderation: Path | str | None = None,
    formats: str | Sequence[str] = DEFAULT_FORMATS,
    timeout: float | None = 600,
    notebook: Path | None = None,
) -> list[Outcome]:
    """Write the deliverables for every organisation in ``path`` into ``out``.

    Invalid input, or ``pdf`` asked for without a Chromium that starts, raises
    :class:`InvalidInputError` before anything runs; a failing notebook
    gives an :class:`Outcome` with status ``failed`` and leaves other organisations' reports be.
    ``notebook`` replaces the bundled report notebook (a tailored copy, or a test's).
    """
    skip_slow_optional_imports()

    wanted = parse_formats(formats)
    if "pdf" in wanted:
        require_chromium()  # a missing browser is found before any work, not after the notebook
    # Validates everything (responses, profile, previous, moderation) before anything runs.
    result = roadmap_files([path], profile=profile, previous=previous, moderation=moderation)
    names = [p.scores.organisation for p in result.organisations]
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    generated = report_date()
    outcomes = []
    clean_stale(out)  # what a killed run left behind
    for index, (name, slug) in enumerate(zip(names, unique_slugs(names), strict=True)):
        outcome = Outcome(name, slug, "ok")
        with staging_folder(out) as staging:
            job = make_job(path, staging, wanted, generated, profile=profile, previous=previous,
                           moderation=moderation, organisation_index=index)  # fmt: skip
            try:
                nb, outcome.seconds = execute_report(
                    job, staging, timeout=timeout, notebook=notebook
                )
                targets = {f: out / f"{slug}-{NAMES[f]}" for f in wanted}
                outcome.outputs = deliver(nb, staging, targets, outcome.seconds,
                                          organisation=name, generated=generated)  # fmt: skip
            except RunError as exc:
                outcome.status, outcome.error = "failed", str(exc)
        outcomes.append(outcome)
    return outcomes
