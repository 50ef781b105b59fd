"""Field feedback operations: one function per operation, each one transaction.

The input checks they share live in :mod:`.cleaning`, the Open311 API keys in :mod:`.open311_keys`.

Every function validates its input before writing anything, then locks the report row, checks the
transition table and the actor's right to act for the report's agency, and writes the new state,
a history row (``ReportEvent``) and the audit entry together. Errors are ``DomainError`` (400),
``PermissionDenied`` (403), ``NotFound`` (404) or ``InvalidTransition`` (409) with a message in
the user's language; nothing is written when one is raised (photo files included).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.access import ACT, as_access
from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.core.lifecycle import (
    Applied,
    Lifecycle,
    Step,
    Transition,
    display_name,
    files_rollback,
    next_seq,
    remember_file,
    replayed,
    signed_in,
    transition_table,
)
from tinhso.core.models import AdministrativeUnit, Agency
from tinhso.core.selectors import work_calendar
from tinhso.notifications.services import report_answered_notify

from . import access as report_access
from .access import HANDLER_ROLES
from .boundary import province_boundary
from .cleaning import (
    check_category,
    check_commune,
    check_contact,
    check_in_province,
    clean_attributes,
    clean_description,
    clean_line,
    parse_coordinates,
    require_text,
)
from .models import (
    HANDLING_STATES,
    Category,
    LocationSource,
    Open311Client,
    RejectionKind,
    Report,
    ReportEvent,
    ReportPhoto,
    Score,
    Source,
    State,
    Timeliness,
    Urgency,
)
from .open311_keys import (  # noqa: F401  the app's operations are all reachable from here
    open311_client_create,
    open311_client_for_key,
)
from .photos import ProcessedPhoto, process_photos
from .routing import route, sla_for

MAX_REOPENS = 2

REPORTER = "reporter"  # the person who sent the report (checked by the operation itself)
_OPEN = frozenset({State.NEW, *HANDLING_STATES})

# Which action, from which states, to which state (None: decided by the operation), by whom.
TRANSITIONS = transition_table(
    Transition("accept", frozenset({State.NEW}), State.ASSIGNED, HANDLER_ROLES),
    Transition("reject", _OPEN, State.REJECTED, HANDLER_ROLES),
    Transition("reassign", _OPEN, None, HANDLER_ROLES),
    Transition("note", frozenset(HANDLING_STATES), State.IN_PROGRESS, HANDLER_ROLES),
    Transition("answer", frozenset(HANDLING_STATES), State.ANSWERED, HANDLER_ROLES),
    Transition("rate", frozenset({State.ANSWERED}), None, frozenset({REPORTER})),
)
OFFICER_ACTIONS = ("accept", "reject", "reassign", "note", "answer")


def max_reports_per_day() -> int:
    return int(getattr(settings, "TINHSO_FEEDBACK_MAX_PER_DAY", 20))


# --- submission ---------------------------------------------------------------------------


def report_submit(
    *,
    actor: Any = None,
    api_client: Open311Client | None = None,
    category: Category | None,
    description: str,
    urgency: str = Urgency.NORMAL,
    latitude: Any = None,
    longitude: Any = None,
    address: str = "",
    commune: AdministrativeUnit | None = None,
    require_commune: bool = False,
    photos: Iterable[Any] = (),
    attributes: dict[str, Any] | None = None,
    idempotency_key: str = "",
    reporter_name: str = "",
    reporter_email: str = "",
    reporter_phone: str = "",
    device_id: str = "",
    account_id: str = "",
    media_url: str = "",
    now: dt.datetime | None = None,
) -> Report:
    """Gửi phản ánh: from a signed-in person (web) or an Open311 application (``api_client``).

    The location is the point picked on the map, else the GPS position of the first photo that
    has one inside the province, else the address (with the commune). The report is routed to
    its agency at once and its due time computed from the SLA; it waits for moderation before
    it is published.
    """
    if api_client is None and not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("unauthenticated", _("Please sign in to send a report."))
    idempotency_key = (idempotency_key or "").strip()[:100]
    if api_client is None:
        existing = replayed(Report.objects.filter(reporter=actor), idempotency_key)
        if existing is not None:
            return existing
    category = check_category(category)
    description = clean_description(description)
    if urgency not in Urgency.values:
        raise DomainError("urgency_invalid", _("Choose normal or urgent."), field="urgency")
    cleaned_attributes = clean_attributes(category, attributes)
    address = clean_line(address, 255)
    check_commune(commune)
    if require_commune and commune is None:
        raise DomainError(
            "commune_required", _("Choose the commune or ward of the place."), field="commune"
        )
    reporter_email = (reporter_email or "").strip()[:254]
    media_url = (media_url or "").strip()[:500]
    check_contact(reporter_email, media_url)
    point = parse_coordinates(latitude, longitude)
    if point is not None:
        check_in_province(*point)
    if api_client is None:
        _check_daily_limit(actor, now or timezone.now())
    processed = process_photos(list(photos))
    location_source = LocationSource.MAP
    if point is None:
        point = _photo_location(processed)
        location_source = LocationSource.PHOTO
    if point is None:
        if not address and commune is None:
            raise DomainError(
                "location_required",
                _(
                    "Where is the problem? Pick the place on the map, use your current "
                    "location, or type the address."
                ),
                field="location",
            )
        if not address and require_commune:
            raise DomainError(
                "location_required",
                _("Pick the place on the map or type the address (house number, street)."),
                field="location",
            )
        location_source = LocationSource.ADDRESS
    agency, rule = route(category=category, commune=commune)
    sla = sla_for(category=category, urgency=urgency)
    now = now or timezone.now()
    due_at = sla.due_at(work_calendar(), now)
    try:
        with files_rollback(), transaction.atomic():
            report = Report.objects.create(
                category=category,
                description=description,
                urgency=urgency,
                attributes=cleaned_attributes,
                latitude=point[0] if point else None,
                longitude=point[1] if point else None,
                location_source=location_source,
                address=address,
                commune=commune,
                reporter=actor if api_client is None else None,
                reporter_name=clean_line(reporter_name, 200),
                reporter_email=reporter_email,
                reporter_phone=clean_line(reporter_phone, 30),
                source=Source.OPEN311 if api_client else Source.WEB,
                api_client=api_client,
                device_id=clean_line(device_id, 100),
                account_id=clean_line(account_id, 100),
                media_url=media_url,
                token=secrets.token_hex(10),
                idempotency_key=idempotency_key if api_client is None else "",
                agency=agency,
                state=State.NEW,
                status_notes=_("Received, waiting for moderation."),
                submitted_at=now,
                updated_at=now,
                sla_days=sla.days,
                sla_hours=sla.hours,
                due_at=due_at,
            )
            for index, photo in enumerate(processed, start=1):
                _store_photo(report, photo, index)
            actor_label = actor if api_client is None else f"open311:{api_client.name}"
            ReportEvent.objects.create(
                report=report,
                seq=1,
                action="submit",
                to_state=State.NEW,
                actor=actor if api_client is None else None,
                actor_name=display_name(actor) if api_client is None else api_client.name,
                to_agency=agency,
                at=now,
                data={
                    "source": report.source,
                    "photos": len(processed),
                    "routing_rule": rule.pk,
                    "due_at": due_at.isoformat(),
                },
            )
            audit_record(
                actor=actor_label,
                action="feedback.submit",
                obj=report,
                after={
                    "category": category.code,
                    "agency": agency.code,
                    "commune": commune.code if commune else None,
                    "urgency": urgency,
                    "due_at": due_at,
                    "photos": len(processed),
                },
            )
    except IntegrityError:
        existing = (
            replayed(Report.objects.filter(reporter=actor), idempotency_key)
            if api_client is None
            else None
        )
        if existing is None:
            raise
        return existing
    return report


def _photo_location(photos: list[ProcessedPhoto]) -> tuple[Decimal, Decimal] | None:
    boundary = province_boundary()
    for photo in photos:
        if photo.gps is None:
            continue
        if boundary is None or boundary.contains(*photo.gps):
            return photo.gps
    return None


def _check_daily_limit(actor: Any, now: dt.datetime) -> None:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    count = Report.objects.filter(reporter=actor, submitted_at__gte=start).count()
    if count >= max_reports_per_day():
        raise DomainError(
            "too_many_reports",
            _("You have sent %(n)d reports today, the daily limit. Please try again tomorrow.")
            % {"n": count},
        )


def _store_photo(report: Report, photo: ProcessedPhoto, index: int) -> ReportPhoto:
    record = ReportPhoto(
        report=report,
        original_name=photo.original_name,
        content_type=photo.content_type,
        size=photo.size,
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
        gps_latitude=photo.gps[0] if photo.gps else None,
        gps_longitude=photo.gps[1] if photo.gps else None,
        order=index,
    )
    record.image.save(f"{report.pk}-{index}.{photo.extension}", photo.content, save=False)
    remember_file(record.image.storage, record.image.name)
    record.save()
    return record


# --- handling -----------------------------------------------------------------------------


def can_handle(user: Any, report: Report) -> bool:
    """Whether the user may handle the report as an officer (:mod:`tinhso.feedback.access`)."""
    return report_access.reaches_as_officer(as_access(user), report, ACT)


@dataclass
class ReportApplied(Applied):
    """What a report operation did, for its history row (``ReportEvent``)."""

    note: str = ""
    is_public: bool = False  # shown on the report's public page
    to_agency: Agency | None = None
    event_action: str = ""  # the history's name for it, when not the action's ("reopen")


class ReportLifecycle(Lifecycle[Report, ReportApplied]):
    model = Report
    transitions = TRANSITIONS
    audit_prefix = "feedback"
    related = ("category", "agency", "commune")
    snapshot_fields = ("state", "agency_id", "due_at", "rating")
    guard_first = True
    applied_type = ReportApplied

    def not_found(self) -> NotFound:
        return NotFound("unknown_report", _("The report does not exist."))

    def guard(self, actor: Any, obj: Report, transition: Transition) -> Agency | None:
        """An officer acts for the report's agency; the reporter is checked by the operation."""
        if REPORTER in transition.actors:
            return None
        if not can_handle(actor, obj):
            raise PermissionDenied(
                "forbidden",
                _("Report #%(id)s is handled by %(agency)s: you may not act on it.")
                % {"id": obj.pk, "agency": obj.agency.name},
            )
        return obj.agency

    def refuse(self, obj: Report, transition: Transition) -> InvalidTransition:
        return InvalidTransition(
            "invalid_transition",
            _("Report #%(id)s is “%(state)s”: this is not possible now.")
            % {"id": obj.pk, "state": obj.get_state_display()},
            state=obj.state,
            action=transition.action,
        )

    def before_save(self, step: Step[Report], applied: ReportApplied) -> None:
        step.obj.updated_at = step.now
        step.obj.version += 1

    def record(self, step: Step[Report], applied: ReportApplied) -> ReportEvent:
        r = step.obj
        return ReportEvent.objects.create(
            report=r,
            seq=next_seq(r.events),
            action=applied.event_action or step.action,
            from_state=step.from_state,
            to_state=r.state,
            actor=signed_in(step.actor),
            actor_name=display_name(step.actor),
            agency=step.scope,
            to_agency=applied.to_agency,
            note=applied.note,
            is_public=applied.is_public,
            at=step.now,
            data=applied.data,
        )

    def outbox(self, step: Step[Report], applied: ReportApplied, event: ReportEvent) -> None:
        """The reporter is told the answer (committed with it)."""
        if step.action == "answer":
            report_answered_notify(step.obj, seq=event.seq)


