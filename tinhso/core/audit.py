"""The audit log: an append-only hash chain.

Every business operation calls :func:`audit_record` inside its own transaction, so the state change
and its audit entry commit together or not at all. The chain head row is locked while an entry is
appended, which makes ``seq`` gapless and the chain linear on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from . import prepared
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
    for it: call this as the LAST statement of the transaction, so that the lock is held for
    two short statements and the commit, not for the rest of the operation.
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
    # From here on the head row is locked: two statements, then the caller commits.
    event.seq, event.prev_hash = _take_next_seq(connection)
    # Truncated to microseconds the way both databases store it, so the hash re-computes.
    event.created_at = timezone.now()
    event.hash = _hash_of(event)
    _append(connection, event)
    return event


def _take_next_seq(connection) -> tuple[int, str]:
    """Lock the chain head and advance it by one: (the new entry's seq, the previous hash).

    One ``UPDATE … RETURNING`` both takes the row lock and reads the head: ``last_hash`` is
    still the previous entry's hash (it is set by :func:`_append`). A rollback undoes both.
    """
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    sql = f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, last_hash"  # noqa: S608
    with prepared.cursor(connection) as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
        if row is None:  # a fresh database whose data migration rows were flushed (tests)
            AuditChainHead.objects.get_or_create(id=1)
            cursor.execute(sql)
            row = cursor.fetchone()
    return int(row[0]), row[1]


@cache
def _append_sql(vendor: str, quote_name: Callable[[str], str]) -> tuple[str, str, list]:
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    events, head = quote_name(AuditEvent._meta.db_table), quote_name(AuditChainHead._meta.db_table)
    insert = f"INSERT INTO {events} ({columns}) VALUES ({placeholders}) RETURNING id"  # noqa: S608
    if vendor == "postgresql":  # one statement: the entry and the head's new hash
        insert = (
            f"WITH entry AS ({insert}) "  # noqa: S608
            f"UPDATE {head} SET last_hash = %s FROM entry WHERE {head}.id = 1 RETURNING entry.id"
        )
        return insert, "", fields
    return insert, f"UPDATE {head} SET last_hash = %s WHERE id = 1", fields  # noqa: S608


def _append(connection, event: AuditEvent) -> None:
    """Insert the entry and make its hash the head's (one statement on PostgreSQL)."""
    insert, update_head, fields = _append_sql(connection.vendor, connection.ops.quote_name)
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    with prepared.cursor(connection) as cursor:
        if update_head:
            cursor.execute(insert, values)
            event.pk = cursor.fetchone()[0]
            cursor.execute(update_head, [event.hash])
        else:
            cursor.execute(insert, [*values, event.hash])
            event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias


def chained_entry_sql(
    connection,
    *,
    actor: Any | None,
    action: str,
    object_type: str,
    source: str,
    object_id_sql: str,
    object_repr_sql: str,
    after: Any = None,
    before: Any = None,
) -> tuple[str, list]:
    """Two CTEs (``audit_head``, ``audit_entry``) that append one entry to the chain in the same
    statement as the write they record (PostgreSQL only).

    For an object created by that statement: ``source`` names the CTE that inserts it, and
    ``object_id_sql`` / ``object_repr_sql`` are SQL expressions over it, text that needs no JSON
    escaping (digits, a dossier code). The entry's hash is computed by the database over the
    same canonical JSON as :func:`compute_hash`: Python serialises every field it knows, and SQL
    splices in the object's id and repr and the chain head's seq and hash. ``audit verify``
    re-computes it in Python. The head row is locked from this statement to the COMMIT, so a
    one-statement write holds it for no round trip at all.

    Returns the SQL (to follow ``WITH … ,``) and its parameters, in order.
    """
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_repr = (actor.get_username() if hasattr(actor, "get_username") else str(actor or ""))[
        :200
    ]
    created_at = timezone.now()
    before, after = to_json_value(before), to_json_value(after)
    # compute_hash's canonical JSON with its keys in sorted order, cut where SQL fills in.
    known = {
        "action": action,
        "actor_id": actor_id,
        "actor_repr": actor_repr,
        "after": after,
        "before": before,
        "created_at": _iso(created_at),
    }
    dumps = functools.partial(json.dumps, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    parts = [
        dumps(known)[:-1] + ',"object_id":"',
        '","object_repr":"',
        f'","object_type":{dumps(object_type)},"prev_hash":"',
        '","seq":',
    ]
    sql, value_fields = _chained_sql(
        connection.vendor, connection.ops.quote_name, source, object_id_sql, object_repr_sql
    )
    known_values = {
        "created_at": created_at,
        "actor_id": actor_id,
        "actor_repr": actor_repr,
        "action": action,
        "object_type": object_type,
        "before": before,
        "after": after,
    }
    params = list(parts)
    for field, fast in value_fields:
        params.append(prepared.prep_save(field, known_values[field.attname], connection, fast))
    return sql, params


@cache
def _chained_sql(
    vendor: str,
    quote_name: Callable[[str], str],
    source: str,
    object_id_sql: str,
    object_repr_sql: str,
) -> tuple[str, tuple]:
    """The SQL of :func:`chained_entry_sql` (built once per caller) and the fields whose values
    follow the four parts of the canonical JSON as its parameters, in order."""
    qn = quote_name
    head, events = qn(AuditChainHead._meta.db_table), qn(AuditEvent._meta.db_table)
    canonical = (
        f"%s::text || {object_id_sql} || %s::text || {object_repr_sql} || %s::text || "
        f"{head}.last_hash || %s::text || ({head}.last_seq + 1)::text || '}}'"
    )
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    by_column = {
        "seq": "h.last_seq",
        "object_id": object_id_sql,
        "object_repr": object_repr_sql,
        "prev_hash": "h.prev_hash",
        "hash": "h.last_hash",
    }
    selects, value_fields = [], []
    for field in fields:
        if field.column in by_column:
            selects.append(by_column[field.column])
        else:
            selects.append("%s")
            value_fields.append((field, prepared.fast_prep(field, vendor)))
    sql = (
        f"audit_head AS (UPDATE {head} SET last_seq = {head}.last_seq + 1, "  # noqa: S608
        f"prev_hash = {head}.last_hash, "
        f"last_hash = encode(sha256(convert_to({canonical}, 'UTF8')), 'hex') "
        f"FROM {source} WHERE {head}.id = 1 "
        f"RETURNING {head}.last_seq, {head}.prev_hash, {head}.last_hash), "
        f"audit_entry AS (INSERT INTO {events} ({', '.join(qn(f.column) for f in fields)}) "
        f"SELECT {', '.join(selects)} FROM audit_head h, {source} RETURNING {events}.id)"
    )
    return sql, tuple(value_fields)


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
