"""Documents API (QLVB&ĐH): the incoming and outgoing documents of the caller's agencies, one
document with its history and status messages, the registers as XLSX. Read-only and thin: every
read goes through ``selectors`` and the access rule (``Model.objects.restrict(user, action)``);
the officers' pages and these routes show the same rows."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from tinhso.core.access import request_access
from tinhso.core.api_types import DbId, IsoDate, Offset
from tinhso.core.auth import api_auth
from tinhso.core.errors import DomainError, NotFound, PermissionDenied
from tinhso.core.http import download_response
from tinhso.dossiers.api import XLSX, ErrorOut

from . import registers, selectors
from .models import IncomingDocument, OutgoingDocument

router = Router(tags=["documents"], auth=api_auth)


# --- input -------------------------------------------------------------------------------------


class DocumentQuery(Schema):
    """What a list or a register is searched by (all optional)."""

    agency: str | None = Field(
        None, max_length=40, description="The agency's code (default: every agency of the caller)."
    )
    q: str = Field(
        "",
        max_length=200,
        description="Number and symbol, summary or sender: words, accents ignored.",
    )
    sender: str = Field("", max_length=200, description="Sender (incoming) or recipients.")
    date_from: IsoDate | None = Field(None, description="Document date from (YYYY-MM-DD).")
    date_to: IsoDate | None = Field(None, description="Document date to (YYYY-MM-DD).")
    year: int | None = Field(None, ge=2000, le=2100, description="The register's year.")


class ListQuery(DocumentQuery):
    limit: int = Field(50, ge=1, le=200)
    offset: Offset = 0


# --- output ------------------------------------------------------------------------------------


class EventOut(Schema):
    seq: int
    action: str
    label: str
    actor: str
    at: dt.datetime
    note: str


class StatusOut(Schema):
    code: str
    label: str
    at: dt.datetime
    note: str


class DocumentOut(Schema):
    id: int
    agency_code: str
    agency_name: str
    doc_type: str
    type_name: str
    summary: str
    number_symbol: str
    doc_date: dt.date | None
    urgency: str
    secrecy: str
    state: str
    state_label: str
    document_id: str


class IncomingOut(DocumentOut):
    arrival_year: int
    arrival_number: int
    received_at: dt.datetime
    channel: str
    sender_name: str
    sender_code: str
    deadline: dt.date | None
    done_at: dt.datetime | None


class AssignmentOut(Schema):
    officer: str
    role: str
    deadline: dt.date | None
    done_at: dt.datetime | None


class IncomingDetailOut(IncomingOut):
    direction: str
    leader: str
    acknowledged_at: dt.datetime | None
    return_reason: str
    assignments: list[AssignmentOut]
    events: list[EventOut]


class OutgoingOut(DocumentOut):
    number_year: int | None
    number: int | None
    issued_at: dt.datetime | None
    signer_position: str
    signer_name: str
    business_type: int
    related_id: int | None


class RecipientOut(Schema):
    name: str
    code: str
    agency_code: str | None
    sent_at: dt.datetime | None
    status: str
    status_at: dt.datetime | None
    statuses: list[StatusOut]


class OutgoingDetailOut(OutgoingOut):
    recipients_text: str
    cancel_reason: str
    recipients: list[RecipientOut]
    events: list[EventOut]


# --- helpers -----------------------------------------------------------------------------------


def _officer(request) -> Any:
    access = request_access(request)
    if not access.is_officer:
        raise PermissionDenied("forbidden", _("Only officers of an agency may read its documents."))
    return access


def _filters(access: Any, query: DocumentQuery) -> tuple[selectors.Filters, Any]:
    """The selectors' filters and the chosen agency (one of the caller's, or None)."""
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise DomainError("invalid_period", _("The start of the period must not be after its end."))
    agency = None
    if query.agency:
        agency = selectors.officer_agencies(user=access).filter(code=query.agency).first()
        if agency is None:
            raise NotFound("unknown_agency", _("No such agency among yours."))
    filters = selectors.Filters(
        agency_id=agency.pk if agency else None,
        year=query.year,
        query=query.q,
        sender=query.sender,
        date_from=query.date_from,
        date_to=query.date_to,
    )
    return filters, agency


def _document(doc: IncomingDocument | OutgoingDocument) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "agency_code": doc.agency.code,
        "agency_name": doc.agency.name,
        "doc_type": doc.doc_type,
        "type_name": doc.type_name,
        "summary": doc.summary,
        "number_symbol": doc.number_symbol,
        "doc_date": doc.doc_date,
        "urgency": doc.urgency,
        "secrecy": doc.secrecy,
        "state": doc.state,
        "state_label": doc.get_state_display(),
        "document_id": doc.document_id,
    }


def _incoming(doc: IncomingDocument) -> dict[str, Any]:
    return {
        **_document(doc),
        "arrival_year": doc.arrival_year,
        "arrival_number": doc.arrival_number,
        "received_at": doc.received_at,
        "channel": doc.channel,
        "sender_name": doc.sender_name,
        "sender_code": doc.sender_code,
        "deadline": doc.deadline,
        "done_at": doc.done_at,
    }


def _outgoing(doc: OutgoingDocument) -> dict[str, Any]:
    return {
        **_document(doc),
        "number_year": doc.number_year,
        "number": doc.number,
        "issued_at": doc.issued_at,
        "signer_position": doc.signer_position,
        "signer_name": doc.signer_name,
        "business_type": doc.business_type,
        "related_id": doc.related_id,
    }


def _events(doc: IncomingDocument | OutgoingDocument) -> list[dict[str, Any]]:
    return [
        {
            "seq": e.seq,
            "action": e.action,
            "label": e.label,
            "actor": e.actor_name,
            "at": e.at,
            "note": e.note,
        }
        for e in selectors.history(doc)
    ]


def _name(user: Any) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


# --- routes ------------------------------------------------------------------------------------

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@router.get("/documents/incoming", response={200: list[IncomingOut], **ERRORS})
def incoming_list(request, query: Query[ListQuery]):
    """The incoming documents of the caller's agencies, newest arrival first, searched."""
    access = _officer(request)
    filters, _agency = _filters(access, query)
    rows = selectors.incoming_for_officer(user=access, tab="all", filters=filters)
    return [_incoming(d) for d in rows[query.offset : query.offset + query.limit]]


