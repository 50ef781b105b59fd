"""Confirming payments: the IPN's checks, idempotency, the bank feed, the counter, receipts."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from tinhso.core.errors import DomainError, PermissionDenied
from tinhso.core.models import AuditEvent
from tinhso.dossiers import services as s
from tinhso.dossiers.models import Dossier, OutboxMessage, State
from tinhso.payments import services as pay
from tinhso.payments.adapters import vnpay_signature_ok
from tinhso.payments.models import (
    AttemptStatus,
    BankTransaction,
    GatewayNotification,
    Payment,
    PaymentAttempt,
    PaymentReceipt,
)

from .conftest import ACCOUNT, SECRET, fees_requested, ipn_params

# Idempotency, constraints, locks, receipt numbering and the counts run on both databases (the
# tests marked pg); the checks of a request's signature and the pages on SQLite only
# (docs/architecture.md).
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(one_stop_world, payment_settings):
    return one_stop_world


def snapshot(dossier: Dossier) -> tuple:
    d = Dossier.objects.get(pk=dossier.pk)
    return (
        d.state,
        d.paid_vnd,
        d.clock_stopped_at,
        d.portal_version,
        Payment.objects.count(),
        PaymentReceipt.objects.count(),
        list(PaymentAttempt.objects.order_by("pk").values_list("status", flat=True)),
        AuditEvent.objects.filter(action="dossier.pay").count(),
        OutboxMessage.objects.count(),
    )


def ipn(client: Client, params: dict) -> dict:
    response = client.get("/thanh-toan/vnpay/ipn/", params)
    assert response.status_code == 200
    return response.json()


@pytest.mark.pg
def test_a_verified_ipn_confirms_restarts_the_clock_and_issues_a_numbered_receipt(world):
    d = fees_requested(world)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    assert attempt.status == AttemptStatus.PENDING and attempt.amount_vnd == 50000
    answer = ipn(Client(), ipn_params(attempt.reference, 50000))
    assert answer == {"RspCode": "00", "Message": "Confirm Success"}
    d.refresh_from_db()
    assert (d.state, d.paid_vnd, d.paid_online, d.clock_stopped_at) == (
        State.RECEIVED,
        50000,
        True,
        None,
    )
    payment = Payment.objects.get(dossier=d)
    assert (payment.method, payment.reference, payment.attempt_id) == (
        "gateway",
        attempt.reference,
        attempt.pk,
    )
    assert payment.recorded_by_name == "gateway:vnpay"
    receipt = payment.receipt
    assert (receipt.series, receipt.number, receipt.agency_id) == ("BLP", 1, d.receiving_agency_id)
    audit = AuditEvent.objects.get(action="dossier.pay", object_id=str(d.pk))
    assert audit.actor_repr == "gateway:vnpay"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.CONFIRMED and attempt.transaction_no == "14226112"
    assert GatewayNotification.objects.get(reference=attempt.reference).outcome == "00"


@pytest.mark.parametrize(
    "case",
    ["bad hash", "other secret", "wrong amount", "unknown order", "other merchant"],
)
def test_a_forged_ipn_changes_nothing_and_is_logged(world, case, caplog):
    d = fees_requested(world)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    params = {
        "bad hash": {**ipn_params(attempt.reference, 50000), "vnp_Amount": "100"},
        "other secret": ipn_params(attempt.reference, 50000, secret="guessed"),
        "wrong amount": ipn_params(attempt.reference, 5000),
        "unknown order": ipn_params("TS99999999", 50000),
        "other merchant": ipn_params(attempt.reference, 50000, vnp_TmnCode="OTHER"),
    }[case]
    expected = {
        "bad hash": "97",
        "other secret": "97",
        "wrong amount": "04",
        "unknown order": "01",
        "other merchant": "97",
    }[case]
    before = snapshot(d)
    with caplog.at_level(logging.WARNING, logger="tinhso.payments"):
        assert ipn(Client(), params)["RspCode"] == expected
    assert snapshot(d) == before
    logged = GatewayNotification.objects.get()
    assert (logged.outcome, logged.kind, logged.params["vnp_TxnRef"]) == (
        expected,
        "ipn",
        params["vnp_TxnRef"],
    )
    assert any("refused" in r.getMessage() for r in caplog.records)


@pytest.mark.pg
def test_a_replayed_ipn_and_a_second_confirmation_record_one_payment(world, caplog):
    d = fees_requested(world)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    params = ipn_params(attempt.reference, 50000)
    client = Client()
    assert ipn(client, params)["RspCode"] == "00"
    after_first = snapshot(d)
    with caplog.at_level(logging.WARNING, logger="tinhso.payments"):
        assert ipn(client, params) == {"RspCode": "02", "Message": "Order already confirmed"}
        # the same payment confirmed again through the service (e.g. by reconciliation)
        assert pay.vnpay_notification(params, kind="query").code == "02"
    assert snapshot(d) == after_first
    assert Payment.objects.filter(dossier=d).count() == 1
    replays = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(replays) == 2 and all(attempt.reference in m and " 02 " in m for m in replays)
    assert list(GatewayNotification.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "00",
        "02",
        "02",
    ]


@pytest.mark.pg
def test_two_orders_paid_for_one_fee_record_one_payment_and_keep_the_second_to_refund(world):
    d = fees_requested(world)
    first = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    second = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    assert first.reference != second.reference
    assert pay.vnpay_notification(ipn_params(first.reference, 50000)).recorded
    outcome = pay.vnpay_notification(ipn_params(second.reference, 50000))
    assert outcome.code == "00" and not outcome.recorded  # the gateway must stop retrying
    second.refresh_from_db()
    assert second.status == AttemptStatus.DUPLICATE
    assert Payment.objects.filter(dossier=d).count() == 1


def test_a_cancelled_payment_fails_the_order_and_leaves_the_dossier_waiting(world):
    d = fees_requested(world)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    params = ipn_params(attempt.reference, 50000, vnp_ResponseCode="24", vnp_TransactionStatus="02")
    assert pay.vnpay_notification(params).code == "00"
    attempt.refresh_from_db()
    d.refresh_from_db()
    assert attempt.status == AttemptStatus.FAILED and d.state == State.FEES_REQUESTED
    assert not Payment.objects.exists()


def test_the_ipn_accepts_a_post_without_a_csrf_token(world):
    d = fees_requested(world)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/thanh-toan/vnpay/ipn/", ipn_params(attempt.reference, 50000))
    assert response.json()["RspCode"] == "00"


def test_only_the_applicant_starts_a_payment_of_a_fee_waiting(world):
    d = fees_requested(world)
    with pytest.raises(PermissionDenied):
        pay.payment_start(actor=world.other_citizen, dossier=d, gateway="vnpay")
    with pytest.raises(PermissionDenied):
        pay.payment_start(actor=world.desk, dossier=d, gateway="vnpay")
    s.dossier_record_counter_payment(actor=world.desk, dossier=d, reference="BL-1")
    d.refresh_from_db()
    with pytest.raises(DomainError) as nothing:
        pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    assert nothing.value.code == "nothing_to_pay"
    assert not PaymentAttempt.objects.exists()


def test_the_pay_page_redirects_to_the_gateway_with_a_signed_order(world):
    d = fees_requested(world)
    client = Client()
    client.force_login(world.citizen)
    page = client.get(f"/ho-so-cua-toi/{d.code}/")
    assert 'data-testid="pay-vnpay"' in page.content.decode()
    response = client.post(f"/ho-so-cua-toi/{d.code}/thanh-toan/vnpay/")
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    params = dict(parse_qsl(url.query))
    assert url.path == "/paymentv2/vpcpay.html" and vnpay_signature_ok(params, SECRET)
    attempt = PaymentAttempt.objects.get(dossier=d)
    assert params["vnp_TxnRef"] == attempt.reference and params["vnp_Amount"] == "5000000"
    assert params["vnp_ReturnUrl"] == "http://testserver/thanh-toan/vnpay/ket-qua/"
    # the return page verifies the signature and shows the order's state; it records nothing
    back = client.get("/thanh-toan/vnpay/ket-qua/", ipn_params(attempt.reference, 50000))
    assert back.status_code == 200 and 'data-testid="payment-waiting"' in back.content.decode()
    assert not Payment.objects.exists()
    forged = client.get("/thanh-toan/vnpay/ket-qua/", {"vnp_TxnRef": attempt.reference})
    assert forged.status_code == 400


@pytest.mark.pg
def test_vietqr_transfer_matched_in_the_bank_feed(world):
    d = fees_requested(world, amount=75000)
    client = Client()
    client.force_login(world.citizen)
    response = client.post(f"/ho-so-cua-toi/{d.code}/thanh-toan/vietqr/")
    attempt = PaymentAttempt.objects.get(dossier=d, gateway="vietqr")
    assert response["Location"] == f"/ho-so-cua-toi/{d.code}/chuyen-khoan/{attempt.reference}/"
    page = client.get(response["Location"]).content.decode()
    assert attempt.reference in page and 'data-testid="vietqr"' in page
    # the page again: the same reference (one QR per fee), shown on the dossier page too
    client.post(f"/ho-so-cua-toi/{d.code}/thanh-toan/vietqr/")
    assert PaymentAttempt.objects.filter(dossier=d).count() == 1
    dossier_page = client.get(f"/ho-so-cua-toi/{d.code}/").content.decode()
    shown = dossier_page[dossier_page.index('data-testid="pending-transfer"') :]
    assert attempt.reference in shown and "data:image/svg+xml;base64," in shown
    rows = [
        {
            "transaction_id": "FT1",
            "booked_at": "2026-12-05 09:00:00",
            "amount_vnd": "75000",
            "description": "CT DEN:123 " + attempt.reference.lower() + " nop phi",
            "account": ACCOUNT,
        },
        {
            "transaction_id": "FT2",
            "booked_at": "2026-12-05 09:01:00",
            "amount_vnd": "75000",
            "description": "chuyen tien an trua",
            "account": ACCOUNT,
        },
        {
            "transaction_id": "FT3",
            "booked_at": "",
            "amount_vnd": "7500",
            "description": attempt.reference,
            "account": ACCOUNT,
        },
        {
            "transaction_id": "FT4",
            "booked_at": "",
            "amount_vnd": "75000",
            "description": attempt.reference,
            "account": "999",
        },
    ]
    summary = pay.bank_feed_import(actor=world.desk, bank="VCB", rows=rows)
    assert (summary.matched, summary.unmatched, summary.wrong_amount, len(summary.refused)) == (
        1,
        1,
        1,
        1,
    )
    d.refresh_from_db()
    assert (d.state, d.paid_vnd, d.paid_online) == (State.RECEIVED, 75000, False)
    assert "pending-transfer" not in client.get(f"/ho-so-cua-toi/{d.code}/").content.decode()
    payment = Payment.objects.get(dossier=d)
    assert payment.method == "bank_transfer" and payment.receipt.number == 1
    # the same feed again changes nothing
    again = pay.bank_feed_import(actor=world.desk, bank="VCB", rows=rows)
    assert (again.matched, again.already_imported) == (0, 3)
    assert Payment.objects.filter(dossier=d).count() == 1
    assert BankTransaction.objects.count() == 3


@pytest.mark.pg
def test_a_counter_payment_gets_the_next_receipt_number_of_the_series(world):
    first, second = fees_requested(world), fees_requested(world)
    s.dossier_record_counter_payment(actor=world.desk, dossier=first, reference="BL-0001")
    attempt = pay.payment_start(actor=world.citizen, dossier=second, gateway="vnpay")
    pay.vnpay_notification(ipn_params(attempt.reference, 50000))
    numbers = list(PaymentReceipt.objects.order_by("pk").values_list("payment__method", "number"))
    assert numbers == [("counter", 1), ("gateway", 2)]
    counter = Payment.objects.get(dossier=first)
    assert counter.recorded_by == world.desk and counter.reference == "BL-0001"


def test_reconciliation_through_the_query_api_is_refused_when_the_gateway_is_down(world):
    d = fees_requested(world)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    with pytest.raises(OSError):  # nothing listens on the configured port
        pay.vnpay_reconcile(attempt)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PENDING


@pytest.mark.pg
def test_the_ioc_counts_gateway_confirmed_payments_only(world):
    from django.db.models import Sum

    from tinhso.ioc.models import DailyStat
    from tinhso.ioc.rollup import rebuild

    by_counter, by_transfer, by_gateway = (fees_requested(world) for _ in range(3))
    s.dossier_record_counter_payment(actor=world.desk, dossier=by_counter, reference="BL-9")
    transfer = pay.payment_start(actor=world.citizen, dossier=by_transfer, gateway="vietqr")
    row = {"transaction_id": "FT9", "amount_vnd": "50000", "description": transfer.reference}
    assert pay.bank_feed_import(actor=world.desk, bank="VCB", rows=[row]).matched == 1
    online = pay.payment_start(actor=world.citizen, dossier=by_gateway, gateway="vnpay")
    assert pay.vnpay_notification(ipn_params(online.reference, 50000)).recorded
    fees_requested(world)  # waiting: fee-bearing, not paid
    rebuild()
    totals = DailyStat.objects.aggregate(fee=Sum("fee_bearing"), online=Sum("paid_online"))
    assert totals == {"fee": 4, "online": 1}


@pytest.mark.pg
def test_the_import_command_reads_the_documented_csv(world, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    d = fees_requested(world)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vietqr")
    feed = tmp_path / "sao-ke.csv"
    feed.write_text(
        "transaction_id,booked_at,amount_vnd,description,account\n"
        f"FT77,2026-12-05T10:00:00+07:00,50000,{attempt.reference} NOP PHI,{ACCOUNT}\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("import_bank_feed", str(feed), "--bank", "VCB", stdout=out)
    assert out.getvalue().startswith("matched 1, unmatched 0")
    d.refresh_from_db()
    assert d.state == State.RECEIVED
    line = BankTransaction.objects.get()
    assert (line.reference, line.status, line.booked_at.isoformat()) == (
        attempt.reference,
        "matched",
        "2026-12-05T03:00:00+00:00",
    )
    feed.write_text("id,amount\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_bank_feed", str(feed), "--bank", "VCB")


def test_what_is_kept_of_an_unsolicited_notification_is_bounded(world):
    noise = {f"vnp_X{i}": "x" * 5000 for i in range(100)} | {"other": "y" * 5000}
    assert ipn(Client(), noise)["RspCode"] == "97"
    kept = GatewayNotification.objects.get().params
    assert len(kept) == 40 and max(len(v) for v in kept.values()) == 300 and "other" not in kept


@pytest.mark.pg
def test_a_bank_pushes_its_feed_signed(world, settings):
    import json

    from tinhso.payments.adapters import bank_webhook_signature

    settings.TINHSO_BANK_WEBHOOK_SECRETS = {"VCB": "bank-secret"}
    d = fees_requested(world)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vietqr")
    body = json.dumps(
        {
            "transactions": [
                {
                    "transaction_id": "FT5",
                    "booked_at": "2026-12-05 10:00:00",
                    "amount_vnd": 50000,
                    "description": f"{attempt.reference} nop phi",
                    "account": ACCOUNT,
                }
            ]
        }
    ).encode()
    url = "/thanh-toan/ngan-hang/VCB/"
    client = Client(enforce_csrf_checks=True)
    for headers in ({}, {"X-Tinhso-Signature": bank_webhook_signature("guessed", body)}):
        refused = client.post(url, body, content_type="application/json", headers=headers)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_signature"
    other_bank = client.post(
        "/thanh-toan/ngan-hang/TCB/", body, content_type="application/json",
        headers={"X-Tinhso-Signature": bank_webhook_signature("bank-secret", body)},
    )  # fmt: skip
    assert other_bank.status_code == 401
    assert not BankTransaction.objects.exists() and not Payment.objects.exists()
    signed = {"X-Tinhso-Signature": bank_webhook_signature("bank-secret", body)}
    answer = client.post(url, body, content_type="application/json", headers=signed)
    assert answer.status_code == 200 and answer.json()["matched"] == 1
    d.refresh_from_db()
    assert d.state == State.RECEIVED and Payment.objects.get(dossier=d).method == "bank_transfer"
    again = client.post(url, body, content_type="application/json", headers=signed).json()
    assert (again["matched"], again["already_imported"]) == (0, 1)
    bad = b'{"transactions": 3}'
    wrong = client.post(
        url, bad, content_type="application/json",
        headers={"X-Tinhso-Signature": bank_webhook_signature("bank-secret", bad)},
    )  # fmt: skip
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_body"
