"""Reads of documents and work records, every one through the access rule (``restrict``).

Lists with the officer's filters, the registers with the Appendix IV columns (Decree 30/2020),
the overdue incoming documents and the share of work records processed online per level.
Search is accent-insensitive: the words of the query (:func:`tinhso.core.text.search_terms`)
against the documents' shadow column ``search_text``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.access import VIEW, Access, as_access
from tinhso.core.errors import NotFound
from tinhso.core.models import Agency, AgencyLevel
from tinhso.core.text import search_terms

from .access import LEADER_ROLES, STAFF_ROLES, staff_agencies
from .kinds import type_name
from .models import (
    OPEN_INCOMING,
    FileList,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    RecordState,
    WorkRecord,
)


def officer_agencies(*, user: Any) -> QuerySet[Agency]:
    """The active agencies whose documents the user works with, by code."""
    agencies = Agency.objects.filter(is_active=True).order_by("code")
    scope = staff_agencies(as_access(user))
    return agencies if scope is None else agencies.filter(pk__in=sorted(scope))


def _agency_users(agency_id: int, roles: frozenset[str]) -> list[Any]:
    """The active users holding one of ``roles`` in the agency, by name."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            assignments__agency_id=agency_id,
            assignments__role__in=sorted(roles),
            assignments__is_active=True,
        )
        .distinct()
        .order_by("first_name", "username")
    )


def agency_leaders(agency_id: int) -> list[Any]:
    return _agency_users(agency_id, LEADER_ROLES)


def agency_officers(agency_id: int) -> list[Any]:
    return _agency_users(agency_id, STAFF_ROLES)


def _search(queryset: QuerySet, query: str) -> QuerySet:
    for term in search_terms(query):
        queryset = queryset.filter(search_text__contains=term)
    return queryset


@dataclass(frozen=True)
class Filters:
    """What an officer filters a list or a register by (all optional)."""

    agency_id: int | None = None
    year: int | None = None
    query: str = ""  # number and symbol, summary, sender: accent-insensitive words
    sender: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


INCOMING_TABS = ("todo", "overdue", "all")


def incoming_for_officer(*, user: Any, tab: str = "todo", filters: Filters = Filters()) -> QuerySet:
    """The incoming documents the user may read: ``todo`` the open ones (those assigned to them
    first), ``overdue`` the open ones past their deadline, ``all`` every one."""
    access = as_access(user)
    documents = IncomingDocument.objects.restrict(access, VIEW).select_related("agency")
    if tab == "todo":
        documents = documents.filter(state__in=sorted(OPEN_INCOMING))
    elif tab == "overdue":
        documents = overdue_incoming(documents)
    documents = _filtered(documents, filters, year_field="arrival_year")
    return documents.order_by("-received_at", "-pk")


def overdue_incoming(documents: QuerySet | None = None, *, today: dt.date | None = None):
    """Open incoming documents whose deadline has passed (Vietnam date)."""
    today = today or timezone.localdate()
    documents = IncomingDocument.objects.all() if documents is None else documents
    return documents.filter(state__in=sorted(OPEN_INCOMING), deadline__lt=today)


def _filtered(documents: QuerySet, f: Filters, *, year_field: str) -> QuerySet:
    """``documents`` narrowed by ``f``; the year is the register's (``year_field``)."""
    if f.agency_id:
        documents = documents.filter(agency_id=f.agency_id)
    if f.year:
        documents = documents.filter(**{year_field: f.year})
    if f.date_from:
        documents = documents.filter(doc_date__gte=f.date_from)
    if f.date_to:
        documents = documents.filter(doc_date__lte=f.date_to)
    if f.sender:
        documents = _search(documents, f.sender)
    return _search(documents, f.query)


