"""A year of demo documents: outgoing documents of every active agency of the province, their
copies in the incoming registers of the agencies on the platform, letters from ministries, and
work records (``settings.TINHSO_DEMO_DOCUMENTS``, about 5,000 documents, in bulk inserts).

The numbers come from the one allocator (:func:`tinhso.core.numbering.take_series_number`), the
series keys and symbols from the domain's own rules (:func:`services.series_key`,
:func:`services.number_symbol`), so a document issued through the pages afterwards continues each
series. Idempotent: nothing is written when the province's agencies already have documents.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tinhso.core.lifecycle import display_name
from tinhso.core.models import Agency, AgencyLevel, Role
from tinhso.core.numbering import take_series_number
from tinhso.documents import services
from tinhso.documents.models import (
    Assignment,
    AssignmentRole,
    Channel,
    IncomingDocument,
    IncomingEvent,
    IncomingState,
    OutgoingDocument,
    OutgoingEvent,
    OutgoingState,
    Recipient,
    RecordEvent,
    RecordItem,
    RecordState,
    StatusCode,
    Urgency,
    WorkRecord,
    document_id,
    search_text_of,
)

SUBJECTS = (
    "triển khai thực hiện Kế hoạch chuyển đổi số năm {year}",
    "báo cáo kết quả giải quyết thủ tục hành chính quý {quarter}",
    "rà soát, đơn giản hóa thủ tục hành chính lĩnh vực {sector}",
    "tăng cường công tác phòng, chống thiên tai mùa mưa bão",
    "góp ý dự thảo Quyết định ban hành quy chế phối hợp",
    "tổ chức hội nghị sơ kết công tác cải cách hành chính",
    "đôn đốc thực hiện dịch vụ công trực tuyến toàn trình",
    "cung cấp số liệu phục vụ xây dựng báo cáo kinh tế - xã hội",
    "kiểm tra công tác văn thư, lưu trữ năm {year}",
    "hướng dẫn số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "triển khai Đề án 06 về dữ liệu dân cư, định danh điện tử",
    "phân bổ kinh phí thực hiện nhiệm vụ {sector}",
)
SECTORS = ("hộ tịch", "đất đai", "xây dựng", "y tế", "giáo dục", "tài chính", "nội vụ")
TYPES = (("CV", 60), ("QD", 12), ("TB", 8), ("BC", 8), ("KH", 5), ("GM", 5), ("TTR", 2))
MINISTRIES = (
    ("Bộ Nội vụ", "G12"),
    ("Bộ Tư pháp", "G09"),
    ("Bộ Tài chính", "G10"),
    ("Văn phòng Chính phủ", "G01"),
    ("Bộ Khoa học và Công nghệ", "G17"),
)
SEED = 21
ASSIGNED_AFTER = dt.timedelta(hours=3)  # a leader assigns an incoming document that long after
LEADER_NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung", "Võ Minh Đức")


class DocumentsReport(NamedTuple):
    outgoing: int
    incoming: int
    records: int


def _demo_size() -> int:
    return int(getattr(settings, "TINHSO_DEMO_DOCUMENTS", 5000))


def _officers(agency_ids: list[int]) -> dict[int, dict[str, list]]:
    found: dict[int, dict[str, list]] = {}
    users = get_user_model().objects.filter(
        assignments__agency_id__in=agency_ids, assignments__is_active=True
    )
    for user in users.values_list("pk", "assignments__agency_id", "assignments__role"):
        pk, agency_id, role = user
        found.setdefault(agency_id, {}).setdefault(role, []).append(pk)
    return found


def load_demo_documents(
    province_code: str, *, count: int | None = None, today: dt.datetime | None = None
) -> DocumentsReport:
    """About ``count`` documents (outgoing and incoming together) of the last 365 days."""
    count = _demo_size() if count is None else count
    agencies = list(
        Agency.objects.filter(is_active=True, code__contains=f"H{province_code}")
        .exclude(level=AgencyLevel.DISTRICT_COMMITTEE)
        .select_related("unit")
        .order_by("code")
    )
    if count <= 0 or not agencies:
        return DocumentsReport(0, 0, 0)
    if OutgoingDocument.objects.filter(agency__in=agencies).exists():
        return DocumentsReport(0, 0, 0)
    rng = random.Random(SEED)  # noqa: S311 (demo data)
    today = today or timezone.now()
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return DocumentsReport(0, 0, 0)
    people = _officers([a.pk for a in agencies])
    settings_by_agency = {a.pk: services.register_settings(a) for a in agencies}
    # Outgoing documents: about 60% of the total; two thirds of them also go to agencies on the
    # platform (the incoming copies make up most of the rest), plus letters from ministries.
    n_outgoing = int(count * 0.55)
    weights = [
        6 if a.level in (AgencyLevel.PROVINCE_COMMITTEE, AgencyLevel.PROVINCE_DEPARTMENT) else 1
        for a in agencies
    ]
    plan = sorted(
        (
            today - dt.timedelta(days=rng.uniform(0, 365)),
            rng.choices(range(len(agencies)), weights)[0],
        )
        for _ in range(n_outgoing)
    )
    types = [t for t, _w in TYPES]
    type_weights = [w for _t, w in TYPES]
    with transaction.atomic():
        outgoing: list[OutgoingDocument] = []
        for at, index in plan:
            agency = agencies[index]
            staff = people.get(agency.pk, {})
            drafter = (staff.get(Role.SPECIALIST) or staff.get(Role.DESK_OFFICER) or [admin.pk])[0]
            signer = (staff.get(Role.LEADER) or [admin.pk])[0]
            doc_type = rng.choices(types, type_weights)[0]
            local = timezone.localtime(at)
            # Signed digitally by its signer (and sealed by the clerk) at a rate rising over the
            # year towards the plan's 100%: about 80% a year ago, 98% this month; the others were
            # approved on paper. Today's documents are signed through the demo's signing agent
            # (tinhso/demo/signing.py).
            signed = rng.random() < 0.98 - 0.18 * (today - at).days / 365
            doc = OutgoingDocument(
                agency=agency,
                doc_type=doc_type,
                is_normative=doc_type == "QD" and rng.random() < 0.1,
                drafting_unit="VP" if doc_type == "CV" else "",
                urgency=Urgency.URGENT if rng.random() < 0.08 else Urgency.NORMAL,
                summary=_subject(rng, local),
                body="Nội dung văn bản mẫu của dữ liệu trình diễn.",
                recipients_text="Như trên\nLưu: VT",
                signer_id=signer,
                signer_position="GIÁM ĐỐC"
                if agency.level != AgencyLevel.COMMUNE_COMMITTEE
                else "CHỦ TỊCH",
                signer_name=rng.choice(LEADER_NAMES),
                state=OutgoingState.ISSUED,
                drafted_by_id=drafter,
                created_at=at - dt.timedelta(days=rng.randint(1, 5)),
                approved_at=at - dt.timedelta(hours=2),
                signed_at=at - dt.timedelta(hours=2) if signed else None,
                sealed_at=at if signed else None,
                doc_date=local.date(),
                number_year=local.year,
                issued_at=at,
                copies=rng.randint(1, 5),
            )
            doc.series = services.series_key(doc, settings_by_agency[agency.pk])
            doc.number = take_series_number(agency, doc.series, doc.number_year)
            doc.number_symbol = services.number_symbol(
                doc, doc.number, doc.number_year, settings_by_agency[agency.pk].symbol
            )
            doc.document_id = document_id(agency.code, doc.doc_date, doc.number_symbol)
            doc.search_text = search_text_of(
                doc.number_symbol, doc.summary, doc.type_name, doc.recipients_text
            )
            outgoing.append(doc)
        OutgoingDocument.objects.bulk_create(outgoing, batch_size=500)

        recipients, incoming = [], []
        for doc in outgoing:
            if rng.random() < 0.66:
                target = rng.choice(agencies)
                if target.pk != doc.agency_id:
                    recipients.append(
                        Recipient(
                            document=doc,
                            agency=target,
                            name=target.name,
                            code=target.code,
                            sent_at=doc.issued_at,
                        )
                    )
        Recipient.objects.bulk_create(recipients, batch_size=500)
        arrivals = [
            (r.sent_at + dt.timedelta(minutes=rng.randint(1, 90)), r, r.document)
            for r in recipients
        ]
        n_external = max(0, count - len(outgoing) - len(arrivals))
        for _ in range(n_external):
            at = today - dt.timedelta(days=rng.uniform(0, 365))
            arrivals.append((at, None, None))
        arrivals.sort(key=lambda item: item[0])
        for at, recipient, doc in arrivals:
            agency = recipient.agency if recipient else rng.choice(agencies)
            local = timezone.localtime(at)
            if doc is not None:
                fields = {
                    "sender_agency_id": doc.agency_id,
                    "sender_name": doc.agency.name,
                    "sender_code": doc.agency.code,
                    "number_symbol": doc.number_symbol,
                    "doc_date": doc.doc_date,
                    "doc_type": doc.doc_type,
                    "summary": doc.summary,
                    "urgency": doc.urgency,
                    "document_id": doc.document_id,
                    "channel": Channel.PLATFORM,
                    "recipient": recipient,
                }
            else:
                name, code = rng.choice(MINISTRIES)
                number = f"{rng.randint(10, 4000)}/{code[:3]}-VP"
                doc_date = local.date() - dt.timedelta(days=rng.randint(1, 6))
                fields = {
                    "sender_name": name,
                    "sender_code": code,
                    "number_symbol": number,
                    "doc_date": doc_date,
                    "doc_type": rng.choices(types, type_weights)[0],
                    "summary": _subject(rng, local),
                    "document_id": document_id(code, doc_date, number),
                    "channel": rng.choice([Channel.PAPER, Channel.ELECTRONIC]),
                }
            age = (today - at).days
            deadline = local.date() + dt.timedelta(days=rng.choice([5, 7, 10, 15]))
            state = IncomingState.DONE if age > 20 or rng.random() < 0.5 else IncomingState.ASSIGNED
            if state == IncomingState.ASSIGNED and rng.random() < 0.2:
                state = IncomingState.REGISTERED
            row = IncomingDocument(
                agency=agency,
                arrival_year=local.year,
                arrival_number=take_series_number(agency, services.INCOMING_SERIES, local.year),
                received_at=at,
                acknowledged_at=at,
                pages=rng.randint(1, 12),
                state=state,
                deadline=deadline if state != IncomingState.REGISTERED else None,
                done_at=at + dt.timedelta(days=rng.randint(1, 12))
                if state == IncomingState.DONE
                else None,
                **fields,
            )
            row.search_text = search_text_of(
                row.number_symbol, row.summary, row.sender_name, row.type_name
            )
            incoming.append(row)
        IncomingDocument.objects.bulk_create(incoming, batch_size=500)
        _assignments(rng, incoming, people)
        _statuses(recipients)
        records, items = _records(rng, agencies, people, admin, outgoing, incoming, today)
        _History(people, admin).write(outgoing, recipients, incoming, records, items)
    return DocumentsReport(len(outgoing), len(incoming), len(records))


def _subject(rng: random.Random, local: dt.datetime) -> str:
    text = rng.choice(SUBJECTS).format(
        year=local.year, quarter=(local.month - 1) // 3 + 1, sector=rng.choice(SECTORS)
    )
    return f"Về việc {text}"


def _assignments(rng, incoming, people) -> None:
    rows = []
    for doc in incoming:
        if doc.state not in (IncomingState.ASSIGNED, IncomingState.DONE):
            continue
        staff = people.get(doc.agency_id, {})
        lead = (staff.get(Role.SPECIALIST) or staff.get(Role.DESK_OFFICER) or [None])[0]
        if lead is None:
            continue
        doc.demo_lead = lead  # the history's assignment and completion (_History.incoming)
        rows.append(
            Assignment(
                document=doc,
                user_id=lead,
                role=AssignmentRole.LEAD,
                deadline=doc.deadline,
                assigned_at=doc.received_at + ASSIGNED_AFTER,
                done_at=doc.done_at,
            )
        )
    Assignment.objects.bulk_create(rows, batch_size=500)


def _statuses(recipients) -> None:
    """The last status each platform copy reported back (arrived, assigned or done)."""
    by_recipient = {
        d.recipient_id: d
        for d in IncomingDocument.objects.filter(recipient__in=recipients).only(
            "recipient_id", "state", "received_at", "done_at"
        )
    }
    for r in recipients:
        doc = by_recipient.get(r.pk)
        if doc is None:
            continue
        r.status = {
            IncomingState.DONE: StatusCode.DONE,
            IncomingState.ASSIGNED: StatusCode.ASSIGNED,
        }.get(doc.state, StatusCode.ARRIVED)
        r.status_at = doc.done_at or doc.received_at
    Recipient.objects.bulk_update(recipients, ["status", "status_at"], batch_size=500)


def _records(rng, agencies, people, admin, outgoing, incoming, today) -> tuple[list, list]:
    """Work records of this year: a few per agency, most processed online, some closed. Each
    holds up to three documents of its agency that existed before it closed, attached while it
    was open."""
    year = timezone.localtime(today).year
    rows, items = [], []
    by_agency: dict[int, list] = {}
    for doc in [*outgoing, *incoming]:
        by_agency.setdefault(doc.agency_id, []).append(doc)
    for agency in agencies:
        online_share = 0.9 if agency.level != AgencyLevel.COMMUNE_COMMITTEE else 0.6
        staff = people.get(agency.pk, {})
        opener = (staff.get(Role.SPECIALIST) or staff.get(Role.DESK_OFFICER) or [admin.pk])[0]
        for i in range(rng.randint(2, 6)):
            closed = rng.random() < 0.5
            rows.append(
                WorkRecord(
                    agency=agency,
                    year=year,
                    code=f"{i + 1:02d}.01",
                    title=f"Hồ sơ {rng.choice(SECTORS)} năm {year}",
                    retention_years=rng.choice([5, 10, 20, 0]),
                    is_electronic=rng.random() < online_share,
                    state=RecordState.CLOSED if closed else RecordState.OPEN,
                    opened_by_id=opener,
                    opened_at=today - dt.timedelta(days=rng.randint(30, 300)),
                    closed_at=today - dt.timedelta(days=rng.randint(1, 29)) if closed else None,
                    search_text=f"{i + 1:02d}.01",
                )
            )
    WorkRecord.objects.bulk_create(rows, batch_size=500)
    for record in rows:
        end = record.closed_at or today
        pool = [
            d
            for d in by_agency.get(record.agency_id, [])
            if d.pk and _moment(d) <= end - dt.timedelta(hours=2)
        ]
        for doc in rng.sample(pool, min(len(pool), 3)):
            kind = "incoming" if isinstance(doc, IncomingDocument) else "outgoing"
            start = max(record.opened_at, _moment(doc))
            added_at = start + min(dt.timedelta(hours=rng.uniform(0.2, 48)), (end - start) / 2)
            items.append(RecordItem(record=record, added_at=added_at, **{kind: doc}))
    RecordItem.objects.bulk_create(items, batch_size=500)
    return rows, items


def _moment(doc: IncomingDocument | OutgoingDocument) -> dt.datetime:
    """When a demo document came into being at its agency: issued, or received."""
    return doc.received_at if isinstance(doc, IncomingDocument) else doc.issued_at


class _History:
    """The history rows each demo document and work record's state implies, with the fields the
    lifecycle writes for each step (:meth:`HistoryLifecycle.record
    <tinhso.documents.services.HistoryLifecycle.record>` and the registration, draft and opening
    rows the services write themselves): numbered 1..n per parent, in time order, by the agency's
    demo officers. Its own random stream (from the loader's seed), so the documents are the same
    with or without it."""

    def __init__(self, people: dict[int, dict[str, list]], admin) -> None:
        self.people = people
        self.admin = admin
        self.rng = random.Random(f"{SEED}-history")  # noqa: S311 (demo data)
        ids = {admin.pk} | {pk for roles in people.values() for pks in roles.values() for pk in pks}
        self.names = {
            user.pk: display_name(user) for user in get_user_model().objects.filter(pk__in=ids)
        }

    def _pick(self, agency_id: int, *roles: str) -> int:
        staff = self.people.get(agency_id, {})
        for role in roles:
            if staff.get(role):
                return staff[role][0]
        return self.admin.pk

    def _clerk(self, agency_id: int) -> int:
        return self._pick(agency_id, Role.DESK_OFFICER, Role.SPECIALIST, Role.AGENCY_ADMIN)

    def _leader(self, agency_id: int) -> int:
        return self._pick(agency_id, Role.LEADER)

    def _rows(self, model, parent: str, obj, steps: list[tuple]) -> list:
        """Event rows of ``obj`` from (at, action, actor pk, note, data[, actor name]) steps; an
        actor None is no account (an agency's delivery), named by the step's actor name."""
        steps.sort(key=lambda step: step[0])  # stable: steps at the same instant keep their order
        rows = []
        for seq, (at, action, actor, note, data, *named) in enumerate(steps, start=1):
            name = self.names.get(actor, "") if actor is not None else (named or [""])[0]
            rows.append(
                model(
                    **{parent: obj},
                    seq=seq,
                    action=action,
                    actor_id=actor,
                    actor_name=name,
                    at=at,
                    note=note,
                    data=data,
                )
            )
        return rows

    def outgoing(self, doc: OutgoingDocument, delivered: int) -> list[OutgoingEvent]:
        rng, clerk = self.rng, self._clerk(doc.agency_id)
        submitted = doc.created_at + (doc.approved_at - doc.created_at) * rng.uniform(0.3, 0.9)
        steps = [
            (doc.created_at, "draft", doc.drafted_by_id, "", {}),
            (submitted, "submit", doc.drafted_by_id, "", {}),
        ]
        numbered = {"number_symbol": doc.number_symbol, "series": doc.series}
        if doc.signed_at:
            session = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            midnight = timezone.localtime(doc.issued_at).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            number_at = max(doc.issued_at - dt.timedelta(minutes=rng.randint(5, 60)), midnight)
            steps += [
                (doc.signed_at, "sign", doc.signer_id, "", {"signed": True, "session": session}),
                (max(number_at, doc.signed_at), "number", clerk, "", numbered),
                (doc.sealed_at, "dispatch", clerk, "", {"sealed": True, "delivered": delivered}),
            ]
        else:
            steps += [
                (doc.approved_at, "approve", doc.signer_id, "", {}),
                (doc.issued_at, "issue", clerk, "", {**numbered, "delivered": delivered}),
            ]
        return self._rows(OutgoingEvent, "document", doc, steps)

    def incoming(self, doc: IncomingDocument) -> list[IncomingEvent]:
        arrival = {"arrival_number": doc.arrival_number}
        if doc.recipient_id is not None:  # delivered on the platform at the sender's issue
            data = {**arrival, "from": doc.number_symbol}
            steps = [(doc.received_at, "register", None, "", data, doc.sender_name[:200])]
            if doc.acknowledged_at is not None:
                clerk = self._clerk(doc.agency_id)
                steps.append((doc.acknowledged_at, "acknowledge", clerk, "", {}))
        else:
            data = {**arrival, "acknowledged": doc.acknowledged_at is not None}
            steps = [(doc.received_at, "register", self._clerk(doc.agency_id), "", data)]
        if doc.state in (IncomingState.ASSIGNED, IncomingState.DONE):
            # The lead officer of the assignment (_assignments); in an agency without one the
            # loader's stand-in, the administrator, as everywhere else.
            lead = getattr(doc, "demo_lead", self.admin.pk)
            leader = self._leader(doc.agency_id)
            assigned = {
                "assignees": [{"user": self.names.get(lead, ""), "role": AssignmentRole.LEAD}],
                "deadline": doc.deadline.isoformat() if doc.deadline else None,
            }
            steps.append((doc.received_at + ASSIGNED_AFTER, "assign", leader, "", assigned))
            if doc.done_at is not None:
                steps.append((doc.done_at, "finish", lead, "", {}))
        return self._rows(IncomingEvent, "document", doc, steps)

    def record(self, record: WorkRecord, items: list[RecordItem]) -> list[RecordEvent]:
        opener = record.opened_by_id
        steps = [(record.opened_at, "open", opener, "", {"code": record.code, "entry": None})]
        for item in items:
            doc, kind = (
                (item.incoming, "incoming") if item.incoming_id else (item.outgoing, "outgoing")
            )
            note = doc.number_symbol or doc.summary
            steps.append((item.added_at, "attach", opener, note, {kind: doc.pk}))
        if record.closed_at is not None:
            steps.append((record.closed_at, "close", opener, "", {}))
        return self._rows(RecordEvent, "record", record, steps)

    def write(self, outgoing, recipients, incoming, records, items) -> None:
        delivered: dict[int, int] = {}
        for recipient in recipients:
            if recipient.agency_id is not None:
                delivered[recipient.document_id] = delivered.get(recipient.document_id, 0) + 1
        OutgoingEvent.objects.bulk_create(
            [e for doc in outgoing for e in self.outgoing(doc, delivered.get(doc.pk, 0))],
            batch_size=1000,
        )
        IncomingEvent.objects.bulk_create(
            [e for doc in incoming for e in self.incoming(doc)], batch_size=1000
        )
        by_record: dict[int, list[RecordItem]] = {}
        for item in items:
            by_record.setdefault(item.record_id, []).append(item)
        RecordEvent.objects.bulk_create(
            [e for r in records for e in self.record(r, by_record.get(r.pk, []))],
            batch_size=1000,
        )
