"""Where the bundled data lives: ``assessment/``, ``templates/`` and ``playbook/``.

In an installed wheel they sit inside the package under ``pmo2vmo/_data/``; in a source checkout
(editable install, tests) they are the top-level folders of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_NAMES = ("assessment", "templates", "playbook")


def data_dir(name: str) -> Path:
    """The folder of bundled data called ``name`` (one of assessment, templates, playbook)."""
    if name not in _NAMES:
        raise ValueError(f"unknown data folder {name!r}; expected one of {', '.join(_NAMES)}")
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    source = _PACKAGE.parent.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(
        f"pmo2vmo's {name}/ folder is missing (looked in {installed} and {source})"
    )


def assessment_dir() -> Path:
    """The bundled ``assessment/`` folder: instrument, samples."""
    return data_dir("assessment")


def samples_dir() -> Path:
    """The bundled sample organisations (responses and client profiles)."""
    return assessment_dir() / "samples"
