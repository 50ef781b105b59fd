"""Delivering the outbox: claim with a lease, hand each message to its topic's handler, retry.

The services write ``OutboxMessage`` rows in the transaction of each change; this module only
claims and processes them (Healthchecks' ``sendalerts`` style), from the ``deliver_outbox`` task
the scheduler enqueues every ``TINHSO_SCHEDULE["outbox-delivery"]["every"]`` seconds:

1. :func:`outbox_claim` reserves up to a batch of due messages for ``TINHSO_OUTBOX_LEASE_SECONDS``
   (``core.leases.lease_claim``: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
   workers take different rows; on SQLite the claim's transaction starts ``IMMEDIATE`` and is
   the only writer) and counts the attempt. A worker killed while delivering leaves its
   messages claimed until the lease ends; then any worker takes them again. A handler slower
   than the lease may see its message delivered twice: receivers are idempotent on the
   message's key.
2. :func:`outbox_deliver` calls the handler registered for each message's topic: returning means
   delivered (``services.outbox_mark_delivered``), raising means retry after
   ``core.leases.lease_retry_at`` (``core.background.retry_delay``), the error kept in
   ``last_error``.

A topic with no handler (its adapter is not configured) is never claimed: its messages stay
pending and visible (``tinhso_outbox_pending``, ``/healthz``), never failed. An adapter plugs in
with ``register_handler(topic, handler)``, from its app's ``AppConfig.ready``.

Order: the messages of one ``stream`` (a dossier's code) are delivered one after the other: a
message is not claimed while an earlier message of its stream is undelivered (pending, failed,
held or dead), so a batch holds at most one message per dossier. A handler may raise
:class:`Held` (the message cannot be sent yet, e.g. no national procedure code: retried after
``TINHSO_OUTBOX_HOLD_SECONDS``, never failed, the reason shown) or :class:`PermanentFailure` (the
receiver refused it for good: a dead letter). A message that failed
``TINHSO_OUTBOX_MAX_ATTEMPTS`` times is dead too. A dead message blocks the later messages of its
stream until an administrator resends it (:func:`outbox_resend`) or discards it
(:func:`outbox_discard`), both from the admin's outbox list.

Coalescing: a topic registered with ``coalesce=True`` carries the whole state of its stream in
each message (the national portal's ``DongBoHoSoMC``), so when several of them wait, only the
newest needs sending. Before each claim, :func:`outbox_coalesce` marks ``superseded_at`` on a
waiting message of such a topic when a newer one of the same topic and stream waits too (not
dead) and an earlier one of them exists (the stream's first full state is always sent: the
receiver learns of the dossier before its steps). A message under a live lease, or dead, is
never superseded (a dead letter keeps blocking its stream). Messages of other topics (the
progress steps ``CapNhatTienDoHoSoMC``) are never coalesced; what is sent keeps the order written.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef, Q
from django.utils import timezone

from tinhso.core.audit import audit_record
from tinhso.core.leases import DeliveryReport, lease_claim, lease_retry_at

from .models import OutboxMessage
from .services import outbox_mark_delivered

logger = logging.getLogger("tinhso.outbox")

Handler = Callable[[OutboxMessage], None]

HANDLERS: dict[str, Handler] = {}
"""Topic → the function that delivers one message (raises on failure)."""

COALESCED: set[str] = set()
"""Topics whose messages each carry their stream's whole state (the newest one suffices)."""


def register_handler(topic: str, handler: Handler, *, coalesce: bool = False) -> None:
    """Deliver the messages of ``topic`` with ``handler`` (one per topic; the last one wins);
    ``coalesce``: each message is a full state, waiting ones are superseded by a newer one."""
    HANDLERS[topic] = handler
    if coalesce:
        COALESCED.add(topic)
    else:
        COALESCED.discard(topic)


class Held(Exception):
    """The message cannot be sent yet for a reason an administrator can fix (kept, retried)."""


class PermanentFailure(Exception):
    """The receiver refused the message for good: retrying the same message cannot help."""


def undelivered() -> Q:
    """Messages still owed to their receiver: not delivered, discarded nor superseded."""
    return Q(delivered_at__isnull=True, discarded_at__isnull=True, superseded_at__isnull=True)


def outbox_coalesce(*, now: dt.datetime | None = None, topics: list[str] | None = None) -> int:
    """Mark superseded the waiting full-state messages that a newer one of their stream
    replaces (module docstring, "Coalescing"); returns how many."""
    now = now or timezone.now()
    topics = [t for t in (list(HANDLERS) if topics is None else topics) if t in COALESCED]
    if not topics:
        return 0
    same = OutboxMessage.objects.filter(topic=OuterRef("topic"), stream=OuterRef("stream"))
    newer = same.filter(undelivered(), dead_at__isnull=True, pk__gt=OuterRef("pk"))
    earlier = same.filter(pk__lt=OuterRef("pk"))
    waiting = (
        OutboxMessage.objects.filter(undelivered(), dead_at__isnull=True, topic__in=topics)
        .exclude(stream="")
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
    )
    superseded = waiting.filter(Exists(newer), Exists(earlier)).update(superseded_at=now)
    if superseded:
        logger.info("outbox: %d full-state message(s) superseded by newer ones", superseded)
    return superseded


