"""Field feedback operations: one function per operation, each one transaction.

Every function validates its input before writing anything, then locks the report row, checks the
transition table and the actor's right to act for the report's agency, and writes the new state,
a history row (``ReportEvent``) and the audit entry together. Errors are ``DomainError`` (400),
``PermissionDenied`` (403), ``NotFound`` (404) or ``InvalidTransition`` (409) with a message in
the user's language; nothing is written when one is raised (photo files included).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from tinhso.core.access import ACT, as_access
from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.core.models import AdministrativeUnit, Agency, UnitLevel
from tinhso.core.selectors import work_calendar

from . import access as report_access
from .boundary import province_boundary, province_code
from .models import (
    HANDLING_STATES,
    AttributeType,
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
from .photos import ProcessedPhoto, process_photos
from .routing import route, sla_for

MAX_DESCRIPTION = 4000
MIN_DESCRIPTION = 10
MAX_REOPENS = 2

# action → (states it may start from, state it leads to; None: decided by the operation)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "accept": (frozenset({State.NEW}), State.ASSIGNED),
    "reject": (frozenset({State.NEW, *HANDLING_STATES}), State.REJECTED),
    "reassign": (frozenset({State.NEW, *HANDLING_STATES}), None),
    "note": (HANDLING_STATES, State.IN_PROGRESS),
    "answer": (HANDLING_STATES, State.ANSWERED),
    "rate": (frozenset({State.ANSWERED}), None),
}
OFFICER_ACTIONS = ("accept", "reject", "reassign", "note", "answer")


def max_reports_per_day() -> int:
    return int(getattr(settings, "TINHSO_FEEDBACK_MAX_PER_DAY", 20))


# --- input checks (no database writes) ------------------------------------------------------


def parse_coordinates(latitude: Any, longitude: Any) -> tuple[Decimal, Decimal] | None:
    """Both empty: None. One missing, not a number or out of range: DomainError."""
    lat_text = str(latitude if latitude is not None else "").strip().replace(",", ".")
    lng_text = str(longitude if longitude is not None else "").strip().replace(",", ".")
    if not lat_text and not lng_text:
        return None
    if not lat_text or not lng_text:
        raise DomainError(
            "location_incomplete",
            _("Give both the latitude and the longitude, or pick the place on the map."),
            field="location",
        )
    try:
        lat, lng = Decimal(lat_text), Decimal(lng_text)
    except InvalidOperation:
        raise DomainError(
            "location_invalid",
            _("The latitude and longitude must be numbers, e.g. 17.4685 and 106.6223."),
            field="location",
        ) from None
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise DomainError(
            "location_invalid",
            _("The latitude must be between -90 and 90 and the longitude between -180 and 180."),
            field="location",
        )
    six = Decimal("0.000001")
    return lat.quantize(six), lng.quantize(six)


def check_in_province(lat: Decimal, lng: Decimal) -> None:
    boundary = province_boundary()
    if boundary is not None and not boundary.contains(lat, lng):
        raise DomainError(
            "location_outside",
            _(
                "The place (%(lat)s, %(lng)s) is outside the province: only problems inside "
                "%(province)s can be reported here."
            )
            % {"lat": lat, "lng": lng, "province": _province_name()},
            field="location",
        )


def _province_name() -> str:
    unit = AdministrativeUnit.objects.filter(
        level=UnitLevel.PROVINCE, code=province_code(), valid_to__isnull=True
    ).first()
    return unit.name if unit else _("the province")


def check_commune(commune: AdministrativeUnit | None) -> None:
    if commune is None:
        return
    if (
        commune.level != UnitLevel.COMMUNE
        or commune.valid_to is not None
        or commune.parent is None
        or commune.parent.code != province_code()
    ):
        raise DomainError(
            "commune_invalid",
            _("Choose a current commune or ward of the province."),
            field="commune",
        )


def check_category(category: Category | None) -> Category:
    if category is None or not category.is_active:
        raise DomainError("category_invalid", _("Choose a category."), field="category")
    if category.children.filter(is_active=True).exists():
        raise DomainError(
            "category_not_leaf",
            _("“%(name)s” is a group: choose one of its categories.") % {"name": category.name},
            field="category",
        )
    return category


def clean_description(text: str) -> str:
    text = (text or "").strip()
    if len(text) < MIN_DESCRIPTION:
        raise DomainError(
            "description_required",
            _("Describe the problem in a few words (at least %(n)d characters).")
            % {"n": MIN_DESCRIPTION},
            field="description",
        )
    if len(text) > MAX_DESCRIPTION:
        raise DomainError(
            "description_too_long",
            _("The description is too long (at most %(n)d characters).") % {"n": MAX_DESCRIPTION},
            field="description",
        )
    return text


def clean_attributes(category: Category, raw: dict[str, Any] | None) -> dict[str, Any]:
    """Check the answers to the category's questions (Open311 attributes) by their data type."""
    raw = raw or {}
    cleaned: dict[str, Any] = {}
    for attribute in category.attributes.all():
        value = raw.get(attribute.code)
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        values = [str(v).strip() for v in values if v is not None and str(v).strip()]
        if not values:
            if attribute.required:
                raise DomainError(
                    "attribute_required",
                    _("Please answer: %(question)s") % {"question": attribute.description},
                    field=f"attr_{attribute.code}",
                )
            continue
        cleaned[attribute.code] = _clean_attribute_value(attribute, values)
    unknown = sorted(set(raw) - {a.code for a in category.attributes.all()})
    if unknown:
        raise DomainError(
            "attribute_unknown",
            _("Unknown attribute(s) for this category: %(codes)s.") % {"codes": ", ".join(unknown)},
            field="attributes",
        )
    return cleaned


