"""The one-stop-shop lifecycle: one function per operation.

Each function locks the dossier row, checks the transition table and the actor's role in the
agency concerned, writes the new state, its BM.05 process-control row, its audit entry and the
national-portal sync message in ONE transaction. An illegal transition raises
:class:`InvalidTransition` (HTTP 409); a refused actor :class:`PermissionDenied` (403); bad input
:class:`DomainError` (400). Nothing is written when any of them is raised.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.access import as_access
from tinhso.core.audit import audit_record
from tinhso.core.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    check_length,
)
from tinhso.core.lifecycle import (
    Applied,
    Lifecycle,
    Step,
    display_name,
    files_rollback,
    next_seq,
    remember_file,
    replayed,
    signed_in,
)
from tinhso.core.models import (
    AdministrativeUnit,
    Agency,
    ApplicantProfile,
    Role,
)
from tinhso.core.numbering import take_number
from tinhso.core.ratelimit import Limit
from tinhso.core.selectors import applicant_of, work_calendar
from tinhso.core.uploads import check_upload
from tinhso.core.validators import clean_id_number
from tinhso.core.workcalendar import WorkCalendar
from tinhso.notifications.services import dossier_change_notify, dossier_submitted_notify
from tinhso.procedures.models import DeliveryMethod, Procedure, ProcessStep, StepAgency

from . import access as dossier_access
from .models import (
    EVENT_FORMS,
    RUNNING_STATES,
    STATE_TO_STATUS,
    BookCounter,
    Channel,
    CodeCounter,
    Dossier,
    DossierEvent,
    DossierFile,
    FileKind,
    OutboxMessage,
    PaymentMethod,
    Rating,
    ReceiptVersion,
    State,
    Timeliness,
)
from .transitions import APPLICANT, GATEWAY, RECEIVING, TRANSITIONS, Transition

FORM_OF_ACTION = {action: form for form, action in EVENT_FORMS.items()}  # BM.02–BM.04

# --- helpers ------------------------------------------------------------------------------


def procedure_duration(procedure: Procedure, calendar: WorkCalendar) -> dt.timedelta:
    """The legal processing time as working time."""
    if procedure.processing_hours is not None:
        return dt.timedelta(hours=float(procedure.processing_hours))
    return calendar.working_day_length * float(procedure.processing_days or 0)


def classify(finished_at: dt.datetime, due_at: dt.datetime, *, supplements: int = 0) -> str:
    """Early / on time / late. More than one supplement request counts as late (national rule)."""
    if finished_at > due_at or supplements > 1:
        return Timeliness.LATE
    local_finished = timezone.localtime(finished_at).date()
    local_due = timezone.localtime(due_at).date()
    return Timeliness.EARLY if local_finished < local_due else Timeliness.ON_TIME


def _roles_in(who: Any, agency_id: int) -> set[str]:
    """The roles ``who`` (a user or their :class:`Access`) holds in the agency (one rule:
    active assignments in active agencies, :mod:`tinhso.core.access`)."""
    return set(as_access(who).roles_in(agency_id))


def is_applicant_of(who: Any, dossier: Dossier) -> bool:
    return dossier_access.is_applicant(as_access(who), dossier)


class Lookups:
    """What the guards read about one user, looked up once each: their roles per agency and
    whether a process step follows a dossier's current one (shared by a page of dossiers)."""

    def __init__(self, who: Any) -> None:
        self.access = as_access(who)
        self._roles: dict[int, set[str]] = {}
        self._later: dict[tuple[int, int], bool] = {}
        self._rework: dict[tuple[int, int], ProcessStep | None] = {}
        self._calendar: WorkCalendar | None = None

    @property
    def calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = work_calendar()
        return self._calendar

    def roles_in(self, agency_id: int) -> set[str]:
        if agency_id not in self._roles:
            self._roles[agency_id] = set(self.access.roles_in(agency_id))
        return self._roles[agency_id]

    def has_later_step(self, dossier: Dossier) -> bool:
        key = (dossier.procedure_id, dossier.current_step.order)
        if key not in self._later:
            later = dossier.procedure.steps.filter(order__gt=dossier.current_step.order)
            self._later[key] = later.exists()
        return self._later[key]

    def rework_step(self, dossier: Dossier) -> ProcessStep | None:
        """Where the dossier is sent back to for rework (:func:`rework_step`), per step."""
        key = (dossier.procedure_id, dossier.current_step.order)
        if key not in self._rework:
            self._rework[key] = rework_step(dossier)
        return self._rework[key]


def rework_step(dossier: Dossier) -> ProcessStep | None:
    """The specialist's step before the dossier's current one (the latest, when several), to
    which a leader sends the dossier back for rework; None when there is none."""
    if dossier.current_step is None:
        return None
    return (
        dossier.procedure.steps.filter(order__lt=dossier.current_step.order, role=Role.SPECIALIST)
        .order_by("-order")
        .first()
    )


STEP_ACTIONS = frozenset({"transfer", "approve", "finish"})
APPLICANT_NAME_MAX_LENGTH = Dossier._meta.get_field("applicant_name").max_length


@dataclass(frozen=True)
class PaymentGateway:
    """The actor of a payment a gateway confirmed (server to server): the adapter of the
    payment issue passes one to :func:`dossier_record_payment`. Not a person: no roles, no
    user row; the audit entry names it."""

    name: str
    is_authenticated = False

    def __str__(self) -> str:
        return f"gateway:{self.name}"[:200]


def refusal(
    user: Any, dossier: Dossier, transition: Transition, lookups: Lookups | None = None
) -> DomainError | None:
    """Why ``user`` may not take ``transition`` on the dossier now, or None when they may.

    The guard of the transition table: the applicant, or a role of the table's actors held in
    the agency concerned; for the step actions, the role of the current step and the place in the
    process (transfer before the last step, approve or finish at it). The services raise what it
    returns; the API and the pages offer the actions it allows (:mod:`tinhso.dossiers.actions`).
    """
    if isinstance(user, PaymentGateway):
        if GATEWAY in transition.actors:
            return None
        return PermissionDenied("forbidden", _("A payment gateway may only confirm payments."))
    lookups = lookups or Lookups(user)
    if APPLICANT in transition.actors and is_applicant_of(lookups.access, dossier):
        return None
    if transition.action == "pay" and is_applicant_of(lookups.access, dossier):
        return PermissionDenied(
            "payment_not_declarable",
            _(
                "A fee counts as paid when the desk records your payment with its receipt "
                "number, or when the payment gateway confirms it: it cannot be declared here."
            ),
        )
    agency_id = (
        dossier.receiving_agency_id if transition.agency == RECEIVING else dossier.current_agency_id
    )
    roles = lookups.roles_in(agency_id)
    if not roles & transition.actors:
        return PermissionDenied(
            "forbidden",
            _("You may not perform “%(action)s” on dossier %(code)s.")
            % {"action": transition.action, "code": dossier.code},
        )
    if transition.action == "extend":
        return extension_refusal(dossier, timezone.now(), lookups.calendar)
    step = dossier.current_step
    if transition.action == "rework":
        return rework_refusal(dossier, roles, lookups)
    if transition.action not in STEP_ACTIONS or step is None:
        return None
    if step.role not in roles:
        return PermissionDenied(
            "not_your_step",
            _("The current step (%(step)s) belongs to the role “%(role)s”.")
            % {"step": step.name, "role": step.get_role_display()},
        )
    later = lookups.has_later_step(dossier)
    if transition.action == "transfer" and not later:
        return InvalidTransition(
            "last_step", _("This is the last step: approve or finish the dossier instead.")
        )
    if transition.action != "transfer" and later:
        return InvalidTransition(
            "not_last_step", _("The dossier must first pass the remaining process steps.")
        )
    return None


