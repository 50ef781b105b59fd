"""Background tasks of the operations centre (enqueued by the scheduler)."""

from __future__ import annotations

from django_tasks import task

from . import rollup


@task()
def refresh_rollups() -> dict:
    """Bring the daily roll-ups up to date with the dossiers changed since the last refresh."""
    result = rollup.refresh()
    return {"cells": result.cells, "events": result.events_seen}
