"""A citizen asks on a phone, an officer answers on a desktop, anyone finds the answer."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from tinhso.qna.models import Question, QuestionStatus

pytestmark = pytest.mark.browser

TITLE = "Khai sinh cho con sinh ở nước ngoài về nước"
BODY = (
    "Con tôi sinh ở Hàn Quốc năm ngoái, nay cả nhà về sống ở Đồng Hới. "
    "Tôi đăng ký khai sinh cho cháu ở phường được không, cần những giấy tờ gì?"
)
ANSWER = (
    "Chào công dân, ông/bà đăng ký khai sinh cho cháu tại UBND Phường Đồng Hới. "
    "Hồ sơ gồm Tờ khai đăng ký khai sinh, giấy tờ chứng minh việc sinh do nước ngoài cấp "
    "đã được hợp pháp hóa lãnh sự và dịch sang tiếng Việt, giấy tờ tùy thân của cha mẹ."
)


def test_ask_answer_publish_and_find_without_diacritics(phone, desktop, demo_province):
    # The demo answers too (a no-op when load_demo already ran load_demo_qna).
    call_command("load_demo_qna", province="44", stdout=io.StringIO())
    # A citizen on a phone asks about birth registration from the procedure's link.
    phone.login("congdan1")
    phone.goto("/hoi-dap/dat-cau-hoi/?procedure=1.001193", check="ask")
    page = phone.page
    assert page.locator("#id_procedure").input_value() == "1.001193"
    assert page.locator("#id_commune").input_value() == "18880"  # from the citizen's profile
    assert page.locator("[data-qna-agency]").is_hidden()  # only for general questions
    page.locator("#id_procedure").select_option("")  # a general question: choose the agency
    assert page.locator("[data-qna-agency]").is_visible()
    assert page.locator("[data-qna-commune]").is_hidden()
    page.locator("#id_procedure").select_option("2.001610")  # province level: nothing to choose
    assert page.locator("[data-qna-agency]").is_hidden()
    assert page.locator("[data-qna-commune]").is_hidden()
    page.locator("#id_procedure").select_option("1.001193")
    assert page.locator("[data-qna-commune]").is_visible()
    page.locator("#id_title").fill("Khai sinh")  # too short: shown back, nothing stored
    page.locator("#id_body").fill(BODY)
    page.locator("form[data-qna-ask] button[type=submit]").click()
    page.wait_for_load_state()
    phone.check("ask-error")
    assert page.locator("#id_title").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_title_error").is_visible()
    assert not Question.objects.filter(title=TITLE).exists()
    page.locator("#id_title").fill(TITLE)
    page.locator("form[data-qna-ask] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/hoi-dap/cua-toi/\?sent=\d+$"))
    phone.check("mine-waiting")
    question = Question.objects.get(title=TITLE)
    assert question.agency.key == "commune_18880"
    assert question.status == QuestionStatus.NEW
    assert page.get_by_text(TITLE).is_visible()

    # The ward's specialist answers and publishes it on a desktop.
    desktop.login("chuyenvien.donghoi")
    desktop.goto("/can-bo/hoi-dap/", check="officer-list")
    desktop.page.get_by_role("link", name=TITLE).click()
    desktop.page.wait_for_url(re.compile(rf"/can-bo/hoi-dap/{question.pk}/$"))
    desktop.check("answer-form")
    desktop.page.locator("#id_answer").fill(ANSWER)
    assert desktop.page.locator("#id_publish").is_checked()
    desktop.page.locator("form:has(input[value=answer]) button[type=submit]").click()
    desktop.page.wait_for_load_state()
    desktop.check("answered")
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED
    assert question.is_published

    # Back on the phone, the citizen searches without diacritics and reads the answer.
    phone.goto("/hoi-dap/", check="public-list")
    phone.page.locator("#id_q").fill("khai sinh con sinh o nuoc ngoai")
    phone.page.locator("form[role=search] button[type=submit]").click()
    phone.page.wait_for_url(re.compile(r"q=khai\+sinh"))
    phone.check("search-results")
    phone.page.get_by_role("link", name=TITLE).click()
    phone.page.wait_for_url(re.compile(rf"/hoi-dap/{question.pk}/$"))
    phone.check("detail")
    content = phone.page.locator("main").inner_text()
    assert "hợp pháp hóa lãnh sự" in content
    assert "N*** V*** Đ" in content
    assert "Nguyễn Văn Đức" not in content
    phone.goto("/hoi-dap/cua-toi/", check="mine-answered")
    assert "hợp pháp hóa lãnh sự" in phone.page.locator("main").inner_text()
