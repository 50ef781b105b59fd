"""Operations on the integrations' own data: the national procedure code table, the envelopes
received from the document exchange axis."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tinhso.core.audit import audit_record
from tinhso.dossiers.models import OutboxMessage
from tinhso.dossiers.outbox import undelivered
from tinhso.procedures.models import Procedure

from .models import EnvelopeOutcome, NationalProcedureCode, ReceivedEnvelope

NATIONAL_PREFIX = re.compile(r"^[0-9]\.[0-9]{6}(\.[0-9]{3})?")


def national_codes_from_catalogue(*, actor=None) -> list[str]:
    """Map every verified procedure without a mapping to the national code its own code starts
    with (``1.001193`` and its local variants ``1.001193.H12`` → ``1.001193``). Procedures whose
    code is not verified or not national keep no mapping: their messages are held until an
    administrator adds one. Returns the procedure codes mapped."""
    mapped = []
    with transaction.atomic():
        procedures = Procedure.objects.filter(code_verified=True, national_codes__isnull=True)
        for procedure in procedures.order_by("code"):
            match = NATIONAL_PREFIX.match(procedure.code)
            if match:
                NationalProcedureCode.objects.create(
                    procedure=procedure,
                    national_code=match.group(0),
                    note="catalogue",
                )
                mapped.append(procedure.code)
        if mapped:
            release_held()
            audit_record(
                actor=actor,
                action="integrations.national_codes_from_catalogue",
                object_type="integrations.nationalprocedurecode",
                object_repr="national procedure codes",
                after={"mapped": mapped},
            )
    return mapped


def release_held() -> int:
    """Look at the held messages again at the next delivery (a mapping was just added), rather
    than after ``TINHSO_OUTBOX_HOLD_SECONDS``; returns how many."""
    held = OutboxMessage.objects.filter(undelivered(), dead_at__isnull=True).exclude(held_reason="")
    return held.update(next_attempt_at=None)


def signature_summary(report) -> dict:
    """What is kept of an envelope's signature check (``edxml.SignatureReport``)."""
    return {
        "present": report.present,
        "valid": report.valid,
        "signer": report.signer,
        "algorithm": report.algorithm,
        "notes": list(report.notes),
    }


def exchange_receive(
    *, receiver_code: str, data: bytes, axis_id: str, now: dt.datetime | None = None
) -> tuple[ReceivedEnvelope, bool]:
    """Keep one message pulled from the exchange axis and import it (``True``), or recognise a
    repeated delivery by its delivery key and ignore it (``False``).

    The bytes are kept unchanged whatever they hold. A document becomes an incoming document of
    the receiving agency (``documents.services.incoming_import``), a status message a status of
    the outgoing document's recipient (``outgoing_status_received``), in the same transaction as
    the row. What cannot be imported (not edXML, an unknown document or agency) is kept with the
    reason (``outcome`` refused) and not retried: an administrator sees it in the admin.
    """
    from tinhso.core.errors import DomainError
    from tinhso.core.models import Agency
    from tinhso.documents import services as documents

    from . import edxml

    now = now or timezone.now()
    digest = hashlib.sha256(data).hexdigest()
    try:
        env = edxml.read(data)
    except edxml.EdxmlError as exc:
        env, error = None, str(exc)
        key, kind, problems = digest, "invalid", [{"path": "", "value": "", "message": error}]
    else:
        key, kind, error = env.delivery_key(), env.kind, ""
        problems = [p.as_dict() for p in env.problems]
    signature = signature_summary(edxml.verify(data)) if env is not None else {}
    agency = Agency.objects.filter(code=receiver_code, is_active=True).first()
    repeated = ReceivedEnvelope.objects.filter(receiver_code=receiver_code, delivery_key=key)
    if repeated.update(repeats=F("repeats") + 1):
        return repeated.get(), False
    row = ReceivedEnvelope(
        receiver_code=receiver_code,
        agency=agency,
        axis_id=axis_id[:100],
        kind=kind,
        delivery_key=key,
        document_id=(env.document_id if env else "")[:300],
        sender_code=(env.sender if env else "")[:100],
        business_type=(str(env.business.get("BussinessDocType", "")) if env else "")[:10],
        raw=data,
        sha256=digest,
        problems=problems,
        signature=signature,
        outcome=EnvelopeOutcome.REFUSED,
        error=error,
        received_at=now,
    )
    try:
        with transaction.atomic():
            if env is not None and agency is None:
                row.error = f"no active agency with the code {receiver_code}"
            elif env is not None:
                try:
                    with transaction.atomic():
                        if kind == "document":
                            row.incoming = documents.incoming_import(
                                agency=agency, envelope=env, now=now, signature=signature
                            )
                        else:
                            row.outgoing = documents.outgoing_status_received(
                                agency=agency, envelope=env, now=now
                            )
                        row.outcome = EnvelopeOutcome.IMPORTED
                except DomainError as exc:
                    row.error = f"{exc.code}: {exc.message}"
            row.save()
            if row.outcome == EnvelopeOutcome.REFUSED:  # kept, not imported: on the record
                audit_record(
                    actor=None,
                    action="integrations.envelope.refuse",
                    obj=row,
                    after={
                        "receiver": receiver_code,
                        "kind": kind,
                        "document_id": row.document_id,
                        "sender": row.sender_code,
                        "error": row.error[:500],
                    },
                )
    except IntegrityError:  # the same delivery kept by another worker meanwhile
        repeated.update(repeats=F("repeats") + 1)
        return repeated.get(), False
    return row, True