@router.get("/documents/incoming/{pk}", response={200: IncomingDetailOut, **ERRORS})
def incoming_detail(request, pk: DbId):
    """One incoming document with its assignments and its history (the status it went through)."""
    access = _officer(request)
    doc = selectors.incoming_get(user=access, pk=pk)
    assignments = doc.assignments.select_related("user")
    return {
        **_incoming(doc),
        "direction": doc.direction,
        "leader": _name(doc.leader),
        "acknowledged_at": doc.acknowledged_at,
        "return_reason": doc.return_reason,
        "assignments": [
            {
                "officer": _name(a.user),
                "role": a.role,
                "deadline": a.deadline,
                "done_at": a.done_at,
            }
            for a in assignments
        ],
        "events": _events(doc),
    }


@router.get("/documents/outgoing", response={200: list[OutgoingOut], **ERRORS})
def outgoing_list(request, query: Query[ListQuery]):
    """The outgoing documents of the caller's agencies, newest first, searched."""
    access = _officer(request)
    filters, _agency = _filters(access, query)
    rows = selectors.outgoing_for_officer(user=access, tab="all", filters=filters)
    return [_outgoing(d) for d in rows[query.offset : query.offset + query.limit]]


@router.get("/documents/outgoing/{pk}", response={200: OutgoingDetailOut, **ERRORS})
def outgoing_detail(request, pk: DbId):
    """One outgoing document with its history and each recipient's status messages."""
    access = _officer(request)
    doc = selectors.outgoing_get(user=access, pk=pk)
    recipients = doc.recipients.select_related("agency").prefetch_related("statuses")
    return {
        **_outgoing(doc),
        "recipients_text": doc.recipients_text,
        "cancel_reason": doc.cancel_reason,
        "recipients": [
            {
                "name": r.name,
                "code": r.code,
                "agency_code": r.agency.code if r.agency else None,
                "sent_at": r.sent_at,
                "status": r.status,
                "status_at": r.status_at,
                "statuses": [
                    {"code": s.code, "label": s.get_code_display(), "at": s.at, "note": s.note}
                    for s in r.statuses.all()
                ],
            }
            for r in recipients
        ],
        "events": _events(doc),
    }


@router.get(
    "/documents/registers/{kind}.xlsx",
    response=ERRORS,
    openapi_extra={"responses": {"200": {"description": "XLSX workbook", "content": {XLSX: {}}}}},
)
def register_xlsx(request, kind: Literal["den", "di"], query: Query[DocumentQuery]):
    """The incoming (``den``) or outgoing (``di``) register of one of the caller's agencies
    (default: the first by code) with the Appendix IV columns, as XLSX."""
    access = _officer(request)
    filters, agency = _filters(access, query)
    if agency is None:
        agency = selectors.officer_agencies(user=access).first()
        if agency is None:
            raise NotFound("unknown_agency", _("No such agency among yours."))
        filters = selectors.Filters(**{**filters.__dict__, "agency_id": agency.pk})
    rows = registers.rows(kind, user=access, agency=agency, filters=filters)
    title = registers.title(kind, agency, filters.year)
    name = f"so-van-ban-{kind}-{agency.code}-{filters.year or 'tat-ca'}.xlsx"
    return download_response(registers.to_xlsx(kind, rows, title=title), XLSX, name)
