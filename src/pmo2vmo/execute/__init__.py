"""Running reports: private staging folders (:mod:`~pmo2vmo.execute.staging`), papermill runs of
the report notebook (:mod:`~pmo2vmo.execute.run`), kernels forked from a warm process
(:mod:`~pmo2vmo.execute.forkkernel`) and the parallel, resumable batch
(:mod:`~pmo2vmo.execute.batch`, with its clients, manifest, lock, outputs, kernel pools, worker
and supervisor modules).

Imports only :mod:`pmo2vmo.render` and below.
"""
