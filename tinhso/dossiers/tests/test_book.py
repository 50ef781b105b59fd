"""BM.06, the desk's dossier tracking book: entry numbers taken at reception (per receiving
agency and year), the book per agency and period, its XLSX and PDF, BM.01 printing the entry
number, and the API."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tinhso.core.errors import PermissionDenied
from tinhso.core.numbering import take_number
from tinhso.dossiers import pdf as forms
from tinhso.dossiers import services as s
from tinhso.dossiers.book import BOOK_COLUMNS, book_to_xlsx, tracking_book
from tinhso.dossiers.models import BookCounter
from tinhso.testing.factories import api_client_for as client_for

from .factories import VALID_FORM
from .test_pdf import flat, text_of

pytestmark = [pytest.mark.django_db]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DEC_30 = dt.datetime(2026, 12, 30, 9, 0, tzinfo=VN)  # Wednesday
JAN_4 = dt.datetime(2027, 1, 4, 9, 0, tzinfo=VN)  # Monday


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


@pytest.fixture
def clock(monkeypatch):
    now = [DEC_30]
    monkeypatch.setattr("django.utils.timezone.now", lambda: now[0])
    return now


def submit(world, **extra):
    return s.dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=dict(VALID_FORM), **extra
    )


@pytest.fixture
def book(world, clock):
    """Đồng Hới's desk receives two dossiers on 30 December and one on 4 January, refuses one;
    Đồng Thuận's desk receives one. The first goes the whole way; the second is stopped."""
    first = s.dossier_receive(actor=world.desk, dossier=submit(world))
    first = s.dossier_transfer(actor=world.desk, dossier=first, to_user=world.specialist)
    clock[0] += dt.timedelta(hours=2)
    first = s.dossier_transfer(actor=world.specialist, dossier=first, to_user=world.leader)
    first = s.dossier_approve(actor=world.leader, dossier=first)
    first = s.dossier_return_result(actor=world.desk, dossier=first)
    second = s.dossier_receive(actor=world.desk, dossier=submit(world))
    second = s.dossier_stop(actor=world.leader, dossier=second, reason="Dừng")
    refused = s.dossier_refuse(actor=world.desk, dossier=submit(world), reason="Thiếu giấy tờ")
    other = s.dossier_receive(
        actor=world.outsider, dossier=submit(world, commune=world.other_committee.unit)
    )
    clock[0] = JAN_4
    third = s.dossier_receive(actor=world.desk, dossier=submit(world))
    return first, second, refused, other, third


@pytest.mark.pg  # the sequence is taken by raw SQL (INSERT … ON CONFLICT … RETURNING)
def test_entry_numbers_per_desk_and_year(world, book):
    first, second, refused, other, third = book
    assert [(d.book_year, d.book_number) for d in (first, second, third)] == [
        (2026, 1),
        (2026, 2),
        (2027, 1),  # numbering restarts each year
    ]
    assert (other.book_year, other.book_number) == (2026, 1)  # another desk, its own book
    assert refused.book_number is None  # never received: not in the book
    assert BookCounter.objects.get(agency=world.committee, year=2026).last == 2


def test_the_book_of_a_desk_for_a_period(world, book):
    first, second, _refused, _other, third = book
    entries = tracking_book(
        user=world.desk,
        agency=world.committee,
        start=dt.date(2026, 12, 15),
        end=dt.date(2027, 1, 14),
    )
    assert [(e.number, e.code) for e in entries] == [(1, first.code), (2, second.code),
                                                     (1, third.code)]  # fmt: skip
    line = entries[0]
    assert line.procedure == world.procedure.name and line.count == 1
    assert line.applicant == first.applicant_name
    assert line.deciding_agency == world.committee.name
    assert line.received_at == first.received_at and line.appointment_at == first.appointment_at
    transfer = first.events.filter(action="transfer").order_by("seq").first()
    assert line.transferred_at == transfer.at
    assert line.result_received_at == first.finished_at and line.returned_at == first.returned_at
    assert line.note in {"Trước hạn", "Đúng hạn", "Quá hạn"}
    assert entries[1].note == "Dừng xử lý" and entries[1].returned_at is None
    # A period holds the dossiers received in it only.
    (only,) = tracking_book(
        user=world.desk, agency=world.committee, start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 31)
    )
    assert only.code == third.code
    # Another agency's officer may not read it.
    with pytest.raises(PermissionDenied):
        tracking_book(
            user=world.outsider, agency=world.committee, start=dt.date(2026, 12, 1),
            end=dt.date(2026, 12, 31),
        )  # fmt: skip


