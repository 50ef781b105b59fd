"""Dossier API: submit, track, list, act, files, forms, statistics. Thin: services do the work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from tinhso.core.access import request_access
from tinhso.core.api_types import DbId, IsoDate, Money, Offset
from tinhso.core.auth import api_auth
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.http import download_response
from tinhso.core.models import AdministrativeUnit, UnitLevel
from tinhso.core.uploads import ALLOWED_TYPES
from tinhso.procedures.selectors import procedure_by_code

from . import selectors, services
from .actions import ACTIONS, Action, available_actions
from .book import BookEntry
from .models import Channel, Dossier, DossierFile, NationalStatus, State

router = Router(tags=["dossiers"], auth=api_auth)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


class ErrorDetail(Schema):
    code: str
    message: str
    details: dict = {}


class ErrorOut(Schema):
    error: ErrorDetail


class SubmitIn(Schema):
    procedure_code: str
    form_data: dict[str, Any]
    commune_code: str | None = None
    channel: int = Field(Channel.ONLINE, ge=1, le=3)
    applicant_name: str | None = None
    applicant_id_number: str | None = None
    delivery_method: Literal["counter", "post", "online"] | None = Field(
        None,
        description="How the applicant receives the result: one of the procedure's "
        "delivery_methods; none: the one-stop desk when offered.",
    )
    delivery_address: str | None = Field(
        None, max_length=255, description="Where the postal service takes the result (post)."
    )


class StepOut(Schema):
    order: int
    name: str
    role: str


class ReworkOut(Schema):
    by: str
    at: dt.datetime
    reason: str


class DossierOut(Schema):
    code: str
    procedure_code: str
    procedure_name: str
    status: int
    status_label: str
    state: str
    channel: int
    delivery_method: str = Field("", description="counter, post or online")
    applicant_name: str
    receiving_agency: str
    current_agency: str
    current_step: StepOut | None
    submitted_at: dt.datetime
    received_at: dt.datetime | None
    legal_due_at: dt.datetime | None = Field(
        None, description="Legal due date: judges early / on time / late and overdue."
    )
    appointment_at: dt.datetime | None = Field(
        None, description="Appointment for the result (moved by an apology letter, BM.04)."
    )
    due_at: dt.datetime | None = Field(
        None, description="Deprecated: the appointment (appointment_at), as before the split."
    )
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
    timeliness: str
    is_overdue: bool
    fee_vnd: int
    paid_vnd: int
    supplement_request_due_at: dt.datetime | None = Field(
        None, description="until when the desk may return the dossier as insufficient in time"
    )
    actions: list[str]
    returned_for_rework: ReworkOut | None = Field(
        None,
        description="For officers: a leader sent the dossier back to this step for rework "
        "(who, when, why) and it waits there still.",
    )


class EventOut(Schema):
    seq: int
    action: str
    from_state: str
    to_state: str
    actor_name: str
    agency: str | None
    at: dt.datetime
    step_due_at: dt.datetime | None
    step_result: str
    note: str


class FileOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    component: str | None


class ReceiptOut(Schema):
    """A kept issue of the BM.01 receipt (GET …/forms/bm01.pdf?version=N)."""

    version: int
    issued_at: dt.datetime
    appointment_at: dt.datetime | None
    action: str


class DossierDetailOut(DossierOut):
    form_data: dict[str, Any]
    events: list[EventOut]
    files: list[FileOut]
    receipts: list[ReceiptOut]


class TimelineItem(Schema):
    at: dt.datetime
    action: str
    status: str


class TrackOut(Schema):
    """By the code alone only the status (``detailed`` false, the rest null); with a proof
    (``id_number`` or ``token``) the details too."""

    code: str
    status: int
    status_label: str
    clock_stopped: bool
    detailed: bool
    procedure: str | None = None
    agency: str | None = None
    submitted_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    appointment_at: dt.datetime | None = Field(
        None, description="Appointment for the result (moved by an apology letter, BM.04)."
    )
    due_at: dt.datetime | None = Field(
        None, description="Deprecated: the appointment (appointment_at), as before the split."
    )
    finished_at: dt.datetime | None = None
    returned_at: dt.datetime | None = None
    timeline: list[TimelineItem] | None = None


class ActionIn(Schema):
    note: str = ""
    reason: str = ""
    to_user: str | None = None
    items: list[str] = []
    amount_vnd: Money | None = None
    reference: str = Field("", description="pay: the receipt number of the counter payment")
    extra_days: float | None = Field(None, ge=0, le=365)
    score: int | None = Field(None, ge=1, le=3)
    comment: str = ""


_LOOK_UP = object()


def dossier_out(
    d: Dossier,
    user: Any,
    lookups: services.Lookups | None = None,
    rework: Any = _LOOK_UP,
) -> dict[str, Any]:
    """The dossier as the API shows it to ``user``; ``rework`` is its ``rework`` event from
    :func:`selectors.returned_for_rework` when the caller read a page of them (else looked up)."""
    step = d.current_step
    if rework is _LOOK_UP:
        rework = None
        if d.state == State.PROCESSING and not selectors.sees_as_applicant(user, d):
            rework = selectors.returned_for_rework([d]).get(d.pk)
    return {
        "code": d.code,
        "procedure_code": d.procedure.code,
        "procedure_name": d.procedure.name,
        "status": d.status,
        "status_label": str(NationalStatus(d.status).label),
        "state": d.state,
        "channel": d.channel,
        "delivery_method": d.delivery_method,
        "applicant_name": d.applicant_name,
        "receiving_agency": d.receiving_agency.name,
        "current_agency": d.current_agency.name,
        "current_step": {"order": step.order, "name": step.name, "role": step.role}
        if step
        else None,
        "submitted_at": d.submitted_at,
        "received_at": d.received_at,
        "legal_due_at": d.legal_due_at,
        "appointment_at": d.appointment_at,
        "due_at": d.appointment_at,
        "finished_at": d.finished_at,
        "returned_at": d.returned_at,
        "timeliness": d.timeliness,
        "is_overdue": d.is_overdue,
        "fee_vnd": d.fee_vnd,
        "paid_vnd": d.paid_vnd,
        "supplement_request_due_at": d.supplement_request_due_at,
        "actions": available_actions(user=user, dossier=d, lookups=lookups),
        "returned_for_rework": {"by": rework.actor_name, "at": rework.at, "reason": rework.note}
        if rework is not None
        else None,
    }


def _file_out(f: DossierFile) -> dict[str, Any]:
    """One stored file as the API shows it (``FileOut``)."""
    return {
        "id": f.pk,
        "kind": f.kind,
        "name": f.original_name,
        "content_type": f.content_type,
        "size": f.size,
        "component": f.component.name if f.component else None,
    }


def dossier_detail(d: Dossier, user: Any) -> dict[str, Any]:
    events = d.events.select_related("actor_agency").order_by("seq")
    applicant_view = selectors.sees_as_applicant(user, d)
    files = d.files.select_related("component").order_by("uploaded_at")
    return {
        **dossier_out(d, user),
        "form_data": d.form_data,
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "actor_name": e.actor_name,
                "agency": e.actor_agency.name if e.actor_agency else None,
                "at": e.at,
                "step_due_at": e.step_due_at,
                "step_result": e.step_result,
                "note": e.note
                if not applicant_view or e.action in selectors.NOTE_FOR_APPLICANT
                else "",
            }
            for e in events
        ],
        "files": [_file_out(f) for f in files],
        "receipts": [
            {
                "version": r.number,
                "issued_at": r.issued_at,
                "appointment_at": r.appointment_at,
                "action": r.action,
            }
            for r in d.receipts.order_by("number")
        ],
    }


def _commune(code: str | None) -> AdministrativeUnit | None:
    if not code:
        return None
    unit = AdministrativeUnit.objects.current().filter(level=UnitLevel.COMMUNE, code=code).first()
    if unit is None:
        raise DomainError(
            "unknown_unit", _("Unknown administrative unit “%(code)s”.") % {"code": code}
        )
    return unit


@router.post(
    "/dossiers",
    response={201: DossierOut, 200: DossierOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def submit(request, payload: SubmitIn):
    """Submit a dossier. Send an ``Idempotency-Key`` header to make retries safe."""
    key = request.headers.get("Idempotency-Key", "")
    dossier = services.dossier_submit(
        actor=request.auth,
        procedure=procedure_by_code(payload.procedure_code),
        form_data=payload.form_data,
        channel=payload.channel,
        commune=_commune(payload.commune_code),
        applicant_name=payload.applicant_name or "",
        applicant_id_number=payload.applicant_id_number or "",
        idempotency_key=key,
        delivery_method=payload.delivery_method or "",
        delivery_address=payload.delivery_address or "",
    )
    status = 200 if getattr(dossier, "replayed", False) else 201
    return Status(status, dossier_out(dossier, request_access(request)))


@router.get("/dossiers", response=list[DossierOut])
def list_dossiers(
    request,
    box: str | None = None,
    status: int | None = Query(None, ge=1, le=10),
    limit: int = Query(50, ge=1, le=200),
    offset: Offset = 0,
):
    """Own dossiers (citizens) or an inbox (officers: box=to_receive, to_process, …)."""
    access = request_access(request)
    if box:
        qs = selectors.inbox(user=access, box=box)
        if status is not None:
            qs = qs.filter(status=status)
        dossiers = selectors.DossierPage(qs)[offset : offset + limit]
    else:
        dossiers = selectors.dossiers_newest(user=access, offset=offset, limit=limit, status=status)
    # Sent back for rework (one query for the page): for officers, never the applicant's view.
    reworks = selectors.returned_for_rework(
        [d for d in dossiers if not selectors.sees_as_applicant(access, d)]
    )
    lookups = services.Lookups(request.auth)  # the user's roles per agency, for the whole page
    return [dossier_out(d, request.auth, lookups, reworks.get(d.pk)) for d in dossiers]


@router.get("/dossiers/{code}", response={200: DossierDetailOut, 404: ErrorOut})
def get_dossier(request, code: str):
    access = request_access(request)
    return dossier_detail(selectors.dossier_get(user=access, code=code), access)


@router.get("/track/{code}", response={200: TrackOut, 404: ErrorOut, 429: ErrorOut}, auth=None)
def track(request, code: str, id_number: str = "", token: str = ""):
    """Public tracking, never personal data. The code alone: the status only. With the last 4
    digits of the applicant's ID number (``id_number``; the whole number works too) or the signed
    ``token`` of the receipt's QR code: the procedure, agency, dates and timeline. An unknown
    code and wrong digits get the same 404; 10 wrong tries per code in an hour: 429."""
    return selectors.dossier_track(code=code, id_number=id_number, token=token)


def _user(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DomainError("unknown_user", _("Unknown officer “%(name)s”.") % {"name": username})
    return user


def _values(action: Action, payload: ActionIn) -> dict[str, Any]:
    """The request body as the service's keyword arguments."""
    values: dict[str, Any] = {
        "note": payload.note,
        "reason": payload.reason,
        "items": payload.items,
        "amount_vnd": payload.amount_vnd,
        "reference": payload.reference,
        "extra_days": Decimal(str(payload.extra_days or 0)),
        "score": payload.score or 0,
        "comment": payload.comment,
    }
    if "to_user" in action.inputs:
        values["to_user"] = _user(payload.to_user)
    return values


