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
from tinhso.core.periods import LOCAL_TZ
from tinhso.core.text import search_terms

from .access import LEADER_ROLES, STAFF_ROLES, staff_agencies
from .kinds import type_name
from .models import (
    OPEN_INCOMING,
    Assignment,
    AssignmentRole,
    Channel,
    CopyState,
    DocumentCopy,
    FileList,
    IncomingDocument,
    IncomingEvent,
    IncomingState,
    OutgoingDocument,
    OutgoingEvent,
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


def _lifecycle_of(obj: Any) -> Any:
    from .copies import COPIES
    from .records import RECORDS
    from .services import INCOMING, OUTGOING

    lifecycles = {
        IncomingDocument: INCOMING,
        OutgoingDocument: OUTGOING,
        WorkRecord: RECORDS,
        DocumentCopy: COPIES,
    }
    return lifecycles[type(obj)]


def history(obj: IncomingDocument | OutgoingDocument | WorkRecord | DocumentCopy) -> list[Any]:
    """The events of a document, a work record or a copy in order, each with its ``label``
    (what its lifecycle calls the action, translated). ``obj`` was read through its access rule
    (``restrict``): whoever sees it sees its history, nobody else."""
    lifecycle = _lifecycle_of(obj)
    events = list(obj.events.all())
    for event in events:
        event.label = lifecycle.label(event.action)
    return events


def document_copies(*, user: Any, document: IncomingDocument | OutgoingDocument) -> list[Any]:
    """The issued copies of a document the user may see (``copy_rule``), each with its
    ``history``."""
    source = "incoming" if isinstance(document, IncomingDocument) else "outgoing"
    copies = list(
        DocumentCopy.objects.restrict(as_access(user), VIEW)
        .filter(**{source: document}, state=CopyState.ISSUED)
        .prefetch_related("events")
    )
    for copy in copies:
        copy.history = history(copy)
    return copies


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


def _receipts(recipients: Any) -> str:
    """The register's "Ký nhận" of an electronic issue: each recipient's last status message
    and its time (on the platform or through the exchange axis)."""
    return "; ".join(
        f"{r.name}: {r.get_status_display()} {timezone.localtime(r.status_at):%H:%M %d/%m/%Y}"
        for r in recipients
        if r.status and r.status_at
    )


@dataclass(frozen=True)
class AxisDelivery:
    """Where the envelope of an issued document to organs outside the platform stands."""

    state: str  # waiting, sent, held, failed
    at: dt.datetime | None = None
    reason: str = ""


def axis_delivery(document: OutgoingDocument) -> AxisDelivery | None:
    """The state of ``document``'s envelope on the exchange axis (its outbox row), if it has
    one: waiting (to send or retry), sent, held (the agency is not connected), failed for good."""
    from tinhso.dossiers.models import OutboxMessage

    from .exchange import DOCUMENT_TOPIC

    row = OutboxMessage.objects.filter(topic=DOCUMENT_TOPIC, key=f"out:{document.pk}").first()
    if row is None:
        return None
    if row.delivered_at:
        return AxisDelivery("sent", row.delivered_at)
    if row.dead_at:
        return AxisDelivery("failed", row.dead_at, row.last_error[:300])
    if row.held_reason:
        return AxisDelivery("held", row.next_attempt_at, row.held_reason)
    return AxisDelivery("waiting", row.next_attempt_at, row.last_error[:300])


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
                "signature": _receipts(d.recipients.all()),
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


Month = dt.date  # the first day of a local month
Cells = dict[Month, set[int]]  # month → agencies


def _month_condition(
    field: str, cells: Cells | None, *, dated: bool = False, agency_field: str = "agency_id"
) -> Q | None:
    """``field`` within each month of ``cells`` for that month's agencies (``None``: all)."""
    from tinhso.core.periods import period_bounds

    if cells is None:
        return Q()
    condition: Q | None = None
    for month, agencies in cells.items():
        last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        first, after = (month, last + dt.timedelta(days=1)) if dated else period_bounds(month, last)
        term = Q(**{f"{field}__gte": first, f"{field}__lt": after, f"{agency_field}__in": agencies})
        condition = term if condition is None else condition | term
    return condition


def _local_month(value: Any) -> Month:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, LOCAL_TZ) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10]).replace(day=1)
    return value.replace(day=1)


