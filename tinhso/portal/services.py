"""Business operations of the citizen portal: the online-submission draft and its submission.

Every function checks who acts, then writes the change and its audit entry in one transaction.
Files are checked (:func:`tinhso.core.uploads.check_upload`) before anything is written, and a file
written to storage by a transaction that does not commit is deleted again; files replaced or
removed are deleted from storage only once the transaction has committed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, NotFound, PermissionDenied
from tinhso.core.lifecycle import lock
from tinhso.core.models import AdministrativeUnit
from tinhso.core.uploads import check_upload
from tinhso.dossiers.models import Channel, Dossier
from tinhso.dossiers.services import check_delivery, dossier_submit
from tinhso.procedures.models import OnlineMode, Procedure, ProcedureComponent
from tinhso.procedures.services import procedure_validate_draft

from .models import DraftFile, SubmissionDraft
from .selectors import applicant_profile, communes_for_submission, is_officer, needs_commune

DRAFT_MAX_AGE_DAYS = 90


def ensure_can_submit(*, actor: Any, procedure: Procedure) -> None:
    """Raise unless ``actor`` may submit a dossier of ``procedure`` online as an applicant."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("unauthenticated", _("Please sign in."))
    if is_officer(actor):
        raise PermissionDenied(
            "officer_cannot_submit",
            _(
                "Officer accounts cannot submit dossiers as a citizen. Log in with your "
                "personal or business account, or enter the dossier at the one-stop desk."
            ),
        )
    if applicant_profile(actor) is None:
        raise PermissionDenied(
            "no_applicant_profile",
            _(
                "Your account has no applicant profile (ID number or tax code) yet: "
                "ask the one-stop desk to complete it before submitting online."
            ),
        )
    if not procedure.is_active:
        raise DomainError("procedure_inactive", _("This procedure is no longer in force."))
    if procedure.online_mode == OnlineMode.COUNTER:
        raise DomainError(
            "not_online", _("This procedure cannot be submitted online; please come to the desk.")
        )


def _storage_delete_later(names: list[tuple[Any, str]]) -> None:
    def delete() -> None:
        for storage, name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(delete)


def _locked_draft(actor: Any, draft: SubmissionDraft | int) -> SubmissionDraft:
    """The actor's own draft, locked for this transaction."""
    return lock(
        SubmissionDraft.objects.select_related("procedure", "commune").filter(user=actor),
        draft,
        missing=lambda: NotFound("unknown_draft", _("This draft no longer exists.")),
    )


def draft_open(*, actor: Any, procedure: Procedure) -> SubmissionDraft:
    """The applicant's draft for the procedure, created (prefilled) on first use."""
    from .selectors import prefill_form

    ensure_can_submit(actor=actor, procedure=procedure)
    existing = SubmissionDraft.objects.filter(user=actor, procedure=procedure).first()
    if existing is not None:
        return existing
    profile = applicant_profile(actor)
    commune = None
    if needs_commune(procedure) and profile is not None and profile.unit_id:
        commune = communes_for_submission().filter(pk=profile.unit_id).first()
    try:
        with transaction.atomic():
            draft = SubmissionDraft.objects.create(
                user=actor,
                procedure=procedure,
                commune=commune,
                form_data=prefill_form(user=actor, procedure=procedure),
            )
            audit_record(
                actor=actor,
                action="portal.draft_open",
                obj=draft,
                after={"procedure": procedure.code},
            )
    except IntegrityError:
        # Two first requests raced: the other one created the draft.
        return SubmissionDraft.objects.get(user=actor, procedure=procedure)
    return draft


