"""What people read: the report's view model and its renderers — charts, the HTML report,
the scores and report workbooks, the deck, the batch's summary page, the response template and
the notebooks' walkthrough views.

Imports only :mod:`pmo2vmo.analysis` and below.
"""
