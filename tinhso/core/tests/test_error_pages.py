"""Issue 17, point 8: every error in the caller's shape, with DEBUG on and off.

The API answers ``{"error": {...}}`` (413 for a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, 500
for a bug, 404 for a path it has not), Open311 its error array, the pages the site's error page
in Vietnamese; with DEBUG on, only a superuser sees Django's debug page for a 404 (officers
are staff: they get the Vietnamese page). The bug is made in
Django's database layer (an execute wrapper raising an error no code expects), so the whole path
runs for real.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tinhso.core.auth import token_create
from tinhso.dossiers.services import dossier_submit
from tinhso.dossiers.tests.factories import VALID_FORM
from tinhso.testing.factories import make_superuser
from tinhso.testing.faults import every_statement_raises

pytestmark = pytest.mark.django_db

VI = {"Accept-Language": "vi"}
DEBUG_PAGE = "DEBUG = True"  # Django's technical pages say so
SITE_STYLE = "/static/css/tinhso.css"


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def bug_in_the_database_layer():
    return every_statement_raises(ZeroDivisionError("a bug"))


def assert_vietnamese_page(response, status: int, *texts: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert '<html lang="vi">' in page and SITE_STYLE in page
    assert DEBUG_PAGE not in page and "Traceback" not in page
    for text in texts:
        assert text in page, text
    return page


def test_an_api_request_over_the_size_limit_is_a_413_in_the_error_shape(debug, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    token = token_create(user=world.citizen, name="t")
    body = b'{"procedure_code": "x", "form_data": {"note": "' + b"a" * (3 * 1024 * 1024) + b'"}}'
    response = Client().post(
        "/api/dossiers", body, content_type="application/json",
        headers={"Authorization": f"Bearer {token}", **VI},
    )  # fmt: skip
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "body_too_large",
        "message": "Yêu cầu quá lớn: tối đa 2,0\xa0MB, không kể các tệp đính kèm.",
        "details": {},
    }


def test_open311_and_a_page_over_the_size_limit_answer_413_in_their_shape(debug, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = {"description": "a" * 4096}
    open311 = Client().post("/open311/v2/requests.json", big, headers=VI)
    assert open311.status_code == 413
    assert open311.json() == [
        {
            "code": 413,
            "description": "Yêu cầu quá lớn: tối đa 1,0\xa0KB, không kể các tệp đính kèm.",
        }
    ]
    page = Client().post("/dang-nhap/", big, headers=VI)
    assert_vietnamese_page(page, 413, "Yêu cầu quá lớn")


def test_a_bug_inside_the_api_is_a_500_in_the_error_shape(debug, world):
    token = token_create(user=world.citizen, name="t")
    client = Client(headers={"Authorization": f"Bearer {token}", **VI})
    client.raise_request_exception = False  # the test client re-raises what Django reports
    with bug_in_the_database_layer():
        response = client.get("/api/dossiers")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == {
        "code": "server_error",
        "message": "Hệ thống gặp lỗi và chưa thực hiện thao tác nào. Vui lòng thử lại sau.",
        "details": {},
    }


def test_a_bug_on_a_page_is_the_500_page_without_the_database(settings):
    settings.DEBUG = False  # with DEBUG on a page's bug shows the debug page: that is DEBUG's use
    client = Client(raise_request_exception=False)
    with bug_in_the_database_layer():
        response = client.get("/thu-tuc/", headers=VI)  # the 500 page itself reads nothing
    assert_vietnamese_page(response, 500, "Lỗi hệ thống", "Vui lòng thử lại sau")


def test_unknown_paths_are_404_in_every_shape(debug):
    client = Client(headers=VI)
    api = client.get("/api/khong-co")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    open311 = client.get("/open311/v2/requests/khong-co.json")
    assert open311.status_code == 404 and open311.json()[0]["code"] == 404
    assert_vietnamese_page(client.get("/khong-co/"), 404, "Không tìm thấy trang")


def test_a_page_the_user_may_not_see_is_the_vietnamese_page_not_the_debug_page(debug, world):
    """A citizen on an officers' page: 403; an officer of another commune on a dossier: 404
    (the access rule hides it); both in Vietnamese, with the view's own message."""
    dossier = dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=dict(VALID_FORM),
        commune=world.commune,
    )  # fmt: skip
    citizen, outsider = Client(headers=VI), Client(headers=VI)
    citizen.force_login(world.citizen)
    outsider.force_login(world.outsider)
    assert_vietnamese_page(
        citizen.get("/can-bo/phan-anh/"), 403, "Không có quyền truy cập", "dành cho cán bộ"
    )
    page = assert_vietnamese_page(outsider.get(f"/can-bo/ho-so/{dossier.code}/"), 404)
    assert "Không tìm thấy trang" in page and dossier.code in page


def test_with_debug_on_a_superuser_still_gets_the_debug_page(settings):
    settings.DEBUG = True
    developer = Client(headers=VI)
    developer.force_login(make_superuser())
    response = developer.get("/khong-co/")
    assert response.status_code == 404 and DEBUG_PAGE in response.content.decode()


def test_the_error_pages_render_in_vietnamese_with_the_site_style(rf):
    """403/404/500/503.html as Django's own handlers would draw them (no title or message)."""
    from django.template import loader

    for name, text in [
        ("403.html", "Không có quyền truy cập"),
        ("404.html", "Không tìm thấy trang"),
        ("500.html", "Lỗi hệ thống"),
        ("503.html", "Hệ thống đang tạm thời gián đoạn"),
    ]:
        page = loader.render_to_string(name, {})
        assert SITE_STYLE in page and text in page, name


def test_a_form_without_its_csrf_token_gets_the_vietnamese_403_page(debug):
    client = Client(enforce_csrf_checks=True, headers=VI)
    page = assert_vietnamese_page(client.post("/dang-nhap/", {"username": "a"}), 403)
    assert "Biểu mẫu đã hết hạn" in page


def test_an_error_page_that_cannot_be_drawn_falls_back_to_a_plain_page(settings, tmp_path):
    """Without the static files' manifest (``DEBUG`` off, no collectstatic) the site's template
    fails: the answer is still the page in Vietnamese, not a 500 from the error path."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path  # empty: no manifest
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    response = Client(headers=VI).get("/khong-co/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="vi">' in page and "Không tìm thấy trang" in page
    assert SITE_STYLE not in page  # the plain page: the template could not be drawn


def test_too_many_fields_is_a_400_in_the_error_shape(debug, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    query = "&".join(f"f{n}=1" for n in range(11))
    response = Client(headers=VI).get(f"/api/procedures?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_fields"
