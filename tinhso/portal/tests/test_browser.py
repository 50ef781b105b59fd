"""The citizen's journey on a phone: search without accents, read the procedure, submit online
with an uploaded PDF, get the receipt, find the dossier in "My dossiers", track it publicly."""

from __future__ import annotations

import re

import pytest

from tinhso.dossiers.models import Dossier, State
from tinhso.dossiers.tests.factories import PDF_BYTES
from tinhso.procedures.models import Procedure

pytestmark = pytest.mark.browser

BIRTH = "Thủ tục đăng ký khai sinh"


def test_citizen_submits_online_and_tracks_on_a_phone(phone, demo_province):
    from playwright.sync_api import expect

    page = phone.page
    phone.goto("/", check="home")
    phone.login("congdan1")

    # Search while typing, without Vietnamese accents and with a typo (htmx swaps the results
    # in; the page says which words it searched).
    phone.goto("/thu-tuc/")
    expect(page.locator("#result-count")).to_contain_text("70")
    page.locator("#q").press_sequentially("dang ky khai sih", delay=15)
    expect(page).to_have_url(re.compile(r"q=dang(\+|%20)ky(\+|%20)khai(\+|%20)sih"))
    expect(page.locator("#result-count")).not_to_contain_text("70")
    expect(page.get_by_test_id("search-corrected")).to_contain_text("«dang ky khai sinh»")
    link = page.get_by_role("link", name=BIRTH, exact=True)
    expect(link).to_be_visible()
    phone.check("procedures-search")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BIRTH)
    # What the national portal shows: the steps, the blank form, the ways to get the result.
    expect(page.get_by_test_id("procedure-steps").locator("li")).to_have_count(5)
    expect(page.get_by_role("link", name=re.compile("Tải mẫu đơn, tờ khai"))).to_be_visible()
    expect(page.get_by_test_id("delivery-methods")).to_contain_text("bưu chính công ích")
    phone.check("procedure")

    page.get_by_test_id("submit-online").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Nộp hồ sơ trực tuyến|Submit online")
    )
    # Data entered once: the applicant's name and ID number come from the profile.
    expect(page.locator("#f-ho_ten_nguoi_yeu_cau")).to_have_value("Nguyễn Văn Đức")
    expect(page.locator("#f-so_dinh_danh_nguoi_yeu_cau")).to_have_value("044090001234")
    expect(page.locator("#id_commune")).to_have_value("18880")
    phone.check("submit-form")

    # A first try without the child's data shows the errors in place.
    page.get_by_role("button", name=re.compile("^(Tiếp tục|Continue)$")).click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    expect(page.locator("#f-ho_ten_tre")).to_have_attribute("aria-invalid", "true")
    phone.check("submit-form-errors")

    page.locator("#f-ho_ten_tre").fill("Nguyễn Thị Bảo Ngọc")
    page.locator("#f-ngay_sinh").fill("2026-03-01")
    page.get_by_label("Nữ", exact=True).check()
    page.locator("#f-noi_sinh").fill("Bệnh viện Hữu nghị Việt Nam – Cu Ba Đồng Hới")
    procedure = Procedure.objects.get(code="1.001193")
    for component in procedure.components.filter(required=True):
        upload = page.get_by_test_id(f"upload-{component.pk}")
        expect(page.get_by_label(component.name, exact=True)).to_have_count(1)
        upload.set_input_files(
            {"name": f"thanh-phan-{component.order}.pdf", "mimeType": "application/pdf",
             "buffer": PDF_BYTES}
        )  # fmt: skip
        expect(page.locator(f"#component-{component.pk} .uploaded")).to_contain_text(
            f"thanh-phan-{component.order}.pdf"
        )
    phone.check("submit-form-uploaded")
    page.get_by_role("button", name=re.compile("^(Tiếp tục|Continue)$")).click()

    expect(page.get_by_text("01/03/2026")).to_be_visible()
    expect(page.get_by_test_id("review-delivery")).to_contain_text("Bộ phận một cửa")
    phone.check("review")
    page.get_by_role("button", name=re.compile("^(Nộp hồ sơ|Submit dossier)$")).click()

    code = page.get_by_test_id("dossier-code").inner_text().strip()
    phone.check("receipt")
    dossier = Dossier.objects.get(code=code)
    assert dossier.state == State.SUBMITTED
    assert dossier.applicant_id_number == "044090001234"
    assert dossier.form_data["ho_ten_tre"] == "Nguyễn Thị Bảo Ngọc"
    assert dossier.files.count() == 2
    assert Dossier.objects.filter(submitted_by=dossier.submitted_by).count() == 1

    page.get_by_role("link", name=re.compile("^(Hồ sơ của tôi|My dossiers)$")).last.click()
    expect(page.get_by_role("link", name=code)).to_be_visible()
    phone.check("my-dossiers")
    page.get_by_role("link", name=code).click()
    expect(page.get_by_test_id("status")).to_have_class(re.compile(r"\bs1\b"))
    phone.check("my-dossier")

    phone.goto(f"/tra-cuu/{code}/", check="tracking")
    expect(page.get_by_test_id("status")).to_be_visible()
    assert "044090001234" not in page.content()
    response = phone.goto("/tra-cuu/H44.99-000000-0000/")
    assert response.status == 404
    # Chromium logs the page's own 404 status as a console error: expected here, nothing else.
    assert all("404" in error for error in phone.errors), phone.errors
    phone.errors.clear()
    expect(page.get_by_role("alert")).to_contain_text("H44.99-000000-0000")
    phone.check("tracking-unknown")