def rework_refusal(dossier: Dossier, roles: set[str], lookups: Lookups) -> DomainError | None:
    """Why the dossier cannot be sent back for rework now: only at a leader's step, by a leader
    of that step's agency, when a specialist's step comes before it."""
    step = dossier.current_step
    if step is None or step.role != Role.LEADER:
        return InvalidTransition(
            "not_leader_step",
            _("Only a dossier at a leader's step can be sent back for rework."),
        )
    if step.role not in roles:
        return PermissionDenied(
            "not_your_step",
            _("The current step (%(step)s) belongs to the role “%(role)s”.")
            % {"step": step.name, "role": step.get_role_display()},
        )
    if lookups.rework_step(dossier) is None:
        return InvalidTransition(
            "no_specialist_step",
            _("No specialist's step comes before this one: there is no one to send it back to."),
        )
    return None


def apology_deadline(dossier: Dossier, calendar: WorkCalendar) -> dt.datetime | None:
    """The last moment an apology letter (BM.04) is accepted: the lead time
    (``TINHSO_APOLOGY_LEAD_DAYS`` working days) before the legal due date."""
    if dossier.legal_due_at is None:
        return None
    lead = Decimal(str(settings.TINHSO_APOLOGY_LEAD_DAYS))
    return calendar.subtract_working_days(dossier.legal_due_at, lead)


def extension_refusal(
    dossier: Dossier, now: dt.datetime, calendar: WorkCalendar
) -> DomainError | None:
    """Why no apology letter may be issued now: the dossier had its letters
    (``TINHSO_MAX_EXTENSIONS``), or the lead time before the legal due date has begun."""
    if dossier.extension_count >= settings.TINHSO_MAX_EXTENSIONS:
        return InvalidTransition(
            "extension_limit",
            _("Dossier %(code)s already has the apology letters allowed (%(n)s).")
            % {"code": dossier.code, "n": settings.TINHSO_MAX_EXTENSIONS},
        )
    deadline = apology_deadline(dossier, calendar)
    if deadline is None or now > deadline:
        return InvalidTransition(
            "apology_too_late",
            _(
                "An apology letter must be issued by %(deadline)s, %(lead)s working day(s) before "
                "the legal due date: the dossier will be judged late against that date."
            )
            % {
                "deadline": timezone.localtime(deadline).strftime("%H:%M %d/%m/%Y")
                if deadline
                else "–",
                "lead": settings.TINHSO_APOLOGY_LEAD_DAYS,
            },
        )
    return None


def add_files_refusal(user: Any, d: Dossier, lookups: Lookups | None = None) -> DomainError | None:
    """Why ``user`` may not add files to the dossier now: the desk while it is open, the
    applicant before reception."""
    lookups = lookups or Lookups(user)
    desk = Role.DESK_OFFICER in lookups.roles_in(d.receiving_agency_id)
    applicant = is_applicant_of(lookups.access, d)
    if not desk and not (applicant and d.state == State.SUBMITTED):
        if d.is_final or not applicant:
            return PermissionDenied("forbidden", _("You may not add files to this dossier."))
        return InvalidTransition(
            "invalid_transition", _("Files can be added only before reception.")
        )
    if d.is_final:
        return InvalidTransition("invalid_transition", _("The dossier is closed."))
    return None


def attach_result_refusal(
    user: Any, d: Dossier, lookups: Lookups | None = None
) -> DomainError | None:
    """Why ``user`` may not attach a result now: an officer of the current or the receiving
    agency, while the dossier is processed or once it is finished."""
    if d.state not in {State.PROCESSING, State.FINISHED}:
        return InvalidTransition("invalid_transition", _("No result can be attached now."))
    lookups = lookups or Lookups(user)
    if not (lookups.roles_in(d.current_agency_id) or lookups.roles_in(d.receiving_agency_id)):
        return PermissionDenied("forbidden", _("You may not attach a result to this dossier."))
    return None


# What the citizen sees change besides the status and the appointment, by action: each writes
# a national-portal message (INTEGRATIONS.md: status, appointment, supplement asked and supplied,
# fees asked and paid, result; per dossier in order).
VISIBLE_BY_ACTION = {
    "request_supplement": "supplement_requested",
    "supplement": "supplement_supplied",
    "pause": "clock_stopped",
    "resume": "clock_resumed",
    "request_fees": "fees_requested",
    "pay": "fees_paid",
    "approve": "result",
    "finish": "result",
    "attach_result": "result",
    "return_result": "result",
}
# The events the national message lists (supplements and payments).
PORTAL_EVENT_ACTIONS = ("request_supplement", "supplement", "accept_supplement", "pay")


def visible_changes(action: str, before: dict[str, Any], d: Dossier) -> list[str]:
    """What of the dossier the citizen can see changed by ``action`` ([] for none):
    ``status``, ``appointment`` and the action's own kind (:data:`VISIBLE_BY_ACTION`)."""
    changes = []
    if d.status != before.get("status"):
        changes.append("status")
    if d.appointment_at != before.get("appointment_at"):
        changes.append("appointment")
    kind = VISIBLE_BY_ACTION.get(action)
    if kind:
        changes.append(kind)
    return changes


def _outbox_status(dossier: Dossier, now: dt.datetime, changes: list[str]) -> None:
    """Queue the national-portal message of this portal version of the dossier (the caller has
    counted it in ``portal_version``); the key makes a redelivery idempotent."""
    OutboxMessage.objects.create(
        topic="national_portal.status",
        key=f"{dossier.code}:{dossier.portal_version}",
        stream=dossier.code,
        payload=_outbox_payload(dossier, now, changes),
    )


# The processing steps the portal is told of (``CapNhatTienDoHoSoMC``): every performed
# transition but the applicant's rating.
PORTAL_STEP_ACTIONS = frozenset(TRANSITIONS) - {"submit", "rate"}


def _outbox_step(dossier: Dossier, event: DossierEvent) -> None:
    """Queue the national-portal message of one processing step (a BM.05 row), after the
    dossier's status message of the same change: one stream per dossier keeps them in order."""
    OutboxMessage.objects.create(
        topic="national_portal.step",
        key=f"{dossier.code}:step:{event.seq}",
        stream=dossier.code,
        payload={
            "code": dossier.code,
            "step": event.seq,
            "action": event.action,
            "by": event.actor_name,
            "agency": event.actor_agency.name if event.actor_agency_id else "",
            "at": _iso(event.at),
            "note": event.note,
            "status": dossier.status,
            "step_due_at": _iso(event.step_due_at),
            "legal_due_at": _iso(dossier.legal_due_at),
        },
    )


def _iso(value: dt.datetime | None) -> str | None:
    """A time in the messages and event data: ISO 8601 in local time (Asia/Ho_Chi_Minh)."""
    return timezone.localtime(value).isoformat() if value else None


