"""The dossier API through Django's test client: auth, errors as structured JSON, scoping."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tinhso.core.auth import token_create
from tinhso.dossiers.models import Dossier

from .factories import PDF_BYTES, VALID_FORM

pytestmark = [pytest.mark.django_db, pytest.mark.pg]


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def client_for(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, name='t')}"})


def submit(client, key: str = "", **extra):
    body = {"procedure_code": "1.001193", "form_data": VALID_FORM, **extra}
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/dossiers", body, content_type="application/json", headers=headers)


def test_submit_requires_authentication(world):
    response = Client().post(
        "/api/dossiers", {"procedure_code": "1.001193"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_submit_track_and_idempotency(world):
    citizen = client_for(world.citizen)
    response = submit(citizen, key="k1")
    assert response.status_code == 201, response.content
    code = response.json()["code"]
    again = submit(citizen, key="k1")
    assert again.status_code == 200 and again.json()["code"] == code
    assert Dossier.objects.count() == 1
    track = Client().get(f"/api/track/{code}", {"id_number": "044090001234"})
    assert track.status_code == 200
    body = track.json()
    assert body["status"] == 1 and "applicant_name" not in body
    wrong = Client().get(f"/api/track/{code}", {"id_number": "045195004321"})
    assert wrong.status_code == 404


def test_bad_input_gets_structured_errors(world):
    citizen = client_for(world.citizen)
    unknown = submit(citizen, procedure_code="9.999999")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_procedure"
    bad_form = submit(citizen, form_data={"child_name": "A", "birth_date": "not a date"})
    assert bad_form.status_code == 400
    error = bad_form.json()["error"]
    assert error["code"] == "invalid_form" and error["message"]
    assert error["details"]["errors"]
    malformed = citizen.post("/api/dossiers", "{not json", content_type="application/json")
    assert malformed.status_code in (400, 422)
    assert Dossier.objects.count() == 0


def test_actions_roles_and_conflicts(world):
    code = submit(client_for(world.citizen)).json()["code"]
    desk, outsider = client_for(world.desk), client_for(world.outsider)
    # An officer of another agency cannot even see the dossier.
    assert outsider.get(f"/api/dossiers/{code}").status_code == 404
    forbidden = outsider.post(
        f"/api/dossiers/{code}/actions/receive", {}, content_type="application/json"
    )
    assert forbidden.status_code == 404
    other_citizen = client_for(world.other_citizen)
    assert other_citizen.get(f"/api/dossiers/{code}").status_code == 404
    spec = client_for(world.specialist)
    denied = spec.post(f"/api/dossiers/{code}/actions/receive", {}, content_type="application/json")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    ok = desk.post(f"/api/dossiers/{code}/actions/receive", {}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == 2
    assert "transfer" in ok.json()["actions"]
    conflict = desk.post(
        f"/api/dossiers/{code}/actions/receive", {}, content_type="application/json"
    )
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "invalid_transition"
    detail = desk.get(f"/api/dossiers/{code}").json()
    assert [e["action"] for e in detail["events"]] == ["submit", "receive"]


def test_file_upload_and_private_download(world):
    citizen = client_for(world.citizen)
    code = submit(citizen).json()["code"]
    upload = SimpleUploadedFile("giấy chứng sinh.pdf", PDF_BYTES, "application/pdf")
    response = citizen.post(f"/api/dossiers/{code}/files", {"files": [upload]})
    assert response.status_code == 201, response.content
    file_id = response.json()[0]["id"]
    assert response.json()[0]["name"] == "giấy chứng sinh.pdf"
    fake = SimpleUploadedFile("anh.png", b"GIF89a-not-png", "image/png")
    refused = citizen.post(f"/api/dossiers/{code}/files", {"files": [fake]})
    assert refused.status_code == 400
    got = citizen.get(f"/api/dossiers/{code}/files/{file_id}")
    assert got.status_code == 200 and got.content == PDF_BYTES
    assert (
        client_for(world.other_citizen).get(f"/api/dossiers/{code}/files/{file_id}").status_code
        == 404
    )
    assert Client().get(f"/api/dossiers/{code}/files/{file_id}").status_code == 401


def test_lists_are_scoped(world):
    submit(client_for(world.citizen))
    assert len(client_for(world.citizen).get("/api/dossiers").json()) == 1
    assert client_for(world.other_citizen).get("/api/dossiers").json() == []
    inbox = client_for(world.desk).get("/api/dossiers", {"box": "to_receive"}).json()
    assert len(inbox) == 1
    assert client_for(world.outsider).get("/api/dossiers", {"box": "to_receive"}).json() == []


def test_statistics_endpoints_are_scoped(world):
    code = submit(client_for(world.citizen)).json()["code"]
    desk = client_for(world.desk)
    desk.post(f"/api/dossiers/{code}/actions/receive", {}, content_type="application/json")
    rows = client_for(world.desk).get("/api/statistics").json()
    assert [row["agency_code"] for row in rows] == ["H44.40.01"]
    assert rows[0]["new_online"] == 1
    assert client_for(world.citizen).get("/api/statistics").status_code == 403
    xlsx = client_for(world.desk).get("/api/statistics.xlsx", {"by": "unit"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_statistics_api_balances_over_report_periods(world):
    """The rows balance, the default period is the current report month, report and calendar
    periods are accepted, and the desks' reception has its own endpoint."""
    from tinhso.core.periods import Period

    code = submit(client_for(world.citizen)).json()["code"]
    desk = client_for(world.desk)
    desk.post(f"/api/dossiers/{code}/actions/receive", {}, content_type="application/json")
    desk.post(
        f"/api/dossiers/{code}/actions/stop", {"reason": "Dừng"}, content_type="application/json"
    )
    leader = client_for(world.leader)
    stopped = leader.post(
        f"/api/dossiers/{code}/actions/stop", {"reason": "Dừng"}, content_type="application/json"
    )
    assert stopped.status_code == 200, stopped.content
    (row,) = leader.get("/api/statistics").json()
    assert row["received_total"] == 1 and row["stopped"] == 1 and row["in_progress_total"] == 0
    assert row["received_total"] == (
        row["resolved_total"]
        + row["returned_or_withdrawn"]
        + row["stopped"]
        + row["in_progress_total"]
    )
    key = Period.current_report_month().key
    assert leader.get("/api/statistics", {"period": key}).json() == [row]
    (old,) = leader.get("/api/statistics", {"period": "BC2020-03"}).json()
    assert old["received_total"] == 0
    bad = leader.get("/api/statistics", {"period": "BC2026-13"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_period"
    (desk_row,) = desk.get("/api/statistics/reception").json()
    assert (desk_row["agency_code"], desk_row["new_online"], desk_row["new_total"]) == (
        "H44.40.01",
        1,
        1,
    )


def test_receipt_pdf_download_is_scoped(world):
    code = submit(client_for(world.citizen)).json()["code"]
    desk = client_for(world.desk)
    desk.post(f"/api/dossiers/{code}/actions/receive", {}, content_type="application/json")
    pdf = client_for(world.citizen).get(f"/api/dossiers/{code}/forms/bm01.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        client_for(world.other_citizen).get(f"/api/dossiers/{code}/forms/bm01.pdf").status_code
        == 404
    )
    unavailable = desk.get(f"/api/dossiers/{code}/forms/bm03.pdf")
    assert unavailable.status_code == 400
    assert unavailable.json()["error"]["code"] == "form_unavailable"