def lead_assignments_due() -> QuerySet[Assignment]:
    """The lead assignments (one per assigned incoming document) that carry a deadline, the
    documents the sender revoked left out: what "processed on time" is measured on."""
    return Assignment.objects.filter(role=AssignmentRole.LEAD, deadline__isnull=False).exclude(
        document__state=IncomingState.REVOKED
    )


def ioc_document_counts(
    *, cells: Cells | None = None, today: dt.date | None = None
) -> dict[tuple[Month, int], dict[str, int]]:
    """The operations centre's document counters per (local month, agency), for the months and
    agencies of ``cells`` (``None``: every month), read by its roll-up (``tinhso.ioc.rollup``):

    - ``documents_received`` / ``documents_received_electronic``: incoming documents that
      arrived in the month (by ``received_at``), and those that came from an agency on the
      platform or electronically (not on paper);
    - ``documents_due`` / ``documents_due_on_time``: the lead assignments
      (:func:`lead_assignments_due`) whose deadline falls in the month and is past (before
      ``today``) or that are finished, and those finished on or before their deadline (local
      day): "processed on time";
    - ``work_records`` / ``work_records_online``: work records opened in the month, and those
      processed online (``is_electronic``);
    - ``documents_issued`` / ``documents_issued_signed``: outgoing documents issued in the month
      (by ``issued_at``), and those their signer approved by signing digitally (``signed_at``).

    Counts only, no document: the caller has checked that the user may read the province's
    figures."""
    from django.db.models import F
    from django.db.models.functions import TruncDate, TruncMonth

    today = today or timezone.localdate()
    found: dict[tuple[Month, int], dict[str, int]] = {}

    def put(month: Any, agency_id: int, **values: int) -> None:
        found.setdefault((_local_month(month), agency_id), {}).update(values)

    condition = _month_condition("received_at", cells)
    if condition is not None:
        rows = (
            IncomingDocument.objects.filter(condition)
            .annotate(month=TruncMonth("received_at", tzinfo=LOCAL_TZ))
            .values("month", "agency_id")
            .annotate(
                received=Count("pk"),
                electronic=Count("pk", filter=~Q(channel=Channel.PAPER)),
            )
            .order_by()
        )
        for row in rows:
            put(
                row["month"],
                row["agency_id"],
                documents_received=row["received"],
                documents_received_electronic=row["electronic"],
            )
    condition = _month_condition("deadline", cells, dated=True, agency_field="document__agency_id")
    if condition is not None:
        rows = (
            lead_assignments_due()
            .filter(condition)
            .filter(Q(deadline__lt=today) | Q(done_at__isnull=False))
            .annotate(
                month=TruncMonth("deadline"),
                agency_id=F("document__agency_id"),
                done_day=TruncDate("done_at", tzinfo=LOCAL_TZ),
            )
            .values("month", "agency_id")
            .annotate(
                due=Count("pk"),
                on_time=Count("pk", filter=Q(done_at__isnull=False, done_day__lte=F("deadline"))),
            )
            .order_by()
        )
        for row in rows:
            put(
                row["month"],
                row["agency_id"],
                documents_due=row["due"],
                documents_due_on_time=row["on_time"],
            )
    condition = _month_condition("opened_at", cells)
    if condition is not None:
        rows = (
            WorkRecord.objects.filter(condition)
            .annotate(month=TruncMonth("opened_at", tzinfo=LOCAL_TZ))
            .values("month", "agency_id")
            .annotate(opened=Count("pk"), online=Count("pk", filter=Q(is_electronic=True)))
            .order_by()
        )
        for row in rows:
            put(
                row["month"],
                row["agency_id"],
                work_records=row["opened"],
                work_records_online=row["online"],
            )
    condition = _month_condition("issued_at", cells)
    if condition is not None:
        rows = (
            OutgoingDocument.objects.filter(condition, issued_at__isnull=False)
            .annotate(month=TruncMonth("issued_at", tzinfo=LOCAL_TZ))
            .values("month", "agency_id")
            .annotate(issued=Count("pk"), signed=Count("pk", filter=Q(signed_at__isnull=False)))
            .order_by()
        )
        for row in rows:
            put(
                row["month"],
                row["agency_id"],
                documents_issued=row["issued"],
                documents_issued_signed=row["signed"],
            )
    return found


