"""The workspace in a real browser: counter reception end to end (with the BM.01 receipt),
inbox → dossier → actions for the desk and the specialist, and the inbox on a phone."""

from __future__ import annotations

import re

import pytest

from tinhso.dossiers.models import Channel, Dossier, FileKind, State
from tinhso.dossiers.tests.factories import PDF_BYTES
from tinhso.testing.factories import DEMO_BIRTH_FORM

pytestmark = pytest.mark.browser

BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh: commune level, received by the commune's desk
BIRTH_FORM = {**DEMO_BIRTH_FORM, "noi_sinh": "Bệnh viện đa khoa tỉnh Quảng Bình"}


def two_page_pdf() -> bytes:
    """A PDF of two A4 pages, each with a black square drawn on it (what a scan shows)."""
    square = b"0 0 0 rg 100 300 300 300 re f"
    bodies = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R 4 0 R]/Count 2>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 5 0 R>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 5 0 R>>",
        b"<</Length %d>>\nstream\n%s\nendstream" % (len(square), square),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, start)
    return bytes(out)


def scan(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": two_page_pdf()}


def online_birth_dossier() -> Dossier:
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tinhso.dossiers.services import dossier_submit
    from tinhso.procedures.models import Procedure

    procedure = Procedure.objects.get(code=BIRTH)
    component = procedure.components.order_by("order").first()
    upload = SimpleUploadedFile("to-khai.pdf", PDF_BYTES, content_type="application/pdf")
    return dossier_submit(
        actor=get_user_model().objects.get(username="congdan1"),
        procedure=procedure,
        form_data=dict(BIRTH_FORM),
        uploads=[(component, upload)],
    )


def fill_reception(page, *, id_number: str, scans: bool = True) -> None:
    page.locator('[name="applicant_name"]').fill("Phạm Thị Hương")
    page.locator('[name="applicant_id_number"]').fill(id_number)
    page.locator('[name="applicant_phone"]').fill("0905123456")
    page.locator('[name="applicant_address"]').fill("3 Hùng Vương, Phường Đồng Hới")
    page.locator('[name="f-ho_ten_nguoi_yeu_cau"]').fill("Phạm Thị Hương")
    page.locator('[name="f-so_dinh_danh_nguoi_yeu_cau"]').fill("044190012345")
    page.locator('[name="f-ho_ten_tre"]').fill("Phạm Gia Bảo")
    page.locator('[name="f-ngay_sinh"]').fill("2026-02-14")
    page.get_by_role("radio", name="Nam", exact=True).check()
    page.locator('[name="f-noi_sinh"]').fill("Trạm y tế Phường Đồng Hới")
    if not scans:
        return
    required = page.locator('input[type=file][name^="component_"][required]')
    for index in range(required.count()):
        required.nth(index).set_input_files(scan(f"ban-scan-{index + 1}.pdf"))


def test_counter_reception_end_to_end(desktop, demo_province):
    page = desktop.page
    desktop.login("motcua.donghoi")
    assert page.url.endswith("/can-bo/")
    desktop.check("inbox")
    desktop.goto("/can-bo/tiep-nhan/", check="reception-search")

    # Search the catalogue (htmx, without diacritics) and pick the procedure.
    page.locator('input[name="q"]').fill("dang ky khai sinh")
    page.locator(f'#procedure-results a[data-procedure="{BIRTH}"]').click()
    page.wait_for_url(re.compile(r"procedure=1\.001193"))
    desktop.check("reception-form")
    # The desk's commune is chosen for it.
    chosen = page.locator('[name="commune"] option:checked').inner_text()
    assert chosen.startswith("Phường Đồng Hới")

    # A wrong ID number: refused in the page, next to the field, no dossier; the chosen scans
    # are kept (issue 18 point 9), listed by name.
    required = page.locator('input[type=file][name^="component_"][required]').count()
    fill_reception(page, id_number="12345")
    page.locator('[data-testid="receive-dossier"]').click()
    error = page.locator("#id_applicant_id_number_error")
    error.wait_for()
    assert page.locator("#id_applicant_id_number").get_attribute("aria-invalid") == "true"
    assert Dossier.objects.count() == 0
    kept = page.get_by_test_id("kept-file")
    assert kept.count() == required >= 1
    assert kept.first.inner_text().strip() == "ban-scan-1.pdf"
    desktop.check("reception-error")
    # One kept scan removed (htmx sends the button): the form comes back without it; it is
    # chosen again.
    second = page.locator(".ws-kept").nth(1)
    field = second.locator('input[type="hidden"]').get_attribute("name").removesuffix("_kept")
    second.get_by_role("button", name=re.compile("Gỡ bỏ|Remove")).click()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=kept-file]').length < 2")
    assert kept.count() == required - 1
    page.locator(f'input[type=file][name="{field}"]').set_input_files(scan("ban-scan-2b.pdf"))

    # Corrected, without choosing the other scans again: received on the spot, with them.
    page.locator('[name="applicant_id_number"]').fill("044190012345")
    page.locator('[data-testid="receive-dossier"]').click()
    page.wait_for_url(re.compile(r"/can-bo/ho-so/"))
    desktop.check("dossier-received")
    code = page.get_by_test_id("dossier-code").inner_text().strip()
    dossier = Dossier.objects.get(code=code)
    assert dossier.channel == Channel.COUNTER and dossier.state == State.RECEIVED
    assert dossier.applicant_id_number == "044190012345"
    assert dossier.files.filter(kind=FileKind.COMPONENT).count() >= 2
    assert page.get_by_test_id("status").inner_text().strip() != ""
    names = sorted(dossier.files.values_list("original_name", flat=True))
    assert names[:2] == ["ban-scan-1.pdf", "ban-scan-2b.pdf"]

    # The scan previews in the page: pdf.js draws its pages on a canvas (no frame), with page
    # navigation; the download link stays.
    row = page.locator("tr", has_text="ban-scan-1.pdf")
    assert row.locator("a[download]").count() == 1
    row.get_by_role("button", name=re.compile("Xem trước|Preview")).click()
    canvas = page.locator('[data-testid="preview-canvas"][data-rendered="1"]')
    canvas.wait_for()
    dark = page.evaluate(
        """() => {
            const c = document.querySelector('[data-testid="preview-canvas"]');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] < 50 && d[i + 3] > 200) n++;
            return n;
        }"""
    )
    assert dark > 1000  # the black square of the page is drawn
    assert page.locator("[data-preview-page]").inner_text().strip() in {"Trang 1/2", "Page 1 of 2"}
    page.locator("[data-preview-next]").click()
    page.locator('[data-testid="preview-canvas"][data-rendered="2"]').wait_for()
    assert page.locator("[data-preview-next]").is_disabled()
    desktop.check("dossier-preview")

    # Print the receipt (BM.01): a real PDF, for this dossier.
    receipt = page.get_by_test_id("print-receipt")
    assert re.search("In giấy tiếp nhận|Print receipt", receipt.inner_text())
    response = page.request.get(desktop.url(receipt.get_attribute("href")))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF") and len(body) > 1000