LIFECYCLE = ReportLifecycle()


def report_accept(
    *, actor: Any, report: Report | int, public_description: str = "", now=None
) -> Report:
    """Kiểm duyệt – chấp nhận: publish the report (optionally with personal details edited out)."""
    public_description = (public_description or "").strip()
    if public_description:
        public_description = clean_description(public_description)

    def apply(r: Report, step: Step) -> ReportApplied:
        if public_description and public_description != r.description:
            r.public_description = public_description
        r.published_at = step.now
        r.status_notes = _("Accepted and sent to %(agency)s for handling.") % {
            "agency": r.agency.name
        }
        return ReportApplied(
            note=r.status_notes, is_public=True, data={"edited": bool(r.public_description)}
        )

    return LIFECYCLE.perform(actor=actor, obj=report, action="accept", apply=apply, now=now).obj


def report_reject(
    *,
    actor: Any,
    report: Report | int,
    kind: str,
    reason: str,
    duplicate_of: Report | int | None = None,
    now=None,
) -> Report:
    """Kiểm duyệt – từ chối: spam, duplicate (of another report), out of scope, insufficient."""
    if kind not in RejectionKind.values:
        raise DomainError("kind_invalid", _("Choose why the report is rejected."), field="kind")
    reason = require_text(
        reason, "reason_required", _("Explain the rejection to the reporter."), "reason", 2000
    )
    original = None
    if kind == RejectionKind.DUPLICATE:
        if duplicate_of in (None, ""):
            raise DomainError(
                "duplicate_required",
                _("Give the number of the report this one duplicates."),
                field="duplicate_of",
            )
        pk = duplicate_of.pk if isinstance(duplicate_of, Report) else duplicate_of
        original = Report.objects.filter(pk=pk).exclude(state=State.REJECTED).first()
        if original is None:
            raise DomainError(
                "duplicate_unknown",
                _("Report #%(id)s does not exist or was rejected.") % {"id": pk},
                field="duplicate_of",
            )

    def apply(r: Report, step: Step) -> ReportApplied:
        if original is not None and original.pk == r.pk:
            raise DomainError(
                "duplicate_self",
                _("A report cannot duplicate itself."),
                field="duplicate_of",
            )
        r.rejection_kind = kind
        r.rejection_reason = reason
        r.duplicate_of = original
        r.closed_at = step.now
        r.status_notes = f"{RejectionKind(kind).label}: {reason}"
        return ReportApplied(
            note=reason, data={"kind": kind, "duplicate_of": original.pk if original else None}
        )

    return LIFECYCLE.perform(actor=actor, obj=report, action="reject", apply=apply, now=now).obj


