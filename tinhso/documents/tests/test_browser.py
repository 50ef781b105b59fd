"""The document pages in a browser: a clerk registers a letter on a phone (360 px), a specialist
drafts a reply on a desktop, the leader's approval and the clerk's issue number it; each page is
checked with axe-core and for overflow at 360 px."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tinhso.documents.models import IncomingDocument, OutgoingDocument, OutgoingState
from tinhso.documents.services import outgoing_approve, outgoing_issue
from tinhso.testing.factories import allow_unsigned_approval

pytestmark = pytest.mark.browser


def test_register_on_a_phone_draft_and_issue_on_a_desktop(phone, desktop, demo_province):
    # The clerk of Phường Đồng Hới's committee registers a letter on a phone.
    phone.login("motcua.donghoi", then="/can-bo/van-ban/")
    phone.check("incoming-list")
    phone.goto("/can-bo/van-ban/den/dang-ky/", check="register-form")
    page = phone.page
    page.locator("#id_sender_name").fill("Ủy ban nhân dân tỉnh Quảng Trị")
    page.locator("#id_number_symbol").fill("125/UBND-NC")
    page.locator("#id_doc_date").fill(timezone.localdate().isoformat())
    page.locator("#id_summary").fill("Về việc rà soát thủ tục hành chính lĩnh vực hộ tịch")
    page.get_by_role("button", name="Vào sổ").click()
    page.wait_for_url(re.compile(r"/can-bo/van-ban/den/\d+/\?done=registered$"))
    phone.check("incoming-detail")
    letter = IncomingDocument.objects.get(number_symbol="125/UBND-NC")
    assert letter.arrival_number == 1 and letter.acknowledged_at is not None

    # The specialist drafts a reply to the province on a desktop.
    desktop.login("chuyenvien.donghoi", then="/can-bo/van-ban/di/soan-thao/")
    desktop.check("draft-form")
    page = desktop.page
    page.locator("#id_summary").fill("Về việc báo cáo kết quả rà soát thủ tục hộ tịch")
    page.locator("#id_body").fill("Ủy ban nhân dân phường báo cáo kết quả rà soát như sau.")
    page.locator("#id_recipients_text").fill("UBND tỉnh\nLưu: VT")
    page.locator("#id_drafting_unit").fill("VP")
    page.locator("#id_signer_position").fill("CHỦ TỊCH")
    page.get_by_role("button", name="Lưu dự thảo").click()
    page.wait_for_url(re.compile(r"/can-bo/van-ban/di/\d+/\?done=drafted$"))
    desktop.check("draft-detail")
    page.get_by_role("button", name="Trình duyệt").click()
    page.wait_for_load_state()
    draft = OutgoingDocument.objects.get()
    assert draft.state == OutgoingState.IN_REVIEW
    users = get_user_model().objects
    allow_unsigned_approval(draft.agency)  # this agency still approves on paper
    outgoing_approve(actor=users.get(username="lanhdao.donghoi"), document=draft)
    issued = outgoing_issue(actor=users.get(username="motcua.donghoi"), document=draft)
    assert issued.number_symbol.startswith("01/")
    desktop.goto(f"/can-bo/van-ban/di/{draft.pk}/", check="issued-detail")
    assert page.get_by_test_id("number").inner_text() == issued.number_symbol
    desktop.goto("/can-bo/van-ban/so/di/", check="outgoing-register")
    assert issued.number_symbol in page.get_by_test_id("register-table").inner_text()
    desktop.goto("/can-bo/van-ban/ho-so/", check="records")
    phone.goto("/can-bo/van-ban/so/den/", check="incoming-register-phone")
