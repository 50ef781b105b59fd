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
from tinhso.core.selectors import work_calendar
from tinhso.dossiers import services as s
from tinhso.dossiers.models import Channel, Dossier, NationalStatus, OutboxMessage, State
from tinhso.testing.factories import PDF_BYTES, VALID_FORM, pdf, submit_at_counter
from tinhso.testing.factories import submit_online as submit

pytestmark = [pytest.mark.django_db, pytest.mark.pg]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


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
    assert d.legal_due_at is not None and d.current_step.order == 1
    assert d.appointment_at == d.legal_due_at
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    assert (d.status, d.current_step.order, d.assignee) == (4, 2, world.specialist)
    due_before = d.legal_due_at
    d = s.dossier_request_supplement(
        actor=world.specialist, dossier=d, reason="Bổ sung CCCD của mẹ", items=["CCCD của mẹ"]
    )
    assert d.status == NationalStatus.SUPPLEMENT and d.clock_stopped_at is not None
    # Only the applicant (or the desk) supplies; another citizen cannot.
    with pytest.raises(PermissionDenied):
        s.dossier_supplement(actor=world.other_citizen, dossier=d, uploads=[(None, pdf())])
    d = s.dossier_supplement(actor=world.citizen, dossier=d, uploads=[(None, pdf("cccd.pdf"))])
    # The clock restarts when the supplement arrives; the portal sees processing (4) again.
    assert d.state == State.SUPPLEMENT_SUBMITTED and d.status == NationalStatus.PROCESSING
    assert d.clock_stopped_at is None and d.legal_due_at >= due_before
    d = s.dossier_accept_supplement(actor=world.specialist, dossier=d)
    assert d.state == State.PROCESSING and d.clock_stopped_at is None
    assert d.legal_due_at >= due_before
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
        s.dossier_record_counter_payment(
            actor=world.desk, dossier=d, reference="BL-0001", amount_vnd=5000
        )
    assert err.value.code == "amount_mismatch"
    d.refresh_from_db()
    assert d.status == NationalStatus.FEES
    d = s.dossier_record_counter_payment(
        actor=world.desk, dossier=d, reference="BL-0001", amount_vnd=8000
    )
    assert d.state == State.RECEIVED and not d.paid_online and d.paid_vnd == 8000
    assert_chain_intact()


class Clock:
    """A settable ``timezone.now`` for the services."""

    def __init__(self, monkeypatch, at: dt.datetime) -> None:
        self.at = at
        monkeypatch.setattr("django.utils.timezone.now", lambda: self.at)


def test_apology_letter_moves_the_appointment_not_the_legal_due_date(world, monkeypatch):
    """Issue 16 point 1: received Mon 7 Dec 2026 09:00, 3 working days → legal due Thu 10 Dec
    09:00. A letter on Tue 8 Dec gives the citizen 2 more days (Mon 14 Dec 09:00); finishing on
    Fri 11 Dec is before the appointment but after the legal due date: late, overdue, and late
    on BM.05."""
    from tinhso.dossiers.pdf import TIMELINESS_LABELS, control_slip_context

    clock = Clock(monkeypatch, dt.datetime(2026, 12, 7, 9, 0, tzinfo=VN))
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    assert d.legal_due_at == d.appointment_at == dt.datetime(2026, 12, 10, 9, 0, tzinfo=VN)
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    clock.at = dt.datetime(2026, 12, 8, 10, 0, tzinfo=VN)
    d = s.dossier_extend(
        actor=world.specialist, dossier=d, reason="Cần xác minh thêm", extra_days=Decimal(2)
    )
    assert d.legal_due_at == dt.datetime(2026, 12, 10, 9, 0, tzinfo=VN)
    assert d.appointment_at == dt.datetime(2026, 12, 14, 9, 0, tzinfo=VN)
    assert d.extension_count == 1
    row = d.events.get(action="extend")
    assert dt.datetime.fromisoformat(row.data["old_due_at"]) == d.legal_due_at
    assert dt.datetime.fromisoformat(row.data["new_due_at"]) == d.appointment_at
    # The sweep judges against the legal due date, not the appointment.
    swept = s.deadlines_sweep(now=dt.datetime(2026, 12, 10, 9, 1, tzinfo=VN))
    assert swept["overdue"] == [d.code]
    d = s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)
    clock.at = dt.datetime(2026, 12, 11, 10, 0, tzinfo=VN)
    d = s.dossier_approve(actor=world.leader, dossier=d)
    assert d.timeliness == "late" and not d.is_overdue
    context = control_slip_context(d)
    assert context["timeliness"] == TIMELINESS_LABELS["late"] != TIMELINESS_LABELS["early"]
    assert context["legal_due"] == "09 giờ 00 phút, ngày 10/12/2026"
    assert context["due"] == "09 giờ 00 phút, ngày 14/12/2026"
    assert_chain_intact()


