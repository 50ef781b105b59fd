from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse
from ninja import NinjaAPI
from ninja.testing import TestClient

from tinhso.api import error_body
from tinhso.core.errors import DomainError
from tinhso.procedures.api import router
from tinhso.testing.factories import make_agencies, make_judicial_record_procedure
from tinhso.testing.factories import make_catalogue_procedure as make_procedure

pytestmark = pytest.mark.django_db


def _client() -> TestClient:
    """The router on a private API with the project's domain-error handler."""
    api = NinjaAPI(urls_namespace="procedures-test")

    @api.exception_handler(DomainError)
    def on_domain_error(request, exc):
        body = error_body(exc.code, str(exc.message), exc.details)
        return api.create_response(request, body, status=exc.status)

    api.add_router("/", router)
    return TestClient(api)


@pytest.fixture
def client():
    return _client()


@pytest.fixture
def catalogue():
    agencies = make_agencies()
    make_procedure("1.001193", "Đăng ký khai sinh", fee_note="Miễn phí")
    make_procedure("1.000656", "Đăng ký kết hôn", processing_days=None, processing_hours=4)
    make_judicial_record_procedure(agencies, "2.000908.H44.03", fee_vnd=200000)
    make_procedure("1.000001", "Khai sinh đã bãi bỏ", is_active=False)
    return agencies


def test_list_and_search(client, catalogue):
    response = client.get("/procedures?query=dang%20ky")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["code"] in {"1.001193", "1.000656"}
    assert set(first) == {
        "code",
        "name",
        "sector",
        "levels",
        "processing_days",
        "processing_hours",
        "fee_vnd",
        "online_mode",
    }
    assert set(first["sector"]) == {"code", "name"}
    hours = next(item for item in body["items"] if item["code"] == "1.000656")
    assert hours["processing_hours"] == 4 and hours["processing_days"] is None


def test_pagination_and_filters(client, catalogue):
    body = client.get("/procedures?limit=1&offset=1").json()
    assert body["count"] == 3 and len(body["items"]) == 1 and body["offset"] == 1
    body = client.get("/procedures?level=province").json()
    assert [item["code"] for item in body["items"]] == ["2.000908.H44.03"]
    body = client.get("/procedures?sector=LLTP").json()
    assert body["items"][0]["fee_vnd"] == 200000
    assert client.get("/procedures?limit=1000").status_code == 422
    assert client.get("/procedures?level=district").status_code == 422


def test_detail(client, catalogue):
    response = client.get("/procedures/2.000908.H44.03")
    assert response.status_code == 200
    body = response.json()
    assert body["deciding_agency"] == {
        "slot": "department",
        "code": "H44.03",
        "key": "so_tu_phap",
        "name": "Sở Tư pháp",
    }
    assert body["receiving_agency"]["slot"] == "service_centre"
    assert [step["share"] for step in body["steps"]] == [10, 60, 30]
    assert [c["name"] for c in body["components"]] == ["Tờ khai", "Giấy chứng sinh"]
    assert body["form_schema"]["required"] == ["child_name", "birth_date"]
    assert body["results"] == ["Giấy khai sinh"]


def test_unknown_and_withdrawn_procedures_are_404(client, catalogue):
    for code in ("9.999999", "1.000001"):
        response = client.get(f"/procedures/{code}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "unknown_procedure"


def test_sectors(client, catalogue):
    body = client.get("/sectors").json()
    assert {(s["code"], s["procedure_count"]) for s in body} == {("HOTICH", 2), ("LLTP", 1)}


def test_mounted_in_the_project_api(catalogue, client):
    """Through the real URL once the project mounts the router at /api/procedures."""
    from django.test import Client

    try:
        url = reverse("api:list_procedures")
    except NoReverseMatch:
        pytest.skip("the procedures router is not mounted in tinhso.api yet")
    response = Client().get(url, {"query": "khai sinh"})
    assert response.status_code == 200
    assert response.json()["items"][0]["code"] == "1.001193"
    missing = Client().get(reverse("api:get_procedure", kwargs={"code": "9.999999"}))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_procedure"
