"""A database that cannot serve a request gets a 503 with Retry-After, never a 500.

The outage is made inside Django's database layer (an execute wrapper that fails every
statement the way a restarting PostgreSQL does), so the whole path runs for real: the view, the
service's transaction, the middleware, the response. ``bench/fault.py`` does the same with a
real PostgreSQL restart.
"""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from tinhso.core.auth import token_create
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.factories import VALID_FORM
from tinhso.testing.faults import every_statement_raises

pytestmark = [pytest.mark.django_db, pytest.mark.pg]

MESSAGE_VI = "Hệ thống đang tạm thời gián đoạn"


def database_down():
    return every_statement_raises(OperationalError("server closed the connection unexpectedly"))


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def test_an_api_submission_during_an_outage_is_a_503_and_its_retry_succeeds(world):
    token = token_create(user=world.citizen, name="t")
    citizen = Client(headers={"Authorization": f"Bearer {token}"})
    body = {"procedure_code": world.procedure.code, "form_data": VALID_FORM}
    headers = {"Idempotency-Key": "outage-1", "Accept-Language": "vi"}
    with database_down():
        response = citizen.post(
            "/api/dossiers", body, content_type="application/json", headers=headers
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    error = response.json()["error"]
    assert error["code"] == "unavailable" and error["message"].startswith(MESSAGE_VI)
    assert not Dossier.objects.exists()
    retried = citizen.post("/api/dossiers", body, content_type="application/json", headers=headers)
    again = citizen.post("/api/dossiers", body, content_type="application/json", headers=headers)
    assert (retried.status_code, again.status_code) == (201, 200)
    assert Dossier.objects.count() == 1


def test_a_page_during_an_outage_is_a_503_page_in_vietnamese(client):
    with database_down():
        response = client.get("/thu-tuc/", headers={"Accept-Language": "vi"})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    page = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="vi">' in page and MESSAGE_VI in page and "Tạm thời gián đoạn" in page


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_during_an_outage_answers_its_error_format(client, fmt):
    with database_down():
        response = client.get(f"/open311/v2/services.{fmt}", headers={"Accept-Language": "vi"})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    body = response.content.decode()
    if fmt == "json":
        assert response.json()[0]["code"] == 503
        assert response.json()[0]["description"].startswith(MESSAGE_VI)
    else:
        assert "<errors>" in body and "<code>503</code>" in body and MESSAGE_VI in body


def test_healthz_says_unavailable_for_the_load_balancer(client):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json() == {"status": "unavailable"}
    assert client.get("/healthz").status_code == 200  # and recovers with the database


def test_other_errors_stay_server_errors(rf):
    """Only the database's unavailability is a 503: a bug is still a 500 (and logged as one)."""
    from django.db import IntegrityError, InterfaceError

    from tinhso.core.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = rf.get("/api/dossiers")
    for error in (ZeroDivisionError(), IntegrityError("duplicate key"), ValueError("x")):
        assert middleware.process_exception(request, error) is None
    for error in (OperationalError("deadlock detected"), InterfaceError("connection closed")):
        assert middleware.process_exception(request, error).status_code == 503
