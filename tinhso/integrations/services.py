"""Operations on the integrations' own data (the national procedure code table)."""

from __future__ import annotations

import re

from django.db import transaction

from tinhso.core.audit import audit_record
from tinhso.dossiers.models import OutboxMessage
from tinhso.dossiers.outbox import undelivered
from tinhso.procedures.models import Procedure

from .models import NationalProcedureCode

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