def report_reassign(
    *, actor: Any, report: Report | int, agency: Agency | None, reason: str, now=None
) -> Report:
    """Chuyển đơn vị xử lý: the report belongs to another agency; the due time is kept."""
    reason = require_text(
        reason, "reason_required", _("Say why the report goes to another agency."), "reason", 2000
    )
    if agency is None or not agency.is_active:
        raise DomainError("agency_invalid", _("Choose an active agency."), field="agency")

    def apply(r: Report, step: Step) -> ReportApplied:
        if agency.pk == r.agency_id:
            raise DomainError(
                "agency_same", _("The report is already with this agency."), field="agency"
            )
        r.agency = agency
        if r.state != State.NEW:
            r.state = State.ASSIGNED
            r.status_notes = _("Transferred to %(agency)s for handling.") % {"agency": agency.name}
        return ReportApplied(note=reason, to_agency=agency)

    return LIFECYCLE.perform(actor=actor, obj=report, action="reassign", apply=apply, now=now).obj


def report_add_note(
    *, actor: Any, report: Report | int, note: str, public: bool = False, now=None
) -> Report:
    """Ghi nhận tiến độ: a progress note, internal or shown on the public page."""
    note = require_text(note, "note_required", _("Write the progress note."), "note", 2000)

    def apply(r: Report, step: Step) -> ReportApplied:
        if public:
            r.status_notes = note
        return ReportApplied(note=note, is_public=bool(public))

    return LIFECYCLE.perform(actor=actor, obj=report, action="note", apply=apply, now=now).obj