def _outbox_payload(dossier: Dossier, now: dt.datetime, changes: list[str]) -> dict:
    """The national-portal message of a dossier: the whole dossier as the citizen sees it now,
    in the domain's words (the adapter maps them to the portal's fields, see
    docs/national-portal.md), with ``version`` for ordering and ``changes`` saying why it is sent.
    """
    d = dossier
    supplements: list[dict[str, Any]] = []
    payment: dict[str, Any] = {}
    results: list[dict[str, Any]] = []
    if d.received_at is not None:  # a dossier not yet received has neither (the submit path)
        events = d.events.filter(action__in=PORTAL_EVENT_ACTIONS).order_by("seq")
        for e in events.values("action", "at", "actor_name", "note", "data"):
            data = e["data"] or {}
            if e["action"] == "request_supplement":
                supplements.append(
                    {
                        "no": data.get("supplement_no", len(supplements) + 1),
                        "requested_by": e["actor_name"],
                        "requested_at": _iso(e["at"]),
                        "reason": e["note"],
                        "items": data.get("items", []),
                        "supplied_at": None,
                        "accepted_at": None,
                        "appointment_before": None,
                        "appointment_after": None,
                    }
                )
            elif e["action"] == "pay":
                payment = {
                    "method": data.get("method", ""),
                    "reference": data.get("reference", ""),
                    "paid_at": _iso(e["at"]),
                }
            elif supplements:  # the supplement arrived, or was accepted
                entry = supplements[-1]
                moment = "supplied_at" if e["action"] == "supplement" else "accepted_at"
                entry[moment] = _iso(e["at"])
                if "due_before" in data:  # the clock restarted: the appointment moved
                    entry["appointment_before"] = data["due_before"]
                    entry["appointment_after"] = data["due_after"]
        results = [
            {"id": pk, "name": name}
            for pk, name in d.files.filter(kind=FileKind.RESULT)
            .order_by("pk")
            .values_list("pk", "original_name")
        ]
    return {
        "code": d.code,
        "version": d.portal_version,
        "changes": changes,
        "at": _iso(now),
        "procedure": d.procedure.code,
        "status": d.status,
        "channel": d.channel,
        "receiving_agency": d.receiving_agency.code,
        "deciding_agency": d.deciding_agency.code,
        "applicant": {
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "phone": d.applicant_phone,
            "address": d.applicant_address,
        },
        "submitted_at": _iso(d.submitted_at),
        "received_at": _iso(d.received_at),
        "legal_due_at": _iso(d.legal_due_at),
        "appointment_at": _iso(d.appointment_at),  # the appointment the citizen holds
        "clock_stopped": d.clock_stopped_at is not None,
        "finished_at": _iso(d.finished_at),
        "returned_at": _iso(d.returned_at),
        "fees": {"requested_vnd": d.fee_vnd, "paid_vnd": d.paid_vnd, **payment},
        "supplements": supplements,
        "results": results,
    }


def _step_time(
    dossier: Dossier, step: ProcessStep, start: dt.datetime, calendar: WorkCalendar
) -> dt.datetime:
    total = procedure_duration(dossier.procedure, calendar)
    return calendar.add_working_time(start, total * (float(step.share) / 100.0))


def _step_agency(dossier: Dossier, step: ProcessStep) -> Agency:
    if step.agency == StepAgency.RECEIVING:
        return dossier.receiving_agency
    return dossier.deciding_agency


def _restart_clock(d: Dossier, now: dt.datetime, calendar: WorkCalendar) -> None:
    """Give back the working time the dossier waited: the legal due date, the appointment and
    the step's due time move by that much."""
    waited = calendar.working_time_between(d.clock_stopped_at, now)
    if waited > dt.timedelta(0):
        d.stopped_seconds += int(waited.total_seconds())
        if d.legal_due_at:
            d.legal_due_at = calendar.add_working_time(d.legal_due_at, waited)
        if d.appointment_at:
            d.appointment_at = calendar.add_working_time(d.appointment_at, waited)
        if d.step_due_at:
            d.step_due_at = calendar.add_working_time(d.step_due_at, waited)
    d.clock_stopped_at = None


# --- the dossier's lifecycle (run by tinhso.core.lifecycle) ------------------------------


@dataclass
class DossierApplied(Applied):
    """What a dossier operation did, for its BM.05 process-control (event) row."""

    step_result: str = ""  # early / on time / late, of the step handed over ("" for none)
    step_due_at: dt.datetime | None = None  # the due time of that step
    to_user: Any = None  # the officer the dossier is handed to
    portal_changes: list[str] = field(default_factory=list)  # what the citizen sees change


class DossierLifecycle(Lifecycle[Dossier, DossierApplied]):
    model = Dossier
    transitions = TRANSITIONS
    audit_prefix = "dossier"
    related = (
        "procedure",
        "receiving_agency",
        "deciding_agency",
        "current_agency",
        "current_step",
        "applicant",
    )
    snapshot_fields = (
        "state",
        "status",
        "current_agency_id",
        "current_step_id",
        "assignee_id",
        "legal_due_at",
        "appointment_at",
    )
    applied_type = DossierApplied

    def not_found(self) -> NotFound:
        return NotFound("unknown_dossier", _("The dossier does not exist."))

    def refuse(self, obj: Dossier, transition: Transition) -> InvalidTransition:
        return InvalidTransition(
            "invalid_transition",
            _("Dossier %(code)s is “%(state)s”: “%(action)s” is not possible now.")
            % {"code": obj.code, "state": obj.get_state_display(), "action": transition.action},
            state=obj.state,
            action=transition.action,
        )

    def guard(self, actor: Any, obj: Dossier, transition: Transition) -> Agency | None:
        """The agency the actor acts for (None: as the applicant), or raise the refusal."""
        error = refusal(actor, obj, transition)
        if error is not None:
            raise error
        if isinstance(actor, PaymentGateway) or (
            APPLICANT in transition.actors and is_applicant_of(actor, obj)
        ):
            return None
        return obj.receiving_agency if transition.agency == RECEIVING else obj.current_agency

    def enter(self, step: Step[Dossier]) -> None:
        """Stop or restart the legal clock, then move to the target state."""
        d, t, now = step.obj, step.transition, step.now
        if t.clock == "stop" and d.clock_stopped_at is None and d.received_at:
            d.clock_stopped_at = now
        if t.clock == "resume" and d.clock_stopped_at is not None:
            _restart_clock(d, now, step.calendar)
        if t.target is not None and t.target != step.from_state:
            if t.clock == "stop" or t.action == "withdraw":
                d.state_before = step.from_state
            d.state = t.target
        elif t.target is None and t.clock == "resume":
            d.state = d.state_before or State.PROCESSING
            d.state_before = ""

    def before_save(self, step: Step[Dossier], applied: DossierApplied) -> None:
        d = step.obj
        d.status = STATE_TO_STATUS[d.state]
        d.version += 1
        applied.portal_changes = visible_changes(step.action, step.before, d)
        if applied.portal_changes:
            d.portal_version += 1

    def record(self, step: Step[Dossier], applied: DossierApplied) -> DossierEvent:
        d = step.obj
        if "appointment" in applied.portal_changes:  # the appointment before and after
            applied.data = {
                **applied.data,
                "due_before": _iso(step.before["appointment_at"]),
                "due_after": _iso(d.appointment_at),
            }
        event = DossierEvent.objects.create(
            dossier=d,
            seq=next_seq(d.events),
            action=step.action,
            from_state=step.from_state,
            to_state=d.state,
            actor=signed_in(step.actor),
            actor_name=display_name(step.actor),
            actor_agency=step.scope,
            from_step_id=step.before["current_step"],
            to_step=d.current_step,
            to_user=applied.to_user,
            at=step.now,
            step_due_at=applied.step_due_at if applied.step_result else d.step_due_at,
            step_result=applied.step_result,
            note=step.note,
            data=applied.data,
        )
        form = FORM_OF_ACTION.get(step.action)  # BM.02–BM.04: the form this event issues
        if form:
            form_keep(form, event.pk)
        return event

    def outbox(self, step: Step[Dossier], applied: DossierApplied, event: DossierEvent) -> None:
        """One national-portal message per change the citizen sees, numbered by
        ``portal_version``; a new BM.01 version when the appointment is set or moves."""
        d = step.obj
        if applied.portal_changes:
            _outbox_status(d, step.now, applied.portal_changes)
        if step.action in PORTAL_STEP_ACTIONS:
            _outbox_step(d, event)
        if "appointment" in applied.portal_changes and d.appointment_at is not None:
            receipt_issue(d, action=step.action, now=step.now)
        # The citizen's and the officers' notifications, committed with the change.
        dossier_change_notify(
            d,
            action=step.action,
            seq=event.seq,
            changes=applied.portal_changes,
            actor=step.actor,
            assignee_before=step.before["assignee"],
            note=step.note,
        )

    def audit_after(
        self, step: Step[Dossier], applied: DossierApplied, event: DossierEvent
    ) -> dict[str, Any]:
        return {**self.snapshot(step.obj), "event": event.seq, "note": step.note}


LIFECYCLE = DossierLifecycle()