@dataclass
class DocumentChanges:
    """What changed in the document system since the operations centre's last refresh: the new
    incoming events, work records and outgoing events (id, time) and the (month, agency) cells
    they touch."""

    events: list[tuple[int, dt.datetime]]
    records: list[tuple[int, dt.datetime]]
    cells: set[tuple[Month, int]]
    outgoing: list[tuple[int, dt.datetime]]


def ioc_document_changes(
    *,
    after_event: int,
    after_record: int,
    after_outgoing: int = 0,
    deadlines: tuple[dt.date, dt.date] | None = None,
) -> DocumentChanges:
    """The incoming events after ``after_event`` and the work records after ``after_record``,
    with the cells whose counters they may change: each touched document's arrival month and
    the months of every deadline it was ever given (its ``assign`` events), each new record's
    opening month, each issued outgoing document's issue month (from its events after
    ``after_outgoing``); and the cells of the lead assignments, not finished, whose deadline passed
    within ``deadlines`` (first, last day: they become due without an event)."""
    events = list(
        IncomingEvent.objects.filter(id__gt=after_event)
        .order_by("id")
        .values_list("id", "document_id", "at")
    )
    cells: set[tuple[Month, int]] = set()
    document_ids = list({document_id for _id, document_id, _at in events})
    for start in range(0, len(document_ids), 5000):
        chunk = document_ids[start : start + 5000]
        agency_of = {}
        for pk, agency_id, received_at in IncomingDocument.objects.filter(pk__in=chunk).values_list(
            "pk", "agency_id", "received_at"
        ):
            agency_of[pk] = agency_id
            cells.add((_local_month(received_at), agency_id))
        for document_id, data in IncomingEvent.objects.filter(
            document_id__in=chunk, action="assign"
        ).values_list("document_id", "data"):
            deadline = (data or {}).get("deadline")
            if deadline and document_id in agency_of:
                cells.add((_local_month(deadline), agency_of[document_id]))
    records = list(
        WorkRecord.objects.filter(id__gt=after_record)
        .order_by("id")
        .values_list("id", "agency_id", "opened_at")
    )
    cells |= {(_local_month(opened_at), agency_id) for _id, agency_id, opened_at in records}
    if deadlines is not None:
        first, last = deadlines
        passed = (
            lead_assignments_due()
            .filter(deadline__gte=first, deadline__lte=last, done_at__isnull=True)
            .values_list("deadline", "document__agency_id")
            .distinct()
        )
        cells |= {(_local_month(deadline), agency_id) for deadline, agency_id in passed}
    outgoing = list(
        OutgoingEvent.objects.filter(id__gt=after_outgoing)
        .order_by("id")
        .values_list("id", "document_id", "at")
    )
    outgoing_ids = list({document_id for _id, document_id, _at in outgoing})
    for start in range(0, len(outgoing_ids), 5000):
        issued = OutgoingDocument.objects.filter(
            pk__in=outgoing_ids[start : start + 5000], issued_at__isnull=False
        ).values_list("issued_at", "agency_id")
        cells |= {(_local_month(issued_at), agency_id) for issued_at, agency_id in issued}
    return DocumentChanges(
        events=[(pk, at) for pk, _d, at in events],
        records=[(pk, at) for pk, _a, at in records],
        cells=cells,
        outgoing=[(pk, at) for pk, _d, at in outgoing],
    )


def ioc_document_high_water(*, before: dt.datetime) -> tuple[int, int, int]:
    """The highest incoming-event id, work-record id and outgoing-event id written before
    ``before``: where the operations centre's refresh resumes after a full rebuild."""
    event = (
        IncomingEvent.objects.filter(at__lt=before)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    record = (
        WorkRecord.objects.filter(opened_at__lt=before)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    outgoing = (
        OutgoingEvent.objects.filter(at__lt=before)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return event or 0, record or 0, outgoing or 0