def report_answer(*, actor: Any, report: Report | int, answer: str, now=None) -> Report:
    """Trả lời: the agency's public answer; on time when given by the due time."""
    answer = require_text(
        answer, "answer_required", _("Write the answer to publish."), "answer", 4000
    )

    def apply(r: Report, step: Step) -> ReportApplied:
        now = step.now
        if r.published_at is None:
            r.published_at = now
        r.answer = answer
        r.answered_at = now
        r.answered_by = actor if getattr(actor, "is_authenticated", False) else None
        r.answering_agency = r.agency
        r.timeliness = Timeliness.ON_TIME if now <= r.due_at else Timeliness.LATE
        r.status_notes = answer
        return ReportApplied(note=answer, is_public=True, data={"timeliness": r.timeliness})

    return LIFECYCLE.perform(actor=actor, obj=report, action="answer", apply=apply, now=now).obj


def report_rate(
    *,
    actor: Any,
    report: Report | int,
    score: int,
    comment: str = "",
    reopen: bool = False,
    now=None,
) -> Report:
    """Đánh giá: the reporter rates the answer; when not satisfied they may reopen the report.

    Reopening gives the agency a new due time (the category's SLA from now) and sends the
    report back to its inbox; it is allowed at most ``MAX_REOPENS`` times.
    """
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in Score.values:
        raise DomainError(
            "score_invalid", _("Choose one of the satisfaction levels."), field="score"
        )
    comment = clean_line(comment, 2000)
    if reopen and score != Score.DISSATISFIED:
        raise DomainError(
            "reopen_needs_dissatisfied",
            _("A report can be reopened only when you are not satisfied with the answer."),
            field="reopen",
        )
    if reopen and not comment:
        raise DomainError(
            "reopen_needs_comment",
            _("Say what is still wrong, so that the agency can act."),
            field="comment",
        )

    def apply(r: Report, step: Step) -> ReportApplied:
        if r.reporter_id is None or r.reporter_id != getattr(actor, "pk", None):
            raise NotFound("unknown_report", _("The report does not exist."))
        now = step.now
        r.rating = score
        r.rating_comment = comment
        r.rated_at = now
        if reopen:
            if r.reopen_count >= MAX_REOPENS:
                raise InvalidTransition(
                    "reopen_limit",
                    _(
                        "This report has already been reopened %(n)d times; please send a "
                        "new report if the problem remains."
                    )
                    % {"n": r.reopen_count},
                )
            sla = sla_for(category=r.category, urgency=r.urgency)
            r.state = State.REOPENED
            r.reopen_count += 1
            r.due_at = sla.due_at(step.calendar, now)
            # The answer did not solve the problem: it no longer counts as handled.
            r.answered_at = None
            r.timeliness = ""
            r.closed_at = None
            r.status_notes = _("Reopened: the reporter says the problem is not solved.")
            return ReportApplied(
                event_action="reopen",
                note=comment,
                is_public=True,
                data={"score": score, "due_at": r.due_at.isoformat()},
            )
        r.state = State.CLOSED
        r.closed_at = now
        return ReportApplied(note=comment, data={"score": score})

    return LIFECYCLE.perform(actor=actor, obj=report, action="rate", apply=apply, now=now).obj
