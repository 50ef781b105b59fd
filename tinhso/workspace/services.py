"""Workspace operations that combine lifecycle services.

A walk-in dossier is entered by the desk officer and received on the spot: the submission
(status 1) and the reception (status 2, the legal clock starts) happen in one transaction, so a
dossier is never left "submitted" at the counter, and a failed reception leaves nothing behind —
neither rows nor stored files.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.lifecycle import replayed
from tinhso.core.models import AdministrativeUnit
from tinhso.core.services import pending_uploads_take
from tinhso.dossiers.models import Channel, Dossier, State
from tinhso.dossiers.services import dossier_receive, dossier_submit
from tinhso.procedures.models import Procedure


def counter_receive(
    *,
    actor: Any,
    procedure: Procedure,
    commune: AdministrativeUnit | None,
    applicant_name: str,
    applicant_id_number: str,
    applicant_phone: str = "",
    applicant_address: str = "",
    form_data: dict,
    uploads: list[tuple[Any, Any]],
    idempotency_key: str = "",
    note: str = "",
    channel: int = Channel.COUNTER,
    pending_keys: list[str] | tuple[str, ...] = (),
) -> Dossier:
    """Tiếp nhận hồ sơ trực tiếp: submit at the counter on the applicant's behalf and receive.

    ``channel`` is the counter (1) or, for a dossier that arrived by the public postal service,
    the post (3); online dossiers are submitted by their applicants, never here.

    With an ``idempotency_key`` a repeated request (double click, reload) returns the dossier the
    first one created, marked ``replayed``, without creating or receiving anything again.

    ``pending_keys`` name the officer's pending uploads (scans kept from a failed attempt) among
    ``uploads``: the dossier takes their stored files over and their rows go, in this
    transaction.
    """
    if channel not in (Channel.COUNTER, Channel.POST):
        raise DomainError("invalid_channel", _("Unknown submission channel."))
    stored: list[tuple[Any, str]] = []
    try:
        with transaction.atomic():
            try:
                taken = pending_uploads_take(owner=actor, keys=list(pending_keys))
            except DomainError:
                # Taken by an earlier request with the same key: that dossier is the answer.
                earlier = replayed(Dossier.objects.filter(submitted_by=actor), idempotency_key)
                if earlier is None:
                    raise
                earlier.replayed = True
                return earlier
            kept = {record.file.name for record in taken}
            dossier = dossier_submit(
                actor=actor,
                procedure=procedure,
                form_data=form_data,
                channel=channel,
                commune=commune,
                applicant_name=applicant_name,
                applicant_id_number=applicant_id_number,
                applicant_phone=applicant_phone,
                applicant_address=applicant_address,
                idempotency_key=idempotency_key,
                uploads=uploads,
            )
            if getattr(dossier, "replayed", False):
                # The earlier dossier has its own files: the kept ones are not its.
                _delete_after_commit([(r.file.storage, r.file.name) for r in taken])
                if dossier.state == State.SUBMITTED:
                    dossier = dossier_receive(actor=actor, dossier=dossier, note=note)
                dossier.replayed = True
                return dossier
            stored = [
                (f.file.storage, f.file.name)
                for f in dossier.files.all()
                if f.file.name not in kept  # a kept file stays for the next attempt
            ]
            return dossier_receive(actor=actor, dossier=dossier, note=note)
    except Exception:
        # The submission stored its files before the reception failed: the rows are rolled
        # back, so the files must go too.
        for storage, name in stored:
            storage.delete(name)
        raise


def _delete_after_commit(names: list[tuple[Any, str]]) -> None:
    def delete() -> None:
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete)
