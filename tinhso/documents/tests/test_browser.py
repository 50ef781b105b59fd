"""The document pages in a browser: a clerk registers a letter on a phone (360 px), a specialist
drafts a reply on a desktop, the leader's approval and the clerk's issue number it; each page is
checked with axe-core and for overflow at 360 px."""

from __future__ import annotations

import copy
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
    # The copy form (sao y, sao lục, trích sao) on a phone.
    page.get_by_role("link", name=re.compile("Tạo bản sao")).click()
    page.wait_for_url(re.compile(rf"/can-bo/van-ban/den/{letter.pk}/sao/$"))
    phone.check("copy-form")

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


def test_a_signed_document_from_drafting_to_done_at_the_receiver(
    phone, desktop, live_server, transactional_db, trust, settings
):
    """Issue 21 acceptance 4: one document's life on the platform. Agency A (justice) drafts it,
    its leader signs it through the signing agent on their computer, its clerk numbers it, seals
    it with the agency's certificate and issues it; agency B (construction) receives the signed
    PDF and sees its signatures valid, acknowledges it, its leader assigns it, its specialist
    finishes it; A's page shows the status messages. A on a desktop, B on a phone (360 px)."""
    from playwright.sync_api import expect

    from tinhso.documents.models import RecipientStatus, StatusCode
    from tinhso.signatures.registry import certificate_register
    from tinhso.signatures.tests.test_appearance import seal_png, signature_png
    from tinhso.testing.factories import PASSWORD, make_documents_world
    from tinhso.testing.pki import signing_agent

    w = make_documents_world()
    allow_unsigned_approval(w.justice, allowed=False)  # A's leaders approve by signing
    certificate_register(
        actor=w.admin, user=w.leader, data=trust.pem("leader"), signature_image=signature_png()
    )
    certificate_register(
        actor=w.admin, user=w.clerk, data=trust.pem("agency"), signature_image=seal_png(),
        agency=w.justice,
    )  # fmt: skip
    origin = ("--origin", live_server.url)
    with (
        signing_agent(trust, "leader", *origin) as leader_agent,
        signing_agent(trust, "agency", *origin) as clerk_agent,
    ):
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["connect-src"] += [leader_agent, clerk_agent]
        settings.CONTENT_SECURITY_POLICY = policy

        # A's specialist drafts the letter to B and submits it.
        desktop.login(w.specialist.username, PASSWORD, then="/can-bo/van-ban/di/soan-thao/")
        page = desktop.page
        page.locator("#id_summary").fill("Về việc góp ý dự thảo quy chế phối hợp")
        page.locator("#id_body").fill("Sở Tư pháp đề nghị Sở Xây dựng góp ý.\nTrân trọng.")
        page.locator("#id_recipients_text").fill("Sở Xây dựng\nLưu: VT, VP")
        page.locator("#id_recipient_agencies").select_option(label=w.construction.name)
        page.locator("#id_drafting_unit").fill("VP")
        page.locator("#id_signer_position").fill("GIÁM ĐỐC")
        page.get_by_role("button", name="Lưu dự thảo").click()
        page.wait_for_url(re.compile(r"/can-bo/van-ban/di/\d+/\?done=drafted$"))
        page.get_by_role("button", name="Trình duyệt").click()
        page.wait_for_load_state()
        doc = OutgoingDocument.objects.get()
        outgoing = f"/can-bo/van-ban/di/{doc.pk}/"

        # A's leader signs it with the token (the agent answers for it) and so approves it.
        settings.TINHSO_SIGNING_AGENT_URL = leader_agent
        desktop.context.clear_cookies()
        desktop.login(w.leader.username, PASSWORD, then=outgoing)
        desktop.check("a-leader-to-sign")
        assert page.get_by_role("button", name="Duyệt", exact=True).count() == 0  # signing only
        page.get_by_test_id("sign-button").click()
        expect(page.get_by_test_id("signed")).to_be_visible()
        desktop.check("a-leader-signed")
        doc.refresh_from_db()
        assert doc.state == OutgoingState.APPROVED and doc.signed_at is not None

        # A's clerk numbers it, seals it with the agency's token and issues it.
        settings.TINHSO_SIGNING_AGENT_URL = clerk_agent
        desktop.context.clear_cookies()
        desktop.login(w.clerk.username, PASSWORD, then=outgoing)
        desktop.check("a-clerk-to-issue")
        page.get_by_test_id("seal-button").click()
        expect(page.get_by_test_id("sealed")).to_be_visible()
        doc.refresh_from_db()
        assert doc.state == OutgoingState.ISSUED and doc.number_symbol.startswith("01/")
        assert page.get_by_test_id("number").inner_text() == doc.number_symbol
        verdicts = page.get_by_test_id("document-signatures").get_by_test_id("signature")
        assert [verdicts.nth(i).get_attribute("data-verdict") for i in range(2)] == ["valid"] * 2
        desktop.check("a-issued")

    # B's clerk finds it with the signed PDF, both signatures valid, and acknowledges it.
    copy_ = IncomingDocument.objects.get(agency=w.construction)
    incoming = f"/can-bo/van-ban/den/{copy_.pk}/"
    phone.login(w.other_clerk.username, PASSWORD, then="/can-bo/van-ban/")
    phone.check("b-incoming-list")
    assert doc.summary in phone.page.get_by_role("main").inner_text()
    phone.goto(incoming, check="b-received-signed")
    verdicts = phone.page.get_by_test_id("signature")
    assert [verdicts.nth(i).get_attribute("data-verdict") for i in range(2)] == ["valid"] * 2
    phone.page.get_by_role("button", name="Báo nhận cho nơi gửi").click()
    phone.page.wait_for_load_state()
    phone.page.locator("section[aria-labelledby=h-distribute] button").click()
    phone.page.wait_for_url(re.compile(r"\?done=saved$"))

    # B's leader assigns it to a specialist, who finishes it.
    phone.context.clear_cookies()
    phone.login(w.other_leader.username, PASSWORD, then=incoming)
    phone.page.locator("#id_assign-lead").select_option(label=w.other_specialist.get_full_name())
    phone.page.locator("section[aria-labelledby=h-assign] button").click()
    phone.page.wait_for_url(re.compile(r"\?done=saved$"))
    phone.check("b-assigned")
    phone.context.clear_cookies()
    phone.login(w.other_specialist.username, PASSWORD, then=incoming)
    phone.page.locator("section[aria-labelledby=h-finish] button").click()
    phone.page.wait_for_url(re.compile(r"\?done=saved$"))
    phone.check("b-done")
    copy_.refresh_from_db()
    assert copy_.state == "done"

    # A's page shows what B did, in order.
    codes = list(RecipientStatus.objects.values_list("code", flat=True))
    assert codes == [StatusCode.ARRIVED, StatusCode.ACCEPTED, StatusCode.ASSIGNED, StatusCode.DONE]
    desktop.goto(outgoing, check="a-statuses")
    statuses = page.get_by_test_id("recipients").inner_text()
    assert all(
        label in statuses for label in ("Đã đến", "Đã tiếp nhận", "Đã phân công", "Hoàn thành")
    )