def receipt_issue(d: Dossier, *, action: str, now: dt.datetime) -> ReceiptVersion:
    """Keep a new version of the BM.01 receipt as it prints now (at reception and whenever the
    appointment moves); the earlier versions stay downloadable as they were printed. Its PDF is
    rendered into private storage by a background task once the operation commits, so that a
    download only reads the file (``pdf.receipt_pdf``)."""
    from .pdf import receipt_data

    last = d.receipts.order_by("-number").values_list("number", flat=True).first()
    receipt = ReceiptVersion.objects.create(
        dossier=d,
        number=(last or 0) + 1,
        action=action,
        issued_at=now,
        appointment_at=d.appointment_at,
        data=receipt_data(d),
    )
    form_keep("bm01", receipt.pk)
    return receipt


def form_keep(kind: str, row_id: int) -> None:
    """Once the operation commits, render form ``kind`` of the row it issued (a BM.01
    ``ReceiptVersion``, the ``DossierEvent`` of a BM.02–BM.04) into private storage in the
    background (task ``store_form``), so that its downloads only read the file
    (``pdf.kept_pdf``)."""
    from .tasks import store_form

    # robust: a queue that cannot take the task costs nothing but speed (a download renders it).
    transaction.on_commit(lambda: store_form.enqueue(kind, row_id), robust=True)


def _next_code(agency: Agency, day: dt.date) -> str:
    """The next dossier code of the agency for the day: ``<agency code>-<yymmdd>-<seq>``.

    :func:`dossier_submit` takes it in a transaction of its own, before the submission's: the
    counter row is locked for that one statement instead of for the whole submission, so
    submissions to the same agency do not queue behind each other's writes and commit. Codes are
    unique and never reused (``../shared/DOMAIN.md``); a submission that fails after taking its
    number (a database error, or a retry recognised by its idempotency key) leaves a gap in the
    day's sequence. The tracking book's numbers (BM.06) are taken inside the reception's
    transaction and have no gaps.
    """
    seq = take_number(CodeCounter, agency=agency, day=day)
    return f"{agency.code}-{day:%y%m%d}-{seq:04d}"


# --- submission ---------------------------------------------------------------------------


def dossier_submit(
    *,
    actor: Any,
    procedure: Procedure,
    form_data: dict,
    channel: int = Channel.ONLINE,
    commune: AdministrativeUnit | None = None,
    applicant: ApplicantProfile | None = None,
    applicant_name: str = "",
    applicant_id_number: str = "",
    applicant_phone: str = "",
    applicant_address: str = "",
    idempotency_key: str = "",
    uploads: list[tuple[Any, Any]] | None = None,
    assurance_level: int | None = None,
    delivery_method: str = "",
    delivery_address: str = "",
) -> Dossier:
    """Submit a dossier (status 1). Online: by the applicant; at the counter or by post: by a
    desk officer of the receiving agency on the applicant's behalf.

    Online, a procedure's ``min_assurance_level`` is checked against ``assurance_level``: the
    portal passes its session's VNeID sign-in level (0 after a password sign-in); None (the API)
    takes the level the SSO last proved for the applicant's profile.

    ``uploads`` is a list of (component or None, uploaded file). With an ``idempotency_key``, a
    ``uploads`` is a list of (component or None, uploaded file). ``delivery_method`` is how the
    applicant receives the result (:func:`check_delivery`). With an ``idempotency_key``, a
    retry by the same user returns the dossier created the first time, marked ``replayed``.
    """
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("unauthenticated", _("Please sign in."))
    idempotency_key = (idempotency_key or "").strip()[:100]
    # A retry is recognised by the unique (submitted_by, idempotency_key) constraint when the
    # dossier is inserted, so a first attempt, the common case, costs no extra query.
    try:
        checked = _check_submission(
            actor=actor,
            procedure=procedure,
            form_data=form_data,
            channel=channel,
            commune=commune,
            applicant=applicant,
            applicant_name=applicant_name,
            applicant_id_number=applicant_id_number,
            uploads=uploads,
            assurance_level=assurance_level,
            delivery_method=delivery_method,
            delivery_address=delivery_address,
        )
        if channel == Channel.ONLINE:
            _count_online_submission(actor)
    except DomainError:
        # The retry of a submission that was accepted gets that dossier back, even when its
        # input would be refused now (the procedure withdrawn meanwhile …).
        existing = replayed(Dossier.objects.filter(submitted_by=actor), idempotency_key)
        if existing is not None:
            return existing
        raise
    applicant, receiving = checked.applicant, checked.receiving
    now = timezone.now()
    # Taken in its own short transaction (see _next_code): the counter row is not held locked
    # while the submission writes and commits.
    with transaction.atomic():
        code = _next_code(receiving, timezone.localdate(now))
    try:
        with files_rollback(), transaction.atomic():
            d = Dossier.objects.create(
                code=code,
                procedure=procedure,
                receiving_agency=receiving,
                deciding_agency=checked.deciding,
                current_agency=receiving,
                applicant=applicant,
                applicant_name=checked.name[:200],
                applicant_id_number=checked.id_number,
                applicant_phone=(applicant.phone if applicant else applicant_phone)[:20],
                applicant_address=(applicant.address if applicant else applicant_address)[:255],
                submitted_by=actor,
                channel=channel,
                delivery_method=checked.delivery[0],
                delivery_address=checked.delivery[1],
                form_data=checked.form_data,
                state=State.SUBMITTED,
                status=STATE_TO_STATUS[State.SUBMITTED],
                submitted_at=now,
                fee_vnd=procedure.fee_vnd,
                idempotency_key=idempotency_key,
                version=1,
                portal_version=1,
                digitised=bool(checked.files) or channel == Channel.ONLINE,
            )
            for component, item in checked.files:
                _store_file(d, item, component, FileKind.COMPONENT, actor)
            DossierEvent.objects.create(
                dossier=d,
                seq=1,
                action="submit",
                from_state="",
                to_state=State.SUBMITTED,
                actor=actor,
                actor_name=display_name(actor),
                actor_agency=receiving if channel != Channel.ONLINE else None,
                at=now,
                data={"channel": channel, "files": len(checked.files)},
            )
            _outbox_status(d, now, ["status"])
            if channel == Channel.ONLINE:  # at the counter, the reception tells them
                dossier_submitted_notify(d, actor=actor)
            # Last: the audit chain head stays locked from here to the commit.
            audit_record(
                actor=actor,
                action="dossier.submit",
                obj=d,
                after={"state": State.SUBMITTED, "procedure": procedure.code, "channel": channel},
            )
    except IntegrityError:
        # A retry (the same key) of a submission that was accepted, or two retries that raced:
        # the earlier dossier is returned.
        existing = replayed(Dossier.objects.filter(submitted_by=actor), idempotency_key)
        if existing is None:
            raise
        return existing
    return d


# Online submissions per applicant account (``TINHSO_RATE_SUBMISSIONS``); a desk officer entering
# dossiers at the counter or by post is not limited.
ONLINE_SUBMISSIONS = Limit("submissions", "TINHSO_RATE_SUBMISSIONS")


def _count_online_submission(actor: Any) -> None:
    """Count a checked online submission; past the rate :class:`RateLimited` (429). A retry with
    the same ``Idempotency-Key`` still gets its dossier back (``dossier_submit``)."""
    ONLINE_SUBMISSIONS.enforce(
        f"user:{actor.pk}",
        _(
            "Too many dossiers were submitted online from this account in a short time. "
            "Try again in %(minutes)s minutes."
        ),
    )


DELIVERY_ADDRESS_MAX_LENGTH = 255


