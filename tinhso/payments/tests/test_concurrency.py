"""Receipt numbers under concurrent confirmations: gap-free per series, one payment per order
even when the gateway sends the same IPN twice at once (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tinhso.core.audit import audit_verify
from tinhso.payments import services as pay
from tinhso.payments.models import Payment, PaymentReceipt
from tinhso.testing.factories import in_threads, make_world

from .conftest import fees_requested, ipn_params

pytestmark = [pytest.mark.pg]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_number_receipts_without_gaps(settings, payment_settings):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is exercised on PostgreSQL")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TINHSO_RATE_SUBMISSIONS = "0"
    world = make_world()
    orders = []
    for _ in range(12):
        dossier = fees_requested(world)
        orders.append(pay.payment_start(actor=world.citizen, dossier=dossier, gateway="vnpay"))
    # every order's IPN is sent twice, by two threads at once
    queue = [o.reference for o in orders for _ in range(2)]
    lock = threading.Lock()
    answers: list[str] = []

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                reference = queue.pop()
            code = pay.vnpay_notification(ipn_params(reference, 50000)).code
            with lock:
                answers.append(code)

    assert in_threads(6, worker) == []
    assert sorted(answers) == ["00"] * 12 + ["02"] * 12
    assert Payment.objects.count() == 12
    numbers = sorted(PaymentReceipt.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 13))
    assert list(audit_verify()) == []
