"""pmo2vmo: assess a PMO's readiness for value management and plan its transition to a VMO.

The package is layered; a layer imports only the layers below it (checked by ``lint-imports``,
see ``pyproject.toml``), top to bottom:

- :mod:`pmo2vmo.cli` — the command line, one library call per command;
- :mod:`pmo2vmo.api` — those library calls (and :mod:`pmo2vmo.sample`, the samples' generator);
- :mod:`pmo2vmo.execute` — running report notebooks: staging, papermill, kernels, the batch;
- :mod:`pmo2vmo.render` — the report's view model, charts, HTML, workbooks, deck, summary page;
- :mod:`pmo2vmo.analysis` — scores, confidentiality, the transition decision, the roadmap, plans;
- :mod:`pmo2vmo.ingest` — client files into validated responses;
- :mod:`pmo2vmo.model` — the instrument, profile, catalogue, archetypes and settings as models;
- :mod:`pmo2vmo.util` — text, atomic writes, bounded reads, safe YAML;
- :mod:`pmo2vmo.errors` and :mod:`pmo2vmo.resources` — every error, and where the data lives.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from pmo2vmo.errors import InputProblem, InvalidInputError, Pmo2vmoError

try:
    __version__ = version("pmo2vmo")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["InputProblem", "InvalidInputError", "Pmo2vmoError", "__version__"]
