"""What the data files in ``assessment/`` and a client's profile say, as validated models: the
instrument, the profile, the initiative catalogue, the transition archetypes, the roadmap
settings, branding, the answer vocabulary, and the job protocol between runner and notebook.

Imports only :mod:`pmo2vmo.util` and below.
"""
