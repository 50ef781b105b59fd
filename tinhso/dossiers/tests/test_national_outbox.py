"""Issue 16, points 2 and 8: every change the citizen sees writes one national-portal message, in
order; the BM.01 receipt is kept in versions when the appointment moves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tinhso.core.auth import token_create
from tinhso.dossiers import pdf
from tinhso.dossiers import services as s
from tinhso.dossiers.models import NationalStatus, OutboxMessage, ReceiptVersion, State

from .conftest import MONDAY_9
from .factories import PDF_BYTES, VALID_FORM

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def received(world):
    d = s.dossier_submit(
        actor=world.citizen,
        procedure=world.procedure,
        form_data=dict(VALID_FORM),
        uploads=[(world.procedure.components.first(), _pdf("giay-chung-sinh.pdf"))],
    )
    return s.dossier_receive(actor=world.desk, dossier=d)


def at(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    assert moment.utcoffset() == dt.timedelta(hours=7)  # local time, as the portal expects
    return moment


def messages(d) -> list[dict]:
    rows = OutboxMessage.objects.filter(
        topic="national_portal.status", key__startswith=f"{d.code}:"
    )
    return sorted((m.payload for m in rows), key=lambda p: p["version"])


def test_every_visible_change_writes_one_message_in_order(world, clock):
    d = received(world)
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    d = s.dossier_extend(
        actor=world.specialist, dossier=d, reason="Cần xác minh", extra_days=Decimal(2)
    )
    clock(MONDAY_9 + dt.timedelta(hours=1))
    d = s.dossier_pause(actor=world.leader, dossier=d, reason="Chờ ý kiến liên ngành")
    clock(MONDAY_9 + dt.timedelta(days=1))
    d = s.dossier_resume(actor=world.leader, dossier=d)
    d = s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)  # internal
    sent = messages(d)
    assert [p["version"] for p in sent] == list(range(1, d.portal_version + 1))
    assert [p["changes"] for p in sent] == [
        ["status"],  # submitted
        ["status", "appointment"],  # received: the first appointment
        ["status"],  # processing
        ["appointment"],  # the apology letter's new appointment
        ["clock_stopped"],  # paused: still national status 4
        ["appointment", "clock_resumed"],  # resumed: the wait moves the appointment
    ]
    paused = sent[4]
    assert paused["status"] == NationalStatus.PROCESSING and paused["clock_stopped"] is True
    # The portal ends with the appointment the citizen holds, not the first one.
    assert at(sent[-1]["appointment_at"]) == d.appointment_at != at(sent[1]["appointment_at"])
    assert sent[-1]["status"] == d.status == NationalStatus.PROCESSING
    assert d.version > d.portal_version  # the hand-over to the leader is not sent
    # Acknowledged up to the last message: the dossier counts as synced.
    s.outbox_mark_delivered(
        message_ids=list(
            OutboxMessage.objects.filter(key__startswith=d.code).values_list("pk", flat=True)
        )
    )
    d.refresh_from_db()
    assert d.synced_version == d.portal_version


def test_supplement_fees_and_result_reach_the_portal(world, clock):
    d = received(world)
    d = s.dossier_request_supplement(
        actor=world.desk, dossier=d, reason="Thiếu CCCD của mẹ", items=["CCCD của mẹ"]
    )
    clock(MONDAY_9 + dt.timedelta(hours=3))
    d = s.dossier_supplement(actor=world.citizen, dossier=d, uploads=[(None, _pdf("cccd.pdf"))])
    d = s.dossier_accept_supplement(actor=world.desk, dossier=d)
    d = s.dossier_request_fees(actor=world.desk, dossier=d, amount_vnd=8000)
    d = s.dossier_record_counter_payment(actor=world.desk, dossier=d, reference="BL-000042")
    d = s.dossier_transfer(actor=world.desk, dossier=d)
    d = s.dossier_transfer(actor=world.specialist, dossier=d)
    d = s.dossier_approve(actor=world.leader, dossier=d)
    d = s.dossier_return_result(actor=world.desk, dossier=d)
    sent = messages(d)
    kinds = [kind for p in sent for kind in p["changes"]]
    for kind in (
        "supplement_requested",
        "supplement_supplied",
        "fees_requested",
        "fees_paid",
        "result",
    ):
        assert kind in kinds
    last = sent[-1]
    assert last["status"] == NationalStatus.RETURNED and last["returned_at"]
    [supplement] = last["supplements"]
    assert supplement["items"] == ["CCCD của mẹ"] and supplement["reason"] == "Thiếu CCCD của mẹ"
    assert supplement["supplied_at"] and supplement["accepted_at"]
    # The clock restarted: the appointment before and after the wait (DanhSachHoSoBoSung).
    assert at(supplement["appointment_after"]) == d.appointment_at
    assert at(supplement["appointment_before"]) < d.appointment_at
    assert last["fees"] == {
        "requested_vnd": 8000,
        "paid_vnd": 8000,
        "method": "counter",
        "reference": "BL-000042",
        "paid_at": last["fees"]["paid_at"],
    }
    assert len({p["version"] for p in sent}) == len(sent) == d.portal_version


def test_an_extension_through_the_api_tells_the_portal(world, clock):
    d = s.dossier_transfer(actor=world.desk, dossier=received(world), to_user=world.specialist)
    api = Client(
        headers={"Authorization": f"Bearer {token_create(user=world.specialist, name='t')}"}
    )
    response = api.post(
        f"/api/dossiers/{d.code}/actions/extend",
        {"reason": "Cần xác minh", "extra_days": 3},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    d.refresh_from_db()
    last = messages(d)[-1]
    assert last["changes"] == ["appointment"] and at(last["appointment_at"]) == d.appointment_at
    assert dt.datetime.fromisoformat(response.json()["due_at"]) == d.appointment_at


# --- BM.01 versions ------------------------------------------------------------------------------


def test_receipts_are_kept_in_versions(world, clock):
    d = received(world)
    first_due = d.appointment_at
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    d = s.dossier_extend(
        actor=world.specialist, dossier=d, reason="Cần xác minh", extra_days=Decimal(2)
    )
    first, current = ReceiptVersion.objects.filter(dossier=d).order_by("number")
    assert (first.number, first.action, first.appointment_at) == (1, "receive", first_due)
    assert (current.number, current.action, current.appointment_at) == (
        2,
        "extend",
        d.appointment_at,
    )
    assert first.data["receiver"] == current.data["receiver"] == "Võ Thị Lan"
    old = pdf.render_html("bm01_receipt.html", pdf.receipt_context(d, first))
    new = pdf.render_html("bm01_receipt.html", pdf.receipt_context(d, current))
    assert (
        pdf.fmt_appointment(first_due) in old and pdf.fmt_appointment(d.appointment_at) not in old
    )
    assert pdf.fmt_appointment(d.appointment_at) in new and "phiên bản 2" in new
    # A scan added later does not change the receipt as it was printed.
    s.dossier_add_files(actor=world.desk, dossier=d, uploads=[(None, _pdf("ban-quet.pdf"))])
    assert "ban-quet.pdf" not in pdf.render_html("bm01_receipt.html", pdf.receipt_context(d, first))
    # No new version when the appointment stays.
    s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)
    assert d.receipts.count() == 2


def test_receipt_versions_through_the_api(world, clock):
    d = received(world)
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    s.dossier_extend(actor=world.specialist, dossier=d, reason="Xác minh", extra_days=Decimal(1))
    api = Client(headers={"Authorization": f"Bearer {token_create(user=world.citizen, name='t')}"})
    detail = api.get(f"/api/dossiers/{d.code}").json()
    assert [(r["version"], r["action"]) for r in detail["receipts"]] == [
        (1, "receive"),
        (2, "extend"),
    ]
    first = api.get(f"/api/dossiers/{d.code}/forms/bm01.pdf", {"version": 1})
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    assert f"BM01-{d.code}-v1.pdf" in first["Content-Disposition"]
    missing = api.get(f"/api/dossiers/{d.code}/forms/bm01.pdf", {"version": 7})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_receipt_version"


def test_paused_maps_to_processing(world):
    from tinhso.dossiers.models import STATE_TO_STATUS

    assert STATE_TO_STATUS[State.PAUSED] == NationalStatus.PROCESSING


def test_an_electronic_result_document_reaches_the_portal(world, clock):
    d = s.dossier_transfer(actor=world.desk, dossier=received(world))
    before = d.portal_version
    record = s.dossier_attach_result(actor=world.specialist, dossier=d, upload=_pdf("kq.pdf"))
    d.refresh_from_db()
    assert d.portal_version == before + 1
    last = messages(d)[-1]
    assert last["changes"] == ["result"] and last["results"] == [
        {"id": record.pk, "name": "kq.pdf"}
    ]
