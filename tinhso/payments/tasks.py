"""Background tasks of payments (enqueued by the scheduler)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from . import services


@task()
def reconcile_payments() -> dict:
    """Ask the gateway about online orders still pending (an IPN that never arrived)."""
    return asdict(services.payments_reconcile())
