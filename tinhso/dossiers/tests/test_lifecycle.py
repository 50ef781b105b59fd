"""One dossier through every path of the one-stop-shop, checking statuses, BM.05 rows and audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tinhso.core.audit import audit_verify
from tinhso.core.errors import DomainError, InvalidTransition, PermissionDenied
from tinhso.core.models import AuditEvent
from tinhso.dossiers import services as s
from tinhso.dossiers.models import Channel, Dossier, NationalStatus, OutboxMessage, State

from .factories import PDF_BYTES, VALID_FORM

pytestmark = [pytest.mark.django_db, pytest.mark.pg]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def pdf(name="giay-chung-sinh.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def submit(world, **extra):
    component = world.procedure.components.first()
    return s.dossier_submit(
        actor=world.citizen,
        procedure=world.procedure,
        form_data=dict(VALID_FORM),
        uploads=[(component, pdf())],
        **extra,
    )


def statuses(dossier):
    return list(dossier.events.order_by("seq").values_list("action", "to_state"))


def assert_chain_intact():
    problems = list(audit_verify())
    assert problems == [], problems


def test_refused_at_reception(world):
    d = submit(world)
    assert d.status == NationalStatus.SUBMITTED
    assert d.code.startswith("H44.40.01-")
    assert len(d.code.rsplit("-", 1)[1]) == 4
    d = s.dossier_refuse(actor=world.desk, dossier=d, reason="Thiếu giấy chứng sinh bản chính")
    assert (d.state, d.status) == (State.REFUSED, NationalStatus.REFUSED)
    assert statuses(d) == [("submit", "submitted"), ("refuse", "refused")]
    assert d.events.get(seq=2).note == "Thiếu giấy chứng sinh bản chính"
    with pytest.raises(InvalidTransition):
        s.dossier_receive(actor=world.desk, dossier=d)
    assert AuditEvent.objects.filter(action="dossier.refuse", object_id=str(d.pk)).exists()
    assert_chain_intact()


def test_happy_path_with_supplement_returned_and_rated(world):
    d = submit(world, idempotency_key="abc-1")
    assert d.files.count() == 1
    d = s.dossier_receive(actor=world.desk, dossier=d)
    assert d.status == NationalStatus.RECEIVED
    assert d.due_at is not None and d.current_step.order == 1
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    assert (d.status, d.current_step.order, d.assignee) == (4, 2, world.specialist)
    due_before = d.due_at
    d = s.dossier_request_supplement(
        actor=world.specialist, dossier=d, reason="Bổ sung CCCD của mẹ", items=["CCCD của mẹ"]
    )
    assert d.status == NationalStatus.SUPPLEMENT and d.clock_stopped_at is not None
    # Only the applicant (or the desk) supplies; another citizen cannot.
    with pytest.raises(PermissionDenied):
        s.dossier_supplement(actor=world.other_citizen, dossier=d, uploads=[(None, pdf())])
    d = s.dossier_supplement(actor=world.citizen, dossier=d, uploads=[(None, pdf("cccd.pdf"))])
    assert d.state == State.SUPPLEMENT_SUBMITTED and d.status == 5
    d = s.dossier_accept_supplement(actor=world.specialist, dossier=d)
    assert d.state == State.PROCESSING and d.clock_stopped_at is None
    assert d.due_at >= due_before
    d = s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)
    assert d.current_step.order == 3
    # The specialist cannot sign the leader's step.
    with pytest.raises(PermissionDenied):
        s.dossier_approve(actor=world.specialist, dossier=d)
    d = s.dossier_approve(actor=world.leader, dossier=d)
    assert (d.state, d.status) == (State.FINISHED, NationalStatus.FINISHED)
    assert d.timeliness in {"early", "on_time"}
    d = s.dossier_return_result(actor=world.desk, dossier=d)
    assert d.status == NationalStatus.RETURNED and d.returned_at
    rating = s.dossier_rate(actor=world.citizen, dossier=d, score=3, comment="Nhanh, tận tình")
    assert rating.score == 3
    with pytest.raises(InvalidTransition):
        s.dossier_rate(actor=world.citizen, dossier=d, score=1)
    assert [a for a, _ in statuses(d)] == [
        "submit", "receive", "transfer", "request_supplement", "supplement",
        "accept_supplement", "transfer", "approve", "return_result", "rate",
    ]  # fmt: skip
    # BM.05: each hand-over row has its time and, when a step closes, its result.
    transfer_rows = d.events.filter(action__in=["transfer", "approve"])
    assert all(row.step_result in {"early", "on_time", "late"} for row in transfer_rows)
    national = OutboxMessage.objects.filter(topic="national_portal.status", key__startswith=d.code)
    assert {m.payload["status"] for m in national} >= {1, 2, 4, 5, 9, 10}
    assert_chain_intact()


def test_fees_requested_and_paid(world):
    d = submit(world)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    d = s.dossier_request_fees(actor=world.desk, dossier=d, amount_vnd=8000)
    assert d.status == NationalStatus.FEES and d.fee_vnd == 8000
    with pytest.raises(DomainError) as err:
        s.dossier_pay(actor=world.citizen, dossier=d, amount_vnd=5000, online=True)
    assert err.value.code == "amount_mismatch"
    d.refresh_from_db()
    assert d.status == NationalStatus.FEES
    d = s.dossier_pay(actor=world.citizen, dossier=d, amount_vnd=8000, online=True)
    assert d.state == State.RECEIVED and d.paid_online and d.paid_vnd == 8000
    assert_chain_intact()


def test_late_with_apology_letter(world, monkeypatch):
    d = submit(world)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    old_due = d.due_at
    d = s.dossier_extend(
        actor=world.specialist, dossier=d, reason="Cần xác minh thêm", extra_days=Decimal(2)
    )
    row = d.events.get(action="extend")
    assert row.data["old_due_at"] == old_due.isoformat()
    assert d.due_at > old_due and d.extension_count == 1
    # Finish after the (new) due date: the dossier is late.
    d = s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)
    late = d.due_at + dt.timedelta(days=3)
    monkeypatch.setattr("django.utils.timezone.now", lambda: late)
    d = s.dossier_approve(actor=world.leader, dossier=d)
    assert d.timeliness == "late"
    assert d.events.get(action="approve").step_result == "late"
    assert_chain_intact()


def test_overdue_sweep_and_due_soon(world, monkeypatch):
    d = submit(world)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    result = s.deadlines_sweep(now=d.due_at - dt.timedelta(minutes=30))
    assert d.code in result["due_soon"] and result["overdue"] == []
    result = s.deadlines_sweep(now=d.due_at + dt.timedelta(minutes=1))
    assert result["overdue"] == [d.code]
    d.refresh_from_db()
    assert d.is_overdue
    call_command("sweep_deadlines")


def test_withdrawn(world):
    d = submit(world)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    d = s.dossier_withdraw(actor=world.citizen, dossier=d, reason="Nộp nhầm thủ tục")
    assert d.status == NationalStatus.WITHDRAW_REQUESTED
    with pytest.raises(PermissionDenied):
        s.dossier_confirm_withdraw(actor=world.outsider, dossier=d)
    d = s.dossier_confirm_withdraw(actor=world.desk, dossier=d)
    assert (d.state, d.status) == (State.STOPPED, NationalStatus.STOPPED)
    assert_chain_intact()


def test_pause_resume_and_stop(world):
    d = submit(world)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    d = s.dossier_transfer(actor=world.desk, dossier=d)
    d = s.dossier_pause(actor=world.leader, dossier=d, reason="Chờ ý kiến cơ quan khác")
    assert d.state == State.PAUSED and d.status == NationalStatus.PROCESSING
    d = s.dossier_resume(actor=world.leader, dossier=d)
    assert d.state == State.PROCESSING
    d = s.dossier_stop(actor=world.leader, dossier=d, reason="Không đủ điều kiện")
    assert d.status == NationalStatus.STOPPED


def test_wrong_role_or_agency_leaves_dossier_unchanged(world):
    d = submit(world)
    snapshot = Dossier.objects.filter(pk=d.pk).values().get()
    events = d.events.count()
    audit = AuditEvent.objects.count()
    for actor in (world.outsider, world.specialist, world.citizen, world.other_citizen):
        with pytest.raises(PermissionDenied):
            s.dossier_receive(actor=actor, dossier=d)
    with pytest.raises(DomainError):
        s.dossier_refuse(actor=world.desk, dossier=d, reason="   ")
    assert Dossier.objects.filter(pk=d.pk).values().get() == snapshot
    assert d.events.count() == events and AuditEvent.objects.count() == audit


def test_malformed_form_data_is_refused(world):
    with pytest.raises(DomainError) as err:
        s.dossier_submit(actor=world.citizen, procedure=world.procedure, form_data={"sex": "X"})
    assert err.value.code == "invalid_form"
    assert Dossier.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "limit", "code"),
    [
        ("scan.pdf", b"MZ\x90\x00 not a pdf", None, "file_type_not_allowed"),
        ("scan.png", PDF_BYTES, None, "file_type_mismatch"),
        ("big.pdf", PDF_BYTES + b"0" * 2048, 1024, "file_too_large"),
    ],
)
def test_bad_upload_is_refused_and_nothing_is_stored(world, settings, name, content, limit, code):
    if limit:
        settings.TINHSO_MAX_UPLOAD_BYTES = limit
    with pytest.raises(DomainError) as err:
        s.dossier_submit(
            actor=world.citizen,
            procedure=world.procedure,
            form_data=VALID_FORM,
            uploads=[(None, SimpleUploadedFile(name, content))],
        )
    assert err.value.code == code
    assert Dossier.objects.count() == 0


def test_idempotent_submission(world):
    first = submit(world, idempotency_key="k-42")
    again = submit(world, idempotency_key="k-42")
    assert again.pk == first.pk and Dossier.objects.count() == 1
    other = submit(world, idempotency_key="k-43")
    assert other.code != first.code


def test_counter_reception_by_desk(world):
    d = s.dossier_submit(
        actor=world.desk,
        procedure=world.procedure,
        form_data=VALID_FORM,
        channel=Channel.COUNTER,
        commune=world.commune,
        applicant_name="Lê Văn Tám",
        applicant_id_number="044085009999",
    )
    assert d.channel == Channel.COUNTER and d.applicant is None
    with pytest.raises(PermissionDenied):
        s.dossier_submit(
            actor=world.outsider,
            procedure=world.procedure,
            form_data=VALID_FORM,
            channel=Channel.COUNTER,
            commune=world.commune,
            applicant_name="Lê Văn Tám",
            applicant_id_number="044085009999",
        )


def test_due_date_across_tet_2027(world, monkeypatch):
    """Received Wed 3 Feb 2027 10:00, 3 working days (7h30 each).

    Hand computation: Wed 3 Feb counts from 10:00: 1h30 (to 11:30) + 3h30 (13:30–17:00) = 5h.
    4–10 Feb are Tết (days off), so the count resumes Thu 11 Feb: 7h30 → 12h30 done, then
    Fri 12 Feb 7h30 → 20h, leaving 2h30 of the 22h30 total: Mon 15 Feb 07:30 + 2h30 = 10:00.
    """
    received = dt.datetime(2027, 2, 3, 10, 0, tzinfo=VN)
    monkeypatch.setattr("django.utils.timezone.now", lambda: received)
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    assert d.due_at == dt.datetime(2027, 2, 15, 10, 0, tzinfo=VN)
