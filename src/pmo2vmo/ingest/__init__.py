"""Client files in, one validated set of responses out: bytes sniffed, bounded and decoded
(:mod:`~pmo2vmo.ingest.readers`, :mod:`~pmo2vmo.ingest.encoding`, :mod:`~pmo2vmo.ingest.xlsx`),
survey tools' markers (:mod:`~pmo2vmo.ingest.survey`), answers (:mod:`~pmo2vmo.ingest.answers`),
the wide, tidy and journal readers (:mod:`~pmo2vmo.ingest.wide`, :mod:`~pmo2vmo.ingest.tidy`,
:mod:`~pmo2vmo.ingest.journal`, sharing :mod:`~pmo2vmo.ingest.records` and
:mod:`~pmo2vmo.ingest.header`), data-quality flags (:mod:`~pmo2vmo.ingest.quality`) and the response
set they build (:mod:`~pmo2vmo.ingest.responses`).

Imports only :mod:`pmo2vmo.model` and below.
"""
