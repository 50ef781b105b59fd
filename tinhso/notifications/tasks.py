"""Background tasks of the notifications (docs/architecture.md, "Background work")."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict

from django.conf import settings
from django_tasks import task

from .services import dossiers_due_soon_notify, notifications_deliver

logger = logging.getLogger("tinhso.notifications")


@task()
def deliver_notifications() -> dict:
    """Send the notifications that are due (new ones, retries after the back-off). One task
    sends what the changes committed while it waited wrote (``services._enqueue_delivery``):
    after a full batch it enqueues the next run."""
    report = notifications_deliver()
    if report.claimed >= settings.TINHSO_OUTBOX_BATCH:
        deliver_notifications.enqueue()
    return asdict(report)


@task()
def refresh_zns_token() -> dict:
    """Refresh the Zalo access token before it expires (its single-use refresh token with it),
    whether or not a ZNS message is waiting; nothing when ZNS is not configured. A provider that
    cannot be reached is logged and tried again at the next run (or by the next ZNS send)."""
    from .adapters import configured_channels, zns_access_token
    from .models import Channel, ProviderToken

    if Channel.ZNS not in configured_channels():
        return {"refreshed": False}
    before = ProviderToken.objects.filter(provider="zalo").values_list("refreshed_at", flat=True)
    was = before.first()
    try:
        zns_access_token(margin=dt.timedelta(hours=2))  # the schedule runs it every hour
    except Exception as exc:  # kept for the next run, visible in the log
        logger.warning("Zalo token refresh failed, tried again next hour: %s", exc)
        return {"refreshed": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
    return {"refreshed": before.first() != was}


@task()
def notify_due_soon() -> dict:
    """Tell officers of their dossiers due within one working day."""
    return {"written": dossiers_due_soon_notify()}
