"""Work records (hồ sơ công việc, Decree 30 Art. 28–30): services, one transaction each.

The agency's yearly file list (:func:`file_list_entry_add`, :func:`file_list_approve`), a record
opened per task (:func:`record_open`, from a file-list entry or on its own), documents attached
(:func:`record_attach`) or, attached by mistake, removed with a reason (:func:`record_detach`),
the record closed (:func:`record_close`: it must be handed to the agency's archive within a year
of completion, :data:`ARCHIVE_WITHIN_DAYS`) and handed to the archive list
(:func:`record_archive`) with its retention period. Each step writes one
:class:`~tinhso.documents.models.RecordEvent` in its transaction (the record's history).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.access import Access
from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.core.lifecycle import Applied, Step, Transition, display_name, transition_table
from tinhso.core.models import Agency

from .access import LEADER_ROLES, SECRET_ROLES, STAFF_ROLES, holds, sees_document
from .models import (
    FileList,
    FileListEntry,
    IncomingDocument,
    OutgoingDocument,
    RecordEvent,
    RecordItem,
    RecordState,
    WorkRecord,
)
from .services import HistoryLifecycle, local_date

ARCHIVE_WITHIN_DAYS = 365
MAX_RETENTION_YEARS = 100
MAX_REASON_LENGTH = 500


def _require(actor: Any, agency: Agency, roles: frozenset[str], message: str) -> Access:
    access = Access.of(actor)
    if not getattr(actor, "is_authenticated", False) or not holds(access, agency.pk, roles):
        raise PermissionDenied("forbidden", message)
    return access


def _check(code: str, title: str, retention_years: int) -> None:
    errors = {}
    if not code or len(code) > 30:
        errors["code"] = _("Write the record code (at most 30 characters).")
    if not title or len(title) > 300:
        errors["title"] = _("Write the title (at most 300 characters).")
    if not isinstance(retention_years, int) or not 0 <= retention_years <= MAX_RETENTION_YEARS:
        errors["retention_years"] = _("Retention: 0 (permanent) to 100 years.")
    if errors:
        raise DomainError("invalid_record", " ".join(errors.values()), errors=errors)


def file_list_of(agency: Agency, year: int) -> FileList:
    return FileList.objects.get_or_create(agency=agency, year=year)[0]


def file_list_entry_add(
    *,
    actor: Any,
    agency: Agency,
    year: int,
    code: str,
    title: str,
    retention_years: int = 10,
    keeper: Any = None,
) -> FileListEntry:
    """Add a heading to the agency's file list of ``year`` (before the list is approved)."""
    _require(actor, agency, STAFF_ROLES, _("Only the agency's officers keep its file list."))
    code, title = " ".join(code.split()), " ".join(title.split())
    _check(code, title, retention_years)
    with transaction.atomic():
        file_list = file_list_of(agency, year)
        if file_list.approved_at is not None:
            raise InvalidTransition(
                "file_list_approved", _("The file list of this year is approved: it is closed.")
            )
        try:
            with transaction.atomic():
                entry = FileListEntry.objects.create(
                    file_list=file_list,
                    code=code,
                    title=title,
                    retention_years=retention_years,
                    keeper=keeper,
                )
        except IntegrityError:
            message = _("The file list already has this code.")
            raise DomainError("invalid_record", message, errors={"code": message}) from None
        audit_record(
            actor=actor,
            action="documents.file_list.add",
            obj=entry,
            after={"year": year, "code": code, "title": title, "retention": retention_years},
        )
    return entry


def file_list_approve(*, actor: Any, agency: Agency, year: int) -> FileList:
    """The head approves the year's file list (at the start of the year)."""
    _require(actor, agency, LEADER_ROLES | SECRET_ROLES, _("Only a leader approves the file list."))
    with transaction.atomic():
        file_list = FileList.objects.select_for_update().get(pk=file_list_of(agency, year).pk)
        if file_list.approved_at is not None:
            return file_list
        if not file_list.entries.exists():
            raise DomainError("invalid_record", _("The file list has no entry yet."))
        file_list.approved_at, file_list.approved_by = timezone.now(), actor
        file_list.save(update_fields=["approved_at", "approved_by"])
        audit_record(actor=actor, action="documents.file_list.approve", obj=file_list)
    return file_list