@router.post(
    "/dossiers/{code}/actions/{action}",
    response={200: DossierOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def act(request, code: str, action: str, payload: ActionIn):
    """Take one lifecycle action; 409 when the dossier's state does not allow it."""
    dossier = selectors.dossier_get(user=request_access(request), code=code)
    handler = ACTIONS.get(action)
    if handler is None or handler.takes_files:  # files go to /files and /result
        raise NotFound("unknown_action", _("Unknown action “%(action)s”.") % {"action": action})
    result = handler.run(actor=request.auth, dossier=dossier, values=_values(handler, payload))
    if not isinstance(result, Dossier):  # a rating
        dossier.refresh_from_db()
        result = dossier
    return dossier_out(result, request.auth)


@router.post(
    "/dossiers/{code}/files",
    response={201: list[FileOut], 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def add_files(
    request,
    code: str,
    files: list[UploadedFile] = File(..., min_length=1),  # noqa: B008
    component: DbId | None = None,
    supplement: bool = False,
):
    """Upload component files (before reception) or, with supplement=true, a supplement."""
    dossier = selectors.dossier_get(user=request_access(request), code=code)
    comp = dossier.procedure.components.filter(pk=component).first() if component else None
    if component and comp is None:
        raise DomainError("unknown_component", _("The component belongs to another procedure."))
    uploads = [(comp, f) for f in files]
    if supplement:
        services.dossier_supplement(actor=request.auth, dossier=dossier, uploads=uploads)
        records = list(dossier.files.filter(kind="supplement").order_by("-uploaded_at"))[
            : len(uploads)
        ]
    else:
        records = services.dossier_add_files(actor=request.auth, dossier=dossier, uploads=uploads)
    return Status(201, [_file_out(r) for r in records])


@router.get(
    "/dossiers/{code}/files/{file_id}",
    response={404: ErrorOut},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as stored (a checked PDF or a re-encoded image)",
                "content": {content_type: {} for content_type in ALLOWED_TYPES},
            }
        }
    },
)
def download_file(request, code: str, file_id: DbId):
    """A dossier file, only to those who may see the dossier (never a public URL)."""
    dossier = selectors.dossier_get(user=request_access(request), code=code)
    record = dossier.files.filter(pk=file_id).first()
    if record is None:
        raise NotFound("unknown_file", _("File not found."))
    with record.file.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=record.content_type)
    extension = record.file.name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = (
        f'attachment; filename="{dossier.code}-{record.pk}.{extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get(
    "/dossiers/{code}/forms/{kind}.pdf",
    response={400: ErrorOut, 404: ErrorOut},
    openapi_extra={"responses": {"200": {"description": "PDF", "content": {PDF: {}}}}},
)
def form_pdf(request, code: str, kind: str, version: int | None = Query(None, ge=1, le=10**6)):
    """A form of the dossier as PDF: bm01 receipt, bm02 supplement request, bm03 refusal,
    bm04 apology, bm05 process control slip. ``version`` chooses a kept issue of the BM.01
    receipt (1: as first printed; default: the current one)."""
    from .pdf import render_form

    access = request_access(request)
    dossier = selectors.dossier_get(user=access, code=code)
    if kind not in selectors.APPLICANT_FORMS and selectors.sees_as_applicant(access, dossier):
        # BM.05 is the agencies' internal control slip.
        raise NotFound("unknown_form", _("Unknown form “%(form)s”.") % {"form": kind})
    data, filename = render_form(kind, dossier, version=version)
    return download_response(data, PDF, filename)


