"""Reads of the notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Notification, Preference


def preference_of(user: Any) -> Preference:
    """The user's channels (unsaved defaults when they never chose)."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def notifications_of(user: Any, *, limit: int = 20) -> QuerySet[Notification]:
    """The latest notifications sent to ``user`` (their own only)."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")[:limit]
