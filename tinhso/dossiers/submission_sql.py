"""A dossier submission written in ONE SQL statement (PostgreSQL; no files attached).

:func:`tinhso.dossiers.services.dossier_submit` writes five rows: the daily code counter, the
dossier, its BM.05 row, its national-portal outbox row and its audit-chain entry. Written one by
one, the counter row of the receiving agency and the chain head are locked from their statement
to the COMMIT, so every other submission to that agency (and every audited write of the
platform) waits for the remaining round trips of this one. Here the five writes are the CTEs of
one statement, which PostgreSQL runs atomically and commits at once when no transaction is open:
the locks are held for no round trip, and the application sends one statement instead of eight.

The rows are exactly those of the step-by-step path (same columns, same values, the same audit
hash: the database computes it over the canonical JSON that ``tinhso audit verify`` re-computes
in Python). The step-by-step path still serves SQLite and submissions with files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.db import DataError, transaction
from django.db.models import Model

from tinhso.core import prepared
from tinhso.core.audit import chained_entry_sql
from tinhso.core.models import AuditChainHead

from .models import CodeCounter, Dossier, DossierEvent, OutboxMessage

# A code prefix that JSON carries as it is (the audit hash splices the code in unescaped).
_PLAIN_CODE = re.compile(r"[A-Za-z0-9.\-]+")


def can_write(db, code_prefix: str, files: list) -> bool:
    return db.vendor == "postgresql" and not files and bool(_PLAIN_CODE.fullmatch(code_prefix))


def write_submission(
    db,
    *,
    code_prefix: str,
    day: dt.date,
    dossier_values: dict[str, Any],
    event_values: dict[str, Any],
    outbox_payload: dict[str, Any],
    now: dt.datetime,
    actor: Any,
    audit_after: dict[str, Any],
) -> Dossier:
    """Insert the submission's five rows; return the new dossier (``code`` and ``pk`` set).

    Raises ``IntegrityError`` (nothing written) when the idempotency key was used already.
    """
    sql, params = _statement(
        db, code_prefix, day, dossier_values, event_values, outbox_payload, now, actor, audit_after
    )
    try:
        row = _execute(db, sql, params)
    except DataError:
        # The chain head row is missing (a test database flushed after its data migration):
        # the statement refused to write without an audit entry. Create the head, write again.
        AuditChainHead.objects.get_or_create(id=1)
        row = _execute(db, sql, params)
    values = {**_attnames(Dossier, dossier_values), "id": row[0], "code": row[1]}
    related = {name: value for name, value in dossier_values.items() if isinstance(value, Model)}
    return prepared.instance(Dossier, values, related, db)


def _execute(db, sql: str, params: list) -> tuple:
    # Outside a transaction the statement commits by itself. Inside the caller's transaction it
    # needs a savepoint, so that a refused write (a replayed key) leaves that transaction usable.
    if db.in_atomic_block:
        with transaction.atomic(using=db.alias), prepared.cursor(db) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    return prepared.fetchone(db, sql, params)


def _statement(
    db, code_prefix, day, dossier_values, event_values, outbox_payload, now, actor, audit_after
) -> tuple[str, list]:
    qn = db.ops.quote_name
    counter = qn(CodeCounter._meta.db_table)
    # The daily sequence, at least 4 digits ({seq:04d}: lpad alone would cut 5-digit numbers).
    counter_sql = (
        f"counter AS (INSERT INTO {counter} (agency_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (agency_id, day) DO UPDATE SET last = {counter}.last + 1 "
        "RETURNING %s::text || lpad(last::text, greatest(4, length(last::text)), '0') AS code)"
    )
    params: list = [dossier_values["receiving_agency"].pk, day, code_prefix]

    table, columns, selects, row_params = prepared.select_row(
        Dossier, _attnames(Dossier, dossier_values), {"code": ("counter.code", [])}, db
    )
    dossier_sql = (
        f"new_dossier AS (INSERT INTO {table} ({columns}) SELECT {selects} FROM counter "  # noqa: S608
        f"RETURNING {table}.id, {table}.code)"
    )
    params += row_params

    table, columns, selects, row_params = prepared.select_row(
        DossierEvent,
        _attnames(DossierEvent, event_values),
        {"dossier_id": ("new_dossier.id", [])},
        db,
    )
    event_sql = (
        f"new_event AS (INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT {selects} FROM new_dossier)"
    )
    params += row_params

    version = dossier_values["version"]
    table, columns, selects, row_params = prepared.select_row(
        OutboxMessage,
        {"topic": "national_portal.status", "created_at": now},
        {
            "key": ("new_dossier.code || %s::text", [f":{version}"]),
            "payload": (
                "%s::jsonb || jsonb_build_object('code', new_dossier.code)",
                [json.dumps(outbox_payload, ensure_ascii=False)],
            ),
        },
        db,
    )
    outbox_sql = (
        f"new_outbox AS (INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT {selects} FROM new_dossier)"
    )
    params += row_params

    audit_sql, audit_params = chained_entry_sql(
        db,
        actor=actor,
        action="dossier.submit",
        object_type=Dossier._meta.label_lower,
        source="new_dossier",
        object_id_sql="new_dossier.id::text",
        object_repr_sql="new_dossier.code",
        after=audit_after,
    )
    params += audit_params
    # 1 / count(*) fails (nothing is written) if no audit entry could be appended.
    sql = (
        f"WITH {counter_sql}, {dossier_sql}, {event_sql}, {outbox_sql}, {audit_sql} "  # noqa: S608
        "SELECT new_dossier.id, new_dossier.code, (SELECT 1 / count(*) FROM audit_entry) "
        "FROM new_dossier"
    )
    return sql, params


def _attnames(model, values: dict[str, Any]) -> dict[str, Any]:
    """Model keyword arguments as attribute names: ``procedure=obj`` becomes ``procedure_id``."""
    found = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        if field.is_relation:
            found[field.attname] = value.pk if value is not None else None
        else:
            found[field.attname] = value
    return found
