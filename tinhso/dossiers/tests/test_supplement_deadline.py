"""Issue 16, point 7: an insufficient dossier is returned (supplement request) within 2 working
days of its documents' arrival; the requests made later are counted."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.test import Client
from openpyxl import load_workbook

from tinhso.core.auth import token_create
from tinhso.dossiers import selectors
from tinhso.dossiers import services as s
from tinhso.dossiers.models import State
from tinhso.dossiers.statistics import (
    XLSX_COLUMNS,
    XLSX_FIRST_DATA_ROW,
    XLSX_GROUP_ROW,
    agency_period_stats,
)

from .conftest import VN
from .factories import PDF_BYTES, VALID_FORM

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def received(world):
    d = s.dossier_submit(actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM)
    return s.dossier_receive(actor=world.desk, dossier=d)


def test_the_deadline_is_two_working_days_after_arrival(world, clock, settings):
    d = received(world)
    assert d.supplement_request_due_at == dt.datetime(2026, 12, 9, 9, 0, tzinfo=VN)
    clock(dt.datetime(2026, 12, 11, 16, 0, tzinfo=VN))  # Friday after the 15:00 cut-off
    settings.TINHSO_SUPPLEMENT_REQUEST_DAYS = 1
    late = received(world)
    # Counted from Monday 07:30 (the next working day), one working day: Monday's close.
    assert late.supplement_request_due_at == dt.datetime(2026, 12, 14, 17, 0, tzinfo=VN)


def test_late_requests_are_flagged_and_counted(world, clock):
    in_time = received(world)
    late = received(world)
    clock(dt.datetime(2026, 12, 8, 16, 0, tzinfo=VN))  # Tuesday: within the two days
    in_time = s.dossier_request_supplement(actor=world.desk, dossier=in_time, reason="Thiếu")
    assert in_time.events.get(action="request_supplement").data["late"] is False
    clock(dt.datetime(2026, 12, 10, 9, 0, tzinfo=VN))  # Thursday: after Wednesday 09:00
    late = s.dossier_request_supplement(actor=world.specialist, dossier=late, reason="Thiếu")
    event = late.events.get(action="request_supplement")
    assert event.data["late"] is True
    assert event.data["request_due_at"] == "2026-12-09T09:00:00+07:00"
    found = selectors.late_supplement_requests(user=world.desk)
    assert [e.dossier_id for e in found] == [late.pk]
    per_agency = found.values("dossier__deciding_agency_id").annotate(n=Count("id"))
    assert list(per_agency) == [{"dossier__deciding_agency_id": late.deciding_agency_id, "n": 1}]
    assert (
        selectors.late_supplement_requests(
            user=world.desk, start=dt.date(2026, 12, 10), end=dt.date(2026, 12, 10)
        ).count()
        == 1
    )
    assert not selectors.late_supplement_requests(
        user=world.desk, start=dt.date(2026, 12, 11)
    ).exists()
    assert not selectors.late_supplement_requests(user=world.outsider).exists()
    # The supplied documents get their own two days: a new request on Friday is in time.
    clock(dt.datetime(2026, 12, 10, 10, 0, tzinfo=VN))
    upload = SimpleUploadedFile("cccd.pdf", PDF_BYTES, content_type="application/pdf")
    late = s.dossier_supplement(actor=world.citizen, dossier=late, uploads=[(None, upload)])
    assert late.supplement_request_due_at == dt.datetime(2026, 12, 14, 10, 0, tzinfo=VN)
    late = s.dossier_accept_supplement(actor=world.desk, dossier=late)
    clock(dt.datetime(2026, 12, 11, 9, 0, tzinfo=VN))
    late = s.dossier_request_supplement(actor=world.desk, dossier=late, reason="Chưa rõ")
    assert late.events.filter(action="request_supplement").latest("seq").data["late"] is False


def test_the_deadline_through_the_api(world, clock):
    d = received(world)
    api = Client(headers={"Authorization": f"Bearer {token_create(user=world.desk, name='t')}"})
    body = api.get(f"/api/dossiers/{d.code}").json()
    assert (
        dt.datetime.fromisoformat(body["supplement_request_due_at"]) == d.supplement_request_due_at
    )
    listed = api.get("/api/dossiers", {"box": "to_process"}).json()
    assert [row["supplement_request_due_at"] for row in listed] == [
        body["supplement_request_due_at"]
    ]


def test_statistics_count_the_late_requests_per_agency(world, clock):
    """Issue 16: the column "Yêu cầu bổ sung quá hạn 2 ngày", from the requests' events."""
    in_time, late = received(world), received(world)
    clock(dt.datetime(2026, 12, 8, 16, 0, tzinfo=VN))  # Tuesday: within the two days
    s.dossier_request_supplement(actor=world.desk, dossier=in_time, reason="Thiếu")
    clock(dt.datetime(2026, 12, 10, 9, 0, tzinfo=VN))  # Thursday: late
    s.dossier_request_supplement(actor=world.desk, dossier=late, reason="Thiếu")
    december = {"start": dt.date(2026, 12, 1), "end": dt.date(2026, 12, 31)}
    rows = agency_period_stats(user=world.desk, agencies=None, **december)
    assert {row.agency_id: row.late_supplement_requests for row in rows} == {
        late.deciding_agency_id: 1
    }
    (after,) = agency_period_stats(
        user=world.desk, agencies=None, start=dt.date(2026, 12, 11), end=dt.date(2026, 12, 31)
    )
    assert after.late_supplement_requests == 0
    # The same figure in the API and in the XLSX column.
    api = Client(headers={"Authorization": f"Bearer {token_create(user=world.desk, name='t')}"})
    query = {key: day.isoformat() for key, day in december.items()}
    (body,) = api.get("/api/statistics", query).json()
    assert body["late_supplement_requests"] == 1
    sheet = load_workbook(io.BytesIO(api.get("/api/statistics.xlsx", query).content)).active
    headers = [sheet.cell(XLSX_GROUP_ROW, c).value for c in range(2, 2 + len(XLSX_COLUMNS))]
    column = 2 + headers.index("Yêu cầu bổ sung quá hạn 2 ngày")
    assert sheet.cell(XLSX_FIRST_DATA_ROW, column).value == 1


def test_a_supplied_dossier_past_its_due_date_is_overdue(world, clock):
    """The supplement supplied restarts the clock: the dossier counts in "overdue" (the list and
    the sweep) while it waits for its check, in its own list rather than "to process"."""
    d = s.dossier_request_supplement(actor=world.desk, dossier=received(world), reason="Thiếu")
    upload = SimpleUploadedFile("cccd.pdf", PDF_BYTES, content_type="application/pdf")
    d = s.dossier_supplement(actor=world.citizen, dossier=d, uploads=[(None, upload)])
    assert d.state == State.SUPPLEMENT_SUBMITTED

    def listed(box, now):
        return list(selectors.inbox(user=world.desk, box=box, now=now).values_list("pk", flat=True))

    before, after = d.legal_due_at - dt.timedelta(hours=1), d.legal_due_at + dt.timedelta(hours=1)
    assert listed("due_soon", before) == [d.pk] and listed("overdue", before) == []
    assert listed("overdue", after) == [d.pk] and listed("due_soon", after) == []
    assert listed("supplement_check", after) == [d.pk] and listed("to_process", after) == []
    assert s.deadlines_sweep(now=after)["overdue"] == [d.code]
    d.refresh_from_db()
    assert d.is_overdue