def test_inbox_to_dossier_to_actions(desktop, desktop2, demo_province):
    from django.contrib.auth import get_user_model

    dossier = online_birth_dossier()
    page = desktop.page
    desktop.login("motcua.donghoi")
    desktop.check("inbox")

    # Switch list with htmx and back: the URL follows, the page is not reloaded.
    page.locator('a[data-box="to_process"]').click()
    page.wait_for_url(re.compile(r"box=to_process"))
    assert page.locator('a[data-box="to_process"]').get_attribute("aria-current") == "page"
    page.locator('a[data-box="to_receive"]').click()
    page.wait_for_url(re.compile(r"box=to_receive"))
    row = page.locator(f'tr[data-code="{dossier.code}"]')
    row.wait_for()
    desktop.check("inbox-to-receive")

    row.get_by_role("link", name=dossier.code).click()
    page.wait_for_url(re.compile(re.escape(f"/can-bo/ho-so/{dossier.code}/")))
    desktop.check("dossier-submitted")
    page.get_by_label(re.compile("^(Ghi chú|Note)$")).first.fill("Đủ thành phần hồ sơ")
    page.locator('[data-action="receive"]').click()
    page.wait_for_load_state()
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED
    desktop.check("dossier-received")

    # Hand over to the commune's specialist.
    specialist = get_user_model().objects.get(username="chuyenvien.donghoi")
    page.locator("#id_transfer-to_user").select_option(value=str(specialist.pk))
    page.locator('[data-action="transfer"]').click()
    page.wait_for_load_state()
    dossier.refresh_from_db()
    assert dossier.current_step.order == 2 and dossier.assignee.username == "chuyenvien.donghoi"
    desktop.check("dossier-transferred")

    # The specialist finds it in their list and asks for a supplement.
    other = desktop2.page
    desktop2.login("chuyenvien.donghoi")
    other.locator(f'tr[data-code="{dossier.code}"] a').click()
    other.wait_for_url(re.compile(re.escape(dossier.code)))
    desktop2.check("specialist-dossier")
    other.locator('[data-action="request_supplement"]').click()  # no reason yet
    other.locator("#id_request_supplement-reason_error").wait_for()
    desktop2.check("supplement-error")
    other.locator("#id_request_supplement-reason").fill("Thiếu bản sao giấy chứng nhận kết hôn")
    other.locator("#id_request_supplement-items").fill("Giấy chứng nhận kết hôn")
    other.locator('[data-action="request_supplement"]').click()
    other.wait_for_load_state()
    dossier.refresh_from_db()
    assert dossier.state == State.SUPPLEMENT_REQUESTED
    assert other.locator('[data-form="bm02"]').count() == 1
    desktop2.check("supplement-requested")


def test_inbox_and_dossier_on_a_phone(phone, demo_province):
    dossier = online_birth_dossier()
    phone.login("motcua.donghoi")
    phone.check("inbox-phone")
    phone.page.locator(f'tr[data-code="{dossier.code}"] a').click()
    phone.page.wait_for_url(re.compile(re.escape(dossier.code)))
    phone.check("dossier-phone")
    phone.goto("/can-bo/thong-ke/", check="statistics-phone")
