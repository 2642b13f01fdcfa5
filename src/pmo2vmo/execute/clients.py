"""A batch's clients: the input files of ``IN_DIR``, their profiles, and their fingerprints.

A client is an input file of ``IN_DIR`` (``.csv``, ``.xlsx``, ``.jsonl``), named by its stem, or a
subfolder holding such files (returned questionnaires, workshop journals, exports: one
organisation), named by the folder; a folder without response files (logos, say) is no client. Its
profile is ``STEM.yaml`` beside it or in ``--profile-dir``; an assessor's moderation, when there
is one, is ``STEM.moderation.yaml`` (or ``.yml``, ``.xlsx``) beside it. Office lock files (``~$*``) and hidden
files are ignored; two files with one stem, or two stems that give one output folder, are refused
before anything runs. A client's fingerprint hashes everything that decides its outputs: a batch
skips a client whose fingerprint is unchanged (see :mod:`pmo2vmo.execute.batch`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pmo2vmo import __version__
from pmo2vmo.errors import InputProblem, InvalidInputError
from pmo2vmo.execute.lock import LOCK_FILE
from pmo2vmo.execute.manifest import MANIFEST
from pmo2vmo.execute.staging import PREFIX
from pmo2vmo.ingest.responses import FolderListing, folder_sha256
from pmo2vmo.model.job import REPORT_NOTEBOOK
from pmo2vmo.model.profile import load_profile
from pmo2vmo.resources import data_dir
from pmo2vmo.util.safeio import open_regular
from pmo2vmo.util.text import slugify

INPUT_SUFFIXES = (".csv", ".xlsx", ".jsonl")
PROFILE_SUFFIXES = (".yaml", ".yml")
MODERATION = ".moderation"  # STEM.moderation.yaml: the client's moderation, never a client
SUMMARY = "index.html"  # written by pmo2vmo.render.summary
RESERVED = (MANIFEST, SUMMARY, LOCK_FILE)  # names at the top of OUT_DIR no client folder may take


@dataclass(frozen=True)
class Client:
    """One input file of the batch."""

    name: str  # the file's stem: client text, used only as data
    slug: str  # safe folder name inside OUT_DIR
    path: Path
    profile: Path | None
    moderation: Path | None = None  # STEM.moderation.yaml beside the input, when there is one


def discover(in_dir: Path, profile_dir: Path | None = None) -> list[Client]:
    """The clients of ``in_dir``, sorted by name; :class:`InvalidInputError` when two files share
    a stem (or a folder name), naming them all."""

    if not in_dir.is_dir():
        raise InvalidInputError([InputProblem(str(in_dir), "not a folder")])
    files = sorted(
        p for p in in_dir.iterdir()
        if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
        and not p.name.startswith(("~$", "."))
        and not p.stem.lower().endswith(MODERATION)
    )  # fmt: skip
    folders = sorted(
        p for p in in_dir.iterdir()
        if p.is_dir() and not p.name.startswith(("~$", ".", PREFIX)) and _holds_responses(p)
    )  # fmt: skip
    by_stem: dict[str, list[Path]] = {}
    for path in [*files, *folders]:
        by_stem.setdefault(path.name if path.is_dir() else path.stem, []).append(path)
    by_slug: dict[str, list[str]] = {}
    for stem in by_stem:  # slugs are lower-case ASCII; casefold() keeps it so if that changes
        by_slug.setdefault(slugify(stem, "client").casefold(), []).append(stem)
    problems = [
        InputProblem(str(in_dir), f"{len(paths)} files for client {stem!r}: "
                     f"{', '.join(p.name for p in paths)}", "keep one file per client")
        for stem, paths in by_stem.items() if len(paths) > 1
    ]  # fmt: skip
    problems += [
        InputProblem(str(in_dir), f"clients {', '.join(repr(s) for s in stems)} would share the "
                     f"output folder {slug!r}", "rename one of the files")
        for slug, stems in by_slug.items() if len(stems) > 1
    ]  # fmt: skip
    problems += [
        InputProblem(str(in_dir), f"client {stems[0]!r} would get the output folder {slug!r}, "
                     "a name the batch itself uses", "rename the file")
        for slug, stems in by_slug.items()
        if slug in {r.casefold() for r in RESERVED} or slug.startswith((".", PREFIX))
    ]  # fmt: skip
    if problems:
        raise InvalidInputError(problems)
    clients = []
    for stem, (path,) in sorted(by_stem.items(), key=lambda kv: kv[0].lower()):
        profile = _profile_for(stem, in_dir, profile_dir)
        moderation = next((in_dir / f"{stem}{MODERATION}{suffix}"
                           for suffix in (*PROFILE_SUFFIXES, ".xlsx")
                           if (in_dir / f"{stem}{MODERATION}{suffix}").is_file()), None)  # fmt: skip
        clients.append(Client(stem, slugify(stem, "client"), path, profile, moderation))
    return clients


def _holds_responses(folder: Path) -> bool:
    """Whether a folder holds a file its reader reads (so it is a client, not a folder of
    logos); the batch's own output folder, with its manifest, never is."""
    if (folder / MANIFEST).exists():
        return False
    listing = FolderListing.of(folder)
    return any(not Path(name).stem.lower().endswith(MODERATION)
               for name in [*listing.journals, *listing.files])  # fmt: skip