PERIOD_HELP = (
    "A report period of Decree 09/2019 (BC2026-10, BC2026-Q3, BC2026-6T, BC2026-9T, BC2026) or a "
    "calendar period (2026-10, 2026-Q3, 2026); default: the current report month up to today. "
    "start and end (days) replace its ends."
)


class PeriodQuery(Schema):
    """The period of a statistics table, an export or the tracking book."""

    period: str | None = Field(None, description=PERIOD_HELP)
    start: IsoDate | None = None
    end: IsoDate | None = None

    def bounds(self) -> tuple[dt.date, dt.date]:
        from tinhso.core.periods import resolve_range

        return resolve_range(self.period, self.start, self.end)[1:]


class StatsQuery(PeriodQuery):
    by: Literal["agency", "unit"] = "agency"


class StatsFileQuery(PeriodQuery):
    by: Literal["agency", "unit"] = "unit"


class BookQuery(PeriodQuery):
    agency: str = Field(description="The receiving agency's code.")


class FiguresRowOut(Schema):
    """A row of figures: an agency, an administrative unit, or the total."""

    label: str
    kind: str
    agency_code: str | None = None
    unit_code: str | None = None


class StatsOut(FiguresRowOut):
    """One row of the statistics; they balance: ``received_total`` = ``resolved_total`` +
    ``returned_or_withdrawn`` + ``stopped`` + ``in_progress_total``."""

    carried_over: int
    new_online: int
    new_counter: int
    new_post: int
    received_total: int
    resolved_total: int
    resolved_early: int
    resolved_on_time: int
    resolved_late: int
    returned_or_withdrawn: int
    withdrawn: int
    stopped: int
    in_progress_total: int
    in_progress_not_due: int
    in_progress_overdue: int
    waiting_supplement: int
    refused: int
    returned: int
    late_supplement_requests: int
    on_time_rate: float | None
    satisfaction_rate: float | None


