"""The audit log: an append-only hash chain.

Every business operation calls :func:`audit_record` inside its own transaction, so the state change
and its audit entry commit together or not at all. The chain head row is locked while an entry is
appended, which makes ``seq`` gapless and the chain linear on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def to_json_value(value: Any) -> Any:
    """Normalise a Python value to what a JSON column gives back (dates as ISO strings …)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def compute_hash(
    *,
    seq: int,
    created_at_iso: str,
    actor_id: int | None,
    actor_repr: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    payload = {
        "seq": seq,
        "created_at": created_at_iso,
        "actor_id": actor_id,
        "actor_repr": actor_repr,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _iso(moment) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _hash_of(event: AuditEvent) -> str:
    return compute_hash(
        seq=event.seq,
        created_at_iso=_iso(event.created_at),
        actor_id=event.actor_id,
        actor_repr=event.actor_repr,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        object_repr=event.object_repr,
        before=event.before,
        after=event.after,
        prev_hash=event.prev_hash,
    )


def audit_record(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model | None = None,
    before: Any = None,
    after: Any = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one entry to the chain. Must run inside the caller's transaction.

    The chain head row stays locked from here to the caller's COMMIT, and every writer waits
    for it: call this as the LAST write of the transaction, so that the lock is held for three
    short statements and the commit, not for the rest of the operation.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must be called inside transaction.atomic()")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_repr = (actor.get_username() if hasattr(actor, "get_username") else str(actor or ""))[
        :200
    ]
    event = AuditEvent(
        actor_id=actor_id,
        actor_repr=actor_repr,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:255],
        before=to_json_value(before),
        after=to_json_value(after),
    )
    # From here on the head row is locked: three statements, then the caller commits.
    event.seq, event.prev_hash = _take_next_seq()
    # Truncated to microseconds the way both databases store it, so the hash re-computes.
    event.created_at = timezone.now()
    event.hash = _hash_of(event)
    event.save(force_insert=True)
    AuditChainHead.objects.filter(id=1).update(last_seq=event.seq, last_hash=event.hash)
    return event


def _take_next_seq() -> tuple[int, str]:
    """Lock the chain head and return (the new entry's seq, the previous entry's hash).

    The lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's transactions take the write lock
    at BEGIN) is held to the caller's COMMIT, which keeps ``seq`` gapless and the chain linear.
    """
    locked = AuditChainHead.objects.select_for_update()
    try:
        head = locked.get(id=1)
    except AuditChainHead.DoesNotExist:  # a fresh database whose data migration rows were flushed
        AuditChainHead.objects.get_or_create(id=1)
        head = locked.get(id=1)
    return head.last_seq + 1, head.last_hash


@dataclass(frozen=True)
class AuditProblem:
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"entry #{self.seq}" if self.seq is not None else "chain"
        return f"{where}: {self.message}"


def audit_verify(chunk_size: int = 5000) -> Iterator[AuditProblem]:
    """Walk the chain in order and yield every inconsistency found."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    last_seq = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            yield AuditProblem(
                event.seq,
                f"sequence jumps from {expected_seq - 1} to {event.seq}: "
                f"{event.seq - expected_seq} entr(y/ies) deleted",
            )
        if event.prev_hash != prev_hash:
            yield AuditProblem(event.seq, "previous-hash link broken (an entry before it changed)")
        actual = _hash_of(event)
        if actual != event.hash:
            yield AuditProblem(
                event.seq,
                f"content altered (stored hash {event.hash[:12]}…, computed {actual[:12]}…)",
            )
        prev_hash = event.hash
        expected_seq = event.seq + 1
        last_seq = event.seq
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq != last_seq or head.last_hash != prev_hash):
        yield AuditProblem(
            head.last_seq,
            f"chain head says #{head.last_seq} but the log ends at #{last_seq}: "
            "trailing entries deleted or head altered",
        )