def _earlier_in_stream(topics: list[str]):
    """An undelivered message before this one in its stream (over the topics being delivered:
    a dossier's status and step messages go out in the one order they were written)."""
    return OutboxMessage.objects.filter(
        undelivered(), topic__in=topics, stream=OuterRef("stream"), pk__lt=OuterRef("pk")
    )


def outbox_claim(
    *,
    limit: int | None = None,
    now: dt.datetime | None = None,
    topics: list[str] | None = None,
) -> list[OutboxMessage]:
    """Reserve up to ``limit`` due messages of ``topics`` (default: those with a handler).

    Due: not delivered, discarded nor dead, not claimed by a live lease, past its
    ``next_attempt_at``, and the first undelivered message of its stream. The messages come back
    oldest first, each with its lease set and its attempt counted.
    """
    now = now or timezone.now()
    limit = settings.TINHSO_OUTBOX_BATCH if limit is None else limit
    topics = list(HANDLERS) if topics is None else topics
    if not topics:
        return []
    candidates = OutboxMessage.objects.filter(
        undelivered(), dead_at__isnull=True, topic__in=topics
    ).filter(Q(stream="") | ~Exists(_earlier_in_stream(topics)))
    return lease_claim(candidates, limit=limit, now=now)


def outbox_deliver(
    *,
    limit: int | None = None,
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
) -> DeliveryReport:
    """Supersede the full-state messages a newer one replaces, then claim a batch of due
    messages and deliver each through its topic's handler."""
    coalesced = outbox_coalesce(now=now)
    messages = outbox_claim(limit=limit, now=now)
    delivered = failed = held = dead = 0
    for message in messages:
        handler = HANDLERS.get(message.topic)
        if handler is None:  # unregistered since the claim: release it untouched
            OutboxMessage.objects.filter(pk=message.pk).update(
                claimed_until=None, attempts=F("attempts") - 1
            )
            continue
        moment = now or timezone.now()
        row = OutboxMessage.objects.filter(pk=message.pk, delivered_at__isnull=True)
        try:
            handler(message)
        except Held as exc:
            held += 1
            wait = dt.timedelta(seconds=settings.TINHSO_OUTBOX_HOLD_SECONDS)
            row.update(  # a hold is not an attempt: it never makes the message dead
                claimed_until=None,
                attempts=F("attempts") - 1,
                next_attempt_at=moment + wait,
                held_reason=str(exc)[:300],
            )
            logger.info("outbox %s %s held: %s", message.topic, message.key, exc)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            permanent = isinstance(exc, PermanentFailure)
            if permanent or message.attempts >= settings.TINHSO_OUTBOX_MAX_ATTEMPTS:
                dead += 1
                row.update(claimed_until=None, dead_at=moment, held_reason="", last_error=error)
                logger.error(
                    "outbox %s %s: dead letter after %d attempt(s), its stream %r waits: %s",
                    message.topic,
                    message.key,
                    message.attempts,
                    message.stream,
                    exc,
                )
                continue
            failed += 1
            next_at = lease_retry_at(message.attempts, now=moment, rng=rng)
            row.update(
                claimed_until=None,
                next_attempt_at=next_at,
                held_reason="",
                last_error=error,
            )
            logger.warning(
                "outbox %s %s: attempt %d failed, next in %ds: %s",
                message.topic,
                message.key,
                message.attempts,
                (next_at - moment).total_seconds(),
                exc,
            )
        else:
            delivered += outbox_mark_delivered(message_ids=[message.pk], now=now)
    return DeliveryReport(
        claimed=len(messages),
        delivered=delivered,
        failed=failed,
        held=held,
        dead=dead,
        coalesced=coalesced,
    )


def _administer(actor, action: str, rows, **changes) -> int:
    """Update the undelivered ``rows`` an administrator chose and audit it (their keys)."""
    with transaction.atomic():
        rows = rows.filter(undelivered())
        keys = list(rows.values_list("key", flat=True))
        changed = rows.update(claimed_until=None, **changes)
        if changed:
            audit_record(
                actor=actor,
                action=action,
                object_type="dossiers.outboxmessage",
                object_repr="outbox",
                after={"keys": keys},
            )
    return changed


def outbox_resend(*, actor, message_ids: list[int]) -> int:
    """Give dead messages a new run of attempts, now (the admin's "resend"); returns how many."""
    rows = OutboxMessage.objects.filter(pk__in=message_ids, dead_at__isnull=False)
    return _administer(actor, "outbox.resend", rows, dead_at=None, attempts=0, next_attempt_at=None)


def outbox_discard(*, actor, message_ids: list[int], now: dt.datetime | None = None) -> int:
    """Give up on undelivered messages (the admin's "discard"): the later messages of their
    streams are delivered; a dossier's next full-state message repairs what this one carried."""
    rows = OutboxMessage.objects.filter(pk__in=message_ids)
    return _administer(actor, "outbox.discard", rows, discarded_at=now or timezone.now())


def oldest_pending_age(*, now: dt.datetime | None = None) -> float | None:
    """Seconds since the oldest undelivered message was written; ``None`` when none is."""
    oldest = OutboxMessage.objects.filter(undelivered()).aggregate(oldest=Min("created_at"))[
        "oldest"
    ]
    if oldest is None:
        return None
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds())
