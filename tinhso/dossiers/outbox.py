"""Delivering the outbox: claim with a lease, hand each message to its topic's handler, retry.

The services write ``OutboxMessage`` rows in the transaction of each change; this module only
claims and processes them (Healthchecks' ``sendalerts`` style), from the ``deliver_outbox`` task
the scheduler enqueues every ``TINHSO_SCHEDULE["outbox-delivery"]["every"]`` seconds:

1. :func:`outbox_claim` reserves up to a batch of due messages for ``TINHSO_OUTBOX_LEASE_SECONDS``
   (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers take different rows; on
   SQLite the claim's transaction starts ``IMMEDIATE`` and is the only writer) and counts the
   attempt. A worker killed while delivering leaves its messages claimed until the lease ends;
   then any worker takes them again. A handler slower than the lease may see its message
   delivered twice: receivers are idempotent on the message's key.
2. :func:`outbox_deliver` calls the handler registered for each message's topic: returning means
   delivered (``services.outbox_mark_delivered``), raising means retry after
   ``core.background.retry_delay(attempts)``, the error kept in ``last_error``.

A topic with no handler (its adapter is not configured) is never claimed: its messages stay
pending and visible (``tinhso_outbox_pending``, ``/healthz``), never failed. An adapter plugs in
with ``register_handler(topic, handler)``, from its app's ``AppConfig.ready``.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from tinhso.core.background import retry_delay

from .models import OutboxMessage
from .services import outbox_mark_delivered

logger = logging.getLogger("tinhso.outbox")

Handler = Callable[[OutboxMessage], None]

HANDLERS: dict[str, Handler] = {}
"""Topic → the function that delivers one message (raises on failure)."""


def register_handler(topic: str, handler: Handler) -> None:
    """Deliver the messages of ``topic`` with ``handler`` (one per topic; the last one wins)."""
    HANDLERS[topic] = handler


@dataclass(frozen=True)
class DeliveryReport:
    claimed: int
    delivered: int
    failed: int


def outbox_claim(
    *,
    limit: int | None = None,
    now: dt.datetime | None = None,
    topics: list[str] | None = None,
) -> list[OutboxMessage]:
    """Reserve up to ``limit`` due messages of ``topics`` (default: those with a handler).

    Due: not delivered, not claimed by a live lease, and past its ``next_attempt_at``. The
    messages come back oldest first, each with its lease set and its attempt counted.
    """
    now = now or timezone.now()
    limit = settings.TINHSO_OUTBOX_BATCH if limit is None else limit
    topics = list(HANDLERS) if topics is None else topics
    if not topics or limit <= 0:
        return []
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(delivered_at__isnull=True, topic__in=topics)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        lease = dt.timedelta(seconds=settings.TINHSO_OUTBOX_LEASE_SECONDS)
        OutboxMessage.objects.filter(pk__in=ids).update(
            claimed_until=now + lease, attempts=F("attempts") + 1
        )
        return list(OutboxMessage.objects.filter(pk__in=ids).order_by("pk"))


def outbox_deliver(
    *,
    limit: int | None = None,
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
) -> DeliveryReport:
    """Claim a batch of due messages and deliver each through its topic's handler."""
    messages = outbox_claim(limit=limit, now=now)
    delivered = failed = 0
    for message in messages:
        handler = HANDLERS.get(message.topic)
        if handler is None:  # unregistered since the claim: release it untouched
            OutboxMessage.objects.filter(pk=message.pk).update(
                claimed_until=None, attempts=F("attempts") - 1
            )
            continue
        try:
            handler(message)
        except Exception as exc:
            failed += 1
            failed_at = now or timezone.now()
            delay = dt.timedelta(seconds=retry_delay(message.attempts, rng=rng))
            OutboxMessage.objects.filter(pk=message.pk, delivered_at__isnull=True).update(
                claimed_until=None,
                next_attempt_at=failed_at + delay,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            logger.warning(
                "outbox %s %s: attempt %d failed, next in %ds: %s",
                message.topic,
                message.key,
                message.attempts,
                delay.total_seconds(),
                exc,
            )
        else:
            delivered += outbox_mark_delivered(message_ids=[message.pk], now=now)
    return DeliveryReport(claimed=len(messages), delivered=delivered, failed=failed)


def oldest_pending_age(*, now: dt.datetime | None = None) -> float | None:
    """Seconds since the oldest undelivered message was written; ``None`` when none is."""
    oldest = OutboxMessage.objects.filter(delivered_at__isnull=True).aggregate(
        oldest=Min("created_at")
    )["oldest"]
    if oldest is None:
        return None
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds())
