"""From responses to decisions: scores (:mod:`~pmo2vmo.analysis.scoring`, computed by
:mod:`~pmo2vmo.analysis.score_engine`, reported as :mod:`~pmo2vmo.analysis.score_report`),
breakouts and their confidentiality (:mod:`~pmo2vmo.analysis.breakouts`,
:mod:`~pmo2vmo.analysis.confidentiality`), readiness and the transition decision
(:mod:`~pmo2vmo.analysis.transition`), the roadmap (:mod:`~pmo2vmo.analysis.roadmap`,
:mod:`~pmo2vmo.analysis.selection`, :mod:`~pmo2vmo.analysis.schedule`), and the plan of each
organisation in a file (:mod:`~pmo2vmo.analysis.plan`).

Imports only :mod:`pmo2vmo.ingest` and below.
"""
