"""Background tasks of the one-stop shop (run by the worker; enqueued by the scheduler, or by a
service once its transaction commits)."""

from __future__ import annotations

import dataclasses

from django_tasks import task

from . import outbox, pdf, services


@task()
def deliver_outbox() -> dict:
    """Deliver a batch of due outbox messages through their topics' handlers."""
    return dataclasses.asdict(outbox.outbox_deliver())


@task()
def sweep_deadlines() -> dict:
    """Mark overdue dossiers; count those due within one working day."""
    result = services.deadlines_sweep()
    return {"overdue": len(result["overdue"]), "due_soon": len(result["due_soon"])}


@task()
def store_form(kind: str, row_id: int) -> dict:
    """Render a newly issued form into private storage (enqueued on commit by
    ``services.form_keep``: a BM.01 receipt version, a BM.02–BM.04 event); its downloads then
    read the file."""
    return {"form": kind, "id": row_id, "rendered": pdf.form_store(kind, row_id)}