def _profile_for(stem: str, in_dir: Path, profile_dir: Path | None) -> Path | None:
    """The client's profile: ``STEM.yaml`` (or ``.yml``) in ``in_dir``, else in ``profile_dir``."""
    for folder in (in_dir, profile_dir):
        if folder is None:
            continue
        for suffix in PROFILE_SUFFIXES:
            candidate = folder / f"{stem}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def _sha256(path: Path) -> str:
    """The file's digest; a regular file only (:class:`NotReadable` otherwise), since a logo or
    profile named ``/dev/zero`` or a FIFO would be read forever."""
    digest = hashlib.sha256()
    handle, _size = open_regular(path)
    with handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tree_digest(folders: Iterable[Path], skip: Sequence[str] = ()) -> str:
    """A digest of every file under ``folders`` (paths and contents)."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = path.relative_to(folder).as_posix()
            if any(rel.startswith(s) for s in skip) or "__pycache__" in rel:
                continue
            digest.update(f"{folder.name}/{rel}\0".encode())
            digest.update(_sha256(path).encode())
    return digest.hexdigest()


def environment_digest() -> str:
    """What every client's report depends on besides its own files: the instrument, the
    templates, the report notebook and the package version."""

    digest = hashlib.sha256(__version__.encode())
    digest.update(_tree_digest([data_dir("assessment")], skip=("samples/",)).encode())
    digest.update(_tree_digest([data_dir("templates")]).encode())
    digest.update(_sha256(data_dir("playbook") / REPORT_NOTEBOOK).encode())
    return digest.hexdigest()


def fingerprint(client: Client, formats: Sequence[str], environment: str) -> dict[str, str]:
    """Everything that decides a client's outputs, hashed."""
    parts = {
        "input_sha256": (  # a folder's as its reader computes it, so the report shows the same
            folder_sha256(client.path) if client.path.is_dir() else _sha256(client.path)
        ),
        "profile_sha256": "",
        "logo_sha256": "",
        "moderation_sha256": "",
        "formats": ",".join(formats),
        "environment": environment,
    }
    if client.moderation:
        with contextlib.suppress(Exception):  # an unreadable one fails the client later, loudly
            parts["moderation_sha256"] = _sha256(client.moderation)
    if client.profile:
        with contextlib.suppress(Exception):  # a broken profile fails the client later, loudly
            parts["profile_sha256"] = _sha256(client.profile)

            logo = load_profile(client.profile).branding.logo
            if logo:
                logo_path = Path(logo) if Path(logo).is_absolute() else client.profile.parent / logo
                parts["logo_sha256"] = _sha256(logo_path)
    combined = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return {"input_sha256": parts["input_sha256"], "fingerprint": combined}