class ReceptionOut(FiguresRowOut):
    new_online: int
    new_counter: int
    new_post: int
    new_total: int
    refused: int
    returned: int


def _stats_rows(user: Any, start: dt.date, end: dt.date, by: str):
    """The rows per deciding agency, or per unit with the province total."""
    from .statistics import agency_period_stats, stats_by_unit

    if by == "unit":
        return stats_by_unit(user=user, start=start, end=end)
    return agency_period_stats(user=user, agencies=None, start=start, end=end)


def _reception_rows(user: Any, start: dt.date, end: dt.date, by: str):
    """The desks' reception rows per receiving agency, or per unit with the province total."""
    from .statistics import reception_by_unit, reception_stats

    if by == "unit":
        return reception_by_unit(user=user, start=start, end=end)
    return reception_stats(user=user, start=start, end=end)


@router.get(
    "/statistics",
    response={200: list[StatsOut], 400: ErrorOut, 403: ErrorOut},
)
def statistics(request, query: Query[StatsQuery]):
    """Dossier statistics per deciding agency (or per commune with the province total)."""
    start, end = query.bounds()
    return [row.as_dict() for row in _stats_rows(request_access(request), start, end, query.by)]


@router.get(
    "/statistics/reception",
    response={200: list[ReceptionOut], 400: ErrorOut, 403: ErrorOut},
)
def statistics_reception(request, query: Query[StatsQuery]):
    """The one-stop desks' reception workload per receiving agency (or per commune)."""
    start, end = query.bounds()
    rows = _reception_rows(request_access(request), start, end, query.by)
    return [row.as_dict() for row in rows]


