"""Background tasks of the notifications (docs/architecture.md, "Background work")."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from .services import dossiers_due_soon_notify, notifications_deliver


@task()
def deliver_notifications() -> dict:
    """Send the notifications that are due (new ones, retries after the back-off)."""
    return asdict(notifications_deliver())


@task()
def notify_due_soon() -> dict:
    """Tell officers of their dossiers due within one working day."""
    return {"written": dossiers_due_soon_notify()}
