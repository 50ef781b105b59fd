"""Housekeeping tasks of the background machinery itself (enqueued by the scheduler)."""

from __future__ import annotations

from django.core.management import call_command
from django_tasks import task

RESULTS_KEPT_DAYS = 7


@task()
def prune_task_results() -> None:
    """Delete the database backend's finished task results older than a week."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.compat import task_backends

    if isinstance(task_backends["default"], DatabaseBackend):
        call_command(
            "prune_db_task_results", min_age_days=RESULTS_KEPT_DAYS, queue_name="*", verbosity=0
        )


@task()
def purge_pending_uploads() -> dict:
    """Delete the files kept for failed forms once they are older than a day."""
    from .services import pending_uploads_purge

    return {"deleted": pending_uploads_purge()}