@router.get(
    "/statistics.xlsx",
    response={403: ErrorOut, 400: ErrorOut},
    openapi_extra={"responses": {"200": {"description": "XLSX workbook", "content": {XLSX: {}}}}},
)
def statistics_xlsx(request, query: Query[StatsFileQuery]):
    """The same table as an XLSX file, the desks' reception on a second sheet."""
    from .statistics import stats_to_xlsx

    start, end = query.bounds()
    user = request_access(request)
    rows = _stats_rows(user, start, end, query.by)
    reception = _reception_rows(user, start, end, query.by)
    workbook = stats_to_xlsx(rows, start=start, end=end, reception=reception)
    return download_response(workbook, XLSX, f"thong-ke-{start}-{end}.xlsx")


def _book(request, query: BookQuery):
    from .book import book_agency, tracking_book

    user = request_access(request)
    agency = book_agency(user, query.agency)
    start, end = query.bounds()
    return agency, start, end, tracking_book(user=user, agency=agency, start=start, end=end)


@router.get(
    "/tracking-book",
    response={200: list[BookEntry], 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def tracking_book(request, query: Query[BookQuery]):
    """The tracking book (BM.06) of a receiving agency (its code) for a period."""
    return _book(request, query)[3]


@router.get(
    "/tracking-book.{fmt}",
    response={400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    openapi_extra={
        "responses": {
            "200": {"description": "XLSX workbook or PDF", "content": {XLSX: {}, PDF: {}}}
        }
    },
)
def tracking_book_file(request, fmt: Literal["xlsx", "pdf"], query: Query[BookQuery]):
    """The tracking book as an XLSX file or a PDF."""
    from .book import book_to_xlsx
    from .pdf import render_tracking_book

    agency, start, end, entries = _book(request, query)
    render, content_type = (book_to_xlsx, XLSX) if fmt == "xlsx" else (render_tracking_book, PDF)
    content = render(entries, agency=agency, start=start, end=end)
    return download_response(
        content, content_type, f"so-theo-doi-{agency.code}-{start}-{end}.{fmt}"
    )