# --- the record's lifecycle ------------------------------------------------------------------


@dataclass
class RecordApplied(Applied):
    pass


RECORD_TRANSITIONS = transition_table(
    Transition("attach", frozenset({RecordState.OPEN}), None, frozenset({"staff"})),
    Transition("detach", frozenset({RecordState.OPEN}), None, frozenset({"staff"})),
    Transition("close", frozenset({RecordState.OPEN}), RecordState.CLOSED, frozenset({"staff"})),
    Transition("reopen", frozenset({RecordState.CLOSED}), RecordState.OPEN, frozenset({"staff"})),
    Transition(
        "archive", frozenset({RecordState.CLOSED}), RecordState.ARCHIVED, frozenset({"staff"})
    ),
)

# What the record's history shows for each action (the table's, and its opening).
RECORD_LABELS = {
    "open": gettext_lazy("Record opened"),
    "attach": gettext_lazy("Document attached"),
    "detach": gettext_lazy("Document removed from the record"),
    "close": gettext_lazy("Record closed"),
    "reopen": gettext_lazy("Record reopened"),
    "archive": gettext_lazy("Record archived"),
}


class RecordLifecycle(HistoryLifecycle[WorkRecord, RecordApplied]):
    model = WorkRecord
    event_model = RecordEvent
    transitions = RECORD_TRANSITIONS
    labels = RECORD_LABELS
    audit_prefix = "documents.record"
    related = ("agency",)
    snapshot_fields = ("state", "closed_at", "archived_at", "archive_due")
    guard_first = True
    applied_type = RecordApplied

    def not_found(self) -> NotFound:
        return NotFound("unknown_record", _("The work record was not found."))

    def guard(self, actor: Any, obj: WorkRecord, transition: Transition) -> None:
        if not getattr(actor, "is_authenticated", False) or not holds(
            Access.of(actor), obj.agency_id, STAFF_ROLES
        ):
            raise self.not_found()

    def audit_after(self, step: Step, applied: RecordApplied, event: Any) -> dict[str, Any]:
        # What the step was about (the document attached or removed, the reason) beside the state.
        return {**super().audit_after(step, applied, event), **applied.data}

    def refuse(self, obj: WorkRecord, transition: Transition) -> InvalidTransition:
        return InvalidTransition(
            "invalid_transition",
            _("The record is “%(state)s”: this action is not possible now.")
            % {"state": obj.get_state_display()},
        )


RECORDS = RecordLifecycle()


def record_open(
    *,
    actor: Any,
    agency: Agency,
    title: str,
    code: str = "",
    entry: FileListEntry | None = None,
    retention_years: int | None = None,
    is_electronic: bool = True,
    now: dt.datetime | None = None,
) -> WorkRecord:
    """Mở hồ sơ: open the record of a task, under a heading of the file list (its code and
    retention) or on its own."""
    _require(actor, agency, STAFF_ROLES, _("Only the agency's officers open its records."))
    now = now or timezone.now()
    year = local_date(now).year
    title = " ".join(str(title or "").split())
    if entry is not None:
        if entry.file_list.agency_id != agency.pk:
            raise DomainError("invalid_record", _("Choose a heading of the agency's file list."))
        code = code or entry.code
        retention_years = entry.retention_years if retention_years is None else retention_years
        title = title or entry.title
    code = " ".join(str(code or "").split())
    retention_years = 10 if retention_years is None else retention_years
    _check(code, title, retention_years)
    with transaction.atomic():
        if WorkRecord.objects.filter(agency=agency, year=year, code=code).exists():
            message = _("A record with this code is already open this year.")
            raise DomainError("invalid_record", message, errors={"code": message})
        record = WorkRecord.objects.create(
            agency=agency,
            entry=entry,
            year=year,
            code=code,
            title=title,
            retention_years=retention_years,
            is_electronic=is_electronic,
            opened_by=actor,
            opened_at=now,
        )
        RecordEvent.objects.create(
            record=record,
            seq=1,
            action="open",
            actor=actor,
            actor_name=display_name(actor),
            at=now,
            data={"code": code, "entry": entry.pk if entry is not None else None},
        )
        audit_record(
            actor=actor,
            action="documents.record.open",
            obj=record,
            after={"code": code, "title": title, "state": record.state},
        )
    return record


