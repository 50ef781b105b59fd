"""Reads of the notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Min, QuerySet
from django.utils import timezone

from .models import PENDING_STATUSES, Notification, Preference


def preference_of(user: Any) -> Preference:
    """The user's channels (unsaved defaults when they never chose)."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def notifications_of(user: Any, *, limit: int = 20) -> QuerySet[Notification]:
    """The latest notifications sent to ``user`` (their own only)."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")[:limit]


def pending_notifications() -> QuerySet[Notification]:
    """Notifications still owed to their recipient (new, being sent, waiting for a retry)."""
    return Notification.objects.filter(status__in=PENDING_STATUSES)


def oldest_pending_age(*, now: dt.datetime | None = None) -> float | None:
    """Seconds since the oldest pending notification was written; ``None`` when none is (the
    notifications' backlog on ``/healthz`` and ``/metrics``, as the outbox's)."""
    oldest = pending_notifications().aggregate(oldest=Min("created_at"))["oldest"]
    if oldest is None:
        return None
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds())