def check_delivery(
    procedure: Procedure, method: str, address: str, *, complete: bool = True
) -> tuple[str, str]:
    """The way to receive the result (cách thức nhận kết quả) and the address for the post,
    checked against what the procedure offers: ``(method, address)``. No method: the one-stop
    desk when offered, else the procedure's first way. The post needs an address, unless the
    choice is not ``complete`` yet (a draft). Raises ``DomainError``."""
    offered = [value for value, _label in procedure.delivery_choices]
    method = (method or "").strip()
    if not method:
        method = DeliveryMethod.COUNTER if DeliveryMethod.COUNTER in offered else offered[0]
    if method not in offered:
        raise DomainError(
            "invalid_delivery",
            _("Choose one of the ways to receive the result this procedure offers."),
            field="delivery_method",
        )
    address = " ".join((address or "").split())
    check_length(address, field="delivery_address", limit=DELIVERY_ADDRESS_MAX_LENGTH)
    if method != DeliveryMethod.POST:
        address = ""
    elif complete and not address:
        raise DomainError(
            "delivery_address_required",
            _("Enter the address the postal service takes the result to."),
            field="delivery_address",
        )
    return method, address


class _CheckedSubmission(NamedTuple):
    form_data: dict
    applicant: ApplicantProfile | None
    receiving: Agency
    deciding: Agency
    name: str
    id_number: str
    files: list[tuple[Any, Any]]
    delivery: tuple[str, str]


def _check_assurance(
    procedure: Procedure, applicant: ApplicantProfile | None, level: int | None
) -> None:
    """Refuse an online submission below the procedure's level of assurance (VNeID)."""
    from django.urls import reverse

    from tinhso.accounts.sso import sign_in_url

    if level is None:
        level = applicant.assurance_level if applicant is not None else 0
    required = procedure.min_assurance_level
    if level >= required:
        return
    raise PermissionDenied(
        "assurance_level_required",
        _(
            "This procedure can only be submitted online by an account identified at level "
            "%(required)d (VNeID level %(required)d): sign in with VNeID at that level, then "
            "submit again. Your current sign-in is at level %(level)d."
        )
        % {"required": required, "level": level},
        required=required,
        current=level,
        sign_in_url=sign_in_url(
            required, reverse("portal:submit_review", kwargs={"code": procedure.code})
        ),
    )


def _check_submission(
    *,
    actor: Any,
    procedure: Procedure,
    form_data: dict,
    channel: int,
    commune: AdministrativeUnit | None,
    applicant: ApplicantProfile | None,
    applicant_name: str,
    applicant_id_number: str,
    uploads: list[tuple[Any, Any]] | None,
    assurance_level: int | None = None,
    delivery_method: str = "",
    delivery_address: str = "",
) -> _CheckedSubmission:
    """Every check of :func:`dossier_submit` before it writes; raises a ``DomainError``."""
    from tinhso.procedures.selectors import procedure_agencies
    from tinhso.procedures.services import procedure_validate_form

    if channel not in Channel.values:
        raise DomainError("invalid_channel", _("Unknown submission channel."))
    if not procedure.is_active:
        raise DomainError("procedure_inactive", _("This procedure is no longer in force."))
    if channel == Channel.ONLINE and procedure.online_mode == "counter":
        raise DomainError(
            "not_online", _("This procedure cannot be submitted online; please come to the desk.")
        )
    cleaned = procedure_validate_form(procedure=procedure, data=form_data or {})
    if applicant is None and channel == Channel.ONLINE:
        applicant = applicant_of(actor)
        if applicant is None:
            raise DomainError(
                "no_applicant_profile",
                _("Complete your applicant profile (ID number) before submitting."),
            )
    if channel == Channel.ONLINE and procedure.min_assurance_level:
        _check_assurance(procedure, applicant, assurance_level)
    if commune is None and applicant is not None:
        commune = applicant.unit
    agencies = procedure_agencies(procedure, commune)
    receiving, deciding = agencies.receiving, agencies.deciding
    if channel != Channel.ONLINE and Role.DESK_OFFICER not in _roles_in(actor, receiving.pk):
        raise PermissionDenied(
            "forbidden", _("Only a desk officer of the receiving agency can enter this dossier.")
        )
    name = applicant.full_name if applicant else applicant_name.strip()
    check_length(name, field="applicant_name", limit=APPLICANT_NAME_MAX_LENGTH)
    id_number = (applicant.personal_id or applicant.tax_code) if applicant else applicant_id_number
    if not name or not id_number:
        raise DomainError(
            "applicant_required", _("The applicant's name and ID number are required.")
        )
    if not applicant:
        try:
            id_number = clean_id_number(id_number)
        except ValidationError as exc:
            raise DomainError("invalid_id_number", " ".join(exc.messages)) from None
    checked = [(component, check_upload(upload)) for component, upload in uploads or []]
    for component, _checked in checked:
        if component is not None and component.procedure_id != procedure.pk:
            raise DomainError(
                "unknown_component", _("A file is attached to a component of another procedure.")
            )
    delivery = check_delivery(procedure, delivery_method, delivery_address)
    return _CheckedSubmission(
        cleaned, applicant, receiving, deciding, name, id_number, checked, delivery
    )