def record_attach(
    *,
    actor: Any,
    record: WorkRecord | int,
    incoming: IncomingDocument | None = None,
    outgoing: OutgoingDocument | None = None,
) -> WorkRecord:
    """Đưa văn bản vào hồ sơ: attach a document of the agency that the officer may read."""
    if (incoming is None) == (outgoing is None):
        raise DomainError("invalid_record", _("Choose one document to attach."))
    document = incoming or outgoing

    def apply(rec: WorkRecord, step: Step) -> RecordApplied:
        if document.agency_id != rec.agency_id or not sees_document(
            Access.of(step.actor), document
        ):
            raise DomainError("invalid_record", _("Choose a document of the agency."))
        kind = "incoming" if incoming is not None else "outgoing"
        if RecordItem.objects.filter(record=rec, **{kind: document}).exists():
            return RecordApplied(unchanged=True)
        RecordItem.objects.create(
            record=rec, incoming=incoming, outgoing=outgoing, added_at=step.now
        )
        return RecordApplied(data={kind: document.pk})

    # The event's note names the document (its number and symbol, or a draft's summary).
    note = document.number_symbol or document.summary
    return RECORDS.perform(actor=actor, obj=record, action="attach", apply=apply, note=note).obj


def record_detach(
    *, actor: Any, record: WorkRecord | int, item: RecordItem | int, reason: str
) -> WorkRecord:
    """Rút văn bản khỏi hồ sơ: remove a document attached by mistake to an open record, with a
    reason. Those who may attach may remove (the same guard); the event's note names the
    document as the attachment's did, then the reason."""
    reason = " ".join(str(reason or "").split())
    if not 5 <= len(reason) <= MAX_REASON_LENGTH:
        message = _("Write why the document is removed (5 to 500 characters).")
        raise DomainError("invalid_record", message, errors={"reason": message})
    item_pk = item.pk if isinstance(item, RecordItem) else item

    def apply(rec: WorkRecord, step: Step) -> RecordApplied:
        found = (
            RecordItem.objects.select_for_update(of=("self",))
            .select_related("incoming", "outgoing")
            .filter(record=rec, pk=item_pk)
            .first()
            if isinstance(item_pk, int)
            else None
        )
        document = found and (found.incoming or found.outgoing)
        if document is None or not sees_document(Access.of(step.actor), document):
            raise DomainError("invalid_record", _("The document is not in this record."))
        kind = "incoming" if found.incoming_id else "outgoing"
        found.delete()
        step.note = f"{document.number_symbol or document.summary} – {reason}"
        return RecordApplied(data={kind: document.pk, "reason": reason})

    return RECORDS.perform(actor=actor, obj=record, action="detach", apply=apply, note=reason).obj


def record_close(*, actor: Any, record: WorkRecord | int) -> WorkRecord:
    """Kết thúc hồ sơ: the task is done; the record is to be archived within a year."""

    def apply(rec: WorkRecord, step: Step) -> RecordApplied:
        if not rec.items.exists():
            raise DomainError("invalid_record", _("Attach at least one document before closing."))
        rec.closed_at = step.now
        rec.archive_due = local_date(step.now) + dt.timedelta(days=ARCHIVE_WITHIN_DAYS)
        return RecordApplied()

    return RECORDS.perform(actor=actor, obj=record, action="close", apply=apply).obj


def record_reopen(*, actor: Any, record: WorkRecord | int) -> WorkRecord:
    def apply(rec: WorkRecord, step: Step) -> RecordApplied:
        rec.closed_at = rec.archive_due = None
        return RecordApplied()

    return RECORDS.perform(actor=actor, obj=record, action="reopen", apply=apply).obj


def record_archive(*, actor: Any, record: WorkRecord | int) -> WorkRecord:
    """Nộp lưu: hand the closed record to the agency's archive list with its retention."""

    def apply(rec: WorkRecord, step: Step) -> RecordApplied:
        rec.archived_at = step.now
        return RecordApplied(data={"retention_years": rec.retention_years})

    return RECORDS.perform(actor=actor, obj=record, action="archive", apply=apply).obj