def test_xlsx_pdf_and_receipt(world, book):
    first, second, *_rest = book
    start, end = dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    entries = tracking_book(user=world.desk, agency=world.committee, start=start, end=end)
    sheet = load_workbook(io.BytesIO(book_to_xlsx(entries, agency=world.committee, start=start,
                                                  end=end))).active  # fmt: skip
    headers = [sheet.cell(3, c).value or sheet.cell(2, c).value for c in range(1, 15)]
    assert headers == ["STT", *(header for _g, header, _n, _r in BOOK_COLUMNS)]
    assert sheet.cell(2, 8).value == "Ngày, tháng, năm"
    assert [sheet.cell(r, 1).value for r in (4, 5)] == [1, 2]
    assert [sheet.cell(r, 2).value for r in (4, 5)] == [first.code, second.code]
    assert sheet.cell(4, 8).value == f"{first.received_at.astimezone(VN):%d/%m/%Y %H:%M}"
    assert sheet.max_row == 5
    text = flat(text_of(forms.render_tracking_book(entries, agency=world.committee, start=start,
                                                   end=end)))  # fmt: skip
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Từ ngày 01/12/2026 đến ngày 31/12/2026" in text
    assert first.code in text and second.code in text and "Dừng xử lý" in text
    for header in ("Cơ quan chủ trì giải quyết", "Nhận kết quả từ cơ quan giải quyết", "Ký nhận"):
        assert header in text
    receipt = flat(text_of(forms.render_form("bm01", second)[0]))
    assert "Số vào Sổ theo dõi hồ sơ: 2/2026" in receipt


def test_the_book_through_the_api(world, book):
    first, second, *_rest = book
    desk = client_for(world.desk)
    query = {"agency": world.committee.code, "start": "2026-12-01", "end": "2026-12-31"}
    rows = desk.get("/api/tracking-book", query).json()
    assert [(r["number"], r["code"]) for r in rows] == [(1, first.code), (2, second.code)]
    assert rows[1]["note"] == "Dừng xử lý"
    xlsx = desk.get("/api/tracking-book.xlsx", query)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = desk.get("/api/tracking-book.pdf", query)
    assert pdf.status_code == 200 and first.code in flat(text_of(pdf.content))
    assert client_for(world.outsider).get("/api/tracking-book", query).status_code == 403
    unknown = desk.get("/api/tracking-book", {**query, "agency": "H99"})
    assert unknown.status_code == 404


def test_the_migration_numbers_the_dossiers_received_before_it(world):
    """Dossiers received before the book existed get their entries in the order of reception,
    per desk and local year, and the counters continue from there."""
    import importlib

    from django.apps import apps

    from .test_statistics import make_dossier

    migration = importlib.import_module("tinhso.dossiers.migrations.0009_tracking_book")
    a, b = world.committee, world.other_committee
    late = make_dossier(world, a, received_at=dt.datetime(2026, 3, 2, 9, tzinfo=VN))
    early = make_dossier(world, a, received_at=dt.datetime(2026, 3, 1, 9, tzinfo=VN))
    # 00:30 on 1 January in Vietnam is still 31 December in UTC.
    new_year = make_dossier(world, a, received_at=dt.datetime(2027, 1, 1, 0, 30, tzinfo=VN))
    other = make_dossier(world, b, received_at=dt.datetime(2026, 5, 1, 9, tzinfo=VN))
    submitted = make_dossier(world, a, submitted_at=dt.datetime(2026, 5, 1, 9, tzinfo=VN))
    migration.number_received_dossiers(apps, None)
    for d in (late, early, new_year, other, submitted):
        d.refresh_from_db()
    assert [(d.book_year, d.book_number) for d in (early, late, new_year, other)] == [
        (2026, 1),
        (2026, 2),
        (2027, 1),  # 00:30 on 1 January, local time: the new year's book
        (2026, 1),
    ]
    assert submitted.book_number is None
    assert BookCounter.objects.get(agency=a, year=2026).last == 2
    # The next reception continues the sequence.
    assert take_number(BookCounter, agency=a, year=2026) == 3
