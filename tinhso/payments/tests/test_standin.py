"""The stand-in VNPay gateway as a real process: it checks the redirect, takes the buyer's
choice, calls the IPN, and answers the query API, which the reconciliation uses."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tinhso.payments import services as pay
from tinhso.payments.adapters import vnpay_signature_ok
from tinhso.payments.models import AttemptStatus, GatewayNotification, Payment
from tinhso.testing.factories import free_port

from .conftest import SECRET, TMN_CODE, fees_requested

pytestmark = [pytest.mark.django_db]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def standin():
    ipn_port = free_port()  # nobody listens: the IPN fails and is retried in the background
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "tinhso.standins.vnpay",
            "--port",
            "0",
            "--tmn-code",
            TMN_CODE,
            "--secret",
            SECRET,
            "--ipn-url",
            f"http://127.0.0.1:{ipn_port}/ipn",
            "--retries",
            "1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    url = process.stdout.readline().strip().rsplit(" ", 1)[-1].rstrip("/")
    assert url.startswith("http://127.0.0.1:"), url
    yield url
    process.terminate()
    process.wait(timeout=5)


@pytest.fixture
def world(one_stop_world, payment_settings, standin):
    payment_settings.TINHSO_VNPAY_URL = standin + "/paymentv2/vpcpay.html"
    payment_settings.TINHSO_VNPAY_API_URL = standin + "/merchant_webapi/api/transaction"
    return one_stop_world


def fetch(url: str, data: bytes | None = None) -> tuple[int, str, str]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, data=data, timeout=10) as response:
            return response.status, response.read().decode(), response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers.get("Location", "")


def test_the_standin_refuses_a_tampered_redirect(world, standin):
    d = fees_requested(world)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    url = pay.vnpay_redirect_url(attempt, return_url="http://127.0.0.1:1/back")
    assert fetch(url)[0] == 200
    status, body, _ = fetch(url.replace("vnp_Amount=5000000", "vnp_Amount=100"))
    assert status == 400 and "invalid signature" in body


def test_pay_at_the_standin_then_reconcile_through_the_query_api(world, standin):
    d = fees_requested(world)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    url = pay.vnpay_redirect_url(attempt, return_url="http://127.0.0.1:1/back?x=1")
    status, page, _ = fetch(url)
    assert status == 200 and "50.000 VND" in page
    # before the buyer decides, the query says pending: nothing is recorded
    assert pay.vnpay_reconcile(attempt).message == "pending"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PENDING
    form = urllib.parse.urlencode({"order": attempt.reference, "choice": "pay"}).encode()
    status, _, location = fetch(standin + "/paymentv2/pay", form)
    assert status == 303 and location.startswith("http://127.0.0.1:1/back?x=1&")
    back = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert vnpay_signature_ok(back, SECRET) and back["vnp_ResponseCode"] == "00"
    # the IPN could not reach us: the query API tells, and the payment is recorded once
    outcome = pay.vnpay_reconcile(attempt)
    assert outcome.code == "00" and outcome.recorded
    assert pay.vnpay_reconcile(attempt).code == "02"
    assert Payment.objects.filter(dossier=d).count() == 1
    assert list(GatewayNotification.objects.filter(kind="query").values_list("outcome", flat=True))[
        -2:
    ] == ["00", "02"]
    orders = json.loads(fetch(standin + "/orders.json")[1])
    assert any(entry["order"] == attempt.reference for entry in orders["ipn"])


def test_the_periodic_reconciliation_records_what_the_gateway_says_was_paid(world, standin):
    import datetime as dt

    from tinhso.payments.tasks import reconcile_payments

    paid, cancelled = fees_requested(world), fees_requested(world)
    for dossier, choice in ((paid, "pay"), (cancelled, "cancel")):
        attempt = pay.payment_start(actor=world.citizen, dossier=dossier, gateway="vnpay")
        fetch(pay.vnpay_redirect_url(attempt, return_url="http://127.0.0.1:1/back"))
        form = urllib.parse.urlencode({"order": attempt.reference, "choice": choice}).encode()
        assert fetch(standin + "/paymentv2/pay", form)[0] == 303
    assert pay.payments_reconcile().asked == 0  # too recent: the IPN may still come
    result = pay.payments_reconcile(older_than=dt.timedelta(0))
    assert (result.asked, result.recorded, result.failed, result.errors) == (2, 1, 1, 0)
    assert Payment.objects.filter(dossier=paid).exists()
    assert not Payment.objects.filter(dossier=cancelled).exists()
    assert reconcile_payments.call() == {"asked": 0, "recorded": 0, "failed": 0, "errors": 0}


def test_run_all_starts_the_standin_gateway_calling_this_servers_ipn(settings):
    """``make run``: the stand-in on the payment URL's port, for the configured merchant and
    secret, calling the IPN of the address ``run-all`` serves; none when the stand-in is off."""
    from tinhso.core.management.commands.run_all import programs

    settings.TINHSO_VNPAY_URL = "http://127.0.0.1:8795/paymentv2/vpcpay.html"
    settings.TINHSO_VNPAY_TMN_CODE, settings.TINHSO_VNPAY_HASH_SECRET = "TINHSO01", "s3cret"
    settings.TINHSO_VNPAY_IPN_URL = ""
    settings.TINHSO_VNPAY_STANDIN = False
    assert "vnpay" not in programs("127.0.0.1:8000")
    settings.TINHSO_VNPAY_STANDIN = True
    argv = programs("0.0.0.0:8000")["vnpay"]
    assert argv[1:3] == ["-m", "tinhso.standins.vnpay"]
    assert dict(zip(argv[3::2], argv[4::2], strict=True)) == {
        "--host": "127.0.0.1",
        "--port": "8795",
        "--tmn-code": "TINHSO01",
        "--secret": "s3cret",
        "--ipn-url": "http://127.0.0.1:8000/thanh-toan/vnpay/ipn/",
    }
