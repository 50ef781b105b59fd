"""Issue 17, point 1: NUL and invalid Unicode are refused at the boundary, on every input path.

Each test replays an attack of the outside run. Before the guard, a lone surrogate (the JSON escape
``\\ud800``) in a form field or a withdraw reason was stored on SQLite and every later visit of the
citizen's and the officer's dossier page answered 500; on PostgreSQL the request itself was a 500.
NUL was refused only in ``application/json`` bodies.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tinhso.core.auth import token_create
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.services import dossier_submit
from tinhso.dossiers.tests.factories import PDF_BYTES, VALID_FORM, make_world

pytestmark = [pytest.mark.django_db, pytest.mark.pg]
MESSAGE = "Yêu cầu có chứa ký tự NUL hoặc văn bản Unicode không hợp lệ, không được chấp nhận."


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def dossier(world):
    return dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=dict(VALID_FORM),
        commune=world.commune,
    )  # fmt: skip


def api_client(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, name='t')}"})


def assert_api_refused(response) -> None:
    assert response.status_code == 400, response.content
    assert response.json() == {
        "error": {"code": "invalid_character", "message": MESSAGE, "details": {}}
    }


def assert_page_refused(response) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert '<html lang="vi">' in page and MESSAGE in page


def submission(child_name: str) -> str:
    """The submission body as the attacker wrote it: JSON escapes, ASCII only."""
    form = {**VALID_FORM, "child_name": child_name}
    return json.dumps({"procedure_code": "1.001193", "form_data": form})


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/xml"])
@pytest.mark.parametrize("text", ["Ng\ud800c", "Ng\udfffc", "Ng\x00c", "\ud83d"])
def test_api_submission_with_nul_or_a_lone_surrogate_is_refused(world, content_type, text):
    body = submission(text)
    assert "\\u" in body  # sent as a JSON escape, as in the attack
    response = api_client(world.citizen).post("/api/dossiers", body, content_type=content_type)
    assert_api_refused(response)
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b'{"procedure_code": "1.001193", "form_data": {"child_name": "Ng\xed\xa0\x80c"}}',
        b'{"procedure_code": "1.001193", "form_data": {"child_name": "Ng\x00c"}}',
        b'{"procedure_code": "1.001193", "form_data": {"child_name": "Ng\xffc"}}',
        b'{"procedure_code": "1.001193", "form_data": {"\\ud800": "x"}}',
    ],
    ids=["raw-surrogate", "raw-nul", "not-utf8", "surrogate-key"],
)
def test_api_body_with_raw_invalid_bytes_is_refused(world, body):
    for content_type in ("application/json", "text/plain"):
        response = api_client(world.citizen).post("/api/dossiers", body, content_type=content_type)
        assert_api_refused(response)
    assert not Dossier.objects.exists()


def test_valid_text_that_looks_suspect_is_accepted(world):
    """A surrogate pair (an emoji), an escaped backslash before "ud800" and other control
    characters are valid text: no false alarm."""
    citizen = api_client(world.citizen)
    for name in ("Ngọc 😀", "Ng\\ud800c", "Ng\x01\x1f\x7fc"):
        response = citizen.post("/api/dossiers", submission(name), content_type="application/json")
        assert response.status_code == 201, response.content
    names = sorted(d.form_data["child_name"] for d in Dossier.objects.all())
    assert names == sorted(["Ngọc 😀", "Ng\\ud800c", "Ng\x01\x1f\x7fc"])


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_withdraw_reason_with_a_lone_surrogate_leaves_both_dossier_pages_working(
    world, dossier, content_type
):
    body = json.dumps({"reason": "Không cần n\ud800a"})
    response = api_client(world.citizen).post(
        f"/api/dossiers/{dossier.code}/actions/withdraw", body, content_type=content_type
    )
    assert_api_refused(response)
    dossier.refresh_from_db()
    assert dossier.status == 1  # still received online, not withdrawn
    citizen, officer = Client(), Client()
    citizen.force_login(world.citizen)
    officer.force_login(world.desk)
    assert citizen.get(f"/ho-so-cua-toi/{dossier.code}/").status_code == 200
    assert officer.get(f"/can-bo/ho-so/{dossier.code}/").status_code == 200


def test_query_string_with_nul_is_refused_on_the_api_and_on_pages(world):
    assert_api_refused(Client().get("/api/core/units", {"province": "4\x004"}))
    assert_page_refused(Client().get("/thu-tuc/", {"q": "khai\x00sinh"}))
    assert_page_refused(Client().get("/thu-tuc/", {"q\x00": "khai sinh"}))


def test_page_forms_with_nul_are_refused_urlencoded_and_multipart(world, dossier):
    citizen = Client()
    citizen.force_login(world.citizen)
    url = f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/"
    assert_page_refused(citizen.post(url, {"reason": "Không cần n\x00a"}))  # multipart
    assert_page_refused(
        citizen.post(
            url,
            "reason=Kh%C3%B4ng%20c%E1%BA%A7n%00",
            content_type="application/x-www-form-urlencoded",
        )
    )
    dossier.refresh_from_db()
    assert dossier.status == 1


def test_uploaded_file_name_keeps_no_nul_nor_invalid_bytes(world, dossier):
    """Django's parser drops a file name's non-printable characters, and a part whose headers are
    not UTF-8 altogether, before any code sees the name: stored clean, the page still opens."""
    citizen = api_client(world.citizen)
    url = f"/api/dossiers/{dossier.code}/files"
    upload = SimpleUploadedFile("giay\x00chung\x01sinh.pdf", PDF_BYTES, "application/pdf")
    response = citizen.post(url, {"files": [upload]})
    assert response.status_code == 201, response.content
    assert response.json()[0]["name"] == "giaychungsinh.pdf"
    body = (
        b"--BoUnDaRy\r\n"
        b'Content-Disposition: form-data; name="files"; filename="giay\xed\xa0\x80.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + PDF_BYTES + b"\r\n--BoUnDaRy--\r\n"
    )
    response = citizen.post(url, body, content_type="multipart/form-data; boundary=BoUnDaRy")
    assert response.status_code == 422  # no file in the request, as the parser sees it
    assert [f.original_name for f in dossier.files.all()] == ["giaychungsinh.pdf"]
    page = Client()
    page.force_login(world.citizen)
    assert page.get(f"/ho-so-cua-toi/{dossier.code}/").status_code == 200


def test_file_content_is_not_text_and_may_hold_nul_bytes(world, dossier):
    content = PDF_BYTES + b"\x00\xed\xa0\x80"
    upload = SimpleUploadedFile("giay-chung-sinh.pdf", content, "application/pdf")
    response = api_client(world.citizen).post(
        f"/api/dossiers/{dossier.code}/files", {"files": [upload]}
    )
    assert response.status_code == 201, response.content


def test_open311_post_with_nul_gets_the_error_array(world):
    for fmt in ("json", "xml"):
        response = Client().post(
            f"/open311/v2/requests.{fmt}",
            {"api_key": "o311_x", "service_code": "rac-thai", "description": "R\x00c"},
        )
        assert response.status_code == 400
        if fmt == "json":
            assert response.json() == [{"code": 400, "description": MESSAGE}]
        else:
            assert response["Content-Type"].startswith("text/xml")
            assert MESSAGE.encode() in response.content


def test_headers_with_nul_are_refused(world):
    """The Idempotency-Key is stored with the dossier, a failed login's User-Agent by axes."""
    body = submission("Nguyễn Thị Bảo Ngọc")
    response = api_client(world.citizen).post(
        "/api/dossiers", body, content_type="application/json", headers={"Idempotency-Key": "k\x00"}
    )
    assert_api_refused(response)
    assert not Dossier.objects.exists()
    login = Client(headers={"User-Agent": "Mozilla\x00"})
    assert_page_refused(login.post("/dang-nhap/", {"username": "x", "password": "y"}))


def test_a_lone_surrogate_nested_too_deep_to_walk_is_refused_not_a_server_error(world):
    for depth in (900, 5000):
        nested = "[" * depth + '"\\ud800"' + "]" * depth
        body = '{"procedure_code": "1.001193", "form_data": {"child_name": ' + nested + "}}"
        response = api_client(world.citizen).post("/api/dossiers", body, content_type="text/plain")
        assert_api_refused(response)
