"""Client files in, one validated set of responses out: reading CSV, workbooks and journals
safely (:mod:`~pmo2vmo.ingest.readers`), survey tools' markers (:mod:`~pmo2vmo.ingest.survey`),
answers (:mod:`~pmo2vmo.ingest.answers`), data-quality flags (:mod:`~pmo2vmo.ingest.quality`) and
the wide, tidy and journal readers (:mod:`~pmo2vmo.ingest.responses`).

Imports only :mod:`pmo2vmo.model` and below.
"""