def test_apology_letter_too_late_or_too_many_is_refused(world, monkeypatch, settings):
    """The letter is accepted up to one working day before the legal due date (Thu 10 Dec 09:00
    → Wed 9 Dec 09:00), and once per dossier by default; a refusal writes nothing."""
    clock = Clock(monkeypatch, dt.datetime(2026, 12, 7, 9, 0, tzinfo=VN))
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    version = d.version
    clock.at = dt.datetime(2026, 12, 9, 9, 1, tzinfo=VN)
    with pytest.raises(InvalidTransition) as err:
        s.dossier_extend(actor=world.specialist, dossier=d, reason="Chậm", extra_days=1)
    assert err.value.code == "apology_too_late"
    d.refresh_from_db()
    assert (d.version, d.extension_count) == (version, 0)
    assert d.appointment_at == d.legal_due_at
    # Already overdue (the run of the issue): refused too, the dossier stays late.
    clock.at = dt.datetime(2026, 12, 10, 9, 1, tzinfo=VN)
    assert "extend" not in s_actions(world.specialist, d)
    with pytest.raises(InvalidTransition):
        s.dossier_extend(actor=world.specialist, dossier=d, reason="Chậm", extra_days=1)
    # At the lead time exactly: accepted; a second letter is beyond the default limit of one.
    clock.at = dt.datetime(2026, 12, 9, 9, 0, tzinfo=VN)
    d = s.dossier_extend(actor=world.specialist, dossier=d, reason="Chậm", extra_days=1)
    clock.at = dt.datetime(2026, 12, 8, 9, 0, tzinfo=VN)
    with pytest.raises(InvalidTransition) as err:
        s.dossier_extend(actor=world.specialist, dossier=d, reason="Lần hai", extra_days=1)
    assert err.value.code == "extension_limit"
    # Both are settings of the province.
    settings.TINHSO_MAX_EXTENSIONS = 2
    settings.TINHSO_APOLOGY_LEAD_DAYS = "0.5"
    clock.at = dt.datetime(2026, 12, 9, 14, 0, tzinfo=VN)
    d = s.dossier_extend(actor=world.specialist, dossier=d, reason="Lần hai", extra_days=1)
    assert d.extension_count == 2
    assert d.legal_due_at == dt.datetime(2026, 12, 10, 9, 0, tzinfo=VN)
    assert d.appointment_at == dt.datetime(2026, 12, 14, 9, 0, tzinfo=VN)


def s_actions(user, dossier):
    from tinhso.dossiers.actions import available_actions

    return available_actions(user=user, dossier=Dossier.objects.get(pk=dossier.pk))


def test_supplement_restarts_the_clock_on_arrival(world, monkeypatch):
    """Issue 16 point 3: requested Mon 7 Dec 2026 10:00 (legal due Thu 10 Dec 09:00), supplied
    Mon 14 Dec 09:00 → the wait is Mon 10:00–11:30 and 13:30–17:00 = 5h, Tue–Fri = 32h, Mon
    07:00–09:00 = 2h: 39h. The legal due date moves by 39h: Thu 10 Dec 09:00–17:00 = 6h, Fri,
    Mon, Tue, Wed = 32h, Thu 17 Dec 07:00 + 1h = 08:00, whether the officer accepts at once or on
    Tue 15 Dec 14:00."""
    clock = Clock(monkeypatch, dt.datetime(2026, 12, 7, 9, 0, tzinfo=VN))
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    clock.at = dt.datetime(2026, 12, 7, 10, 0, tzinfo=VN)
    d = s.dossier_request_supplement(actor=world.specialist, dossier=d, reason="Thiếu CCCD")
    assert d.status == NationalStatus.SUPPLEMENT
    clock.at = dt.datetime(2026, 12, 14, 9, 0, tzinfo=VN)
    # From the desk (counter channel) on the citizen's behalf.
    d = s.dossier_supplement(actor=world.desk, dossier=d, uploads=[(None, pdf("cccd.pdf"))])
    assert (d.state, d.status) == (State.SUPPLEMENT_SUBMITTED, NationalStatus.PROCESSING)
    assert d.clock_stopped_at is None and d.stopped_seconds == 39 * 3600
    assert d.legal_due_at == d.appointment_at == dt.datetime(2026, 12, 17, 8, 0, tzinfo=VN)
    national = OutboxMessage.objects.filter(topic="national_portal.status", key__startswith=d.code)
    assert national.order_by("-id").first().payload["status"] == NationalStatus.PROCESSING
    # The officer's check the next day is charged to the agency: nothing moves.
    clock.at = dt.datetime(2026, 12, 15, 14, 0, tzinfo=VN)
    d = s.dossier_accept_supplement(actor=world.specialist, dossier=d)
    assert d.state == State.PROCESSING
    assert d.legal_due_at == dt.datetime(2026, 12, 17, 8, 0, tzinfo=VN)
    assert d.stopped_seconds == 39 * 3600


