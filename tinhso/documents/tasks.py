"""Background tasks of the documents (run by the worker; enqueued by the scheduler)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def remind_documents() -> dict:
    """Remind the officers of the incoming documents due within a working day or overdue."""
    return {"reminded": services.incoming_remind()}
