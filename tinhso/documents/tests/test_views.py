"""The document pages: a document's life through the pages, registers, records, scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from tinhso.documents import services as s
from tinhso.documents.models import IncomingDocument, OutgoingDocument, OutgoingState, WorkRecord
from tinhso.documents.pdf import form_fields
from tinhso.testing.factories import client_for, make_approved, make_draft, make_registered, pdf

pytestmark = [pytest.mark.django_db]


def draft_form(w, **overrides) -> dict:
    """What the drafting page's form posts for a justice department's official letter."""
    return {
        "agency": w.justice.pk,
        "doc_type": "CV",
        "drafting_unit": "VP",
        "summary": "Về việc góp ý dự thảo quy chế",
        "body": "Sở Tư pháp đề nghị góp ý.\nTrân trọng.",
        "recipients_text": "Sở Xây dựng",
        "signer": w.leader.pk,
        "signer_position": "GIÁM ĐỐC",
        "urgency": "normal",
        "secrecy": "normal",
        "copies": 1,
        **overrides,
    }


def test_draft_approve_issue_and_the_receiver_processes_it(documents_world):
    w = documents_world
    drafter = client_for(w.specialist)
    form = draft_form(
        w,
        recipients_text="Sở Xây dựng\nLưu: VT",
        recipient_agencies=[w.construction.pk],
        signer_position="KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC",
        copies=2,
    )
    response = drafter.post("/can-bo/van-ban/di/soan-thao/", form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    doc = OutgoingDocument.objects.get()
    fields = form_fields(doc.pdf.open("rb").read())
    assert fields["so_ky_hieu"]["type"] == "/Tx" and fields["ngay_thang"]["type"] == "/Tx"
    assert fields["chu_ky_ca_nhan"]["type"] == "/Sig" and fields["chu_ky_to_chuc"]["type"] == "/Sig"
    url = f"/can-bo/van-ban/di/{doc.pk}/"
    assert drafter.post(url, {"action": "submit"}).status_code == 302
    assert client_for(w.leader).post(url, {"action": "approve"}).status_code == 302
    clerk = client_for(w.clerk)
    assert "Cấp số và phát hành" in clerk.get(url).content.decode()  # the clerk's action
    assert clerk.post(url, {"action": "issue"}).status_code == 302
    doc.refresh_from_db()
    assert doc.state == OutgoingState.ISSUED and doc.number_symbol.startswith("01/")
    issued = clerk.get(f"{url}van-ban.pdf")
    assert issued.status_code == 200
    filled = form_fields(issued.content)
    assert filled["so_ky_hieu"]["value"] == doc.number_symbol
    assert issued.content.startswith(doc.pdf.open("rb").read())  # an incremental update

    arrived = IncomingDocument.objects.get(agency=w.construction)
    receiver = client_for(w.other_leader)
    page = receiver.get(f"/can-bo/van-ban/den/{arrived.pk}/").content.decode()
    assert doc.number_symbol in page
    deadline = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = receiver.post(
        f"/can-bo/van-ban/den/{arrived.pk}/",
        {"action": "assign", "assign-lead": w.other_specialist.pk, "assign-deadline": deadline},
    )
    assert response.status_code == 302
    response = client_for(w.other_specialist).post(
        f"/can-bo/van-ban/den/{arrived.pk}/", {"action": "finish", "finish-note": "Đã góp ý"}
    )
    assert response.status_code == 302
    statuses = clerk.get(url).content.decode()
    assert "Đã phân công" in statuses and "Hoàn thành" in statuses  # statuses came back
    # The histories name each step in Vietnamese, never by the action's raw name.
    assert "Đã soạn dự thảo" in statuses and "Đã trình ký" in statuses
    assert "· submit" not in statuses and "· issue" not in statuses
    page = receiver.get(f"/can-bo/van-ban/den/{arrived.pk}/").content.decode()
    assert "Đã vào sổ văn bản đến" in page and "Đã giao xử lý" in page
    assert "Đã hoàn thành xử lý" in page and "· assign" not in page


def test_every_action_a_history_can_record_has_a_vietnamese_label():
    from django.utils import translation

    from tinhso.documents.copies import COPIES
    from tinhso.documents.records import RECORDS

    recorded = {
        # the transition tables, and the events written outside them
        s.INCOMING: set(s.INCOMING_TRANSITIONS) | {"register", "updated", "copy"},
        s.OUTGOING: set(s.OUTGOING_TRANSITIONS) | {"draft", "copy"},
        RECORDS: set(RECORDS.transitions) | {"open"},
        COPIES: set(COPIES.transitions),
    }
    for lifecycle, actions in recorded.items():
        assert actions <= set(lifecycle.labels), type(lifecycle).__name__
        for action in actions:
            with translation.override("en"):
                english = lifecycle.label(action)
            with translation.override("vi"):
                label = lifecycle.label(action)
            assert label and label != action and label != english, (action, label)


def test_register_an_incoming_scan_and_search_it_without_accents(documents_world):
    w = documents_world
    clerk = client_for(w.clerk)
    response = clerk.post(
        "/can-bo/van-ban/den/dang-ky/",
        {
            "agency": w.justice.pk,
            "sender_name": "Ủy ban nhân dân tỉnh Quảng Trị",
            "number_symbol": "125/UBND-NC",
            "doc_date": timezone.localdate().isoformat(),
            "doc_type": "CV",
            "summary": "Về việc rà soát thủ tục hành chính lĩnh vực hộ tịch",
            "urgency": "urgent",
            "secrecy": "normal",
            "pages": 3,
            "scan": pdf("cong-van-125.pdf"),
            "acknowledge": "on",
        },
    )
    assert response.status_code == 302
    doc = IncomingDocument.objects.get()
    assert doc.arrival_number == 1 and doc.files.count() == 1
    found = clerk.get("/can-bo/van-ban/", {"tab": "all", "q": "ra soat ho tich"}).content.decode()
    assert "125/UBND-NC" in found
    missing = clerk.get("/can-bo/van-ban/", {"tab": "all", "q": "xay dung"}).content.decode()
    assert "125/UBND-NC" not in missing
    assert client_for(w.other_clerk).get(f"/can-bo/van-ban/den/{doc.pk}/").status_code == 404
    assert clerk.get(f"/can-bo/van-ban/den/{doc.pk}/tep/{doc.files.get().pk}/").status_code == 200


def test_a_bad_registration_shows_errors_and_stores_nothing(documents_world):
    w = documents_world
    response = client_for(w.clerk).post(
        "/can-bo/van-ban/den/dang-ky/",
        {"agency": w.justice.pk, "sender_name": "UBND", "number_symbol": "", "pages": 1},
    )
    assert response.status_code == 200 and not IncomingDocument.objects.exists()


def test_registers_as_page_xlsx_and_pdf_with_the_appendix_iv_columns(documents_world):
    from openpyxl import load_workbook

    w = documents_world
    doc = make_approved(
        w,
        doc_type="QD",
        drafting_unit="",
        summary="Ban hành quy chế",
        body="Điều 1.",
        recipients_text="Như Điều 3",
    )
    s.outgoing_number(actor=w.clerk, document=doc)
    s.outgoing_cancel(actor=w.clerk, document=doc, reason="Dừng ban hành")
    clerk = client_for(w.clerk)
    query = {"agency": w.justice.pk, "year": timezone.localdate().year}
    page = clerk.get("/can-bo/van-ban/so/di/", query).content.decode()
    assert "Số đã hủy: Dừng ban hành" in page and "Nơi nhận văn bản" in page
    xlsx = clerk.get("/can-bo/van-ban/so/di/xlsx/", query)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    headers = [cell.value for cell in sheet[2]]  # ungrouped headers span rows 2-3
    assert headers[:3] == [
        "Số, ký hiệu văn bản",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu nội dung",
    ]
    assert "Ký nhận" in headers and "Ghi chú" in headers
    assert clerk.get("/can-bo/van-ban/so/den/pdf/", query)["Content-Type"] == "application/pdf"
    assert clerk.get("/can-bo/van-ban/so/den/", query).status_code == 200


def test_work_record_open_attach_close_archive(documents_world):

    w = documents_world
    incoming = make_registered(
        w,
        sender_name="Bộ Tư pháp",
        number_symbol="12/BTP-HTQTCT",
        doc_date=timezone.localdate(),
        summary="Hướng dẫn hộ tịch",
    )
    specialist = client_for(w.specialist)
    response = specialist.post(
        "/can-bo/van-ban/ho-so/",
        {"agency": w.justice.pk, "code": "02.05", "title": "Hồ sơ hộ tịch", "retention_years": 20},
    )
    assert response.status_code == 302
    record = WorkRecord.objects.get()
    url = f"/can-bo/van-ban/ho-so/{record.pk}/"
    specialist.post(url, {"action": "attach", "number_symbol": incoming.number_symbol})
    assert record.items.count() == 1
    specialist.post(url, {"action": "close"})
    specialist.post(url, {"action": "archive"})
    record.refresh_from_db()
    assert record.state == "archived" and record.archive_due is not None
    listing = specialist.get("/can-bo/van-ban/ho-so/").content.decode()
    assert "02.05" in listing and "1/1" in listing


def test_the_yearly_file_list_is_filled_then_approved_by_a_leader(documents_world):
    from tinhso.documents.models import FileList

    w = documents_world
    specialist = client_for(w.specialist)
    entry = {
        "action": "entry",
        "entry-agency": w.justice.pk,
        "entry-code": "01.02",
        "entry-title": "Hồ sơ hộ tịch",
        "entry-retention_years": 0,
    }
    assert specialist.post("/can-bo/van-ban/ho-so/", entry).status_code == 302
    again = specialist.post("/can-bo/van-ban/ho-so/", entry).content.decode()
    assert "Danh mục hồ sơ đã có số, ký hiệu này." in again
    approve = {"action": "approve_list", "agency": w.justice.pk}
    refused = specialist.post("/can-bo/van-ban/ho-so/", approve).content.decode()
    assert "Chỉ lãnh đạo mới phê duyệt danh mục hồ sơ." in refused
    assert client_for(w.leader).post("/can-bo/van-ban/ho-so/", approve).status_code == 302
    file_list = FileList.objects.get(agency=w.justice)
    assert file_list.approved_at is not None and file_list.entries.count() == 1
    closed = specialist.post("/can-bo/van-ban/ho-so/", {**entry, "entry-code": "01.03"})
    assert "đã được phê duyệt" in closed.content.decode()
    page = specialist.get("/can-bo/van-ban/ho-so/").content.decode()
    assert "01.02 – Hồ sơ hộ tịch" in page


def test_a_revocation_drafted_from_the_issued_document_revokes_it_at_issue(documents_world):
    w = documents_world
    first = make_approved(
        w,
        summary="Về việc tổ chức hội nghị",
        body="Mời dự hội nghị.",
        recipients_text="Sở Xây dựng",
        recipient_agencies=[w.construction],
    )
    s.outgoing_issue(actor=w.clerk, document=first)
    drafter = client_for(w.specialist)
    detail = drafter.get(f"/can-bo/van-ban/di/{first.pk}/").content.decode()
    assert f"related={first.pk}&amp;kind=1" in detail
    query = f"?agency={w.justice.pk}&related={first.pk}&kind=1"
    form = drafter.get(f"/can-bo/van-ban/di/soan-thao/{query}").content.decode()
    assert 'data-testid="related"' in form
    revocation = draft_form(
        w,
        related=first.pk,
        kind=1,
        doc_type="QD",
        summary="Thu hồi Công văn về việc tổ chức hội nghị",
        body="Thu hồi công văn.",
    )
    del revocation["drafting_unit"]
    response = drafter.post(f"/can-bo/van-ban/di/soan-thao/{query}", revocation)
    assert response.status_code == 302
    revoking = OutgoingDocument.objects.exclude(pk=first.pk).get()
    assert revoking.related_id == first.pk and revoking.business_type == 1
    s.outgoing_submit(actor=w.specialist, document=revoking)
    s.outgoing_approve(actor=w.leader, document=revoking)
    s.outgoing_issue(actor=w.clerk, document=revoking)
    first.refresh_from_db()
    assert first.state == OutgoingState.REVOKED
    assert drafter.get("/can-bo/van-ban/di/soan-thao/?related=abc&kind=1").status_code == 404


def test_a_draft_sent_back_is_edited_and_submitted_again(documents_world):
    w = documents_world
    doc = make_draft(
        w, summary="Về việc góp ý", body="Nội dung.", recipients_text="Sở Xây dựng", render_pdf=True
    )
    s.outgoing_submit(actor=w.specialist, document=doc)
    leader = client_for(w.leader)
    url = f"/can-bo/van-ban/di/{doc.pk}/"
    assert leader.post(url, {"action": "send_back", "note": "Bổ sung thời hạn"}).status_code == 302
    assert leader.get(f"{url}sua/").status_code == 404  # not the drafter
    drafter = client_for(w.specialist)
    form = drafter.get(f"{url}sua/").content.decode()
    assert "Về việc góp ý" in form
    edited = draft_form(
        w,
        summary="Về việc góp ý dự thảo quy chế, thời hạn trước ngày 15",
        body="Nội dung đã bổ sung thời hạn.",
    )
    response = drafter.post(f"{url}sua/", edited)
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.summary.endswith("trước ngày 15") and doc.state == OutgoingState.DRAFT
    assert drafter.post(url, {"action": "submit"}).status_code == 302
    doc.refresh_from_db()
    assert doc.state == OutgoingState.IN_REVIEW
    assert drafter.get(f"{url}sua/").status_code == 404  # no longer a draft
