"""Business operations on documents: one function per operation, one transaction each.

Incoming documents (văn bản đến): :func:`incoming_register` (arrival number per agency and
year), :func:`incoming_acknowledge`, :func:`incoming_distribute` (to a leader),
:func:`incoming_assign` (lead, coordinate, for information; a deadline), :func:`incoming_opinion`,
:func:`incoming_finish`, :func:`incoming_return` (a wrongly sent document), and the reminders
(:func:`incoming_remind`).

Outgoing documents (văn bản đi): :func:`outgoing_draft`, :func:`outgoing_update`,
:func:`outgoing_submit`, :func:`outgoing_send_back`, :func:`outgoing_approve` (the signer),
:func:`outgoing_issue` (number and send), or in two steps :func:`outgoing_number` (the number is
reserved) and :func:`outgoing_dispatch`; :func:`outgoing_cancel` (a reserved number stays in the
register, marked cancelled). The signer approves by signing digitally
(:func:`outgoing_sign_begin`, :func:`outgoing_sign_finish`, through the signing agent; plain
:func:`outgoing_approve` only where the agency approves on paper), and a signed document is
numbered, sealed with the agency's certificate and issued (:func:`outgoing_seal_begin`,
:func:`outgoing_seal_finish`). Issuing a revocation, update or replacement of an earlier document
links the two and, for a revocation, revokes the earlier one at its receivers on the platform.

Numbering (Decree 30, Art. 15; ``../shared/DOCUMENTS.md``): per agency and year from 01, in the
order of issue; the series year is the document date's (Vietnam time); one series for all
administrative documents or one per type (:class:`RegisterSettings`), each legal normative type
its own series with the year in the symbol, classified documents their own series. The number is
taken with :func:`tinhso.core.numbering.take_series_number` inside the issuing transaction: no
gap, no duplicate, whatever runs at the same time.

Every state change goes through a :class:`~tinhso.core.lifecycle.Lifecycle` (lock, transition
table, guard, event row, audit entry).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.access import Access
from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.core.lifecycle import (
    A,
    Applied,
    Lifecycle,
    M,
    Step,
    Transition,
    display_name,
    files_rollback,
    next_seq,
    remember_file,
    signed_in,
    transition_table,
)
from tinhso.core.models import Agency
from tinhso.core.numbering import take_series_number
from tinhso.core.uploads import check_upload

from .access import CLERK_ROLES, LEADER_ROLES, STAFF_ROLES, holds, sees_document
from .exchange import ExchangeSender
from .kinds import DOCUMENT_TYPES, NORMATIVE_TYPES, type_abbreviation
from .models import (
    NUMBER_SYMBOL_MAX_LENGTH,
    OPEN_INCOMING,
    SUMMARY_MAX_LENGTH,
    Assignment,
    AssignmentRole,
    Attachment,
    BusinessType,
    Channel,
    DocumentEvent,
    IncomingDocument,
    IncomingEvent,
    IncomingState,
    OutgoingDocument,
    OutgoingEvent,
    OutgoingState,
    Recipient,
    RecipientStatus,
    RegisterSettings,
    Secrecy,
    StatusCode,
    Urgency,
    document_id,
)

INCOMING_SERIES = "doc:in"
REASON_MAX_LENGTH = 500


def local_date(at: dt.datetime) -> dt.date:
    """The date of ``at`` in Vietnam time (the project's TIME_ZONE)."""
    return timezone.localdate(at)


# --- checks ----------------------------------------------------------------------------------


def _errors(errors: dict[str, str], code: str = "invalid_document") -> None:
    if errors:
        raise DomainError(code, " ".join(errors.values()), errors=errors)


def _text(value: Any, limit: int) -> str:
    return " ".join(str(value or "").split())[: limit + 1]


def _check_common(
    errors: dict[str, str], *, doc_type: str, summary: str, urgency: str, secrecy: str
) -> None:
    if doc_type not in DOCUMENT_TYPES:
        errors["doc_type"] = _("Choose the document type.")
    if not summary:
        errors["summary"] = _("Write the summary.")
    elif len(summary) > SUMMARY_MAX_LENGTH:
        errors["summary"] = _("The summary is too long: at most %(limit)d characters.") % {
            "limit": SUMMARY_MAX_LENGTH
        }
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose the urgency.")
    if secrecy not in Secrecy.values:
        errors["secrecy"] = _("Choose the secrecy level.")


def _reason(value: Any, message: str) -> str:
    """The reason of a return or a cancellation: 5 to 500 characters, else ``message``."""
    reason = _text(value, REASON_MAX_LENGTH)
    if len(reason) < 5 or len(reason) > REASON_MAX_LENGTH:
        raise DomainError("invalid_document", message, errors={"reason": message})
    return reason


def _access(actor: Any) -> Access:
    return Access.of(actor)


def _require(actor: Any, agency: Agency, roles: frozenset[str], message: str) -> Access:
    access = _access(actor)
    if not getattr(actor, "is_authenticated", False) or not holds(access, agency.pk, roles):
        raise PermissionDenied("forbidden", message)
    return access


def _store_files(files: Iterable[Any], *, actor: Any, **owner: Any) -> list[Attachment]:
    """Check and store uploads (``core.uploads.check_upload``) as attachments of ``owner``."""
    stored = []
    for upload in files:
        checked = check_upload(upload)
        row = Attachment(
            original_name=checked.original_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=signed_in(actor),
            **owner,
        )
        row.file.save(f"document.{checked.extension}", checked.content, save=False)
        remember_file(row.file.storage, row.file.name)
        row.save()
        stored.append(row)
    return stored


def _check_files(files: list[Any]) -> list[Any]:
    """Check every upload before anything is written (a bad one refuses the whole operation)."""
    return [check_upload(upload) for upload in files]


# --- incoming documents ----------------------------------------------------------------------


@dataclass
class IncomingApplied(Applied):
    status: str = ""  # a status message to the sender on the platform


def _incoming_status(
    document: IncomingDocument, code: str, at: dt.datetime, note: str = "", staff: str = ""
):
    """Record a status message about the sender's copy: on the sender's recipient row for a
    sender on the platform, as an edXML status message for a sender outside it."""
    if document.recipient_id is None:
        _exchange_status(document, code, at, note, staff)
        return
    RecipientStatus.objects.create(
        recipient_id=document.recipient_id, code=code, at=at, note=note[:500]
    )
    Recipient.objects.filter(pk=document.recipient_id).update(status=code, status_at=at)


_OPEN = frozenset(OPEN_INCOMING)
CLERK, LEADER, ASSIGNEE, SENDER = "clerk", "leader", "assignee", "sender"
INCOMING_TRANSITIONS = transition_table(
    Transition("acknowledge", _OPEN, None, frozenset({CLERK, LEADER})),
    Transition(
        "distribute",
        frozenset({IncomingState.REGISTERED, IncomingState.DISTRIBUTED}),
        IncomingState.DISTRIBUTED,
        frozenset({CLERK, LEADER}),
    ),
    Transition("assign", _OPEN, IncomingState.ASSIGNED, frozenset({LEADER})),
    Transition("opinion", frozenset({IncomingState.ASSIGNED}), None, frozenset({LEADER, ASSIGNEE})),
    Transition(
        "finish",
        frozenset({IncomingState.ASSIGNED}),
        IncomingState.DONE,
        frozenset({LEADER, "lead"}),
    ),
    Transition(
        "return",
        frozenset({IncomingState.REGISTERED, IncomingState.DISTRIBUTED}),
        IncomingState.RETURNED,
        frozenset({CLERK, LEADER}),
    ),
    Transition("revoke", _OPEN | {IncomingState.DONE}, IncomingState.REVOKED, frozenset({SENDER})),
)
# What the history shows for each action an incoming document records (the table's and the
# ones written outside it: registration, a sender's update, a copy made of it).
INCOMING_LABELS = {
    "register": gettext_lazy("Registered as incoming"),
    "updated": gettext_lazy("Updated by the sender"),
    "acknowledge": gettext_lazy("Receipt acknowledged to the sender"),
    "distribute": gettext_lazy("Sent to the leader"),
    "assign": gettext_lazy("Assigned for handling"),
    "opinion": gettext_lazy("Opinion given"),
    "finish": gettext_lazy("Handling finished"),
    "return": gettext_lazy("Returned to the sender"),
    "revoke": gettext_lazy("Revoked by the sender"),
    "copy": gettext_lazy("Copy made"),
}
STATUS_OF_ACTION = {
    "acknowledge": StatusCode.ACCEPTED,
    "assign": StatusCode.ASSIGNED,
    "opinion": StatusCode.PROCESSING,
    "finish": StatusCode.DONE,
    "return": StatusCode.REJECTED,
}


class HistoryLifecycle(Lifecycle[M, A]):
    """A lifecycle whose every step writes one ``event_model`` row (actor, time, action, note,
    data) in the step's transaction: the history of incoming and outgoing documents, work
    records and copies (:class:`~tinhso.documents.models.DocumentEvent`)."""

    event_model: ClassVar[type[DocumentEvent]]

    def record(self, step: Step, applied: A) -> DocumentEvent:
        return self.event_model.objects.create(
            **{self.event_model.parent_field: step.obj},
            seq=next_seq(step.obj.events),
            action=step.action,
            actor=signed_in(step.actor),
            actor_name=display_name(step.actor),
            at=step.now,
            note=step.note,
            data=applied.data,
        )


class _DocumentLifecycle(HistoryLifecycle[M, A]):
    """What the incoming and the outgoing lifecycles share: scoped by agency, the actor checked
    before the state, the refusals' wording, one ``event_model`` row per step."""

    related = ("agency",)
    guard_first = True

    def not_found(self) -> NotFound:
        return NotFound("unknown_document", _("The document was not found."))

    def refuse(self, obj: M, transition: Transition) -> InvalidTransition:
        return InvalidTransition(
            "invalid_transition",
            _("The document is “%(state)s”: this action is not possible now.")
            % {"state": obj.get_state_display()},
        )

    def perform_with_reason(
        self, *, actor: Any, document: M | int, action: str, field: str, reason: str
    ) -> M:
        """An operation whose one change besides the state is its reason, kept in ``field`` and
        as the event's note (a return, a cancellation)."""

        def apply(doc: M, step: Step) -> A:
            setattr(doc, field, reason)
            return self.applied_type()

        return self.perform(actor=actor, obj=document, action=action, apply=apply, note=reason).obj


def incoming_actor_roles(access: Access, document: IncomingDocument) -> set[str]:
    """The pseudo-roles the user holds on ``document`` (clerk, leader, assignee, lead, sender)."""
    found: set[str] = set()
    if not access.is_authenticated:
        return found
    if holds(access, document.agency_id, CLERK_ROLES):
        found.add(CLERK)
    if holds(access, document.agency_id, LEADER_ROLES):
        found.add(LEADER)
    roles = dict(
        Assignment.objects.filter(document=document, user_id=access.user.pk).values_list(
            "user_id", "role"
        )
    )
    if roles:
        found.add(ASSIGNEE)
        if roles.get(access.user.pk) == AssignmentRole.LEAD:
            found.add("lead")
    if document.sender_agency_id and holds(access, document.sender_agency_id, STAFF_ROLES):
        found.add(SENDER)
    return found


class IncomingLifecycle(_DocumentLifecycle[IncomingDocument, IncomingApplied]):
    model = IncomingDocument
    event_model = IncomingEvent
    transitions = INCOMING_TRANSITIONS
    labels = INCOMING_LABELS
    audit_prefix = "documents.incoming"
    snapshot_fields = ("state", "leader_id", "deadline", "acknowledged_at", "return_reason")
    applied_type = IncomingApplied

    def guard(self, actor: Any, obj: IncomingDocument, transition: Transition) -> Access:
        if isinstance(actor, ExchangeSender):  # the sender outside the platform, through the axis
            if transition.action == "revoke" and obj.exchange and actor.organ_id == obj.sender_code:
                return _access(None)
            raise PermissionDenied("forbidden", _("You may not take this action on the document."))
        access = _access(actor)
        roles = incoming_actor_roles(access, obj)
        if transition.action != "revoke" and not sees_document(access, obj):
            raise self.not_found()
        if not roles & transition.actors:
            raise PermissionDenied("forbidden", _("You may not take this action on the document."))
        return access

    def outbox(self, step: Step, applied: IncomingApplied, event: Any) -> None:
        code = STATUS_OF_ACTION.get(step.action)
        if code is not None:
            _incoming_status(step.obj, code, step.now, step.note, display_name(step.actor))


INCOMING = IncomingLifecycle()


def _next_arrival(agency: Agency, at: dt.datetime) -> tuple[int, int]:
    year = local_date(at).year
    return year, take_series_number(agency, INCOMING_SERIES, year)


def incoming_register(
    *,
    actor: Any,
    agency: Agency,
    sender_name: str,
    number_symbol: str,
    doc_date: dt.date,
    doc_type: str,
    summary: str,
    urgency: str = Urgency.NORMAL,
    secrecy: str = Secrecy.NORMAL,
    pages: int = 1,
    sender_agency: Agency | None = None,
    sender_code: str = "",
    channel: str = Channel.PAPER,
    files: Iterable[Any] = (),
    acknowledge: bool = True,
    now: dt.datetime | None = None,
) -> IncomingDocument:
    """Đăng ký văn bản đến: enter a received document in the agency's incoming register.

    The arrival number is the next of the agency's yearly series (one series for paper and
    electronic documents), taken in this transaction. ``acknowledge`` records the same-day
    acknowledgement to the sender.
    """
    _require(actor, agency, CLERK_ROLES, _("Only the agency's clerks register documents."))
    now = now or timezone.now()
    sender_name = _text(sender_name, 255) or (sender_agency.name if sender_agency else "")
    number_symbol = _text(number_symbol, NUMBER_SYMBOL_MAX_LENGTH)
    summary = _text(summary, SUMMARY_MAX_LENGTH)
    errors: dict[str, str] = {}
    if not sender_name:
        errors["sender_name"] = _("Write the sender.")
    elif len(sender_name) > 255:
        errors["sender_name"] = _("The sender's name is too long.")
    if not number_symbol:
        errors["number_symbol"] = _("Write the number and symbol, e.g. 12/UBND-VX.")
    elif len(number_symbol) > NUMBER_SYMBOL_MAX_LENGTH:
        errors["number_symbol"] = _("The number and symbol are too long.")
    if doc_date is None:
        errors["doc_date"] = _("Write the document date.")
    elif doc_date > local_date(now):
        errors["doc_date"] = _("The document date cannot be later than today.")
    if not isinstance(pages, int) or pages < 1 or pages > 10000:
        errors["pages"] = _("Write the number of pages (1 to 10000).")
    if channel not in Channel.values:
        errors["channel"] = _("Choose how the document arrived.")
    _check_common(errors, doc_type=doc_type, summary=summary, urgency=urgency, secrecy=secrecy)
    _errors(errors)
    checked = _check_files(list(files))
    with files_rollback(), transaction.atomic():
        year, number = _next_arrival(agency, now)
        document = IncomingDocument.objects.create(
            agency=agency,
            arrival_year=year,
            arrival_number=number,
            received_at=now,
            channel=channel,
            sender_agency=sender_agency,
            sender_name=sender_name,
            sender_code=sender_code or (sender_agency.code if sender_agency else ""),
            number_symbol=number_symbol,
            doc_date=doc_date,
            doc_type=doc_type,
            summary=summary,
            urgency=urgency,
            secrecy=secrecy,
            pages=pages,
            acknowledged_at=now if acknowledge else None,
            registered_by=actor,
            document_id=document_id(
                sender_code or (sender_agency.code if sender_agency else ""),
                doc_date,
                number_symbol,
            ),
        )
        _store_files(checked, actor=actor, incoming=document)
        IncomingEvent.objects.create(
            document=document,
            seq=1,
            action="register",
            actor=actor,
            actor_name=display_name(actor),
            at=now,
            data={"arrival_number": number, "acknowledged": acknowledge},
        )
        audit_record(
            actor=actor,
            action="documents.incoming.register",
            obj=document,
            after={"arrival_number": number, "arrival_year": year, "state": document.state},
        )
    return document


def incoming_acknowledge(*, actor: Any, document: IncomingDocument | int) -> IncomingDocument:
    """Báo nhận: record that the sender was told the document arrived (the same day)."""

    def apply(doc: IncomingDocument, step: Step) -> IncomingApplied:
        if doc.acknowledged_at is not None:
            return IncomingApplied(unchanged=True)
        doc.acknowledged_at = step.now
        return IncomingApplied()

    return INCOMING.perform(actor=actor, obj=document, action="acknowledge", apply=apply).obj


def _agency_leader(agency_id: int, user: Any) -> Any:
    if user is None or not Access.of(user).roles_in(agency_id) & LEADER_ROLES:
        message = _("Choose a leader of the agency.")
        raise DomainError("invalid_document", message, errors={"leader": message})
    return user


def incoming_distribute(
    *, actor: Any, document: IncomingDocument | int, leader: Any, note: str = ""
) -> IncomingDocument:
    """Trình lãnh đạo: hand the document to a leader of the agency for direction."""

    def apply(doc: IncomingDocument, step: Step) -> IncomingApplied:
        doc.leader = _agency_leader(doc.agency_id, leader)
        return IncomingApplied(data={"leader": display_name(leader)})

    return INCOMING.perform(
        actor=actor, obj=document, action="distribute", apply=apply, note=_text(note, 2000)
    ).obj


def incoming_assign(
    *,
    actor: Any,
    document: IncomingDocument | int,
    assignees: list[tuple[Any, str]],
    deadline: dt.date | None,
    direction: str = "",
) -> IncomingDocument:
    """Phân công: the leader records the direction, the officers with their roles (exactly one
    lead, any coordinating or informed ones), and the deadline."""
    direction = " ".join(str(direction or "").split()) if direction else ""

    def apply(doc: IncomingDocument, step: Step) -> IncomingApplied:
        errors: dict[str, str] = {}
        leads = [user for user, role in assignees if role == AssignmentRole.LEAD]
        if len(leads) != 1:
            errors["assignees"] = _("Choose exactly one officer to lead.")
        if any(role not in AssignmentRole.values for _user, role in assignees):
            errors["assignees"] = _("Choose a role for every officer.")
        users = [user for user, _role in assignees]
        if len({u.pk for u in users}) != len(users):
            errors["assignees"] = _("Each officer can be chosen once.")
        if any(not Access.of(u).roles_in(doc.agency_id) & STAFF_ROLES for u in users):
            errors["assignees"] = _("Choose officers of the agency.")
        if deadline is not None and deadline < local_date(step.now):
            errors["deadline"] = _("The deadline cannot be in the past.")
        if len(direction) > 2000:
            errors["direction"] = _("The direction is too long: at most 2000 characters.")
        _errors(errors)
        doc.leader = step.actor if doc.leader_id is None else doc.leader
        doc.direction = direction
        doc.deadline = deadline
        kept = {a.user_id: a for a in doc.assignments.all()}
        for user, role in assignees:
            row = kept.pop(user.pk, None) or Assignment(document=doc, user=user)
            row.role, row.deadline, row.assigned_at = role, deadline, step.now
            row.save()
        Assignment.objects.filter(pk__in=[a.pk for a in kept.values()]).delete()
        return IncomingApplied(
            data={
                "assignees": [{"user": display_name(u), "role": r} for u, r in assignees],
                "deadline": deadline.isoformat() if deadline else None,
            }
        )

    return INCOMING.perform(
        actor=actor, obj=document, action="assign", apply=apply, note=direction
    ).obj


def incoming_opinion(
    *, actor: Any, document: IncomingDocument | int, text: str
) -> IncomingDocument:
    """Ý kiến xử lý: an assigned officer (or the leader) writes a processing opinion."""
    text = str(text or "").strip()
    if not text:
        raise DomainError(
            "invalid_document", _("Write the opinion."), errors={"text": _("Write the opinion.")}
        )
    if len(text) > 4000:
        raise DomainError(
            "invalid_document",
            _("The opinion is too long: at most 4000 characters."),
            errors={"text": _("The opinion is too long: at most 4000 characters.")},
        )
    return INCOMING.perform(actor=actor, obj=document, action="opinion", note=text).obj


def incoming_finish(
    *, actor: Any, document: IncomingDocument | int, note: str = ""
) -> IncomingDocument:
    """Hoàn thành: the lead officer (or the leader) closes the document's processing."""

    def apply(doc: IncomingDocument, step: Step) -> IncomingApplied:
        doc.done_at = step.now
        doc.assignments.filter(done_at__isnull=True).update(done_at=step.now)
        return IncomingApplied()

    return INCOMING.perform(
        actor=actor, obj=document, action="finish", apply=apply, note=_text(note, 2000)
    ).obj


def incoming_return(
    *, actor: Any, document: IncomingDocument | int, reason: str
) -> IncomingDocument:
    """Trả lại: a wrongly sent or invalid document goes back to its sender, with the reason."""
    reason = _reason(reason, _("Write the reason for the return (5 to 500 characters)."))

    return INCOMING.perform_with_reason(
        actor=actor, document=document, action="return", field="return_reason", reason=reason
    )


def incoming_remind(*, now: dt.datetime | None = None) -> int:
    """Nhắc việc: tell each officer with an unfinished assignment due within one working day, or
    overdue, once a day; return how many assignments were reminded."""
    from tinhso.core.selectors import work_calendar

    now = now or timezone.now()
    today = local_date(now)
    horizon = local_date(work_calendar().add_working_days(now, 1))
    due = (
        Assignment.objects.filter(
            done_at__isnull=True,
            deadline__isnull=False,
            deadline__lte=horizon,
            document__state=IncomingState.ASSIGNED,
        )
        .exclude(role=AssignmentRole.INFORM)
        .exclude(reminded_on=today)
        .select_related("document", "user")
    )
    count = 0
    for assignment in due:
        with transaction.atomic():
            _notify_due(assignment, today=today)
            Assignment.objects.filter(pk=assignment.pk).update(reminded_on=today)
        count += 1
    return count


def _notify_due(assignment: Assignment, *, today: dt.date) -> None:
    from tinhso.notifications.models import Event
    from tinhso.notifications.services import notify, officer

    doc = assignment.document
    notify(
        Event.DOCUMENT_DUE,
        key=f"document:{doc.pk}:{assignment.user_id}:due:{today.isoformat()}",
        recipients=[officer(assignment.user)],
        context={
            "number_symbol": doc.number_symbol,
            "summary": doc.summary,
            "sender": doc.sender_name,
            "deadline": f"{assignment.deadline:%d/%m/%Y}",
            "overdue": assignment.deadline < today,
        },
    )


# --- outgoing documents ----------------------------------------------------------------------


@dataclass
class OutgoingApplied(Applied):
    pass


_EDITABLE = frozenset({OutgoingState.DRAFT})
DRAFTER, SIGNER = "drafter", "signer"
OUTGOING_TRANSITIONS = transition_table(
    Transition("update", _EDITABLE, None, frozenset({DRAFTER, CLERK})),
    Transition("submit", _EDITABLE, OutgoingState.IN_REVIEW, frozenset({DRAFTER, CLERK})),
    Transition(
        "send_back",
        frozenset({OutgoingState.IN_REVIEW, OutgoingState.APPROVED}),
        OutgoingState.DRAFT,
        frozenset({SIGNER, LEADER}),
    ),
    Transition(
        "approve", frozenset({OutgoingState.IN_REVIEW}), OutgoingState.APPROVED, frozenset({SIGNER})
    ),
    # Approval by signing digitally (outgoing_sign_begin / outgoing_sign_finish).
    Transition(
        "sign", frozenset({OutgoingState.IN_REVIEW}), OutgoingState.APPROVED, frozenset({SIGNER})
    ),
    Transition(
        "number", frozenset({OutgoingState.APPROVED}), OutgoingState.NUMBERED, frozenset({CLERK})
    ),
    Transition(
        "dispatch", frozenset({OutgoingState.NUMBERED}), OutgoingState.ISSUED, frozenset({CLERK})
    ),
    Transition(
        "issue", frozenset({OutgoingState.APPROVED}), OutgoingState.ISSUED, frozenset({CLERK})
    ),
    Transition(
        "cancel",
        frozenset(
            {
                OutgoingState.DRAFT,
                OutgoingState.IN_REVIEW,
                OutgoingState.APPROVED,
                OutgoingState.NUMBERED,
            }
        ),
        OutgoingState.CANCELLED,
        frozenset({DRAFTER, CLERK, LEADER}),
    ),
    Transition(
        "revoke", frozenset({OutgoingState.ISSUED}), OutgoingState.REVOKED, frozenset({CLERK})
    ),
)

# What the history shows for each action an outgoing document records (the table's, the draft
# and a copy made of it).
OUTGOING_LABELS = {
    "draft": gettext_lazy("Drafted"),
    "update": gettext_lazy("Draft edited"),
    "submit": gettext_lazy("Submitted for signature"),
    "send_back": gettext_lazy("Sent back for changes"),
    "approve": gettext_lazy("Approved"),
    "sign": gettext_lazy("Signed digitally"),
    "number": gettext_lazy("Numbered"),
    "dispatch": gettext_lazy("Sealed and issued"),
    "issue": gettext_lazy("Issued"),
    "cancel": gettext_lazy("Cancelled"),
    "revoke": gettext_lazy("Revoked"),
    "copy": gettext_lazy("Copy made"),
}


def outgoing_actor_roles(access: Access, document: OutgoingDocument) -> set[str]:
    found: set[str] = set()
    if not access.is_authenticated:
        return found
    if holds(access, document.agency_id, CLERK_ROLES):
        found.add(CLERK)
    if holds(access, document.agency_id, LEADER_ROLES):
        found.add(LEADER)
    if document.drafted_by_id == access.user.pk:
        found.add(DRAFTER)
    if document.signer_id == access.user.pk:
        found.add(SIGNER)
    return found


class OutgoingLifecycle(_DocumentLifecycle[OutgoingDocument, OutgoingApplied]):
    model = OutgoingDocument
    event_model = OutgoingEvent
    transitions = OUTGOING_TRANSITIONS
    labels = OUTGOING_LABELS
    audit_prefix = "documents.outgoing"
    snapshot_fields = ("state", "series", "number_year", "number", "number_symbol", "doc_date")
    applied_type = OutgoingApplied

    def guard(self, actor: Any, obj: OutgoingDocument, transition: Transition) -> Access:
        access = _access(actor)
        if not sees_document(access, obj):
            raise self.not_found()
        if not outgoing_actor_roles(access, obj) & transition.actors:
            raise PermissionDenied("forbidden", _("You may not take this action on the document."))
        return access


OUTGOING = OutgoingLifecycle()


def register_settings(agency: Agency) -> RegisterSettings:
    """The agency's numbering and header settings (defaults written on first use)."""
    found = RegisterSettings.objects.filter(agency=agency).first()
    if found is not None:
        return found
    symbol = "".join(w[0] for w in (agency.short_name or agency.name).split() if w[:1].isalpha())
    return RegisterSettings.objects.get_or_create(
        agency=agency,
        defaults={
            "symbol": (symbol.upper() or "CQ")[:20],
            "place": agency.unit.name if agency.unit_id else "",
        },
    )[0]


def series_key(document: OutgoingDocument, settings_: RegisterSettings) -> str:
    """Which series numbers ``document``: classified documents their own; each legal normative
    type its own; administrative documents one series, or one per type as the agency chose."""
    if document.secrecy != Secrecy.NORMAL:
        return "doc:secret"
    if document.is_normative:
        return f"doc:qppl:{document.doc_type}"
    if settings_.series_per_type:
        return f"doc:{document.doc_type}"
    return "doc:all"


def number_symbol(document: OutgoingDocument, number: int, year: int, symbol: str) -> str:
    """``05/2026/QĐ-UBND`` (normative), ``12/QĐ-UBND``, ``123/UBND-VX`` (official letter)."""
    abbreviation = type_abbreviation(document.doc_type)
    if abbreviation:
        agency_part = f"{abbreviation}-{symbol}"
    else:
        agency_part = f"{symbol}-{document.drafting_unit}" if document.drafting_unit else symbol
    if document.is_normative:
        return f"{number:02d}/{year}/{agency_part}"
    return f"{number:02d}/{agency_part}"


def _check_outgoing(
    *,
    agency: Agency,
    doc_type: str,
    summary: str,
    body: str,
    recipients_text: str,
    signer: Any,
    signer_position: str,
    signer_name: str,
    urgency: str,
    secrecy: str,
    is_normative: bool,
    drafting_unit: str,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    _check_common(errors, doc_type=doc_type, summary=summary, urgency=urgency, secrecy=secrecy)
    if not body.strip():
        errors["body"] = _("Write the content.")
    elif len(body) > 50000:
        errors["body"] = _("The content is too long: at most 50000 characters.")
    if not recipients_text.strip():
        errors["recipients_text"] = _("Write the recipients (Nơi nhận).")
    elif len(recipients_text) > 2000:
        errors["recipients_text"] = _("The recipients are too long: at most 2000 characters.")
    if signer is None or not (Access.of(signer).roles_in(agency.pk) & LEADER_ROLES):
        errors["signer"] = _("Choose a leader of the agency as the signer.")
    if not signer_position or len(signer_position) > 120:
        errors["signer_position"] = _("Write the signer's position (at most 120 characters).")
    if not signer_name or len(signer_name) > 120:
        errors["signer_name"] = _("Write the signer's name (at most 120 characters).")
    if is_normative and doc_type not in NORMATIVE_TYPES:
        errors["is_normative"] = _("Only resolutions and decisions are legal normative documents.")
    if len(drafting_unit) > 20 or not all(ch.isalnum() or ch in "-." for ch in drafting_unit):
        errors["drafting_unit"] = _("The drafting unit's symbol: letters and digits, at most 20.")
    return errors


OUTGOING_FIELDS = (
    "doc_type",
    "summary",
    "body",
    "recipients_text",
    "signer",
    "signer_position",
    "signer_name",
    "urgency",
    "secrecy",
    "is_normative",
    "drafting_unit",
    "pages",
    "copies",
)


def _clean_outgoing(data: dict[str, Any]) -> dict[str, Any]:
    clean = dict(data)
    for name in ("summary", "signer_name", "drafting_unit"):
        clean[name] = _text(clean.get(name, ""), 1000)
    clean["signer_position"] = str(clean.get("signer_position") or "").strip()[:200]
    for name in ("body", "recipients_text"):
        clean[name] = str(clean.get(name) or "").replace("\r\n", "\n").strip()
    clean["is_normative"] = bool(clean.get("is_normative"))
    clean.setdefault("urgency", Urgency.NORMAL)
    clean.setdefault("secrecy", Secrecy.NORMAL)
    return clean


def outgoing_draft(
    *,
    actor: Any,
    agency: Agency,
    recipient_agencies: Iterable[Agency] = (),
    external_recipients: Iterable[tuple[str, str]] = (),
    related: OutgoingDocument | None = None,
    business_type: int = BusinessType.NEW,
    files: Iterable[Any] = (),
    render_pdf: bool = True,
    now: dt.datetime | None = None,
    **fields: Any,
) -> OutgoingDocument:
    """Soạn thảo: a new draft from the Decree 30 layout (header, summary, content, recipients,
    signer), rendered as a PDF with form fields for the number, the date and the signatures.

    ``recipient_agencies`` are agencies on the platform (delivered into their incoming register
    at issue); ``external_recipients`` (name, electronic code) pairs outside it.
    """
    _require(actor, agency, STAFF_ROLES, _("Only the agency's officers draft its documents."))
    now = now or timezone.now()
    data = _clean_outgoing({name: fields.get(name) for name in OUTGOING_FIELDS if name in fields})
    errors = _check_outgoing(agency=agency, **{k: data.get(k, "") for k in (
        "doc_type", "summary", "body", "recipients_text", "signer", "signer_position",
        "signer_name", "urgency", "secrecy", "is_normative", "drafting_unit")})  # fmt: skip
    if business_type not in BusinessType.values:
        errors["business_type"] = _("Choose what the document does to the earlier one.")
    if business_type != BusinessType.NEW and (
        related is None or related.agency_id != agency.pk or related.state != OutgoingState.ISSUED
    ):
        errors["related"] = _(
            "Choose an issued document of the agency to revoke, update or replace."
        )
    _errors(errors)
    checked = _check_files(list(files))
    register_settings(agency)
    with files_rollback(), transaction.atomic():
        document = OutgoingDocument.objects.create(
            agency=agency,
            drafted_by=actor,
            created_at=now,
            related=related,
            business_type=business_type,
            **data,
        )
        _set_recipients(document, recipient_agencies, external_recipients)
        _store_files(checked, actor=actor, outgoing=document)
        if render_pdf:
            _render_pdf(document)
        OutgoingEvent.objects.create(
            document=document,
            seq=1,
            action="draft",
            actor=actor,
            actor_name=display_name(actor),
            at=now,
        )
        audit_record(
            actor=actor,
            action="documents.outgoing.draft",
            obj=document,
            after={"state": document.state, "summary": document.summary},
        )
    return document


def _set_recipients(
    document: OutgoingDocument,
    agencies: Iterable[Agency],
    external: Iterable[tuple[str, str]],
) -> None:
    document.recipients.all().delete()
    rows = [Recipient(document=document, agency=a, name=a.name, code=a.code) for a in agencies]
    rows += [
        Recipient(document=document, name=_text(name, 255)[:255], code=_text(code, 40)[:40])
        for name, code in external
        if _text(name, 255)
    ]
    Recipient.objects.bulk_create(rows)


def _render_pdf(document: OutgoingDocument) -> None:
    from .pdf import render_outgoing

    data = render_outgoing(document)
    from django.core.files.base import ContentFile

    if document.pdf:
        old = document.pdf.name
        transaction.on_commit(lambda: document.pdf.storage.delete(old))
    document.pdf.save("draft.pdf", ContentFile(data), save=False)
    remember_file(document.pdf.storage, document.pdf.name)
    document.save(update_fields=["pdf"])


def outgoing_update(
    *,
    actor: Any,
    document: OutgoingDocument | int,
    recipient_agencies: Iterable[Agency] | None = None,
    external_recipients: Iterable[tuple[str, str]] | None = None,
    **fields: Any,
) -> OutgoingDocument:
    """Sửa dự thảo: change a draft (only while it is a draft); the PDF is rendered again."""

    def apply(doc: OutgoingDocument, step: Step) -> OutgoingApplied:
        data = _clean_outgoing(
            {name: fields.get(name, getattr(doc, name)) for name in OUTGOING_FIELDS}
        )
        errors = _check_outgoing(agency=doc.agency, **{k: data[k] for k in (
            "doc_type", "summary", "body", "recipients_text", "signer", "signer_position",
            "signer_name", "urgency", "secrecy", "is_normative", "drafting_unit")})  # fmt: skip
        _errors(errors)
        for name, value in data.items():
            setattr(doc, name, value)
        if recipient_agencies is not None or external_recipients is not None:
            _set_recipients(doc, recipient_agencies or (), external_recipients or ())
        _render_pdf(doc)
        return OutgoingApplied()

    return OUTGOING.perform(actor=actor, obj=document, action="update", apply=apply).obj


def outgoing_submit(
    *, actor: Any, document: OutgoingDocument | int, note: str = ""
) -> OutgoingDocument:
    """Trình duyệt: the draft goes to review and to its signer."""
    return OUTGOING.perform(actor=actor, obj=document, action="submit", note=_text(note, 2000)).obj


def outgoing_send_back(
    *, actor: Any, document: OutgoingDocument | int, note: str
) -> OutgoingDocument:
    """Trả lại dự thảo: the signer (or a leader) sends the draft back with comments."""
    note = _text(note, 2000)
    if not note:
        raise DomainError(
            "invalid_document",
            _("Write what to change."),
            errors={"note": _("Write what to change.")},
        )
    return OUTGOING.perform(
        actor=actor, obj=document, action="send_back", note=note, apply=_drop_signature
    ).obj


def outgoing_approve(
    *, actor: Any, document: OutgoingDocument | int, note: str = ""
) -> OutgoingDocument:
    """Duyệt: the signer approves the document without a digital signature, only where the
    agency still approves on paper (:func:`approval_needs_signature`); otherwise the signer
    approves by signing (:func:`outgoing_sign_begin`, :func:`outgoing_sign_finish`)."""

    def apply(doc: OutgoingDocument, step: Step) -> OutgoingApplied:
        if approval_needs_signature(doc):
            raise PermissionDenied(
                "signature_required",
                _("The agency's leaders approve by signing digitally: use “Sign and approve”."),
            )
        doc.approved_at = step.now
        return OutgoingApplied()

    return OUTGOING.perform(
        actor=actor, obj=document, action="approve", apply=apply, note=_text(note, 2000)
    ).obj


# --- digital signatures on outgoing documents (tinhso.signatures, docs/signatures.md) --------
#
# The signer approves by signing the draft's personal signature field through the signing agent
# on their own computer (two steps: begin, finish); the PDF becomes the signed file. At issue the
# clerk's number and date are filled into the signed PDF's form fields (an incremental update:
# the signature stays valid) and the clerk adds the agency's signature (the digital seal) from
# the agency's token, through the agent too; the sealed PDF is what the recipients receive.

SIGN_PURPOSE, SEAL_PURPOSE = "outgoing-sign", "outgoing-seal"  # SigningSession.purpose


def approval_needs_signature(document: OutgoingDocument) -> bool:
    """Does the signer approve ``document`` only by signing it digitally? Yes, unless its agency
    still approves on paper (``RegisterSettings.unsigned_approval``, off by default)."""
    return not register_settings(document.agency).unsigned_approval


def outgoing_withheld(document: OutgoingDocument) -> set[str]:
    """The plain actions the signature rules take away from ``document``'s page: approving
    without a signature where the agency requires one; numbering and issuing a signed document
    other than with the agency's seal (:func:`outgoing_seal_begin`)."""
    withheld = {"approve"} if approval_needs_signature(document) else set()
    if document.signed_at:
        withheld |= {"issue", "number", "dispatch"}
    return withheld


def _pdf_bytes(doc: OutgoingDocument) -> bytes:
    if not doc.pdf:
        raise DomainError("no_pdf", _("The document has no PDF to sign: save the draft again."))
    with doc.pdf.open("rb") as handle:
        return handle.read()


def _reference(doc: OutgoingDocument, data: bytes) -> str:
    """What a signing session signs: the document and the bytes of its PDF then."""
    return f"{doc.pk}/{hashlib.sha256(data).hexdigest()[:16]}"


def _keep_pdf(doc: OutgoingDocument, data: bytes, name: str) -> None:
    """``data`` becomes the document's PDF (the old file is deleted after the commit)."""
    from django.core.files.base import ContentFile

    old = doc.pdf.name if doc.pdf else ""
    doc.pdf.save(name, ContentFile(data), save=False)
    remember_file(doc.pdf.storage, doc.pdf.name)
    if old:
        storage = doc.pdf.storage
        transaction.on_commit(lambda: storage.delete(old))


def _drop_signature(doc: OutgoingDocument, step: Step) -> OutgoingApplied:
    """A signed document sent back is a draft again: its PDF is rendered anew, unsigned."""
    if not doc.signed_at:
        return OutgoingApplied()
    doc.signed_at = doc.approved_at = None
    _render_pdf(doc)
    return OutgoingApplied(data={"signature_dropped": True})


def _may(
    actor: Any, document: OutgoingDocument | int, action: str | None = None
) -> OutgoingDocument:
    """``document`` if ``actor`` may take ``action`` on it now (the lifecycle's guard and table,
    nothing written): a signature's first step checks what its last step will. Without
    ``action``: the clerk's issue of a signed document ("issue", or "dispatch" once numbered)."""
    pk = document.pk if isinstance(document, OutgoingDocument) else document
    doc = OutgoingDocument.objects.select_related("agency").filter(pk=pk).first()
    if doc is None:
        raise OUTGOING.not_found()
    if action is None:
        action = "dispatch" if doc.state == OutgoingState.NUMBERED else "issue"
    transition = OUTGOING_TRANSITIONS[action]
    OUTGOING.guard(actor, doc, transition)
    if doc.state not in transition.sources:
        raise OUTGOING.refuse(doc, transition)
    return doc


def _session_reference(actor: Any, session_id: Any, purpose: str) -> str:
    from django.core.exceptions import ValidationError as DjangoValidationError

    from tinhso.signatures.models import SigningSession

    try:
        found = (
            SigningSession.objects.filter(pk=session_id, signer_id=actor.pk, purpose=purpose)
            .values_list("reference", flat=True)
            .first()
        )
    except (ValueError, TypeError, DjangoValidationError):  # not a UUID
        found = None
    if found is None:
        raise NotFound("unknown_signing_session", _("The signing session was not found."))
    return found


def _embed_signature(
    doc: OutgoingDocument,
    step: Step,
    *,
    reference: str,
    session_id: Any,
    signature: bytes,
    name: str,
) -> None:
    """Step 3 of either signature: the PDF must be the one prepared in step 1; the agent's
    signature value is embedded and the signed file becomes the document's PDF."""
    from tinhso.signatures.services import signing_finish

    if _reference(doc, _pdf_bytes(doc)) != reference:
        raise DomainError(
            "document_changed", _("The document changed while it was being signed: sign again.")
        )
    signed = signing_finish(
        actor=step.actor, session_id=session_id, signature=signature, now=step.now
    )
    _keep_pdf(doc, signed, name)


def outgoing_sign_begin(
    *,
    actor: Any,
    document: OutgoingDocument | int,
    certificate: bytes,
    chain: list[bytes],
    mechanisms: list[str],
) -> Any:
    """Ký số, step 1: the signer (only) approves by signing. The certificate the signing agent
    announced must be the signer's own, registered to them, and able to sign now (revoked,
    expired or unregistered: refused, nothing changes); the draft PDF is prepared for the
    personal signature field with the signer's signature image. Returns what the agent signs
    (:class:`tinhso.signatures.services.ToSign`)."""
    from tinhso.signatures import appearance
    from tinhso.signatures.registry import require_registered
    from tinhso.signatures.services import signing_begin

    from .pdf import SIGNATURE_FIELDS

    doc = _may(actor, document, "sign")
    registration = require_registered(actor, certificate)
    pdf = _pdf_bytes(doc)
    image = bytes(registration.signature_image or b"")
    return signing_begin(
        actor=actor,
        pdf=pdf,
        certificate=certificate,
        chain=chain,
        mechanisms=mechanisms,
        purpose=SIGN_PURPOSE,
        reference=_reference(doc, pdf),
        field_name=SIGNATURE_FIELDS[0],
        appearance=appearance.personal(image) if image else None,
    )


def outgoing_sign_finish(
    *,
    actor: Any,
    document: OutgoingDocument | int,
    session_id: Any,
    signature: bytes,
    now: dt.datetime | None = None,
) -> OutgoingDocument:
    """Ký số, step 3: the agent's signature value is embedded; the document is approved and its
    PDF is the signed file, in one transaction (event row "sign", audit entry)."""
    doc = _may(actor, document, "sign")
    reference = _session_reference(actor, session_id, SIGN_PURPOSE)

    def apply(row: OutgoingDocument, step: Step) -> OutgoingApplied:
        _embed_signature(
            row, step, reference=reference, session_id=session_id, signature=signature,
            name="ky-so.pdf",
        )  # fmt: skip
        row.approved_at = row.signed_at = step.now
        return OutgoingApplied(data={"signed": True, "session": str(session_id)})

    return OUTGOING.perform(actor=actor, obj=doc, action="sign", apply=apply, now=now).obj


def outgoing_seal_begin(
    *,
    actor: Any,
    document: OutgoingDocument | int,
    certificate: bytes,
    chain: list[bytes],
    mechanisms: list[str],
    now: dt.datetime | None = None,
) -> Any:
    """Cấp số, đóng dấu số, step 1 (a clerk, on a signed document): the certificate must be the
    agency's organisation certificate registered to this clerk and able to sign now (checked
    before anything else); then the number is reserved (:func:`outgoing_number`, its own
    transaction: a number once taken is never reused) unless it already was, the number and date
    are filled into the signed PDF's form fields, and that is prepared for the organisation's
    signature field with the seal image."""
    from tinhso.signatures import appearance
    from tinhso.signatures.registry import require_registered
    from tinhso.signatures.services import check_certificate, signing_begin

    from .pdf import SIGNATURE_FIELDS, filled_pdf

    doc = _may(actor, document)
    if not doc.signed_at:
        raise InvalidTransition(
            "not_signed", _("Only a document the signer signed digitally is sealed digitally.")
        )
    registration = require_registered(actor, certificate, agency=doc.agency)
    check_certificate(certificate=certificate, chain=chain, mechanisms=mechanisms)
    if doc.state == OutgoingState.APPROVED:
        doc = outgoing_number(actor=actor, document=doc, now=now)
    signed = _pdf_bytes(doc)
    image = bytes(registration.signature_image or b"")
    return signing_begin(
        actor=actor,
        pdf=filled_pdf(signed, doc),
        certificate=certificate,
        chain=chain,
        mechanisms=mechanisms,
        purpose=SEAL_PURPOSE,
        reference=_reference(doc, signed),
        field_name=SIGNATURE_FIELDS[1],
        appearance=appearance.seal(image) if image else None,
    )


def outgoing_seal_finish(
    *,
    actor: Any,
    document: OutgoingDocument | int,
    session_id: Any,
    signature: bytes,
    now: dt.datetime | None = None,
) -> OutgoingDocument:
    """Cấp số, đóng dấu số, step 3: the agency's signature is embedded and the document is
    issued (:func:`outgoing_dispatch`'s sending) in one transaction: its PDF is the sealed file,
    which the recipients on the platform receive."""
    doc = _may(actor, document, "dispatch")
    reference = _session_reference(actor, session_id, SEAL_PURPOSE)

    def apply(row: OutgoingDocument, step: Step) -> OutgoingApplied:
        _embed_signature(
            row, step, reference=reference, session_id=session_id, signature=signature,
            name="ban-hanh.pdf",
        )  # fmt: skip
        row.sealed_at = step.now
        return OutgoingApplied(data={"sealed": True, **_send(row, step)})

    return OUTGOING.perform(actor=actor, obj=doc, action="dispatch", apply=apply, now=now).obj


def _issued_pdf(doc: OutgoingDocument) -> list[Attachment]:
    """The sealed document as the first file each recipient receives (the same stored bytes);
    nothing for a document signed on paper."""
    if not doc.sealed_at or not doc.pdf:
        return []
    data = _pdf_bytes(doc)
    name = f"van-ban-{doc.number:02d}-{doc.number_year}.pdf" if doc.number else "van-ban.pdf"
    return [
        Attachment(
            file=doc.pdf.name,
            original_name=name,
            content_type="application/pdf",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    ]


def _take_number(doc: OutgoingDocument, step: Step) -> dict[str, Any]:
    """Give ``doc`` the next number of its series. Everything else is read first: the counter
    row stays locked from here to the commit, so what follows is only the row, its event row and
    the audit entry."""
    settings_ = register_settings(doc.agency)
    doc.doc_date = local_date(step.now)
    doc.number_year = doc.doc_date.year
    doc.series = series_key(doc, settings_)
    doc.number = take_series_number(doc.agency, doc.series, doc.number_year)
    doc.number_symbol = number_symbol(doc, doc.number, doc.number_year, settings_.symbol)
    doc.document_id = document_id(doc.agency.code, doc.doc_date, doc.number_symbol)
    return {"number_symbol": doc.number_symbol, "series": doc.series}


def _send(doc: OutgoingDocument, step: Step) -> dict[str, Any]:
    if doc.signed_at and not doc.sealed_at:
        raise InvalidTransition(
            "seal_required",
            _(
                "A digitally signed document is issued with the agency's digital signature: "
                "use “Number, seal and issue”."
            ),
        )
    doc.issued_at = step.now
    delivered = _deliver(doc, actor=step.actor, now=step.now)
    _exchange_export(doc)
    if doc.business_type == BusinessType.REVOCATION and doc.related_id:
        _revoke_earlier(doc, actor=step.actor, now=step.now)
    return {"delivered": delivered}


def outgoing_number(
    *, actor: Any, document: OutgoingDocument | int, now: dt.datetime | None = None
) -> OutgoingDocument:
    """Cấp số: reserve the document's number in its series, in this transaction (no gap, no
    duplicate). The document date is the day of issue in Vietnam time; its year is the series
    year. A number once reserved is never reused: an abandoned issue stays in the register as
    cancelled (:func:`outgoing_cancel`); :func:`outgoing_dispatch` sends it."""

    def apply(doc: OutgoingDocument, step: Step) -> OutgoingApplied:
        return OutgoingApplied(data=_take_number(doc, step))

    return OUTGOING.perform(actor=actor, obj=document, action="number", apply=apply, now=now).obj


def outgoing_dispatch(
    *, actor: Any, document: OutgoingDocument | int, now: dt.datetime | None = None
) -> OutgoingDocument:
    """Phát hành: send the numbered document to its recipients. An agency on the platform gets
    it in its incoming register (its own arrival number, in this transaction); the others are
    marked sent (the exchange axis comes with the exchange work). A revocation revokes the
    earlier document, and its copies at the receivers on the platform."""

    def apply(doc: OutgoingDocument, step: Step) -> OutgoingApplied:
        return OutgoingApplied(data=_send(doc, step))

    return OUTGOING.perform(actor=actor, obj=document, action="dispatch", apply=apply, now=now).obj


def outgoing_issue(
    *, actor: Any, document: OutgoingDocument | int, now: dt.datetime | None = None
) -> OutgoingDocument:
    """Cấp số và phát hành: the usual issue of an approved document, numbered and sent in one
    transaction (one event row, one audit entry)."""

    def apply(doc: OutgoingDocument, step: Step) -> OutgoingApplied:
        return OutgoingApplied(data={**_take_number(doc, step), **_send(doc, step)})

    return OUTGOING.perform(actor=actor, obj=document, action="issue", apply=apply, now=now).obj


def outgoing_cancel(
    *, actor: Any, document: OutgoingDocument | int, reason: str
) -> OutgoingDocument:
    """Hủy: abandon a draft or an issue. A reserved number stays in the register, cancelled."""
    reason = _reason(reason, _("Write the reason for the cancellation (5 to 500 characters)."))

    return OUTGOING.perform_with_reason(
        actor=actor, document=document, action="cancel", field="cancel_reason", reason=reason
    )


def _deliver(doc: OutgoingDocument, *, actor: Any, now: dt.datetime) -> int:
    """Put the document in the incoming register of each recipient agency on the platform (in
    the order of the agencies' ids, so concurrent issues take the counters in one order)."""
    recipients = list(doc.recipients.select_related("agency").order_by("agency_id", "pk"))
    files = [*_issued_pdf(doc), *doc.files.all()] if any(r.agency_id for r in recipients) else []
    delivered = 0
    for recipient in recipients:
        if recipient.through_axis:
            continue  # sent when the axis accepts the envelope (exchange.mark_sent)
        recipient.sent_at = now
        if recipient.agency is None or not recipient.agency.is_active:
            recipient.save(update_fields=["sent_at"])
            continue
        year, number = _next_arrival(recipient.agency, now)
        incoming = IncomingDocument.objects.create(
            agency=recipient.agency,
            arrival_year=year,
            arrival_number=number,
            received_at=now,
            channel=Channel.PLATFORM,
            sender_agency=doc.agency,
            sender_name=doc.agency.name,
            sender_code=doc.agency.code,
            number_symbol=doc.number_symbol,
            doc_date=doc.doc_date,
            doc_type=doc.doc_type,
            summary=doc.summary,
            urgency=doc.urgency,
            secrecy=doc.secrecy,
            pages=doc.pages,
            document_id=doc.document_id,
            recipient=recipient,
        )
        # The same stored bytes: a received document is kept exactly as it was sent.
        copies = [
            Attachment(
                incoming=incoming,
                file=f.file.name,
                original_name=f.original_name,
                content_type=f.content_type,
                size=f.size,
                sha256=f.sha256,
                uploaded_at=now,
            )
            for f in files
        ]
        Attachment.objects.bulk_create(copies)
        IncomingEvent.objects.create(
            document=incoming,
            seq=1,
            action="register",
            at=now,
            actor_name=doc.agency.name[:200],
            data={"arrival_number": number, "from": doc.number_symbol},
        )
        recipient.status, recipient.status_at = StatusCode.ARRIVED, now
        recipient.save(update_fields=["sent_at", "status", "status_at"])
        RecipientStatus.objects.create(recipient=recipient, code=StatusCode.ARRIVED, at=now)
        audit_record(
            actor=actor,
            action="documents.incoming.deliver",
            obj=incoming,
            after={"arrival_number": number, "arrival_year": year, "from": doc.document_id},
        )
        delivered += 1
    return delivered


def _revoke_earlier(doc: OutgoingDocument, *, actor: Any, now: dt.datetime) -> None:
    earlier = OUTGOING.perform(
        actor=actor, obj=doc.related_id, action="revoke", note=doc.number_symbol, now=now
    ).obj
    copies = IncomingDocument.objects.filter(
        recipient__document=earlier, state__in=[*OPEN_INCOMING, IncomingState.DONE]
    ).values_list("pk", flat=True)
    for pk in copies:
        INCOMING.perform(
            actor=actor,
            obj=pk,
            action="revoke",
            note=_("Revoked by %(number)s") % {"number": doc.number_symbol},
            now=now,
            apply=lambda d, step: _status_after_revoke(d, step),
        )


def _status_after_revoke(doc: IncomingDocument, step: Step) -> IncomingApplied:
    _incoming_status(doc, StatusCode.RECALLED, step.now, step.note)
    return IncomingApplied()


def user_by_pk(pk: Any) -> Any:
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


# --- the exchange with agencies outside the platform (edXML through the axis) -----------------
#
# The mapping is ``exchange.py``; the envelopes travel through outbox rows written here, in the
# change's transaction, and sent by ``tinhso.integrations.exchange`` (the axis's client).


def _exchange_outbox(*, topic: str, key: str, payload: dict[str, Any], stream: str) -> None:
    from tinhso.dossiers.models import OutboxMessage

    OutboxMessage.objects.get_or_create(
        topic=topic, key=key[:120], defaults={"payload": payload, "stream": stream[:100]}
    )


def _exchange_export(doc: OutgoingDocument) -> None:
    """Send an issued document to its recipients outside the platform as an edXML envelope (an
    outbox row; the envelope is built when it is sent, from the stored document). A revocation,
    update or replacement follows its earlier document in one stream."""
    from .exchange import DOCUMENT_TOPIC, external_recipients

    if not external_recipients(doc):
        return
    _exchange_outbox(
        topic=DOCUMENT_TOPIC,
        key=f"out:{doc.pk}",
        payload={"outgoing": doc.pk},
        stream=f"edxml:out:{doc.related_id or doc.pk}",
    )


def _exchange_status(
    document: IncomingDocument, code: str, at: dt.datetime, note: str = "", staff: str = ""
) -> None:
    """A status message about a document imported from the axis, to its sender (an outbox row;
    one stream per document keeps them in order). Only a return carries its text (the reason):
    a direction or a processing opinion is the agency's own business, never sent outside."""
    from .exchange import STATUS_TOPIC

    if not document.exchange:
        return
    note = note if code == StatusCode.REJECTED else ""
    _exchange_outbox(
        topic=STATUS_TOPIC,
        key=f"in:{document.pk}:{code}:{at.isoformat()}",
        payload={
            "incoming": document.pk,
            "code": code,
            "at": at.isoformat(),
            "note": note[:500],
            "staff": staff[:200],
        },
        stream=f"edxml:in:{document.pk}",
    )


def _imported_original(agency: Agency, envelope: Any) -> IncomingDocument:
    """The document an update, replacement or revocation from the axis acts on: the first one
    imported into ``agency`` with the same DocumentId from the same sender."""
    found = _imported_first(agency, envelope)
    if found is None:
        raise NotFound(
            "unknown_document",
            _("No document with this identifier arrived earlier from this sender."),
        )
    return found


def _imported_first(agency: Agency, envelope: Any) -> IncomingDocument | None:
    return (
        IncomingDocument.objects.filter(
            agency=agency,
            channel=Channel.ELECTRONIC,
            document_id=envelope.document_id[:160],
            sender_code=envelope.sender[:40],
            recipient__isnull=True,
        )
        .exclude(exchange={})
        .order_by("pk")
        .first()
    )


RECEIVED_INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "application/zip"})


def _received_types(attachments: list[Any]) -> tuple[list[str], list[dict[str, str]]]:
    """The type each received attachment is served as, from its content (never the sender's
    word: a file said to be a PDF that is HTML is downloaded, never shown), and what was found:
    a PDF with active content or damaged is kept unchanged and served as a download only."""
    import filetype

    from tinhso.core.uploads import check_pdf

    types, problems = [], []
    for attachment in attachments:
        kind = filetype.guess(attachment.content) if attachment.content else None
        mime = kind.mime if kind and kind.mime in RECEIVED_INLINE_TYPES else ""
        if mime == "application/pdf":
            try:
                check_pdf(attachment.content)
            except DomainError as exc:
                mime = ""
                problems.append(
                    {
                        "path": "AttachmentEncoded/" + (attachment.name or attachment.content_id),
                        "value": "",
                        "message": "a PDF kept unchanged but served as a download only: "
                        + exc.code,
                    }
                )
        types.append(mime or "application/octet-stream")
    return types, problems


def _store_received(
    document: IncomingDocument, attachments: list[Any], types: list[str], now: dt.datetime
):
    """Keep each attachment of an envelope as a file of ``document``, its bytes unchanged."""
    import os

    from django.core.files.base import ContentFile

    for attachment, content_type in zip(attachments, types, strict=True):
        name = (attachment.name or attachment.content_id or "tep-dinh-kem")[:255]
        extension = os.path.splitext(name)[1].lstrip(".").lower()
        extension = extension if extension.isalnum() and len(extension) <= 8 else "bin"
        row = Attachment(
            incoming=document,
            original_name=name,
            content_type=content_type,
            size=len(attachment.content),
            sha256=attachment.sha256,
            uploaded_at=now,
        )
        row.file.save(f"edxml.{extension}", ContentFile(attachment.content), save=False)
        remember_file(row.file.storage, row.file.name)
        row.save()


def incoming_import(
    *,
    agency: Agency,
    envelope: Any,
    signature: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> IncomingDocument:
    """Nhận văn bản điện tử qua trục: enter an edXML arrival in ``agency``'s incoming register.

    A new document (BussinessDocType 0) gets the next arrival number, every header field, trace
    and attachment kept (``exchange``, its files), and status 01 (arrived) goes back. An update
    (2) or a replacement (3) is registered the same way and acts on the document imported
    earlier with the same DocumentId (a replacement revokes it; 15, change accepted, goes back);
    a revocation (1) revokes it (13 goes back). ``envelope`` is an ``edxml.Envelope``; what was
    read wrong is kept in ``exchange["problems"]``, never refused; ``signature``, what the
    check of the envelope's signature found, in ``exchange["signature"]`` (shown, not refused).
    """
    from .exchange import incoming_fields, stored_exchange

    now = now or timezone.now()
    business = str(envelope.business.get("BussinessDocType") or "0")
    if business not in {str(value) for value in BusinessType.values}:
        raise DomainError(
            "invalid_envelope",
            _("The envelope's business type is unknown: %(value)s.") % {"value": business[:20]},
        )
    if not envelope.document_id or not envelope.sender:
        raise DomainError("invalid_envelope", _("The envelope has no DocumentId or no sender."))
    earlier = _imported_original(agency, envelope) if business != "0" else None
    sender = ExchangeSender(envelope.sender[:40], envelope.sender)
    if business == str(BusinessType.REVOCATION):
        return INCOMING.perform(
            actor=sender,
            obj=earlier.pk,
            action="revoke",
            note=_("Revoked by the sender through the exchange axis"),
            now=now,
            apply=_status_after_revoke,
        ).obj
    fields, problems = incoming_fields(envelope, received_on=local_date(now))
    types, file_problems = _received_types(envelope.attachments)
    previous = _imported_first(agency, envelope) if earlier is None else None
    if previous is not None:  # sent again as new (another trace time): registered, flagged
        problems.append(
            {
                "path": "DocumentId",
                "value": f"{previous.arrival_number}/{previous.arrival_year}",
                "message": "arrived before with the same identifier",
            }
        )
    exchange = stored_exchange(envelope)
    exchange["problems"] += problems + file_problems
    exchange["signature"] = signature or {}
    with files_rollback(), transaction.atomic():
        year, number = _next_arrival(agency, now)
        document = IncomingDocument.objects.create(
            agency=agency,
            arrival_year=year,
            arrival_number=number,
            received_at=now,
            channel=Channel.ELECTRONIC,
            exchange=exchange,
            **fields,
        )
        _store_received(document, envelope.attachments, types, now)
        IncomingEvent.objects.create(
            document=document,
            seq=1,
            action="register",
            at=now,
            actor_name=fields["sender_name"][:200],
            data={
                "arrival_number": number,
                "from": document.document_id,
                "business_type": int(business),
                "problems": len(exchange["problems"]),
            },
        )
        _exchange_status(document, StatusCode.ARRIVED, now)
        if earlier is not None:
            _exchange_change(earlier, document, business=int(business), sender=sender, now=now)
        audit_record(
            actor=sender,
            action="documents.incoming.import",
            obj=document,
            after={
                "arrival_number": number,
                "arrival_year": year,
                "from": document.document_id,
                "business_type": int(business),
            },
        )
    return document


def _exchange_change(
    earlier: IncomingDocument,
    document: IncomingDocument,
    *,
    business: int,
    sender: ExchangeSender,
    now: dt.datetime,
) -> None:
    """An update or a replacement arrived: the earlier document's history says so; a replaced
    document is revoked; the sender is told the change was accepted (15)."""
    revocable = INCOMING_TRANSITIONS["revoke"].sources
    if business == BusinessType.REPLACEMENT and earlier.state in revocable:
        note = _("Replaced by arrival %(number)s") % {"number": document.arrival_number}
        INCOMING.perform(actor=sender, obj=earlier.pk, action="revoke", note=note, now=now)
    else:
        IncomingEvent.objects.create(
            document=earlier,
            seq=next_seq(earlier.events),
            action="updated",
            at=now,
            actor_name=document.sender_name[:200],
            note=_("Updated by arrival %(number)s") % {"number": document.arrival_number},
            data={"by": document.pk},
        )
    _exchange_status(earlier, StatusCode.CHANGE_ACCEPTED, now)


def outgoing_status_received(
    *, agency: Agency, envelope: Any, now: dt.datetime | None = None
) -> OutgoingDocument:
    """A status message from a recipient outside the platform (arrived, accepted, assigned, done,
    recalled …), recorded on its recipient line as the platform's own statuses are: the outgoing
    register shows it with the time the recipient wrote (Vietnam time), else the arrival's."""
    from .exchange import parse_time

    now = now or timezone.now()
    message = envelope.message
    code = str(message.get("StatusCode") or "")
    if code not in StatusCode.values:
        raise DomainError(
            "invalid_envelope",
            _("The status code is unknown: %(value)s.") % {"value": code[:20]},
        )
    document = (
        OutgoingDocument.objects.filter(agency=agency, document_id=envelope.document_id[:160])
        .exclude(document_id="")
        .order_by("pk")
        .first()
    )
    recipient = (
        document.recipients.filter(agency__isnull=True, code=envelope.sender[:40]).first()
        if document is not None
        else None
    )
    if recipient is None:
        raise NotFound(
            "unknown_document",
            _("No outgoing document of the agency was sent to this organ with this identifier."),
        )
    at = parse_time(str(message.get("Timestamp") or "")) or now
    staff = (message.get("StaffInfo") or {}).get("Staff", "")
    note = " – ".join(part for part in (message.get("Description", ""), staff) if part)
    with transaction.atomic():
        RecipientStatus.objects.create(recipient=recipient, code=code, at=at, note=note[:500])
        Recipient.objects.filter(pk=recipient.pk).filter(
            Q(status_at__isnull=True) | Q(status_at__lte=at)
        ).update(status=code, status_at=at)
        audit_record(
            actor=ExchangeSender(envelope.sender[:40]),
            action="documents.outgoing.status",
            obj=document,
            after={"recipient": recipient.code, "code": code, "at": at.isoformat()},
        )
    return document
