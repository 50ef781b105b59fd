"""The dossier API through Django's test client: auth, errors as structured JSON, scoping."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from tinhso.dossiers.models import Dossier, DossierEvent, DossierFile
from tinhso.testing.factories import api_client_for as client_for
from tinhso.testing.factories import api_submit as submit
from tinhso.testing.factories import packed_pdf

from .factories import PDF_BYTES, VALID_FORM

# Idempotency (the unique constraint), the scoped lists, the statistics (aggregates over dates),
# the over-long values (PostgreSQL enforces column lengths, SQLite does not) and the state
# conflicts run on both databases; the plain request checks on SQLite only (docs/architecture.md).
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def test_submit_requires_authentication(world):
    response = Client().post(
        "/api/dossiers", {"procedure_code": "1.001193"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.pg
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


@pytest.mark.pg
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


def test_pdf_with_javascript_in_an_object_stream_gets_a_structured_error(world):
    """Issue 17, finding 7, through the API: the script is compressed, the answer is clear."""
    citizen = client_for(world.citizen)
    code = submit(citizen).json()["code"]
    hidden = packed_pdf(b"<</S/JavaScript/JS(app.alert(1))>>", catalog=b"/OpenAction 4 0 R")
    upload = SimpleUploadedFile("to-khai.pdf", hidden, "application/pdf")
    response = citizen.post(f"/api/dossiers/{code}/files", {"files": [upload]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "pdf_active_content" and error["details"] == {"found": "javascript"}
    assert "JavaScript" in error["message"] and "không được chấp nhận" in error["message"]
    assert not DossierFile.objects.filter(dossier__code=code).exists()


@pytest.mark.pg
def test_lists_are_scoped(world):
    submit(client_for(world.citizen))
    assert len(client_for(world.citizen).get("/api/dossiers").json()) == 1
    assert client_for(world.other_citizen).get("/api/dossiers").json() == []
    inbox = client_for(world.desk).get("/api/dossiers", {"box": "to_receive"}).json()
    assert len(inbox) == 1
    assert client_for(world.outsider).get("/api/dossiers", {"box": "to_receive"}).json() == []


@pytest.mark.pg
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


@pytest.mark.pg
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


# --- input shape (issue 17): the red-team's payloads, answered with field paths and codes -------


def test_form_data_outside_the_schema_or_over_its_caps_is_refused(world):
    citizen = client_for(world.citizen)
    response = submit(citizen, form_data={**VALID_FORM, "extra": [0] * 1000})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_form"
    assert [(e["field"], e["code"]) for e in error["details"]["errors"]] == [
        ("extra", "unknown_field")
    ]
    # A string where the schema gives no maxLength gets the default cap.
    with override_settings(TINHSO_FORM_TEXT_MAX_LENGTH=50):
        long = submit(citizen, form_data={**VALID_FORM, "birth_date": "2" * 51})
    assert long.status_code == 400
    found = {(e["field"], e["code"]) for e in long.json()["error"]["details"]["errors"]}
    assert ("birth_date", "too_long") in found
    assert Dossier.objects.count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=4096)
def test_a_body_over_the_cap_is_a_structured_413(world):
    """The 10 MB string of the red-team run, replayed as one byte over a 4 KB cap."""
    citizen = client_for(world.citizen)
    body = {"procedure_code": "1.001193", "form_data": {**VALID_FORM, "child_name": "x"}}
    padding = 4096 - len(json.dumps(body)) + 1
    body["form_data"]["child_name"] = "x" * (1 + padding)
    response = citizen.post("/api/dossiers", body, content_type="application/json")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "body_too_large" and "4,0" in error["message"]
    assert Dossier.objects.count() == 0


@pytest.mark.pg
def test_an_over_long_reason_is_refused_and_nothing_is_written(world):
    citizen = client_for(world.citizen)
    code = submit(citizen).json()["code"]
    events = DossierEvent.objects.count()
    url = f"/api/dossiers/{code}/actions/withdraw"
    response = citizen.post(url, {"reason": "x" * 2001}, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "too_long" and error["details"] == {"field": "reason", "limit": 2000}
    assert DossierEvent.objects.count() == events
    ok = citizen.post(url, {"reason": "x" * 2000}, content_type="application/json")
    assert ok.status_code == 200, ok.content


@pytest.mark.pg
def test_an_over_long_applicant_name_at_the_counter_is_refused(world):
    """PostgreSQL would refuse the 201st character with a DataError (a 500): the service
    refuses it first, naming the field."""
    desk = client_for(world.desk)
    response = submit(
        desk,
        channel=1,
        applicant_name="x" * 201,
        applicant_id_number="044090001234",
        commune_code=world.commune.code,
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "too_long" and error["details"]["field"] == "applicant_name"
    assert Dossier.objects.count() == 0


def act(client, code: str, action: str, **body):
    return client.post(
        f"/api/dossiers/{code}/actions/{action}", body, content_type="application/json"
    )


def test_legal_due_date_and_appointment_through_the_api(world, monkeypatch):
    """Issue 16 point 1: both dates exposed (``due_at`` kept as the appointment); a letter within
    the lead time moves only the appointment; a late one is refused with ``apology_too_late``;
    finishing after the legal due date is late whatever the appointment."""
    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    clock = {"at": dt.datetime(2026, 12, 7, 9, 0, tzinfo=vn)}
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock["at"])
    code = submit(client_for(world.citizen)).json()["code"]
    desk, spec, lead = (client_for(u) for u in (world.desk, world.specialist, world.leader))
    body = act(desk, code, "receive").json()
    legal = dt.datetime.fromisoformat(body["legal_due_at"])
    assert legal == dt.datetime(2026, 12, 10, 9, 0, tzinfo=vn)
    assert body["appointment_at"] == body["due_at"] == body["legal_due_at"]
    act(desk, code, "transfer", to_user=world.specialist.username)
    clock["at"] = dt.datetime(2026, 12, 9, 9, 30, tzinfo=vn)  # within a working day of the due
    assert "extend" not in spec.get(f"/api/dossiers/{code}").json()["actions"]
    late = act(spec, code, "extend", reason="Cần xác minh", extra_days=2)
    assert late.status_code == 409 and late.json()["error"]["code"] == "apology_too_late"
    clock["at"] = dt.datetime(2026, 12, 8, 9, 0, tzinfo=vn)
    body = act(spec, code, "extend", reason="Cần xác minh", extra_days=2).json()
    assert dt.datetime.fromisoformat(body["legal_due_at"]) == legal
    appointment = dt.datetime.fromisoformat(body["appointment_at"])
    assert appointment == dt.datetime(2026, 12, 14, 9, 0, tzinfo=vn)
    assert body["due_at"] == body["appointment_at"]
    again = act(spec, code, "extend", reason="Lần hai", extra_days=1)
    assert again.status_code == 409 and again.json()["error"]["code"] == "extension_limit"
    act(spec, code, "transfer", to_user=world.leader.username)
    clock["at"] = dt.datetime(2026, 12, 11, 10, 0, tzinfo=vn)  # before the appointment
    body = act(lead, code, "approve").json()
    assert body["timeliness"] == "late"
    # The citizen's tracking shows the appointment, not the legal due date.
    track = Client().get(f"/api/track/{code}", {"id_number": "044090001234"}).json()
    assert dt.datetime.fromisoformat(track["appointment_at"]) == appointment
    assert "legal_due_at" not in track


def test_supplement_through_the_api_restarts_the_clock(world, monkeypatch):
    """Issue 16 point 3: the supplement uploaded through the API sets status 4 and restarts the
    clock at once; the officer's acceptance a day later moves nothing."""
    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    clock = {"at": dt.datetime(2026, 12, 7, 9, 0, tzinfo=vn)}
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock["at"])
    citizen = client_for(world.citizen)
    code = submit(citizen).json()["code"]
    desk, spec = client_for(world.desk), client_for(world.specialist)
    act(desk, code, "receive")
    act(desk, code, "transfer", to_user=world.specialist.username)
    clock["at"] = dt.datetime(2026, 12, 7, 10, 0, tzinfo=vn)
    assert act(spec, code, "request_supplement", reason="Thiếu CCCD").json()["status"] == 5
    clock["at"] = dt.datetime(2026, 12, 8, 10, 0, tzinfo=vn)  # one working day later
    upload = SimpleUploadedFile("cccd.pdf", PDF_BYTES, content_type="application/pdf")
    response = citizen.post(f"/api/dossiers/{code}/files?supplement=true", {"files": [upload]})
    assert response.status_code in (200, 201), response.content
    body = citizen.get(f"/api/dossiers/{code}").json()
    assert (body["state"], body["status"]) == ("supplement_submitted", 4)
    due = body["legal_due_at"]
    assert dt.datetime.fromisoformat(due) == dt.datetime(2026, 12, 11, 9, 0, tzinfo=vn)
    clock["at"] = dt.datetime(2026, 12, 9, 14, 0, tzinfo=vn)
    body = act(spec, code, "accept_supplement").json()
    assert (body["state"], body["status"], body["legal_due_at"]) == ("processing", 4, due)