def _store_file(d: Dossier, checked, component, kind: str, actor: Any) -> DossierFile:
    record = DossierFile(
        dossier=d,
        component=component,
        kind=kind,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    if checked.stored_name:  # stored already (a draft's document): the dossier takes it over
        record.file.name = checked.stored_name
    else:
        record.file.save(f"{d.code}.{checked.extension}", checked.content, save=False)
        remember_file(record.file.storage, record.file.name)
    record.save()
    return record


# --- lifecycle ----------------------------------------------------------------------------


def dossier_receive(*, actor: Any, dossier: Dossier | int, note: str = "") -> Dossier:
    """Tiếp nhận: the desk accepts the dossier; the legal clock starts (15:00 cut-off)."""

    def apply(d: Dossier, step: Step) -> DossierApplied:
        first = d.procedure.steps.order_by("order").first()
        if first is None:
            raise DomainError("no_process", _("The procedure has no internal process."))
        now, calendar = step.now, step.calendar
        d.received_at = now
        d.counting_from = calendar.counting_start(now)
        d.legal_due_at = calendar.add_working_time(
            d.counting_from, procedure_duration(d.procedure, calendar)
        )
        d.appointment_at = d.legal_due_at
        d.current_step = first
        d.current_agency = _step_agency(d, first)
        d.assignee = actor
        d.step_started_at = d.counting_from
        d.step_due_at = _step_time(d, first, d.counting_from, calendar)
        d.supplement_request_due_at = supplement_request_deadline(d.counting_from, calendar)
        # The entry of the desk's tracking book (BM.06), numbered per agency and year.
        d.book_year = timezone.localtime(now).year
        d.book_number = take_number(BookCounter, agency=d.receiving_agency, year=d.book_year)
        return DossierApplied(
            data={"due_at": d.legal_due_at.isoformat(), "book_number": d.book_number}
        )

    return LIFECYCLE.perform(actor=actor, obj=dossier, action="receive", note=note, apply=apply).obj


def supplement_request_deadline(start: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """Until when an insufficient dossier must be returned with a supplement request: the
    setting's working days (default 2) from when its documents count as received."""
    return calendar.add_working_days(start, settings.TINHSO_SUPPLEMENT_REQUEST_DAYS)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Please give the reason."))
    return reason[:2000]


def dossier_refuse(*, actor: Any, dossier: Dossier | int, reason: str) -> Dossier:
    """Từ chối tiếp nhận (BM.03)."""
    reason = _require_reason(reason)

    def apply(d: Dossier, step: Step) -> DossierApplied:
        d.closed_at = step.now
        return DossierApplied(data={"reason": reason})

    return LIFECYCLE.perform(
        actor=actor, obj=dossier, action="refuse", note=reason, apply=apply
    ).obj


def _close_step(d: Dossier, now: dt.datetime) -> DossierApplied:
    """Early / on time / late for the step being handed over (BM.05 result column)."""
    result = classify(now, d.step_due_at) if d.step_due_at is not None else ""
    return DossierApplied(step_result=result, step_due_at=d.step_due_at)


def dossier_transfer(
    *, actor: Any, dossier: Dossier | int, to_user: Any = None, note: str = ""
) -> Dossier:
    """Chuyển xử lý: finish the current step and hand the dossier to the next one."""

    def apply(d: Dossier, step: Step) -> DossierApplied:
        nxt = d.procedure.steps.filter(order__gt=d.current_step.order).order_by("order").first()
        now, calendar = step.now, step.calendar
        applied = _close_step(d, now)
        agency = _step_agency(d, nxt)
        if to_user is not None and nxt.role not in _roles_in(to_user, agency.pk):
            raise DomainError(
                "assignee_not_eligible",
                _("The chosen officer does not hold the role of the next step in %(agency)s.")
                % {"agency": agency.name},
            )
        d.current_step = nxt
        d.current_agency = agency
        d.assignee = to_user
        start = calendar.next_working_instant(now)
        d.step_started_at = start
        d.step_due_at = _step_time(d, nxt, start, calendar)
        applied.to_user = to_user
        return applied

    return LIFECYCLE.perform(
        actor=actor, obj=dossier, action="transfer", note=note, apply=apply
    ).obj


def dossier_rework(*, actor: Any, dossier: Dossier | int, reason: str) -> Dossier:
    """Trả lại để xử lý lại: the leader sends the dossier back from their step to the
    specialist's step before it (:func:`rework_step`), with the reason, which the specialist's
    work list shows. The dossier is handed to the specialist who passed it on from that step,
    while they still hold the role there (else to anyone who does). An internal step: the state
    (processing), the national status and the legal clock do not change; the leader's step is
    closed (its BM.05 result) and the specialist's step gets its share of time again."""
    reason = _require_reason(reason)

    def apply(d: Dossier, step: Step) -> DossierApplied:
        target = rework_step(d)  # the guard has checked that there is one
        now, calendar = step.now, step.calendar
        applied = _close_step(d, now)
        agency = _step_agency(d, target)
        handed = (
            d.events.filter(from_step=target, actor__isnull=False)
            .order_by("-seq")
            .select_related("actor")
            .first()
        )
        specialist = handed.actor if handed is not None else None
        if specialist is not None and target.role not in _roles_in(specialist, agency.pk):
            specialist = None
        d.current_step = target
        d.current_agency = agency
        d.assignee = specialist
        start = calendar.next_working_instant(now)
        d.step_started_at = start
        d.step_due_at = _step_time(d, target, start, calendar)
        applied.to_user = specialist
        applied.data = {"reason": reason, "to_step": target.name}
        return applied

    return LIFECYCLE.perform(
        actor=actor, obj=dossier, action="rework", note=reason, apply=apply
    ).obj


def dossier_request_supplement(
    *, actor: Any, dossier: Dossier | int, reason: str, items: list[str] | None = None
) -> Dossier:
    """Yêu cầu bổ sung (BM.02): the clock stops until the applicant supplies the items."""
    reason = _require_reason(reason)
    items = [str(item).strip()[:500] for item in items or [] if str(item).strip()]

    def apply(d: Dossier, step: Step) -> DossierApplied:
        d.supplement_count += 1
        deadline = d.supplement_request_due_at
        return DossierApplied(
            data={
                "items": items,
                "supplement_no": d.supplement_count,
                "request_due_at": _iso(deadline),
                # Asked after the deadline to return an insufficient dossier: counted late.
                "late": deadline is not None and step.now > deadline,
            }
        )

    return LIFECYCLE.perform(
        actor=actor, obj=dossier, action="request_supplement", note=reason, apply=apply
    ).obj


def dossier_supplement(
    *, actor: Any, dossier: Dossier | int, uploads: list[tuple[Any, Any]], note: str = ""
) -> Dossier:
    """The applicant (or the desk on their behalf) supplies the requested documents."""
    if not uploads:
        raise DomainError("files_required", _("Attach at least one document."))
    checked = [(component, check_upload(upload)) for component, upload in uploads]

    def apply(d: Dossier, step: Step) -> DossierApplied:
        for component, item in checked:
            _store_file(d, item, component, FileKind.SUPPLEMENT, actor)
        # The supplied documents get their own time to be found insufficient.
        calendar = step.calendar
        d.supplement_request_due_at = supplement_request_deadline(
            calendar.counting_start(step.now), calendar
        )
        return DossierApplied(data={"files": len(checked)})

    return LIFECYCLE.perform(
        actor=actor, obj=dossier, action="supplement", note=note, apply=apply
    ).obj


def dossier_accept_supplement(*, actor: Any, dossier: Dossier | int, note: str = "") -> Dossier:
    """The officer accepts the supplement checked (an internal step: the clock restarted when it
    arrived; an insufficient one gets a new ``request_supplement`` instead)."""
    return LIFECYCLE.perform(actor=actor, obj=dossier, action="accept_supplement", note=note).obj


def dossier_pause(*, actor: Any, dossier: Dossier | int, reason: str) -> Dossier:
    return LIFECYCLE.perform(
        actor=actor, obj=dossier, action="pause", note=_require_reason(reason)
    ).obj


def dossier_resume(*, actor: Any, dossier: Dossier | int, note: str = "") -> Dossier:
    return LIFECYCLE.perform(actor=actor, obj=dossier, action="resume", note=note).obj


def dossier_request_fees(
    *, actor: Any, dossier: Dossier | int, amount_vnd: int, note: str = ""
) -> Dossier:
    """Yêu cầu thực hiện nghĩa vụ tài chính."""
    if not isinstance(amount_vnd, int) or amount_vnd <= 0:
        raise DomainError("invalid_amount", _("The amount must be a positive whole number of VND."))

    def apply(d: Dossier, step: Step) -> DossierApplied:
        d.fee_vnd = amount_vnd
        return DossierApplied(data={"amount_vnd": amount_vnd})

    return LIFECYCLE.perform(
        actor=actor, obj=dossier, action="request_fees", note=note, apply=apply
    ).obj


# A payment is confirmed by a system (a gateway's verified notification, a matched bank-feed
# line), never declared by a person: these methods need a PaymentGateway actor, and only these.
SYSTEM_CONFIRMED_METHODS = (PaymentMethod.GATEWAY, PaymentMethod.BANK_TRANSFER)
# Called inside the payment's transaction with (dossier, step, event data): the payments app
# registers its recorder (the Payment row, the numbered receipt) from its AppConfig.ready.
PAYMENT_RECORDERS: list[Callable[[Dossier, Step, dict], None]] = []


def register_payment_recorder(recorder: Callable[[Dossier, Step, dict], None]) -> None:
    if recorder not in PAYMENT_RECORDERS:
        PAYMENT_RECORDERS.append(recorder)


def dossier_record_payment(
    *,
    dossier: Dossier | int,
    method: str,
    reference: str,
    by: Any,
    amount_vnd: int | None = None,
) -> Dossier:
    """The fees requested are paid: the clock restarts and the national portal is told.

    The one entry point for a payment: ``method`` COUNTER with ``by`` a desk officer of the
    receiving agency and ``reference`` the receipt number they issued; GATEWAY with ``by`` a
    :class:`PaymentGateway` and ``reference`` the gateway's order; BANK_TRANSFER with ``by`` a
    :class:`PaymentGateway` naming the bank feed and ``reference`` the transfer's payment
    reference (``tinhso.payments.services``). Never the applicant
    (the transition's guard refuses them). ``amount_vnd`` defaults to the amount requested; a
    different amount is refused.
    """
    if method not in PaymentMethod.values:
        raise DomainError("invalid_payment_method", _("Unknown payment method."))
    if (method in SYSTEM_CONFIRMED_METHODS) != isinstance(by, PaymentGateway):
        raise DomainError(
            "invalid_payment_method",
            _("Only a payment gateway confirms online payments; the desk records counter ones."),
        )
    reference = (reference or "").strip()[:100]
    if not reference:
        raise DomainError("receipt_number_required", _("Give the receipt number of the payment."))
    if amount_vnd is not None and (not isinstance(amount_vnd, int) or amount_vnd <= 0):
        raise DomainError("invalid_amount", _("The amount must be a positive whole number of VND."))

    def apply(d: Dossier, step: Step) -> DossierApplied:
        paid = d.fee_vnd if amount_vnd is None else amount_vnd
        if paid != d.fee_vnd:
            raise DomainError(
                "amount_mismatch",
                _("The amount paid (%(paid)s VND) differs from the amount requested (%(due)s VND).")
                % {"paid": paid, "due": d.fee_vnd},
            )
        d.paid_vnd = paid
        d.paid_online = method == PaymentMethod.GATEWAY
        data = {"amount_vnd": paid, "method": method, "reference": reference}
        if isinstance(by, PaymentGateway):
            data["gateway"] = by.name
        for recorder in PAYMENT_RECORDERS:  # e.g. the payments app's receipt, same transaction
            recorder(d, step, data)
        return DossierApplied(data=data)

    return LIFECYCLE.perform(actor=by, obj=dossier, action="pay", apply=apply).obj


def dossier_record_counter_payment(
    *, actor: Any, dossier: Dossier | int, reference: str, amount_vnd: int | None = None
) -> Dossier:
    """Thu phí tại quầy: the desk records the fees paid in cash, with the receipt number."""
    return dossier_record_payment(
        dossier=dossier,
        method=PaymentMethod.COUNTER,
        reference=reference,
        by=actor,
        amount_vnd=amount_vnd,
    )


def _finish(action: str, actor: Any, dossier: Dossier | int, note: str) -> Dossier:
    def apply(d: Dossier, step: Step) -> DossierApplied:
        now = step.now
        applied = _close_step(d, now)
        d.finished_at = now
        d.timeliness = classify(now, d.legal_due_at, supplements=d.supplement_count)
        d.is_overdue = False
        d.current_agency = d.receiving_agency
        d.current_step = None
        d.assignee = None
        d.step_due_at = None
        applied.data = {"timeliness": d.timeliness}
        return applied

    return LIFECYCLE.perform(actor=actor, obj=dossier, action=action, note=note, apply=apply).obj


def dossier_approve(*, actor: Any, dossier: Dossier | int, note: str = "") -> Dossier:
    """Phê duyệt, ký: the leader signs the result at the last step."""
    return _finish("approve", actor, dossier, note)


def dossier_finish(*, actor: Any, dossier: Dossier | int, note: str = "") -> Dossier:
    """Finish at the last step when it is not a signing step."""
    return _finish("finish", actor, dossier, note)


def dossier_add_files(
    *, actor: Any, dossier: Dossier | int, uploads: list[tuple[Any, Any]]
) -> list[DossierFile]:
    """Add component files: the applicant before reception, or the desk (scans) while open."""
    if not uploads:
        raise DomainError("files_required", _("Attach at least one document."))
    checked = [(component, check_upload(upload)) for component, upload in uploads]
    with files_rollback(), transaction.atomic():
        d = LIFECYCLE.lock(dossier)
        lookups = Lookups(actor)
        error = add_files_refusal(actor, d, lookups)
        if error is not None:
            raise error
        for component, _item in checked:
            if component is not None and component.procedure_id != d.procedure_id:
                raise DomainError(
                    "unknown_component", _("The component belongs to another procedure.")
                )
        desk = Role.DESK_OFFICER in lookups.roles_in(d.receiving_agency_id)
        kind = FileKind.SCAN if desk else FileKind.COMPONENT
        records = [_store_file(d, item, component, kind, actor) for component, item in checked]
        if not d.digitised:
            d.digitised = True
            d.save(update_fields=["digitised"])
        audit_record(
            actor=actor, action="dossier.add_files", obj=d, after={"files": [r.pk for r in records]}
        )
    return records


def dossier_attach_result(*, actor: Any, dossier: Dossier | int, upload: Any) -> DossierFile:
    """Attach an electronic result document (an officer of the current or receiving agency)."""
    checked = check_upload(upload)
    with files_rollback(), transaction.atomic():
        d = LIFECYCLE.lock(dossier)
        error = attach_result_refusal(actor, d)
        if error is not None:
            raise error
        record = _store_file(d, checked, None, FileKind.RESULT, actor)
        d.electronic_result = True
        d.portal_version += 1  # the citizen sees a result document: the portal is told
        d.save(update_fields=["electronic_result", "portal_version"])
        _outbox_status(d, timezone.now(), [VISIBLE_BY_ACTION["attach_result"]])
        audit_record(actor=actor, action="dossier.attach_result", obj=d, after={"file": record.pk})
    return record


# --- the leader signs a result (tinhso.signatures, docs/signatures.md) ---------------------

# The personal signature's field on a result that has none: the last page, above the bottom
# right corner (where Decree 30 puts the signer's block).
RESULT_SIGNATURE_PLACEMENT = (-1, (330.0, 110.0, 510.0, 190.0))


def _result_to_sign(
    actor: Any, dossier: Dossier | int, file_id: int
) -> tuple[Dossier, DossierFile]:
    """The dossier and its PDF result that ``actor`` may sign now: a leader at the signing step
    (the one who may approve)."""
    from .actions import available_actions

    d = (
        Dossier.objects.restrict(as_access(actor), "act")
        .filter(pk=dossier.pk if isinstance(dossier, Dossier) else dossier)
        .first()
    )
    if d is None:
        raise LIFECYCLE.not_found()
    record = d.files.filter(pk=file_id, kind=FileKind.RESULT).first()
    if record is None:
        raise NotFound("unknown_file", _("File not found."))
    if "approve" not in available_actions(user=actor, dossier=d):
        raise PermissionDenied(
            "forbidden", _("Only the leader at the signing step signs the result.")
        )
    if record.content_type != "application/pdf":
        raise DomainError("not_a_pdf", _("Only a PDF result can be signed digitally."))
    return d, record


def dossier_result_sign_begin(
    *,
    actor: Any,
    dossier: Dossier | int,
    file_id: int,
    certificate: bytes,
    chain: list[bytes],
    mechanisms: list[str],
) -> Any:
    """Step 1 of the leader's signature on a result: the certificate the signing agent announced
    must be registered to the leader; the PDF is prepared (``signatures.services``)."""
    from tinhso.signatures import appearance
    from tinhso.signatures.registry import require_registered
    from tinhso.signatures.services import signing_begin

    d, record = _result_to_sign(actor, dossier, file_id)
    registration = require_registered(actor, certificate)
    with record.file.open("rb") as handle:
        pdf = handle.read()
    signed_before = DossierFile.objects.filter(pk=record.pk, signed_at__isnull=False).exists()
    image = bytes(registration.signature_image or b"")
    page, box = RESULT_SIGNATURE_PLACEMENT
    return signing_begin(
        actor=actor,
        pdf=pdf,
        certificate=certificate,
        chain=chain,
        mechanisms=mechanisms,
        purpose="dossier-result",
        reference=f"{d.code}/{record.pk}/{record.sha256[:16]}",
        field_name="ChuKyLanhDao" + ("2" if signed_before else ""),
        placement=appearance.Placement(page, box) if image else None,
        appearance=appearance.personal(image) if image else None,
    )


def dossier_result_sign_finish(
    *, actor: Any, dossier: Dossier | int, file_id: int, session_id: Any, signature: bytes
) -> DossierFile:
    """Step 3: the agent's signature embedded, the result file becomes the signed PDF (what the
    applicant downloads), in one transaction with its audit entry."""
    from django.core.files.base import ContentFile

    from tinhso.signatures.models import SigningSession
    from tinhso.signatures.services import signing_finish

    d, record = _result_to_sign(actor, dossier, file_id)
    reference = f"{d.code}/{record.pk}/{record.sha256[:16]}"
    if not SigningSession.objects.filter(
        pk=session_id, signer_id=actor.pk, purpose="dossier-result", reference=reference
    ).exists():
        raise NotFound("unknown_signing_session", _("The signing session was not found."))
    with files_rollback(), transaction.atomic():
        signed = signing_finish(actor=actor, session_id=session_id, signature=signature)
        d = LIFECYCLE.lock(d)
        record = DossierFile.objects.select_for_update().get(pk=record.pk)
        if not reference.endswith(record.sha256[:16]):
            raise DomainError("result_changed", _("The result changed while it was being signed."))
        before = {"sha256": record.sha256, "size": record.size}
        record.file.save(f"{d.code}-ky-so.pdf", ContentFile(signed), save=False)
        remember_file(record.file.storage, record.file.name)
        record.size, record.sha256 = len(signed), hashlib.sha256(signed).hexdigest()
        record.signed_at, record.signed_by = timezone.now(), actor
        record.save()
        audit_record(
            actor=actor,
            action="dossier.sign_result",
            obj=d,
            before=before,
            after={"file": record.pk, "sha256": record.sha256, "session": str(session_id)},
        )
    return record


def dossier_return_result(*, actor: Any, dossier: Dossier | int, note: str = "") -> Dossier:
    """Trả kết quả: hand the result to the applicant (not counted in the processing time)."""

    def apply(d: Dossier, step: Step) -> None:
        d.returned_at = step.now
        d.closed_at = step.now

    return LIFECYCLE.perform(
        actor=actor, obj=dossier, action="return_result", note=note, apply=apply
    ).obj


def dossier_withdraw(*, actor: Any, dossier: Dossier | int, reason: str) -> Dossier:
    """Rút hồ sơ: the applicant asks to withdraw; a desk officer confirms."""
    return LIFECYCLE.perform(
        actor=actor, obj=dossier, action="withdraw", note=_require_reason(reason)
    ).obj


def dossier_confirm_withdraw(*, actor: Any, dossier: Dossier | int, note: str = "") -> Dossier:
    def apply(d: Dossier, step: Step) -> DossierApplied:
        d.closed_at = step.now
        d.is_overdue = False
        return DossierApplied(data={"withdrawn": True})

    return LIFECYCLE.perform(
        actor=actor, obj=dossier, action="confirm_withdraw", note=note, apply=apply
    ).obj


def dossier_stop(*, actor: Any, dossier: Dossier | int, reason: str) -> Dossier:
    """Dừng xử lý: the leader stops processing, with the reason."""
    reason = _require_reason(reason)

    def apply(d: Dossier, step: Step) -> None:
        d.closed_at = step.now
        d.is_overdue = False

    return LIFECYCLE.perform(actor=actor, obj=dossier, action="stop", note=reason, apply=apply).obj


def dossier_extend(
    *, actor: Any, dossier: Dossier | int, reason: str, extra_days: Decimal | int
) -> Dossier:
    """Phiếu xin lỗi và hẹn lại ngày trả (BM.04): a new appointment, with the apology recorded.

    The appointment (what the applicant is told) moves by ``extra_days`` working days; the legal
    due date does not: the dossier is still judged against it. The letter is accepted only up to
    the lead time before the legal due date (``apology_too_late`` after it) and only as many
    times as ``TINHSO_MAX_EXTENSIONS`` (``extension_limit``): the guard, :func:`refusal`.
    """
    reason = _require_reason(reason)
    try:
        extra = Decimal(str(extra_days))
    except ArithmeticError:
        extra = Decimal(0)
    if extra <= 0 or extra > 365:
        raise DomainError(
            "invalid_extension", _("The extension must be between 0.5 and 365 working days.")
        )

    def apply(d: Dossier, step: Step) -> DossierApplied:
        old_appointment = d.appointment_at or d.legal_due_at
        d.appointment_at = step.calendar.add_working_days(old_appointment, extra)
        d.extension_count += 1
        return DossierApplied(
            data={
                "old_due_at": old_appointment.isoformat(),
                "new_due_at": d.appointment_at.isoformat(),
                "legal_due_at": d.legal_due_at.isoformat(),
                "extra_days": str(extra),
            }
        )

    return LIFECYCLE.perform(
        actor=actor, obj=dossier, action="extend", note=reason, apply=apply
    ).obj


def dossier_rate(*, actor: Any, dossier: Dossier | int, score: int, comment: str = "") -> Rating:
    """Đánh giá: one rating per dossier, by its applicant, after the result is returned."""
    if score not in Rating.Score.values:
        raise DomainError("invalid_score", _("Choose one of the satisfaction levels."))
    rating: Rating | None = None

    def apply(d: Dossier, step: Step) -> DossierApplied:
        nonlocal rating
        if Rating.objects.filter(dossier=d).exists():
            raise InvalidTransition("already_rated", _("This dossier has already been rated."))
        rating = Rating.objects.create(
            dossier=d, score=score, comment=(comment or "").strip()[:2000]
        )
        return DossierApplied(data={"score": score})

    LIFECYCLE.perform(actor=actor, obj=dossier, action="rate", apply=apply)
    return rating


# --- deadline sweep -----------------------------------------------------------------------


def deadlines_sweep(*, now: dt.datetime | None = None) -> dict[str, list[str]]:
    """Mark dossiers whose clock runs and whose legal due date has passed overdue (an apology
    letter's appointment changes nothing); list those legally due within a working day, and those
    whose last moment for an apology letter (:func:`apology_deadline`) falls within the next
    working day. Returns the codes of the three groups."""
    now = now or timezone.now()
    calendar = work_calendar()
    start = calendar.next_working_instant(now)
    horizon = calendar.add_working_days(start, 1)
    lead = Decimal(str(settings.TINHSO_APOLOGY_LEAD_DAYS))
    running = Dossier.objects.filter(
        state__in=RUNNING_STATES,
        legal_due_at__isnull=False,
    )
    with transaction.atomic():
        newly = list(
            running.filter(legal_due_at__lt=now, is_overdue=False).values_list("code", flat=True)
        )
        if newly:
            running.filter(code__in=newly).update(is_overdue=True)
            audit_record(
                actor=None,
                action="dossier.sweep_overdue",
                object_type="dossiers.dossier",
                object_repr=f"{len(newly)} dossiers",
                after={"codes": newly[:1000], "count": len(newly)},
            )
    due_soon = list(
        running.filter(legal_due_at__gte=now, legal_due_at__lte=horizon).values_list(
            "code", flat=True
        )
    )
    apology_due = list(
        running.filter(
            legal_due_at__gte=calendar.add_working_days(start, lead),
            legal_due_at__lte=calendar.add_working_days(start, lead + 1),
            extension_count__lt=settings.TINHSO_MAX_EXTENSIONS,
        ).values_list("code", flat=True)
    )
    return {"overdue": newly, "due_soon": due_soon, "apology_due": apology_due}


# --- national portal delivery ----------------------------------------------------------------


def outbox_mark_delivered(*, message_ids: list[int], now: dt.datetime | None = None) -> int:
    """Record that the national portal acknowledged these outbox messages.

    The connector calls this after each successful delivery. A dossier's ``synced_version``
    becomes the highest version the portal has acknowledged, so "synced" (``synced_version ==
    version``) is one column for the operations centre's indicators. Returns how many messages
    were newly marked; marking twice is harmless.
    """
    now = now or timezone.now()
    with transaction.atomic():
        pending = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=message_ids, delivered_at__isnull=True)
            .order_by("pk")
        )
        acknowledged: dict[str, int] = {}
        for message in pending:
            if message.topic == "national_portal.status":
                code, _sep, version = message.key.rpartition(":")
                if version.isdigit():
                    acknowledged[code] = max(acknowledged.get(code, 0), int(version))
        OutboxMessage.objects.filter(pk__in=[m.pk for m in pending]).update(delivered_at=now)
        for code, version in acknowledged.items():
            Dossier.objects.filter(code=code, synced_version__lt=version).update(
                synced_version=version
            )
    return len(pending)
