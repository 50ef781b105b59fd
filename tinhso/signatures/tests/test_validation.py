"""The public validator, page and API: anyone uploads a PDF and sees each signature; bad input gets
its reason; the uploads are never stored; the validator is rate-limited per address."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import weasyprint
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tinhso.signatures import pades
from tinhso.testing.factories import minimal_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def signed_pdf(pki, django_settings_for_pki) -> bytes:
    def make() -> bytes:
        document = weasyprint.HTML(string="<h1>Giấy phép xây dựng</h1>").write_pdf()
        first = pades.sign_pdf(document, pki.signer("leader"), field_name="ChuKyLanhDao")
        return pades.sign_pdf(first, pki.signer("agency"), field_name="ChuKyCoQuan")

    # In a thread of its own: a browser test may ask for it first, and Playwright's sync API
    # keeps an event loop running in the test's thread (pyHanko runs its own).
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(make).result()


@pytest.fixture(scope="module")
def django_settings_for_pki(pki):
    from django.conf import settings

    saved = (
        settings.TINHSO_SIGNATURE_TRUST_ROOTS,
        settings.TINHSO_REVOCATION_ALLOWLIST,
        settings.TINHSO_TSA_URL,
    )
    settings.TINHSO_SIGNATURE_TRUST_ROOTS = [str(pki.dir / "root.pem")]
    settings.TINHSO_REVOCATION_ALLOWLIST = [pki.url + "/"]
    settings.TINHSO_TSA_URL = pki.urls["tsa"]
    yield
    (
        settings.TINHSO_SIGNATURE_TRUST_ROOTS,
        settings.TINHSO_REVOCATION_ALLOWLIST,
        settings.TINHSO_TSA_URL,
    ) = saved


def upload(data: bytes, name: str = "giay-phep.pdf"):
    return {"file": SimpleUploadedFile(name, data, content_type="application/pdf")}


def test_the_api_reports_each_signature(trust, signed_pdf):
    response = Client().post("/api/signatures/validate", upload(signed_pdf))
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(s["field"], s["signer"], s["verdict"]) for s in body] == [
        ("ChuKyLanhDao", "Nguyễn Văn An", "valid"),
        ("ChuKyCoQuan", "Ủy ban nhân dân xã Demo", "valid"),
    ]
    assert body[0]["chain"] == [
        "Nguyễn Văn An",
        "tinhso Demo Issuing CA",
        "tinhso Demo Root CA",
    ]
    assert body[0]["timestamp_time"] and body[0]["modifications"] in ("form filling", "none")


@pytest.mark.parametrize(
    "data, code",
    [
        (minimal_pdf(), "no_signature"),
        (b"%PDF-1.7 broken", "bad_pdf"),
        (b"MZ\x90\x00 not a pdf", "bad_pdf"),
    ],
)
def test_bad_input_gets_its_reason(trust, data, code):
    response = Client().post("/api/signatures/validate", upload(data))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_no_file_and_a_too_large_file_are_refused(trust, settings):
    response = Client().post("/api/signatures/validate", {})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "no_file")
    settings.TINHSO_SIGNATURE_MAX_UPLOAD = 1000
    response = Client().post("/api/signatures/validate", upload(minimal_pdf() + b" " * 2000))
    assert response.json()["error"]["code"] == "file_too_large"
    page = Client().post("/kiem-tra-chu-ky/", upload(b"%PDF-" + b" " * 100_000))
    assert page.status_code == 413 and "Tệp quá lớn" in page.content.decode()


def test_the_validator_is_rate_limited_per_address(trust, settings):
    settings.TINHSO_RATE_SIGNATURE_VALIDATIONS = "2/h"
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [
        client.post("/api/signatures/validate", upload(minimal_pdf())).status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_the_page_shows_the_signatures_in_vietnamese(trust, signed_pdf, media_untouched):
    response = Client().post("/kiem-tra-chu-ky/", upload(signed_pdf))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('data-verdict="valid"') == 2
    assert "Chữ ký hợp lệ" in text and "Nguyễn Văn An" in text


@pytest.fixture
def media_untouched(settings):
    from pathlib import Path

    yield
    root = Path(settings.MEDIA_ROOT)
    assert not root.exists() or not any(root.rglob("*"))  # nothing of the upload was kept


@pytest.mark.browser
def test_the_validation_page_in_a_browser(trust, signed_pdf, phone, desktop, tmp_path):
    changed = bytearray(signed_pdf)
    changed[150] ^= 0x01
    files = {"ok": tmp_path / "giay-phep-ky-so.pdf", "changed": tmp_path / "bi-sua.pdf"}
    files["ok"].write_bytes(signed_pdf)
    files["changed"].write_bytes(bytes(changed))
    for browsing, name in ((phone, "ok"), (desktop, "changed")):
        browsing.goto("/kiem-tra-chu-ky/", check="form")
        browsing.page.set_input_files("#sig-file", str(files[name]))
        browsing.page.get_by_test_id("validate-form").locator("button").click()
        browsing.page.get_by_test_id("signature").first.wait_for()
        browsing.check(f"result-{name}")
        verdicts = [
            el.get_attribute("data-verdict")
            for el in browsing.page.get_by_test_id("signature").all()
        ]
        assert verdicts == (["valid", "valid"] if name == "ok" else ["invalid", "invalid"])
