"""The home page (now the citizen portal's), the admin gate and the health check."""

from __future__ import annotations

import pytest

from tinhso.core.models import AdministrativeUnit, UnitLevel

pytestmark = pytest.mark.django_db


def test_home_page_shows_the_province_after_the_demo(client, demo44):
    province = AdministrativeUnit.objects.get(
        level=UnitLevel.PROVINCE, code="44", valid_to__isnull=True
    )
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert province.name in page
    assert response.context["province"] == province
    assert 'action="/thu-tuc/"' in page  # the procedure search box
    assert 'action="/tra-cuu/"' in page  # the tracking box


def test_home_page_renders_on_an_empty_database(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["province"] is None
    assert list(response.context["popular"]) == []


def test_admin_redirects_anonymous_users_to_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"  # and the backlog: core/tests/test_background.py
