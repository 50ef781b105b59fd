"""Issue 16, point 10: fees are paid when the desk records a counter payment (with its receipt
number) or a payment gateway confirms one, never on the applicant's word."""

from __future__ import annotations

import pytest
from django.test import Client

from tinhso.core.auth import token_create
from tinhso.core.errors import DomainError, PermissionDenied
from tinhso.core.models import AuditEvent
from tinhso.dossiers import services as s
from tinhso.dossiers.actions import available_actions
from tinhso.dossiers.models import OutboxMessage, PaymentMethod, State

from .factories import VALID_FORM

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def fees_requested(world, amount: int = 8000):
    d = s.dossier_submit(actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    return s.dossier_request_fees(actor=world.desk, dossier=d, amount_vnd=amount)


def api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, name='t')}"})


def test_the_applicant_cannot_declare_a_payment(world):
    d = fees_requested(world)
    assert "pay" not in available_actions(user=world.citizen, dossier=d)
    assert "pay" in available_actions(user=world.desk, dossier=d)
    with pytest.raises(PermissionDenied) as refused:
        s.dossier_record_counter_payment(actor=world.citizen, dossier=d, reference="CTS-1")
    assert refused.value.code == "payment_not_declarable"
    with pytest.raises(PermissionDenied):  # nor pretend to be a gateway through the counter
        s.dossier_record_payment(
            dossier=d, method=PaymentMethod.COUNTER, reference="CTS-1", by=world.citizen
        )
    d.refresh_from_db()
    assert (d.state, d.paid_vnd, d.clock_stopped_at is not None) == (State.FEES_REQUESTED, 0, True)


def test_the_desk_records_a_counter_payment_with_its_receipt_number(world):
    d = fees_requested(world)
    with pytest.raises(DomainError) as missing:
        s.dossier_record_counter_payment(actor=world.desk, dossier=d, reference="  ")
    assert missing.value.code == "receipt_number_required"
    d = s.dossier_record_counter_payment(actor=world.desk, dossier=d, reference="BL-000123")
    assert (d.state, d.paid_vnd, d.paid_online) == (State.RECEIVED, 8000, False)
    assert d.clock_stopped_at is None
    event = d.events.get(action="pay")
    assert event.actor == world.desk and event.actor_agency == d.receiving_agency
    assert event.data == {"amount_vnd": 8000, "method": "counter", "reference": "BL-000123"}
    audit = AuditEvent.objects.get(action="dossier.pay", object_id=str(d.pk))
    assert audit.actor_id == world.desk.pk and audit.after["status"] == d.status
    message = OutboxMessage.objects.get(key=f"{d.code}:{d.portal_version}")
    assert "fees_paid" in message.payload["changes"]
    assert message.payload["fees"]["reference"] == "BL-000123"


def test_a_gateway_confirmation_is_the_online_entry_point(world):
    d = fees_requested(world, amount=50000)
    gateway = s.PaymentGateway("vnpay")
    with pytest.raises(DomainError) as wrong:  # a gateway confirms online payments only
        s.dossier_record_payment(
            dossier=d, method=PaymentMethod.COUNTER, reference="VNP-1", by=gateway
        )
    assert wrong.value.code == "invalid_payment_method"
    with pytest.raises(DomainError):  # and no officer declares an online payment
        s.dossier_record_payment(
            dossier=d, method=PaymentMethod.GATEWAY, reference="VNP-1", by=world.desk
        )
    d = s.dossier_record_payment(
        dossier=d, method=PaymentMethod.GATEWAY, reference="VNP-14500021", by=gateway
    )
    assert (d.state, d.paid_vnd, d.paid_online) == (State.RECEIVED, 50000, True)
    event = d.events.get(action="pay")
    assert event.actor is None and event.data["gateway"] == "vnpay"
    audit = AuditEvent.objects.get(action="dossier.pay", object_id=str(d.pk))
    assert audit.actor_id is None and audit.actor_repr == "gateway:vnpay"


def test_pay_through_the_api(world):
    d = fees_requested(world)
    citizen = api(world.citizen)
    assert "pay" not in citizen.get(f"/api/dossiers/{d.code}").json()["actions"]
    refused = citizen.post(
        f"/api/dossiers/{d.code}/actions/pay",
        {"reference": "anything", "amount_vnd": 8000},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "payment_not_declarable"
    d.refresh_from_db()
    assert d.state == State.FEES_REQUESTED and d.paid_vnd == 0
    desk = api(world.desk)
    assert "pay" in desk.get(f"/api/dossiers/{d.code}").json()["actions"]
    no_receipt = desk.post(
        f"/api/dossiers/{d.code}/actions/pay", {}, content_type="application/json"
    )
    assert no_receipt.status_code == 400
    assert no_receipt.json()["error"]["code"] == "receipt_number_required"
    paid = desk.post(
        f"/api/dossiers/{d.code}/actions/pay",
        {"reference": "BL-000777"},
        content_type="application/json",
    )
    assert paid.status_code == 200, paid.content
    assert paid.json()["state"] == State.RECEIVED and paid.json()["paid_vnd"] == 8000


def test_only_the_pay_transition_restarts_the_clock_of_a_dossier_waiting_for_fees():
    """Every way out of "waiting for fees" in the transition table: all but ``pay`` keep the
    clock stopped (withdrawal, stop); ``pay`` is taken by the desk (a counter payment with its
    receipt) or a payment gateway (a verified notification, a matched bank-feed line), never
    by the applicant."""
    from tinhso.core.models import Role
    from tinhso.dossiers.transitions import APPLICANT, GATEWAY, TRANSITIONS

    leaving = {a: t for a, t in TRANSITIONS.items() if State.FEES_REQUESTED in t.sources}
    assert {a: t.clock for a, t in leaving.items()} == {
        "pay": "resume",
        "withdraw": "stop",
        "stop": "stop",
    }
    assert TRANSITIONS["pay"].actors == {Role.DESK_OFFICER, GATEWAY}
    assert APPLICANT not in TRANSITIONS["pay"].actors
