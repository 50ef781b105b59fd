"""The documents API: lists searched accent-insensitively within the caller's agencies, one
document with its history and status messages, the register as XLSX, structured errors."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tinhso.core.auth import token_create
from tinhso.documents import services as s
from tinhso.testing.factories import make_approved, make_registered

pytestmark = [pytest.mark.django_db, pytest.mark.pg]


def api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, name='test')}"})


def test_lists_search_within_the_callers_agencies(documents_world):
    w = documents_world
    today = timezone.localdate()
    make_registered(w)  # "Về việc rà soát thủ tục hành chính lĩnh vực hộ tịch", UBND tỉnh
    make_registered(
        w,
        sender_name="Bộ Tư pháp",
        number_symbol="77/BTP-HT",
        summary="Về việc hướng dẫn chứng thực",
        doc_date=today - dt.timedelta(days=30),
    )
    make_registered(w, actor=w.other_clerk, agency=w.construction, summary="Về việc rà soát")
    clerk = api(w.clerk)
    found = clerk.get("/api/documents/incoming").json()
    assert {d["agency_code"] for d in found} == {w.justice.code} and len(found) == 2
    hits = clerk.get("/api/documents/incoming", {"q": "ra soat thu tuc"}).json()
    assert [d["number_symbol"] for d in hits] == ["125/UBND-NC"]
    hits = clerk.get("/api/documents/incoming", {"sender": "bo tu phap"}).json()
    assert [d["number_symbol"] for d in hits] == ["77/BTP-HT"]
    hits = clerk.get(
        "/api/documents/incoming", {"date_from": str(today - dt.timedelta(days=2))}
    ).json()
    assert [d["number_symbol"] for d in hits] == ["125/UBND-NC"]
    # Another agency's documents are not the caller's.
    answer = clerk.get("/api/documents/incoming", {"agency": w.construction.code})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_agency"
    answer = clerk.get(
        "/api/documents/incoming",
        {"date_from": str(today), "date_to": str(today - dt.timedelta(1))},
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_period"
    answer = api(w.nobody).get("/api/documents/outgoing")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    assert Client().get("/api/documents/incoming").status_code == 401


def test_one_document_with_its_statuses_and_the_register(documents_world):
    w = documents_world
    issued = s.outgoing_issue(
        actor=w.clerk, document=make_approved(w, recipient_agencies=[w.construction])
    )
    arrived = issued.recipients.get().incoming
    s.incoming_acknowledge(actor=w.other_clerk, document=arrived)
    clerk = api(w.clerk)
    detail = clerk.get(f"/api/documents/outgoing/{issued.pk}").json()
    assert detail["number_symbol"] == issued.number_symbol and detail["state"] == "issued"
    (recipient,) = detail["recipients"]
    assert recipient["agency_code"] == w.construction.code
    assert [st["code"] for st in recipient["statuses"]][:2] == ["01", "03"]
    assert any(e["action"] == "issue" for e in detail["events"])
    labels = {e["action"]: e["label"] for e in detail["events"]}
    assert labels["issue"] == "Đã phát hành" and labels["draft"] == "Đã soạn dự thảo"
    # The receiver sees its copy with its history; the sender does not.
    other = api(w.other_clerk)
    incoming = other.get(f"/api/documents/incoming/{arrived.pk}").json()
    assert incoming["channel"] == "platform" and incoming["sender_code"] == w.justice.code
    assert [e["action"] for e in incoming["events"]][:1] == ["register"]
    answer = clerk.get(f"/api/documents/incoming/{arrived.pk}")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_document"
    listed = clerk.get("/api/documents/outgoing", {"q": issued.number_symbol}).json()
    assert [d["id"] for d in listed] == [issued.pk]
    # The register, as the page exports it.
    answer = clerk.get("/api/documents/registers/di.xlsx", {"year": issued.number_year})
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert issued.number_symbol in [c.value for row in sheet.iter_rows() for c in row]
    assert clerk.get("/api/documents/registers/xx.xlsx").status_code == 422
