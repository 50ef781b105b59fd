"""The printed forms BM.01–BM.05: real dossiers walked through the services, rendered to PDF,
and the text read back with pypdf."""

from __future__ import annotations

import base64
import datetime as dt
import io
import time
import unicodedata
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tinhso.core.errors import DomainError
from tinhso.dossiers import pdf as forms
from tinhso.dossiers import services as s
from tinhso.testing.factories import submit_at_counter
from tinhso.testing.factories import submit_online as submit

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
RECEIVED = dt.datetime(2027, 2, 3, 10, 0, tzinfo=VN)  # due Mon 15/02/2027 10:00 (Tết 2027)


@pytest.fixture
def world(settings, one_stop_world):
    settings.SITE_URL = "https://dichvucong.example.vn/"
    return one_stop_world


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def text_of(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return nfc("\n".join(page.extract_text() for page in reader.pages))


def flat(text: str) -> str:
    """Whitespace-insensitive form (table cells may wrap)."""
    return " ".join(text.split())


@pytest.fixture
def received(world, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: RECEIVED)
    return s.dossier_receive(actor=world.desk, dossier=submit(world))


def test_receipt_has_code_name_and_appointment(world, received):
    d = received
    data = forms.render_receipt(d)
    text = text_of(data)
    assert d.code in text
    assert nfc("Nguyễn Văn Đức") in text
    assert d.applicant_id_number in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND PHƯỜNG ĐỒNG HỚI" in text  # agency name, upper-cased in the header
    flat_text = flat(text)
    assert "Hẹn trả kết quả: 10 giờ 00 phút, ngày 15/02/2027" in flat_text
    assert "10 giờ 00 phút, ngày 03/02/2027" in flat_text  # received
    # How the time is counted (issue 16 point 9): from when, the working day, the cut-off.
    assert "thời hạn tính từ 10 giờ 00 phút, ngày 03/02/2027" in flat_text
    assert "8 giờ/ngày: 07:00–11:30, 13:30–17:00" in flat_text
    assert "sau 15:00 hoặc vào ngày nghỉ được tính như tiếp nhận vào đầu ngày làm việc" in flat_text
    assert "Thủ tục đăng ký khai sinh" in text
    assert "Giấy chứng sinh" in text and "giay-chung-sinh.pdf" in text
    assert "Bản chính" in text
    assert "Trực tuyến" in text
    assert "Võ Thị Lan" in text  # the receiving officer
    assert f"https://dichvucong.example.vn/tra-cuu/{d.code}" in flat_text


def test_receipt_after_the_cut_off_counts_from_the_next_working_day(world, monkeypatch):
    """Received Tue 2 Feb 2027 15:30: counted from Wed 3 Feb 07:00, the start of the next
    working day, and BM.01 says so."""
    at = dt.datetime(2027, 2, 2, 15, 30, tzinfo=RECEIVED.tzinfo)
    monkeypatch.setattr("django.utils.timezone.now", lambda: at)
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    html = forms.render_html("bm01_receipt.html", forms.receipt_context(d))  # the PDF's source
    assert "thời hạn tính từ 07 giờ 00 phút, ngày 03/02/2027" in html


def test_qr_code_is_an_inline_svg_of_the_tracking_url(world, received):
    url = forms.tracking_url(received.code, signed=True)  # with the token: test_tracking.py
    assert url.startswith(f"https://dichvucong.example.vn/tra-cuu/{received.code}/?t=")
    uri = forms.qr_data_uri(url)
    prefix = "data:image/svg+xml;base64,"
    if uri.startswith(prefix):
        svg = base64.b64decode(uri[len(prefix) :]).decode()
    else:
        assert uri.startswith("data:image/svg+xml")
        svg = uri
    assert "<svg" in svg and "http" not in svg.replace("http://www.w3.org", "")
    context = forms.receipt_context(received)
    assert context["qr"] == uri
    html = forms.render_html("bm01_receipt.html", context)
    assert f'<img src="{uri}"' in html
    # WeasyPrint draws the SVG as vector paths: one filled rectangle per run of dark modules.
    reader = PdfReader(io.BytesIO(forms.html_to_pdf(html)))
    without = PdfReader(io.BytesIO(forms.html_to_pdf(html.replace(uri, ""))))
    drawn = reader.pages[0].get_contents().get_data()
    assert len(drawn) > len(without.pages[0].get_contents().get_data()) + 500
    assert b" re" in drawn or b" l" in drawn


def test_receipt_money_and_formatting_helpers():
    assert forms.fmt_money(75000) == "75.000 đồng"
    assert forms.fmt_money(1250000) == "1.250.000 đồng"
    assert forms.fmt_money(0) == "0 đồng"
    utc = dt.datetime(2027, 2, 15, 3, 0, tzinfo=dt.UTC)
    assert forms.fmt_appointment(utc) == "10 giờ 00 phút, ngày 15/02/2027"
    assert forms.fmt_appointment(utc.isoformat()) == "10 giờ 00 phút, ngày 15/02/2027"
    assert forms.fmt_datetime(utc) == "15/02/2027 10:00"
    assert forms.fmt_date(dt.datetime(2027, 2, 14, 18, 30, tzinfo=dt.UTC)) == "15/02/2027"


def test_receipt_of_a_counter_dossier_not_yet_received(world):
    world.procedure.fee_vnd = 75000
    world.procedure.save()
    d = submit_at_counter(world, applicant_address="Số 5 Quang Trung, Phường Đồng Hới")
    data, name = forms.render_form("bm01", d)
    assert name == f"BM01-{d.code}.pdf"
    text = flat(text_of(data))
    assert "Lê Văn Tám" in text and "Số 5 Quang Trung" in text
    assert "75.000 đồng" in text
    assert "Trực tiếp tại Bộ phận Một cửa" in text
    assert "Võ Thị Lan" in text  # entered at the counter by the desk officer


def test_supplement_request(world, received):
    d = s.dossier_transfer(actor=world.desk, dossier=received, to_user=world.specialist)
    d = s.dossier_request_supplement(
        actor=world.specialist,
        dossier=d,
        reason="Giấy chứng sinh bị mờ, không đọc được",
        items=["CCCD của mẹ", "Giấy chứng sinh bản chính rõ nét"],
    )
    data, name = forms.render_form("bm02", d)
    assert name == f"BM02-{d.code}.pdf"
    text = flat(text_of(data))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert d.code in text and "Nguyễn Văn Đức" in text
    assert "CCCD của mẹ" in text and "Giấy chứng sinh bản chính rõ nét" in text
    assert "Giấy chứng sinh bị mờ, không đọc được" in text
    assert "Đặng Văn Nam" in text  # the officer who asked
    event = d.events.get(action="request_supplement")
    assert forms.render_supplement_request(d, event).startswith(b"%PDF-")


def test_refusal(world):
    d = submit(world)
    d = s.dossier_refuse(actor=world.desk, dossier=d, reason="Thiếu giấy chứng sinh bản chính")
    data, name = forms.render_form("BM.03", d)
    assert name == f"BM03-{d.code}.pdf"
    text = flat(text_of(data))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Thiếu giấy chứng sinh bản chính" in text
    assert d.code in text and "Nguyễn Văn Đức" in text
    # A refused dossier never got a receipt.
    with pytest.raises(DomainError) as err:
        forms.render_form("bm01", d)
    assert err.value.code == "form_unavailable"


def test_apology_with_new_due_date(world, received):
    d = s.dossier_transfer(actor=world.desk, dossier=received, to_user=world.specialist)
    d = s.dossier_extend(
        actor=world.specialist, dossier=d, reason="Cần xác minh thêm", extra_days=Decimal(2)
    )
    event = d.events.get(action="extend")
    data, _name = forms.render_form("bm04", d, event)
    text = flat(text_of(data))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "Cần xác minh thêm" in text
    assert forms.fmt_appointment(event.data["old_due_at"]) in text
    assert forms.fmt_appointment(event.data["new_due_at"]) in text
    assert "10 giờ 00 phút, ngày 15/02/2027" in text  # the old appointment
    assert "10 giờ 00 phút, ngày 17/02/2027" in text  # two working days later


def test_control_slip_has_one_row_per_event(world, received, monkeypatch):
    d = s.dossier_transfer(actor=world.desk, dossier=received, to_user=world.specialist)
    d = s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)
    late = d.legal_due_at + dt.timedelta(days=3)
    monkeypatch.setattr("django.utils.timezone.now", lambda: late)
    d = s.dossier_approve(actor=world.leader, dossier=d, note="Đã ký giấy khai sinh")
    events = list(d.events.order_by("seq"))
    assert [e.action for e in events] == ["submit", "receive", "transfer", "transfer", "approve"]
    context = forms.control_slip_context(d)
    assert [row["seq"] for row in context["rows"]] == [e.seq for e in events]
    data, name = forms.render_form("bm05", d)
    assert name == f"BM05-{d.code}.pdf"
    text = flat(text_of(data))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    for event in events:
        assert forms.fmt_datetime(event.at) in text
    for label in ("Nộp hồ sơ", "Tiếp nhận hồ sơ", "Chuyển xử lý", "Phê duyệt, ký kết quả"):
        assert label in text
    assert "Võ Thị Lan" in text and "Đặng Văn Nam" in text and "Bùi Thị Mai" in text
    assert "Quá hạn" in text  # the leader signed after the step's due time
    assert "Trễ hạn" not in text and "Sớm hạn" not in text  # one set of labels
    assert "Đã ký giấy khai sinh" in text
    assert "UBND Phường Đồng Hới" in text
    approve = context["rows"][-1]
    assert approve["result"] == "Quá hạn"
    transfer = context["rows"][2]
    assert transfer["giver"]["name"] == "Võ Thị Lan"
    assert transfer["receiver"]["name"] == "Đặng Văn Nam"
    assert transfer["result"] in {"Đúng hạn", "Quá hạn"}


def test_forms_that_do_not_apply_raise(world):
    d = submit(world)
    for kind in ("bm02", "bm03", "bm04"):
        with pytest.raises(DomainError) as err:
            forms.render_form(kind, d)
        assert err.value.code == "form_unavailable"
    # An event of another kind is not accepted either.
    submit_event = d.events.get(action="submit")
    with pytest.raises(DomainError) as err:
        forms.render_form("bm03", d, submit_event)
    assert err.value.code == "form_unavailable"
    with pytest.raises(DomainError) as err:
        forms.render_form("bm09", d)
    assert err.value.code == "unknown_form"
    assert forms.available_forms(d) == ["bm01", "bm05"]


def test_receipt_renders_fast(world, received):
    forms.render_receipt(received)  # warm the fonts and the stylesheet (once per process)
    # CPU time of this process: wall time depends on what else the machine runs.
    start = time.process_time()
    forms.render_receipt(received)
    assert time.process_time() - start < 1.0