def _clean_attribute_value(attribute, values: list[str]) -> Any:
    def bad(message: str) -> DomainError:
        return DomainError(
            "attribute_invalid",
            f"{attribute.description}: {message}",
            field=f"attr_{attribute.code}",
        )

    if attribute.datatype == AttributeType.MULTI:
        keys = attribute.value_names()
        if any(v not in keys for v in values):
            raise bad(_("choose among the listed values."))
        return sorted(set(values))
    if len(values) > 1:
        raise bad(_("give one value only."))
    value = values[0]
    if attribute.datatype == AttributeType.SINGLE:
        if value not in attribute.value_names():
            raise bad(_("choose one of the listed values."))
        return value
    if attribute.datatype == AttributeType.NUMBER:
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            raise bad(_("a number is expected.")) from None
        if not number.is_finite():
            raise bad(_("a number is expected."))
        return str(number)
    if attribute.datatype == AttributeType.DATETIME:
        moment = parse_datetime(value)
        if moment is None:
            raise bad(_("a date and time is expected, e.g. 2026-01-15T08:30:00+07:00."))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.isoformat()
    limit = 255 if attribute.datatype == AttributeType.STRING else 2000
    if len(value) > limit:
        raise bad(_("at most %(n)d characters.") % {"n": limit})
    return value