def outgoing_for_officer(*, user: Any, tab: str = "todo", filters: Filters = Filters()):
    """``todo``: drafts, documents in review and approved ones waiting for issue; ``all``."""
    access = as_access(user)
    documents = OutgoingDocument.objects.restrict(access, VIEW).select_related("agency")
    if tab == "todo":
        documents = documents.filter(
            state__in=[
                OutgoingState.DRAFT,
                OutgoingState.IN_REVIEW,
                OutgoingState.APPROVED,
                OutgoingState.NUMBERED,
            ]
        )
    documents = _filtered(documents, filters, year_field="number_year")
    return documents.order_by("-created_at", "-pk")


def _visible(model: type, user: Any, pk: int, related: tuple[str, ...]) -> Any:
    """The row ``pk`` of ``model`` if the user may read it, else None."""
    rows = model.objects.restrict(as_access(user), VIEW).select_related(*related)
    return rows.filter(pk=pk).first()


def _document(model: type, user: Any, pk: int, related: tuple[str, ...]) -> Any:
    found = _visible(model, user, pk, related)
    if found is None:
        raise NotFound("unknown_document", _("The document was not found."))
    return found


def incoming_get(*, user: Any, pk: int) -> IncomingDocument:
    related = ("agency", "leader", "sender_agency", "recipient")
    return _document(IncomingDocument, user, pk, related)


def outgoing_get(*, user: Any, pk: int) -> OutgoingDocument:
    return _document(OutgoingDocument, user, pk, ("agency", "signer", "drafted_by", "related"))


def incoming_counts(*, user: Any) -> dict[str, int]:
    documents = IncomingDocument.objects.restrict(as_access(user), VIEW)
    return {
        "todo": documents.filter(state__in=sorted(OPEN_INCOMING)).count(),
        "overdue": overdue_incoming(documents).count(),
    }


# --- registers (Decree 30, Appendix IV) --------------------------------------------------------

# (column header as printed, key of the row dict)
INCOMING_REGISTER_COLUMNS = (
    ("Ngày đến", "received"),
    ("Số đến", "arrival_number"),
    ("Tác giả", "sender"),
    ("Số, ký hiệu", "number_symbol"),
    ("Ngày tháng văn bản", "doc_date"),
    ("Tên loại và trích yếu nội dung", "summary"),
    ("Đơn vị hoặc người nhận", "receiver"),
    ("Ký nhận", "signature"),
    ("Ghi chú", "note"),
)
OUTGOING_REGISTER_COLUMNS = (
    ("Số, ký hiệu văn bản", "number_symbol"),
    ("Ngày tháng văn bản", "doc_date"),
    ("Tên loại và trích yếu nội dung", "summary"),
    ("Người ký", "signer"),
    ("Nơi nhận văn bản", "recipients"),
    ("Đơn vị, người nhận bản lưu", "keeper"),
    ("Số lượng bản", "copies"),
    ("Ngày chuyển", "sent"),
    ("Ký nhận", "signature"),
    ("Ghi chú", "note"),
)


