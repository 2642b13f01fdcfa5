"""From responses to decisions: scores, breakouts and their confidentiality, readiness and the
transition decision, the roadmap, and the plan of each organisation in a file
(:mod:`~pmo2vmo.analysis.plan`).

Imports only :mod:`pmo2vmo.ingest` and below.
"""
