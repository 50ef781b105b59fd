"""Background tasks of the notifications (docs/architecture.md, "Background work")."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from .services import notifications_deliver


@task()
def deliver_notifications() -> dict:
    """Send the notifications that are due (new ones, retries after the back-off)."""
    return asdict(notifications_deliver())
