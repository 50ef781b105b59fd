"""The payment receipt PDF: Vietnamese text, its number, downloadable by the applicant and
listed for the officer; nobody else gets it."""

from __future__ import annotations

import io
import unicodedata

import pytest
from django.test import Client
from pypdf import PdfReader

from tinhso.dossiers import services as s
from tinhso.payments import services as pay
from tinhso.payments.models import PaymentReceipt

from .conftest import fees_requested, ipn_params

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def world(one_stop_world, payment_settings):
    return one_stop_world


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def test_the_receipt_pdf_for_the_applicant_and_the_officer(world):
    d = fees_requested(world, amount=125000)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    pay.vnpay_notification(ipn_params(attempt.reference, 125000))
    receipt = PaymentReceipt.objects.get(payment__dossier=d)
    citizen = Client()
    citizen.force_login(world.citizen)
    page = citizen.get(f"/ho-so-cua-toi/{d.code}/").content.decode()
    url = f"/ho-so-cua-toi/{d.code}/bien-lai-thu-phi/{receipt.pk}.pdf"
    assert url in page
    response = citizen.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    for expected in (
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        "125.000 đồng",
        d.code,
        "0000001",
        "Thanh toán trực tuyến qua cổng thanh toán",
        attempt.reference,
        d.applicant_name,
    ):
        assert expected in text, expected
    desk = Client()
    desk.force_login(world.desk)
    officer_url = f"/can-bo/ho-so/{d.code}/bien-lai-thu-phi/{receipt.pk}.pdf"
    assert officer_url in desk.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert desk.get(officer_url)["Content-Type"] == "application/pdf"
    # nobody else: another citizen, an officer of another agency
    other = Client()
    other.force_login(world.other_citizen)
    assert other.get(url).status_code == 404
    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get(officer_url).status_code == 404
    # a receipt id of another dossier through this dossier's URL
    second = fees_requested(world)
    s.dossier_record_counter_payment(actor=world.desk, dossier=second, reference="BL-2")
    assert (
        citizen.get(f"/ho-so-cua-toi/{d.code}/bien-lai-thu-phi/{receipt.pk + 1}.pdf").status_code
        == 404
    )


def test_the_administration_lists_payments_read_only(world, admin_client):
    d = fees_requested(world)
    attempt = pay.payment_start(actor=world.citizen, dossier=d, gateway="vnpay")
    pay.vnpay_notification(ipn_params(attempt.reference, 50000))
    for model in ("paymentattempt", "payment", "paymentreceipt", "gatewaynotification",
                  "banktransaction"):  # fmt: skip
        page = admin_client.get(f"/admin/payments/{model}/")
        assert page.status_code == 200, model
        assert admin_client.get(f"/admin/payments/{model}/add/").status_code == 403
    assert attempt.reference in admin_client.get("/admin/payments/paymentattempt/").content.decode()
