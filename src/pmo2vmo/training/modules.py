"""``pmo2vmo training --out DIR``: the training modules copied out of the installed package, so a
trainer needs no clone: the six notebooks and the agenda, and — for the trainer only — the
facilitator notes (model answers and what to stress), kept apart from what participants get."""

from __future__ import annotations

import os
from pathlib import Path

from pmo2vmo.errors import WorkshopError
from pmo2vmo.resources import data_dir


def modules_dir() -> Path:
    """The bundled ``playbook/training`` folder."""
    return data_dir("playbook") / "training"


def module_notebooks() -> list[Path]:
    """The modules, in session order."""
    return sorted(modules_dir().glob("[0-9][0-9]-*.ipynb"))


def copy_modules(out: Path, facilitator_notes: bool = False) -> list[Path]:
    """Copy the modules (and the facilitator notes if asked) into ``out``; nothing there is
    overwritten: a name already taken is an error before anything is copied."""
    sources = [*module_notebooks(), modules_dir() / "README.md"]
    notes = sorted((modules_dir() / "facilitator").glob("*.md")) if facilitator_notes else []
    targets = [out / p.name for p in sources] + [out / "facilitator" / p.name for p in notes]
    taken = [str(t) for t in targets if t.exists() or t.is_symlink()]
    if taken:
        raise WorkshopError(f"{len(taken)} file(s) already exist in {out}, e.g. {taken[0]}; "
                            "choose an empty folder (nothing was copied)")  # fmt: skip
    written: list[Path] = []
    try:
        (out / "facilitator" if notes else out).mkdir(parents=True, exist_ok=True)
        for source, target in zip([*sources, *notes], targets, strict=True):
            # "x": never through a link or over a file that appeared meanwhile
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            written.append(target)
            with os.fdopen(fd, "wb") as handle:
                handle.write(source.read_bytes())
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise WorkshopError(f"cannot copy the modules into {out}: {exc.strerror or exc}; nothing "
                            "was left there") from None  # fmt: skip
    return targets
