"""Issue 20's journey in one browser: a person signs in with VNeID through the provider process
at level 2, submits a dossier to a procedure that requires level 2, pays its fee through the
stand-in VNPay gateway process, and downloads the payment receipt."""

from __future__ import annotations

import re
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from pypdf import PdfReader

from tinhso.dossiers import services as s
from tinhso.dossiers.models import Dossier, State
from tinhso.payments.models import Payment
from tinhso.payments.pdf import receipt_filename
from tinhso.testing.factories import make_world
from tinhso.testing.sso import allow_live_server, draft_ready, sign_in_with_vneid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAN = "044201001111"  # a VNeID level-2 account with no account on the portal yet


def test_vneid_level_2_submission_paid_online_with_its_receipt(
    desktop, live_server, provider, gateway, settings
):
    from playwright.sync_api import expect

    allow_live_server(provider, live_server, settings, gateway)
    provider.citizen(SoDinhDanh=LAN, loa=2)
    world = make_world()
    world.procedure.min_assurance_level = 2
    world.procedure.save(update_fields=["min_assurance_level"])
    page = desktop.page

    # 1. Sign in with VNeID at level 2: the account is created from the proven identity.
    sign_in_with_vneid(desktop, provider, LAN)
    assert "Bạn đã đăng nhập bằng VNeID (mức 2)" in page.content()
    person = get_user_model().objects.get(applicant__personal_id=LAN)

    # 2. Submit to the level-2 procedure (the form filled in the draft, as the earlier steps do).
    draft_ready(person, world)
    desktop.goto(reverse("portal:submit_review", kwargs={"code": world.procedure.code}))
    page.get_by_role("button", name=re.compile("Nộp hồ sơ")).click()
    page.wait_for_url(re.compile(r".*/ho-so-cua-toi/[^/]+/bien-nhan/$"))
    d = Dossier.objects.get(submitted_by=person)
    desktop.check("submitted at level 2")

    # 3. The desk receives it and asks for the fee: the clock stops.
    d = s.dossier_receive(actor=world.desk, dossier=d)
    d = s.dossier_request_fees(actor=world.desk, dossier=d, amount_vnd=25000)
    assert d.state == State.FEES_REQUESTED

    # 4. Pay through the stand-in gateway; its IPN confirms; the clock restarts.
    desktop.goto(f"/ho-so-cua-toi/{d.code}/", check="waiting for the fee")
    page.get_by_test_id("pay-vnpay").click()
    page.wait_for_url(re.compile(re.escape(gateway) + r"/paymentv2/vpcpay\.html\?"))
    expect(page.get_by_test_id("amount")).to_have_text("25.000 VND")
    page.get_by_role("button", name="Thanh toán").click()
    page.wait_for_url(re.compile(r"/thanh-toan/vnpay/ket-qua/\?"))
    expect(page.get_by_test_id("payment-confirmed")).to_be_visible()
    d.refresh_from_db()
    assert (d.state, d.paid_online, d.clock_stopped_at) == (State.RECEIVED, True, None)

    # 5. Download the receipt of the payment.
    desktop.goto(f"/ho-so-cua-toi/{d.code}/", check="paid")
    with page.expect_download() as download:
        page.get_by_test_id("payment-receipt").click()
    receipt = Payment.objects.get(dossier=d).receipt
    assert download.value.suggested_filename == receipt_filename(receipt)
    with open(download.value.path(), "rb") as downloaded:
        text = unicodedata.normalize(
            "NFC", "\n".join(p.extract_text() for p in PdfReader(downloaded).pages)
        )
    for expected in (
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        "25.000 đồng",
        d.code,
        f"{receipt.number:07d}",
        "Thanh toán trực tuyến qua cổng thanh toán",
        d.applicant_name,
    ):
        assert expected in text, expected