def test_insufficient_supplement_is_a_new_request(world, monkeypatch):
    clock = Clock(monkeypatch, dt.datetime(2026, 12, 7, 9, 0, tzinfo=VN))
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    d = s.dossier_request_supplement(actor=world.specialist, dossier=d, reason="Thiếu CCCD")
    clock.at = dt.datetime(2026, 12, 7, 14, 0, tzinfo=VN)
    d = s.dossier_supplement(actor=world.citizen, dossier=d, uploads=[(None, pdf("cccd.pdf"))])
    clock.at = dt.datetime(2026, 12, 8, 9, 0, tzinfo=VN)
    d = s.dossier_request_supplement(actor=world.specialist, dossier=d, reason="Ảnh mờ")
    assert (d.state, d.supplement_count, d.clock_stopped_at) == (
        State.SUPPLEMENT_REQUESTED,
        2,
        clock.at,
    )
    clock.at = dt.datetime(2026, 12, 8, 10, 0, tzinfo=VN)
    d = s.dossier_supplement(actor=world.citizen, dossier=d, uploads=[(None, pdf("cccd2.pdf"))])
    d = s.dossier_accept_supplement(actor=world.specialist, dossier=d)
    # Back to processing at the step it was at; 3h + 1h of waiting given back.
    assert d.state == State.PROCESSING and d.current_step.order == 2
    assert d.stopped_seconds == 4 * 3600


def test_overdue_sweep_and_due_soon(world, monkeypatch):
    d = submit(world)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    result = s.deadlines_sweep(now=d.legal_due_at - dt.timedelta(minutes=30))
    assert d.code in result["due_soon"] and result["overdue"] == []
    assert d.code not in result["apology_due"]  # too late for a letter
    # A working day and a half before the legal due date the letter is due (within a day).
    calendar = work_calendar()
    result = s.deadlines_sweep(now=calendar.subtract_working_days(d.legal_due_at, 1.5))
    assert d.code in result["apology_due"] and d.code not in result["due_soon"]
    result = s.deadlines_sweep(now=d.legal_due_at + dt.timedelta(minutes=1))
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
    d = submit_at_counter(world)
    assert d.channel == Channel.COUNTER and d.applicant is None
    with pytest.raises(PermissionDenied):
        submit_at_counter(world, actor=world.outsider)


def test_after_the_cut_off_is_exactly_the_next_working_day(world, monkeypatch):
    """Issue 16 point 9: 8 working hours a day; received Fri 4 Dec 2026 15:01 (after the 15:00
    cut-off) is counted exactly like received Mon 7 Dec 07:00; 3 days of 8h → Wed 9 Dec 17:00."""
    clock = Clock(monkeypatch, dt.datetime(2026, 12, 4, 15, 1, tzinfo=VN))
    late = s.dossier_receive(actor=world.desk, dossier=submit(world))
    clock.at = dt.datetime(2026, 12, 7, 7, 0, tzinfo=VN)
    early = s.dossier_receive(actor=world.desk, dossier=submit(world))
    monday = dt.datetime(2026, 12, 7, 7, 0, tzinfo=VN)
    assert late.counting_from == early.counting_from == monday
    assert late.legal_due_at == early.legal_due_at == dt.datetime(2026, 12, 9, 17, 0, tzinfo=VN)
    assert late.step_due_at == early.step_due_at


def test_due_date_across_tet_2027(world, monkeypatch):
    """Received Wed 3 Feb 2027 10:00, 3 working days (8h each: 07:00–11:30, 13:30–17:00).

    Hand computation: Wed 3 Feb counts from 10:00: 1h30 (to 11:30) + 3h30 (13:30–17:00) = 5h.
    4–10 Feb are Tết (days off), so the count resumes Thu 11 Feb: 8h → 13h done, then
    Fri 12 Feb 8h → 21h, leaving 3h of the 24h total: Mon 15 Feb 07:00 + 3h = 10:00.
    """
    received = dt.datetime(2027, 2, 3, 10, 0, tzinfo=VN)
    monkeypatch.setattr("django.utils.timezone.now", lambda: received)
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    assert d.legal_due_at == dt.datetime(2027, 2, 15, 10, 0, tzinfo=VN)
