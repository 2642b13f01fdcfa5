"""Live workshop capture: participants answer on their own devices, nothing is ever lost.

- :mod:`~pmo2vmo.workshop.journal`: a participant session's journal (one ``os.write`` per line on
  an ``O_APPEND`` file, then ``fsync``), and restoring a participant from their journals;
- :mod:`~pmo2vmo.workshop.live`: the live radar and the page's connection watch;
- :mod:`~pmo2vmo.workshop.form`: the questionnaire widget (JupyterLab and Voilà);
- :mod:`~pmo2vmo.workshop.room`: the facilitator's view of the room, read from the journal folder;
- :mod:`~pmo2vmo.workshop.links`: signed participant links and the invitee list;
- :mod:`~pmo2vmo.workshop.app`: the participant page Voilà serves;
- :mod:`~pmo2vmo.workshop.server`: ``pmo2vmo workshop``, Voilà started on that page.

It sits beside :mod:`pmo2vmo.execute`: it reads with ``ingest``, scores with ``analysis`` and draws
with ``render``, and nothing below imports it.
"""
