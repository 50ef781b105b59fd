"""Documents: incoming registration and processing, outgoing drafting, numbering and issue."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.core.models import AuditEvent
from tinhso.documents import services as s
from tinhso.documents.models import (
    AssignmentRole,
    BusinessType,
    IncomingDocument,
    IncomingState,
    OutgoingDocument,
    OutgoingState,
    RegisterSettings,
    Secrecy,
    StatusCode,
)
from tinhso.notifications.models import Notification
from tinhso.testing.factories import make_approved, make_draft, make_registered, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.pg]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


# --- outgoing: numbering ---------------------------------------------------------------------


def test_issue_numbers_from_01_with_the_agency_symbol(documents_world):
    w = documents_world
    first = s.outgoing_issue(actor=w.clerk, document=make_approved(w))
    second = s.outgoing_issue(
        actor=w.clerk, document=make_approved(w, doc_type="QD", drafting_unit="")
    )
    symbol = RegisterSettings.objects.get(agency=w.justice).symbol
    assert first.number == 1 and first.number_symbol == f"01/{symbol}-VP"
    assert second.number == 2 and second.number_symbol == f"02/QĐ-{symbol}"  # one series
    assert first.state == OutgoingState.ISSUED and first.doc_date == timezone.localdate()
    assert first.document_id == f"{w.justice.code},{first.doc_date:%Y/%m/%d},01/{symbol}-VP"


def test_series_per_type_normative_and_classified_are_separate(documents_world):
    w = documents_world
    s.register_settings(w.justice)
    RegisterSettings.objects.filter(agency=w.justice).update(symbol="STP", series_per_type=True)
    cv = s.outgoing_issue(actor=w.clerk, document=make_approved(w))
    qd = s.outgoing_issue(actor=w.clerk, document=make_approved(w, doc_type="QD"))
    qd2 = s.outgoing_issue(actor=w.clerk, document=make_approved(w, doc_type="QD"))
    normative = s.outgoing_issue(
        actor=w.clerk, document=make_approved(w, doc_type="QD", is_normative=True)
    )
    secret = s.outgoing_issue(
        actor=w.clerk, document=make_approved(w, doc_type="QD", secrecy=Secrecy.CONFIDENTIAL)
    )
    year = timezone.localdate().year
    assert [cv.number_symbol, qd.number_symbol, qd2.number_symbol] == [
        "01/STP-VP",
        "01/QĐ-STP",
        "02/QĐ-STP",
    ]
    assert normative.number_symbol == f"01/{year}/QĐ-STP"
    assert (secret.series, secret.number) == ("doc:secret", 1)


def test_the_series_year_is_the_vietnam_date_and_restarts_on_1_january(documents_world):
    w = documents_world
    # 31 December 2026 23:30 in Hà Nội is 16:30 UTC: still 2026.
    late = dt.datetime(2026, 12, 31, 23, 30, tzinfo=VN)
    early = dt.datetime(2027, 1, 1, 0, 10, tzinfo=VN)  # 31 December 17:10 UTC, already 2027
    a = s.outgoing_issue(actor=w.clerk, document=make_approved(w), now=late)
    b = s.outgoing_issue(actor=w.clerk, document=make_approved(w), now=late)
    c = s.outgoing_issue(actor=w.clerk, document=make_approved(w), now=early)
    assert [(a.number_year, a.number), (b.number_year, b.number)] == [(2026, 1), (2026, 2)]
    assert (c.number_year, c.number, c.doc_date) == (2027, 1, dt.date(2027, 1, 1))


def test_an_abandoned_issue_keeps_its_number_as_cancelled(documents_world):
    w = documents_world
    reserved = s.outgoing_number(actor=w.clerk, document=make_approved(w))
    assert reserved.state == OutgoingState.NUMBERED and reserved.number == 1
    cancelled = s.outgoing_cancel(actor=w.clerk, document=reserved, reason="Lãnh đạo dừng ban hành")
    assert cancelled.state == OutgoingState.CANCELLED and cancelled.number == 1
    nxt = s.outgoing_issue(actor=w.clerk, document=make_approved(w))
    assert nxt.number == 2  # never reused


def test_only_the_signer_approves_and_only_clerks_issue(documents_world):
    w = documents_world
    doc = make_draft(w)
    s.outgoing_submit(actor=w.specialist, document=doc)
    with pytest.raises(PermissionDenied):
        s.outgoing_approve(actor=w.specialist, document=doc)
    with pytest.raises(NotFound):
        s.outgoing_approve(actor=w.other_leader, document=doc)
    with pytest.raises(InvalidTransition):
        s.outgoing_issue(actor=w.clerk, document=doc)  # not approved
    s.outgoing_approve(actor=w.leader, document=doc)
    with pytest.raises(PermissionDenied):
        s.outgoing_issue(actor=w.leader, document=doc)
    assert OutgoingDocument.objects.get(pk=doc.pk).number is None


def test_a_bad_draft_is_refused_with_every_field_and_nothing_stored(documents_world):
    w = documents_world
    with pytest.raises(DomainError) as caught:
        make_draft(w, summary="", body=" ", signer=w.specialist, doc_type="XX", is_normative=True)
    assert {"summary", "body", "signer", "doc_type"} <= set(caught.value.details["errors"])
    assert not OutgoingDocument.objects.exists()


# --- outgoing → incoming on the platform -----------------------------------------------------


def test_issue_delivers_to_the_recipient_agency_and_statuses_come_back(documents_world):
    w = documents_world
    doc = make_approved(
        w, recipient_agencies=[w.construction], external_recipients=[("Bộ Tư pháp", "G09")]
    )
    issued = s.outgoing_issue(actor=w.clerk, document=doc)
    internal, external = issued.recipients.order_by("pk")
    assert internal.status == StatusCode.ARRIVED and internal.sent_at == issued.issued_at
    assert external.sent_at is None  # sent when the exchange axis accepts the envelope
    arrived = IncomingDocument.objects.get(recipient=internal)
    assert arrived.agency == w.construction and arrived.arrival_number == 1
    assert arrived.number_symbol == issued.number_symbol
    assert arrived.document_id == issued.document_id

    assert arrived.acknowledged_at is None
    s.incoming_acknowledge(actor=w.other_clerk, document=arrived)
    s.incoming_assign(
        actor=w.other_leader,
        document=arrived,
        assignees=[(w.other_specialist, AssignmentRole.LEAD)],
        deadline=timezone.localdate() + dt.timedelta(days=5),
        direction="Giao phòng Quản lý xây dựng chủ trì",
    )
    s.incoming_opinion(actor=w.other_specialist, document=arrived, text="Đang tổng hợp ý kiến.")
    s.incoming_finish(actor=w.other_specialist, document=arrived)
    internal.refresh_from_db()
    codes = list(internal.statuses.values_list("code", flat=True))
    assert codes == [
        StatusCode.ARRIVED,
        StatusCode.ACCEPTED,
        StatusCode.ASSIGNED,
        StatusCode.PROCESSING,
        StatusCode.DONE,
    ]
    assert internal.status == StatusCode.DONE


def test_a_revocation_revokes_the_earlier_document_at_its_receivers(documents_world):
    w = documents_world
    first = s.outgoing_issue(
        actor=w.clerk, document=make_approved(w, recipient_agencies=[w.construction])
    )
    revoking = make_approved(
        w,
        doc_type="QD",
        related=first,
        business_type=BusinessType.REVOCATION,
        summary="Thu hồi Công văn số 01",
    )
    s.outgoing_issue(actor=w.clerk, document=revoking)
    first.refresh_from_db()
    assert first.state == OutgoingState.REVOKED
    copy = IncomingDocument.objects.get(recipient__document=first)
    assert copy.state == IncomingState.REVOKED
    assert copy.recipient.status == StatusCode.RECALLED


# --- incoming --------------------------------------------------------------------------------


def test_arrival_numbers_per_agency_and_year(documents_world):
    w = documents_world
    a = make_registered(w, files=[pdf("cong-van.pdf")])
    b = make_registered(w)
    other = make_registered(w, actor=w.other_clerk, agency=w.construction)
    assert (a.arrival_number, b.arrival_number, other.arrival_number) == (1, 2, 1)
    assert a.files.get().original_name == "cong-van.pdf" and a.acknowledged_at is not None
    assert AuditEvent.objects.filter(action="documents.incoming.register").count() == 3


def test_register_refuses_bad_input_and_outsiders(documents_world):
    w = documents_world
    with pytest.raises(PermissionDenied):
        make_registered(w, actor=w.other_clerk)
    with pytest.raises(DomainError) as caught:
        make_registered(w, number_symbol="", doc_date=timezone.localdate() + dt.timedelta(days=2))
    assert set(caught.value.details["errors"]) == {"number_symbol", "doc_date"}
    assert not IncomingDocument.objects.exists()


def test_distribute_assign_remind_and_overdue(documents_world):
    w = documents_world
    w.specialist.email = "chuyenvien@stp.example.vn"
    w.specialist.save()
    doc = make_registered(w)
    s.incoming_distribute(actor=w.clerk, document=doc, leader=w.leader)
    with pytest.raises(PermissionDenied):
        s.incoming_assign(actor=w.clerk, document=doc, assignees=[], deadline=None)
    with pytest.raises(DomainError):
        s.incoming_assign(
            actor=w.leader, document=doc, assignees=[(w.other_specialist, "lead")], deadline=None
        )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    s.incoming_assign(
        actor=w.leader,
        document=doc,
        assignees=[(w.specialist, AssignmentRole.LEAD), (w.clerk, AssignmentRole.INFORM)],
        deadline=tomorrow,
        direction="Chuyên viên rà soát, báo cáo",
    )
    with pytest.raises(PermissionDenied):
        s.incoming_finish(actor=w.clerk, document=doc)  # for information only
    now = timezone.now() + dt.timedelta(days=3)
    assert s.incoming_remind(now=now) == 1  # the lead; not the one informed
    assert s.incoming_remind(now=now) == 0  # once a day
    assert Notification.objects.filter(event="document_due", recipient=w.specialist).exists()


def test_return_a_wrongly_sent_document(documents_world):
    w = documents_world
    doc = make_registered(w)
    with pytest.raises(DomainError):
        s.incoming_return(actor=w.clerk, document=doc, reason="")
    returned = s.incoming_return(actor=w.clerk, document=doc, reason="Gửi nhầm cơ quan")
    assert returned.state == IncomingState.RETURNED
    with pytest.raises(InvalidTransition):
        s.incoming_distribute(actor=w.clerk, document=doc, leader=w.leader)
