"""Claiming rows with an expiring lease: the one mechanism of every delivery queue.

A queue's rows carry ``attempts``, ``claimed_until`` and ``next_attempt_at``. A worker
:func:`lease_claim` s a batch of due rows (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
two workers take different rows; on SQLite the claim's transaction starts ``IMMEDIATE`` and is the
only writer): each row's lease is set and its attempt counted. A worker killed while working
leaves its rows claimed until the lease ends; then any worker takes them again. After an attempt
the worker releases the row, with :func:`lease_retry_at` giving the back-off of a failed one.

Each queue keeps its own rules (which rows are candidates, their order inside a stream, their
states, dead letters) in the queryset it passes and the changes it writes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q

from .background import retry_delay


@dataclass(frozen=True)
class DeliveryReport:
    """What one round of a queue's delivery did (a queue without holds, dead letters or
    coalescing leaves them at 0)."""

    claimed: int
    delivered: int
    failed: int
    held: int = 0
    dead: int = 0
    coalesced: int = 0


def lease_due(now: dt.datetime) -> Q:
    """Rows no live lease holds and whose next attempt is due at ``now``."""
    return (Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def lease_claim(
    candidates: models.QuerySet,
    *,
    limit: int,
    now: dt.datetime,
    seconds: float | None = None,
    **changes,
) -> list:
    """Reserve up to ``limit`` due rows of ``candidates``, oldest first, for ``seconds``
    (default ``TINHSO_OUTBOX_LEASE_SECONDS``): each row's lease is set, its attempt counted and
    ``changes`` written (e.g. a queue's "sending" state). Returns the claimed rows, reloaded."""
    if limit <= 0:
        return []
    model = candidates.model
    with transaction.atomic():
        ids = list(
            candidates.select_for_update(skip_locked=True)
            .filter(lease_due(now))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        lease = dt.timedelta(
            seconds=settings.TINHSO_OUTBOX_LEASE_SECONDS if seconds is None else seconds
        )
        model._default_manager.filter(pk__in=ids).update(
            claimed_until=now + lease, attempts=F("attempts") + 1, **changes
        )
        return list(model._default_manager.filter(pk__in=ids).order_by("pk"))


def lease_retry_at(
    attempts: int, *, now: dt.datetime, rng: random.Random | None = None
) -> dt.datetime:
    """When a row whose ``attempts``-th attempt just failed is due again (the shared back-off)."""
    return now + dt.timedelta(seconds=retry_delay(attempts, rng=rng))
