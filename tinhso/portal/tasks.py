"""Background tasks of the citizen portal (enqueued by the scheduler)."""

from __future__ import annotations

from django_tasks import task

from .services import drafts_purge


@task()
def purge_drafts() -> int:
    """Delete online-submission drafts left untouched for ``DRAFT_MAX_AGE_DAYS`` days."""
    return drafts_purge()