def draft_save(
    *,
    actor: Any,
    draft: SubmissionDraft | int,
    form_data: dict,
    commune: AdministrativeUnit | None = None,
    delivery_method: str = "",
    delivery_address: str = "",
) -> SubmissionDraft:
    """Keep what the applicant entered (checked only on review: a draft may be incomplete, but
    never holds a key outside the form or a value over its size cap, nor a way to receive the
    result the procedure does not offer)."""
    if not isinstance(form_data, dict):
        raise DomainError("invalid_form", _("The application data must be a JSON object."))
    with transaction.atomic():
        d = _locked_draft(actor, draft)
        ensure_can_submit(actor=actor, procedure=d.procedure)
        procedure_validate_draft(procedure=d.procedure, data=form_data)
        if commune is not None and not needs_commune(d.procedure):
            commune = None
        if commune is not None and not communes_for_submission().filter(pk=commune.pk).exists():
            raise DomainError("unknown_commune", _("Choose a commune of the province."))
        d.delivery_method, d.delivery_address = check_delivery(
            d.procedure, delivery_method, delivery_address, complete=False
        )
        d.form_data = form_data
        d.commune = commune
        d.save(
            update_fields=[
                "form_data",
                "commune",
                "delivery_method",
                "delivery_address",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="portal.draft_save",
            obj=d,
            after={
                "procedure": d.procedure.code,
                "fields": sorted(form_data),
                "commune": commune.code if commune else None,
                "delivery": d.delivery_method,
            },
        )
    return d


def draft_attach(
    *, actor: Any, draft: SubmissionDraft | int, component: ProcedureComponent, upload: Any
) -> DraftFile:
    """Attach (or replace) the document of one component; the file is checked first."""
    checked = check_upload(upload)
    stored: list[tuple[Any, str]] = []
    try:
        with transaction.atomic():
            d = _locked_draft(actor, draft)
            ensure_can_submit(actor=actor, procedure=d.procedure)
            if component.procedure_id != d.procedure_id:
                raise DomainError(
                    "unknown_component", _("The component belongs to another procedure.")
                )
            old = list(DraftFile.objects.filter(draft=d, component=component))
            for record in old:
                record.delete()
            record = DraftFile(
                draft=d,
                component=component,
                original_name=checked.original_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
            )
            record.file.save(f"{uuid.uuid4().hex}.{checked.extension}", checked.content, save=False)
            stored.append((record.file.storage, record.file.name))
            record.save()
            d.save(update_fields=["updated_at"])
            audit_record(
                actor=actor,
                action="portal.draft_attach",
                obj=d,
                after={
                    "component": component.pk,
                    "size": checked.size,
                    "sha256": checked.sha256,
                    "replaced": len(old),
                },
            )
            _storage_delete_later([(r.file.storage, r.file.name) for r in old])
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise
    return record


def draft_detach(
    *, actor: Any, draft: SubmissionDraft | int, component: ProcedureComponent
) -> None:
    """Remove the document of one component from the draft."""
    with transaction.atomic():
        d = _locked_draft(actor, draft)
        records = list(DraftFile.objects.filter(draft=d, component=component))
        if not records:
            raise NotFound("unknown_file", _("No document is attached for this component."))
        for record in records:
            record.delete()
        d.save(update_fields=["updated_at"])
        audit_record(
            actor=actor, action="portal.draft_detach", obj=d, after={"component": component.pk}
        )
        _storage_delete_later([(r.file.storage, r.file.name) for r in records])


def missing_components(draft: SubmissionDraft) -> list[ProcedureComponent]:
    """Required components of the procedure without a document in the draft."""
    attached = set(draft.files.values_list("component_id", flat=True))
    return [
        c
        for c in draft.procedure.components.order_by("order")
        if c.required and c.pk not in attached
    ]


def draft_submit(
    *,
    actor: Any,
    draft: SubmissionDraft | int,
    idempotency_key: str = "",
    assurance_level: int = 0,
) -> Dossier:
    """Submit the draft as an online dossier (status 1) and delete the draft. ``assurance_level``
    is the session's VNeID sign-in level (``accounts.selectors.session_assurance_level``).

    Safe to repeat: the draft's idempotency key goes to ``dossier_submit``, and a request for a
    draft that an earlier request already submitted returns that dossier (marked ``replayed``).
    """
    key = (idempotency_key or "").strip()[:100]
    done = _submitted_with(actor, key)
    if done is not None:
        return done
    with transaction.atomic():
        pk = draft.pk if isinstance(draft, SubmissionDraft) else draft
        d = (
            SubmissionDraft.objects.select_for_update(of=("self",))
            .select_related("procedure", "commune")
            .filter(pk=pk, user=actor)
            .first()
        )
        if d is None:
            # A concurrent request with the same key may have submitted it meanwhile.
            done = _submitted_with(actor, key)
            if done is not None:
                return done
            raise NotFound("unknown_draft", _("This draft no longer exists."))
        ensure_can_submit(actor=actor, procedure=d.procedure)
        if key and key != d.idempotency_key:
            raise DomainError(
                "stale_form",
                _("This page is out of date: check the dossier again before submitting."),
            )
        if needs_commune(d.procedure) and d.commune is None:
            raise DomainError(
                "commune_required", _("Choose the commune where the dossier is submitted.")
            )
        missing = missing_components(d)
        if missing:
            raise DomainError(
                "components_missing",
                _("Attach the required documents: %(names)s.")
                % {"names": "; ".join(c.name for c in missing)},
            )
        records = list(d.files.select_related("component").order_by("component__order"))
        # Checked and written once, at upload: the dossier takes the stored files over.
        uploads = [(record.component, record.as_checked()) for record in records]
        dossier = dossier_submit(
            actor=actor,
            procedure=d.procedure,
            form_data=d.form_data,
            channel=Channel.ONLINE,
            commune=d.commune if needs_commune(d.procedure) else None,
            idempotency_key=d.idempotency_key,
            uploads=uploads,
            assurance_level=assurance_level,
            delivery_method=d.delivery_method,
            delivery_address=d.delivery_address,
        )
        draft_pk = d.pk
        d.delete()
        audit_record(
            actor=actor,
            action="portal.draft_submit",
            obj=dossier,
            after={"draft": draft_pk, "files": len(records)},
        )
        if getattr(dossier, "replayed", False):  # an earlier dossier: these files are not its
            _storage_delete_later([(r.file.storage, r.file.name) for r in records])
    return dossier


def _submitted_with(actor: Any, key: str) -> Dossier | None:
    if not key:
        return None
    dossier = Dossier.objects.filter(submitted_by=actor, idempotency_key=key).first()
    if dossier is not None:
        dossier.replayed = True
    return dossier


def drafts_purge(*, older_than_days: int = DRAFT_MAX_AGE_DAYS) -> int:
    """Delete drafts untouched for ``older_than_days`` days, with their files."""
    if older_than_days < 1:
        raise DomainError("invalid_age", _("The age must be at least one day."))
    limit = timezone.now() - dt.timedelta(days=older_than_days)
    with transaction.atomic():
        old = list(SubmissionDraft.objects.select_for_update().filter(updated_at__lt=limit))
        if not old:
            return 0
        names = [
            (record.file.storage, record.file.name)
            for record in DraftFile.objects.filter(draft__in=old)
        ]
        SubmissionDraft.objects.filter(pk__in=[d.pk for d in old]).delete()
        audit_record(
            actor=None,
            action="portal.drafts_purge",
            object_type="portal.submissiondraft",
            object_repr=f"{len(old)} drafts",
            after={"count": len(old), "files": len(names), "older_than_days": older_than_days},
        )
        _storage_delete_later(names)
    return len(old)