def _date(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return f"{value:%d/%m/%Y}"


def incoming_register(*, user: Any, agency: Agency, filters: Filters) -> list[dict[str, Any]]:
    """The lines of ``agency``'s incoming register (sổ đăng ký văn bản đến) in arrival order."""
    documents = (
        IncomingDocument.objects.restrict(as_access(user), VIEW)
        .filter(agency=agency)
        .select_related("leader")
        .prefetch_related("assignments__user")
    )
    documents = _filtered(documents, replace(filters, agency_id=None), year_field="arrival_year")
    rows = []
    for d in documents.order_by("arrival_year", "arrival_number"):
        lead = [a.user for a in d.assignments.all() if a.role == "lead"]
        receiver = lead[0] if lead else d.leader
        note = {
            IncomingState.RETURNED: "Trả lại: " + d.return_reason,
            IncomingState.REVOKED: "Đã bị thu hồi",
            IncomingState.DONE: "Đã xử lý xong",
        }.get(d.state, "")
        rows.append(
            {
                "pk": d.pk,
                "label": d.arrival_number,
                "received": _date(d.received_at),
                "arrival_number": d.arrival_number,
                "sender": d.sender_name,
                "number_symbol": d.number_symbol,
                "doc_date": _date(d.doc_date),
                "summary": f"{type_name(d.doc_type)}: {d.summary}",
                "receiver": (receiver.get_full_name() or receiver.username) if receiver else "",
                "signature": "",
                "note": note,
            }
        )
    return rows


def outgoing_register(*, user: Any, agency: Agency, filters: Filters) -> list[dict[str, Any]]:
    """The lines of ``agency``'s outgoing register (sổ đăng ký văn bản đi): every numbered
    document in number order per series, cancelled numbers included (never a silent gap)."""
    documents = (
        OutgoingDocument.objects.restrict(as_access(user), VIEW)
        .filter(agency=agency, number__isnull=False)
        .select_related("drafted_by")
        .prefetch_related("recipients")
    )
    documents = _filtered(documents, replace(filters, agency_id=None), year_field="number_year")
    rows = []
    for d in documents.order_by("number_year", "series", "number"):
        note = {
            OutgoingState.CANCELLED: "Số đã hủy: " + d.cancel_reason,
            OutgoingState.REVOKED: "Đã bị thu hồi",
            OutgoingState.NUMBERED: "Đang phát hành",
        }.get(d.state, "")
        recipients = [r.name for r in d.recipients.all()] or [
            line.strip() for line in d.recipients_text.split("\n") if line.strip()
        ]
        rows.append(
            {
                "pk": d.pk,
                "label": d.number,
                "number_symbol": d.number_symbol,
                "doc_date": _date(d.doc_date),
                "summary": f"{type_name(d.doc_type)}: {d.summary}",
                "signer": d.signer_name,
                "recipients": "; ".join(recipients),
                "keeper": d.drafted_by.get_full_name() or d.drafted_by.username,
                "copies": d.copies,
                "sent": _date(d.issued_at),
                "signature": "",
                "note": note,
            }
        )
    return rows


# --- work records ----------------------------------------------------------------------------


def records_for_officer(*, user: Any, state: str = "", query: str = "", agency_id=None):
    records = WorkRecord.objects.restrict(as_access(user), VIEW).select_related("agency")
    if state in RecordState.values:
        records = records.filter(state=state)
    if agency_id:
        records = records.filter(agency_id=agency_id)
    return _search(records, query).order_by("-year", "code")


def record_get(*, user: Any, pk: int) -> WorkRecord:
    found = _visible(WorkRecord, user, pk, ("agency", "entry"))
    if found is None:
        raise NotFound("unknown_record", _("The work record was not found."))
    return found


def file_lists(*, user: Any, year: int) -> QuerySet[FileList]:
    return (
        FileList.objects.restrict(as_access(user), VIEW)
        .filter(year=year)
        .select_related("agency")
        .prefetch_related("entries")
    )


# Levels of the share of work records processed online (Decision 2629/QĐ-TTg targets).
LEVEL_OF_AGENCY = {
    AgencyLevel.PROVINCE_COMMITTEE: "province",
    AgencyLevel.PROVINCE_DEPARTMENT: "province",
    AgencyLevel.SERVICE_CENTRE: "province",
    AgencyLevel.DISTRICT_COMMITTEE: "district",
    AgencyLevel.COMMUNE_COMMITTEE: "commune",
    AgencyLevel.ONE_STOP_DESK: "commune",
    AgencyLevel.OTHER: "province",
}


@dataclass(frozen=True)
class OnlineShare:
    level: str
    records: int
    online: int

    @property
    def rate(self) -> float | None:
        return self.online / self.records if self.records else None


def records_online_share(*, user: Any, year: int) -> list[OnlineShare]:
    """The share of work records processed online (``is_electronic``) per level, for the
    records of ``year`` the user may read."""
    access: Access = as_access(user)
    rows = (
        WorkRecord.objects.restrict(access, VIEW)
        .filter(year=year)
        .values("agency__level")
        .annotate(records=Count("pk"), online=Count("pk", filter=Q(is_electronic=True)))
    )
    totals: dict[str, list[int]] = {}
    for row in rows:
        level = LEVEL_OF_AGENCY.get(row["agency__level"], "province")
        found = totals.setdefault(level, [0, 0])
        found[0] += row["records"]
        found[1] += row["online"]
    return [
        OnlineShare(level=level, records=records, online=online)
        for level, (records, online) in sorted(totals.items())
    ]


# --- digital signatures of a document's files --------------------------------------------------


def file_signatures(files: Iterable[Any]) -> dict[int, list[Any]]:
    """The digital signatures of a document's PDF files by file id, validated now
    (``signatures.pades.validate_pdf``: integrity, the chain to the trust roots, revocation,
    changes after signing): the receiver checks a document's authenticity and integrity
    (Decree 30, Art. 21). Files without a signature are left out; nothing is stored."""
    found: dict[int, list[Any]] = {}
    for f in files:
        if f.content_type == "application/pdf":
            checks = _signatures_of(f.file, f.size)
            if checks:
                found[f.pk] = checks
    return found


def outgoing_signatures(document: OutgoingDocument) -> list[Any]:
    """The digital signatures of an outgoing document's PDF once its signer signed it (the
    signer's, then the agency's seal), validated as :func:`file_signatures` does."""
    if not document.signed_at or not document.pdf:
        return []
    return _signatures_of(document.pdf, document.pdf.size)


def _signatures_of(stored: Any, size: int) -> list[Any]:
    from django.conf import settings

    from tinhso.core.errors import DomainError
    from tinhso.signatures.pades import validate_pdf

    if size > settings.TINHSO_SIGNATURE_MAX_UPLOAD:
        return []
    with stored.open("rb") as handle:
        data = handle.read()
    try:
        return validate_pdf(data)
    except DomainError:  # not a readable PDF: shown as a file, without signatures
        return []


# --- the operations centre's counters ----------------------------------------------------------


def ioc_counts_by_agency(*, start: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    """Per agency, the counters of the operations centre's indicators for the local days
    ``start`` to ``end``: the documents that arrived (``documents_received``) and those that
    arrived electronically, from the platform or the exchange (``documents_received_electronic``);
    the work records opened (``work_records``) and those processed online
    (``work_records_online``); the documents issued and those signed digitally
    (:func:`_issued_signed`). Counts only, no document: the caller (``tinhso.ioc``) has checked
    that the user may read the province's figures."""
    from tinhso.core.periods import period_bounds

    from .models import Channel

    first, after = period_bounds(start, end)
    found: dict[int, dict[str, int]] = {}
    incoming = (
        IncomingDocument.objects.filter(received_at__gte=first, received_at__lt=after)
        .values("agency_id")
        .annotate(
            received=Count("pk"),
            electronic=Count("pk", filter=~Q(channel=Channel.PAPER)),
        )
    )
    for row in incoming:
        found.setdefault(row["agency_id"], {}).update(
            documents_received=row["received"], documents_received_electronic=row["electronic"]
        )
    records = (
        WorkRecord.objects.filter(opened_at__gte=first, opened_at__lt=after)
        .values("agency_id")
        .annotate(opened=Count("pk"), online=Count("pk", filter=Q(is_electronic=True)))
    )
    for row in records:
        found.setdefault(row["agency_id"], {}).update(
            work_records=row["opened"], work_records_online=row["online"]
        )
    for agency_id, counts in _issued_signed(first, after).items():
        found.setdefault(agency_id, {}).update(counts)
    return found


def _issued_signed(first: dt.datetime, after: dt.datetime) -> dict[int, dict[str, int]]:
    """Per agency, the outgoing documents issued in ``[first, after)`` (``documents_issued``)
    and those its signer signed digitally (``documents_issued_signed``): the operations
    centre's ``signed_document_share``."""
    rows = (
        OutgoingDocument.objects.filter(issued_at__gte=first, issued_at__lt=after)
        .values("agency_id")
        .annotate(issued=Count("pk"), signed=Count("pk", filter=Q(signed_at__isnull=False)))
        .order_by()
    )
    return {
        row["agency_id"]: {
            "documents_issued": row["issued"],
            "documents_issued_signed": row["signed"],
        }
        for row in rows
    }
