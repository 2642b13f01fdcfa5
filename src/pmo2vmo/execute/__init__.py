"""Running reports: staging folders, papermill runs of the report notebook
(:mod:`~pmo2vmo.execute.run`), kernels forked from a warm process
(:mod:`~pmo2vmo.execute.forkkernel`) and the parallel, resumable batch
(:mod:`~pmo2vmo.execute.batch`).

Imports only :mod:`pmo2vmo.render` and below.
"""
