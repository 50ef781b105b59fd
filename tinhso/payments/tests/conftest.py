"""Payments tests: the demo merchant and account configured, a dossier waiting for fees."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from tinhso.dossiers import services as s
from tinhso.payments.adapters import vnpay_sign
from tinhso.testing.factories import VALID_FORM

TMN_CODE = "TESTMERCH"
SECRET = "test-vnpay-secret-0123456789"
BANK_BIN, ACCOUNT = "970415", "113366668888"


@pytest.fixture
def payment_settings(settings):
    settings.TINHSO_VNPAY_URL = "http://127.0.0.1:9/paymentv2/vpcpay.html"
    settings.TINHSO_VNPAY_API_URL = "http://127.0.0.1:9/merchant_webapi/api/transaction"
    settings.TINHSO_VNPAY_TMN_CODE = TMN_CODE
    settings.TINHSO_VNPAY_HASH_SECRET = SECRET
    settings.TINHSO_VIETQR_BANK_BIN = BANK_BIN
    settings.TINHSO_VIETQR_ACCOUNT = ACCOUNT
    settings.TINHSO_PAYMENT_RECEIPT_SERIES = "BLP"
    return settings


def fees_requested(world, amount: int = 50000):
    """A dossier of the world's citizen, received, waiting for ``amount`` VND of fees."""
    d = s.dossier_submit(actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    return s.dossier_request_fees(actor=world.desk, dossier=d, amount_vnd=amount)


def ipn_params(reference: str, amount_vnd: int, *, secret: str = SECRET, **changes) -> dict:
    """The signed parameters VNPay sends (IPN and return) for a paid order."""
    params = {
        "vnp_Amount": str(amount_vnd * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP14226112",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": "Thanh toan phi ho so",
        "vnp_PayDate": dt.datetime.now().strftime("%Y%m%d%H%M%S"),
        "vnp_ResponseCode": "00",
        "vnp_TmnCode": TMN_CODE,
        "vnp_TransactionNo": "14226112",
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": reference,
    }
    params.update(changes)
    params["vnp_SecureHash"] = vnpay_sign(params, secret)
    return params


@pytest.fixture
def gateway(live_server, settings):
    """The stand-in gateway calling the live server's IPN; the settings pointing at it."""
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tinhso.standins.vnpay", "--port", "0", "--tmn-code", TMN_CODE,
         "--secret", SECRET, "--ipn-url", live_server.url + "/thanh-toan/vnpay/ipn/"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    url = process.stdout.readline().strip().rsplit(" ", 1)[-1].rstrip("/")
    assert url.startswith("http://127.0.0.1:"), url
    settings.TINHSO_VNPAY_URL = url + "/paymentv2/vpcpay.html"
    settings.TINHSO_VNPAY_API_URL = url + "/merchant_webapi/api/transaction"
    settings.TINHSO_VNPAY_TMN_CODE, settings.TINHSO_VNPAY_HASH_SECRET = TMN_CODE, SECRET
    settings.TINHSO_VIETQR_BANK_BIN, settings.TINHSO_VIETQR_ACCOUNT = "970415", "113366668888"
    yield url
    process.terminate()
    process.wait(timeout=5)
