"""Helpers every layer uses and that know nothing of assessments: text and figures
(:mod:`~pmo2vmo.util.text`), atomic writes (:mod:`~pmo2vmo.util.atomic`), bounded reads of regular
files (:mod:`~pmo2vmo.util.safeio`) and safe, bounded YAML (:mod:`~pmo2vmo.util.yamlio`).

Imports only :mod:`pmo2vmo.errors` and :mod:`pmo2vmo.resources`.
"""
