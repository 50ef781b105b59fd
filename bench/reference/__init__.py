"""Reference endpoints for ``bench/submit.py --reference`` (never part of the product).

``bench/submit.py`` compares a dossier submission with the server's floor (``GET /healthz``).
These endpoints sit between the two, served by the same gunicorn, settings and middleware, so
that a run shows how much of the gap is the framework's and how much the submission's own:

- ``POST /reference/write``: a plain Django view that inserts one row (one index) and answers
  201 with its id, the cheapest durable write this stack can answer;
- ``POST /reference/api/write``: the same insert behind the API's own token authentication and
  the submission's request schema (``SubmitIn``), parsed and validated by django-ninja, i.e. an
  authenticated API write that does none of a submission's work.

Both write into a scratch table ``bench_reference_write``, created on first use.
"""
