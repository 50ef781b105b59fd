"""Background tasks of the one-stop shop (run by the worker; enqueued by the scheduler)."""

from __future__ import annotations

import dataclasses

from django_tasks import task

from . import outbox, services


@task()
def deliver_outbox() -> dict:
    """Deliver a batch of due outbox messages through their topics' handlers."""
    return dataclasses.asdict(outbox.outbox_deliver())


@task()
def sweep_deadlines() -> dict:
    """Mark overdue dossiers; count those due within one working day."""
    result = services.deadlines_sweep()
    return {"overdue": len(result["overdue"]), "due_soon": len(result["due_soon"])}
