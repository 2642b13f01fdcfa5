"""pmo2vmo: assess a PMO's readiness for value management and plan its transition to a VMO.

The pipeline, one module per stage:

- :mod:`pmo2vmo.instrument` — the instrument (pillars, dimensions, questions) as validated data;
- :mod:`pmo2vmo.profile` — a client's tailoring of it (targets, weights, exclusions, confidentiality);
- :mod:`pmo2vmo.responses` — reading client files into one tidy table, with lazy validation
  (:mod:`pmo2vmo.survey`: survey tools' markers — previews, incomplete, companion columns);
- :mod:`pmo2vmo.scoring` — item, dimension, pillar and overall scores, consensus and gaps;
- :mod:`pmo2vmo.confidentiality` — minimum group sizes, complementary suppression across breakouts;
- :mod:`pmo2vmo.template` and :mod:`pmo2vmo.workbook` — the Excel files clients fill and receive.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from pmo2vmo.errors import InputProblem, InvalidInputError, Pmo2vmoError

try:
    __version__ = version("pmo2vmo")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["InputProblem", "InvalidInputError", "Pmo2vmoError", "__version__"]
