"""The citizen pays a fee online on a phone: from the dossier waiting for fees, through the
stand-in VNPay gateway (a real process: the redirect, its payment page, the IPN to the live
server, the return page), sees processing resume and downloads the payment receipt."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from tinhso.dossiers import services as s
from tinhso.dossiers.models import Dossier, State
from tinhso.payments.models import Payment
from tinhso.procedures.models import Procedure
from tinhso.testing.factories import DEMO_BIRTH_FORM

pytestmark = pytest.mark.browser  # the SQLite half only (browser tests run in one half)


def test_citizen_pays_online_and_downloads_the_receipt(phone, demo_province, gateway):
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    users = get_user_model().objects
    citizen, desk = users.get(username="congdan1"), users.get(username="motcua.donghoi")
    procedure = Procedure.objects.get(code="1.001193")
    d = s.dossier_submit(actor=citizen, procedure=procedure, form_data=dict(DEMO_BIRTH_FORM))
    s.dossier_receive(actor=desk, dossier=d)
    d = s.dossier_request_fees(actor=desk, dossier=d, amount_vnd=8000)
    assert d.state == State.FEES_REQUESTED and d.clock_stopped_at is not None

    page = phone.page
    phone.login("congdan1", then=f"/ho-so-cua-toi/{d.code}/")
    expect(page.get_by_test_id("how-to-pay")).to_be_visible()
    expect(page.get_by_test_id("clock-stopped")).to_be_visible()
    phone.check("dossier-waiting-for-fees")

    page.get_by_test_id("pay-vnpay").click()
    page.wait_for_url(re.compile(re.escape(gateway) + r"/paymentv2/vpcpay\.html\?"))
    expect(page.get_by_test_id("amount")).to_have_text("8.000 VND")
    phone.screenshot("standin-gateway")  # the outside system's page: not ours to check
    page.get_by_role("button", name="Thanh toán").click()

    page.wait_for_url(re.compile(r"/thanh-toan/vnpay/ket-qua/\?"))
    expect(page.get_by_test_id("payment-confirmed")).to_be_visible()
    phone.check("payment-return")
    d.refresh_from_db()
    assert (d.state, d.paid_vnd, d.paid_online, d.clock_stopped_at) == (
        State.RECEIVED, 8000, True, None,
    )  # fmt: skip
    payment = Payment.objects.get(dossier=d)
    assert payment.method == "gateway" and payment.receipt.number >= 1

    page.get_by_role("link", name=re.compile("Quay lại hồ sơ|Back to the dossier")).click()
    expect(page.get_by_test_id("how-to-pay")).to_have_count(0)
    expect(page.get_by_test_id("clock-stopped")).to_have_count(0)
    phone.check("dossier-paid")
    with page.expect_download() as download:
        page.get_by_test_id("payment-receipt").click()
    pdf = download.value
    assert pdf.suggested_filename.startswith("BIEN-LAI-")
    reader = PdfReader(io.BytesIO(open(pdf.path(), "rb").read()))  # noqa: SIM115
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text and "8.000 đồng" in text and d.code in text
    assert Dossier.objects.get(pk=d.pk).payments.count() == 1