def _check_contact(email: str, media_url: str) -> None:
    try:
        if email:
            EmailValidator()(email)
    except ValidationError:
        raise DomainError("email_invalid", _("The e-mail address is not valid.")) from None
    try:
        if media_url:
            URLValidator(schemes=["http", "https"])(media_url)
    except ValidationError:
        raise DomainError("media_url_invalid", _("media_url must be an http(s) address.")) from None


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
        existing = _replayed(actor, idempotency_key)
        if existing is not None:
            return existing
    category = check_category(category)
    description = clean_description(description)
    if urgency not in Urgency.values:
        raise DomainError("urgency_invalid", _("Choose normal or urgent."), field="urgency")
    cleaned_attributes = clean_attributes(category, attributes)
    address = (address or "").strip()[:255]
    check_commune(commune)
    if require_commune and commune is None:
        raise DomainError(
            "commune_required", _("Choose the commune or ward of the place."), field="commune"
        )
    reporter_email = (reporter_email or "").strip()[:254]
    media_url = (media_url or "").strip()[:500]
    _check_contact(reporter_email, media_url)
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
        with _FilesRollback() as files, transaction.atomic():
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
                reporter_name=(reporter_name or "").strip()[:200],
                reporter_email=reporter_email,
                reporter_phone=(reporter_phone or "").strip()[:30],
                source=Source.OPEN311 if api_client else Source.WEB,
                api_client=api_client,
                device_id=(device_id or "").strip()[:100],
                account_id=(account_id or "").strip()[:100],
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
                _store_photo(report, photo, index, files)
            actor_label = actor if api_client is None else f"open311:{api_client.name}"
            ReportEvent.objects.create(
                report=report,
                seq=1,
                action="submit",
                to_state=State.NEW,
                actor=actor if api_client is None else None,
                actor_name=_display_name(actor) if api_client is None else api_client.name,
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
        existing = _replayed(actor, idempotency_key) if api_client is None else None
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


def _replayed(actor: Any, key: str) -> Report | None:
    if not key:
        return None
    existing = Report.objects.filter(reporter=actor, idempotency_key=key).first()
    if existing is not None:
        existing.replayed = True
    return existing


def _store_photo(report: Report, photo: ProcessedPhoto, index: int, files: list) -> ReportPhoto:
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
    files.append((record.image.storage, record.image.name))
    record.save()
    return record


class _FilesRollback:
    """Delete the files stored by an operation whose transaction did not commit."""

    def __enter__(self) -> list:
        self.files: list = []
        return self.files

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for storage, name in self.files:
                storage.delete(name)
        return False


# --- handling -----------------------------------------------------------------------------


def can_handle(user: Any, report: Report) -> bool:
    """Whether the user may handle the report as an officer (:mod:`tinhso.feedback.access`)."""
    return report_access.reaches_as_officer(as_access(user), report, ACT)


def _display_name(user: Any) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    return (user.get_full_name() or user.get_username())[:200]


def _lock(report: Report | int) -> Report:
    pk = report.pk if isinstance(report, Report) else report
    try:
        return (
            Report.objects.select_for_update(of=("self",))
            .select_related("category", "agency", "commune")
            .get(pk=pk)
        )
    except (Report.DoesNotExist, ValueError, TypeError):
        raise NotFound("unknown_report", _("The report does not exist.")) from None


def _snapshot(report: Report) -> dict[str, Any]:
    return {
        "state": report.state,
        "agency": report.agency_id,
        "due_at": report.due_at,
        "rating": report.rating,
    }


def _perform(
    *,
    actor: Any,
    report: Report | int,
    action: str,
    apply: Callable[[Report, dt.datetime], dict[str, Any]],
    officer: bool = True,
    now: dt.datetime | None = None,
) -> Report:
    sources, target = TRANSITIONS[action]
    with transaction.atomic():
        r = _lock(report)
        if officer and not can_handle(actor, r):
            raise PermissionDenied(
                "forbidden",
                _("Report #%(id)s is handled by %(agency)s: you may not act on it.")
                % {"id": r.pk, "agency": r.agency.name},
            )
        if r.state not in sources:
            raise InvalidTransition(
                "invalid_transition",
                _("Report #%(id)s is “%(state)s”: this is not possible now.")
                % {"id": r.pk, "state": r.get_state_display()},
                state=r.state,
                action=action,
            )
        now = now or timezone.now()
        before = _snapshot(r)
        from_state, from_agency = r.state, r.agency
        if target is not None:
            r.state = target
        event = apply(r, now) or {}
        r.updated_at = now
        r.version += 1
        r.save()
        last = r.events.order_by("-seq").values_list("seq", flat=True).first() or 0
        ReportEvent.objects.create(
            report=r,
            seq=last + 1,
            action=event.pop("action", action),
            from_state=from_state,
            to_state=r.state,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_name=_display_name(actor),
            agency=from_agency if officer else None,
            to_agency=event.pop("to_agency", None),
            note=event.pop("note", ""),
            is_public=event.pop("is_public", False),
            at=now,
            data=event,
        )
        audit_record(
            actor=actor,
            action=f"feedback.{action}",
            obj=r,
            before=before,
            after=_snapshot(r),
        )
    return r


def _require_text(text: str, code: str, message: str, field: str, limit: int = 4000) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(code, message, field=field)
    if len(text) > limit:
        raise DomainError(
            "text_too_long",
            _("The text is too long (at most %(n)d characters).") % {"n": limit},
            field=field,
        )
    return text


def report_accept(
    *, actor: Any, report: Report | int, public_description: str = "", now=None
) -> Report:
    """Kiểm duyệt – chấp nhận: publish the report (optionally with personal details edited out)."""
    public_description = (public_description or "").strip()
    if public_description:
        public_description = clean_description(public_description)

    def apply(r: Report, now: dt.datetime) -> dict:
        if public_description and public_description != r.description:
            r.public_description = public_description
        r.published_at = now
        r.status_notes = _("Accepted and sent to %(agency)s for handling.") % {
            "agency": r.agency.name
        }
        return {"note": r.status_notes, "is_public": True, "edited": bool(r.public_description)}

    return _perform(actor=actor, report=report, action="accept", apply=apply, now=now)


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
    reason = _require_text(
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

    def apply(r: Report, now: dt.datetime) -> dict:
        if original is not None and original.pk == r.pk:
            raise DomainError(
                "duplicate_self",
                _("A report cannot duplicate itself."),
                field="duplicate_of",
            )
        r.rejection_kind = kind
        r.rejection_reason = reason
        r.duplicate_of = original
        r.closed_at = now
        r.status_notes = f"{RejectionKind(kind).label}: {reason}"
        return {
            "note": reason,
            "is_public": False,
            "kind": kind,
            "duplicate_of": original.pk if original else None,
        }

    return _perform(actor=actor, report=report, action="reject", apply=apply, now=now)


def report_reassign(
    *, actor: Any, report: Report | int, agency: Agency | None, reason: str, now=None
) -> Report:
    """Chuyển đơn vị xử lý: the report belongs to another agency; the due time is kept."""
    reason = _require_text(
        reason, "reason_required", _("Say why the report goes to another agency."), "reason", 2000
    )
    if agency is None or not agency.is_active:
        raise DomainError("agency_invalid", _("Choose an active agency."), field="agency")

    def apply(r: Report, now: dt.datetime) -> dict:
        if agency.pk == r.agency_id:
            raise DomainError(
                "agency_same", _("The report is already with this agency."), field="agency"
            )
        r.agency = agency
        if r.state != State.NEW:
            r.state = State.ASSIGNED
            r.status_notes = _("Transferred to %(agency)s for handling.") % {"agency": agency.name}
        return {"note": reason, "to_agency": agency, "is_public": False}

    return _perform(actor=actor, report=report, action="reassign", apply=apply, now=now)


def report_add_note(
    *, actor: Any, report: Report | int, note: str, public: bool = False, now=None
) -> Report:
    """Ghi nhận tiến độ: a progress note, internal or shown on the public page."""
    note = _require_text(note, "note_required", _("Write the progress note."), "note", 2000)

    def apply(r: Report, now: dt.datetime) -> dict:
        if public:
            r.status_notes = note
        return {"note": note, "is_public": bool(public)}

    return _perform(actor=actor, report=report, action="note", apply=apply, now=now)


def report_answer(*, actor: Any, report: Report | int, answer: str, now=None) -> Report:
    """Trả lời: the agency's public answer; on time when given by the due time."""
    answer = _require_text(
        answer, "answer_required", _("Write the answer to publish."), "answer", 4000
    )

    def apply(r: Report, now: dt.datetime) -> dict:
        if r.published_at is None:
            r.published_at = now
        r.answer = answer
        r.answered_at = now
        r.answered_by = actor if getattr(actor, "is_authenticated", False) else None
        r.answering_agency = r.agency
        r.timeliness = Timeliness.ON_TIME if now <= r.due_at else Timeliness.LATE
        r.status_notes = answer
        return {"note": answer, "is_public": True, "timeliness": r.timeliness}

    return _perform(actor=actor, report=report, action="answer", apply=apply, now=now)


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
    comment = (comment or "").strip()[:2000]
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

    def apply(r: Report, now: dt.datetime) -> dict:
        if r.reporter_id is None or r.reporter_id != getattr(actor, "pk", None):
            raise NotFound("unknown_report", _("The report does not exist."))
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
            r.due_at = sla.due_at(work_calendar(), now)
            # The answer did not solve the problem: it no longer counts as handled.
            r.answered_at = None
            r.timeliness = ""
            r.closed_at = None
            r.status_notes = _("Reopened: the reporter says the problem is not solved.")
            return {
                "action": "reopen",
                "note": comment,
                "is_public": True,
                "score": score,
                "due_at": r.due_at.isoformat(),
            }
        r.state = State.CLOSED
        r.closed_at = now
        return {"score": score, "note": comment, "is_public": False}

    return _perform(actor=actor, report=report, action="rate", apply=apply, officer=False, now=now)


# --- Open311 keys ---------------------------------------------------------------------------


def open311_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open311_client_create(*, actor: Any, name: str, contact: str = "") -> tuple[Open311Client, str]:
    """Create an Open311 API key; returns the record and the clear key (shown once)."""
    name = (name or "").strip()[:100]
    if not name:
        raise DomainError("name_required", _("Name the application that will use the key."))
    key = "o311_" + secrets.token_urlsafe(24)
    with transaction.atomic():
        client = Open311Client.objects.create(
            name=name,
            contact=(contact or "").strip()[:200],
            prefix=key[5:13],
            key_hash=open311_key_hash(key),
        )
        audit_record(
            actor=actor, action="feedback.open311_key_create", obj=client, after={"name": name}
        )
    return client, key


def open311_client_for_key(key: str) -> Open311Client | None:
    key = (key or "").strip()
    if not key:
        return None
    client = Open311Client.objects.filter(key_hash=open311_key_hash(key), is_active=True).first()
    if client is not None:
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 300:
            Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return client
