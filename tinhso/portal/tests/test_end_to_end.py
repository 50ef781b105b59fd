"""One dossier end to end in a real browser (issue #4's acceptance).

A citizen on a phone (360 px) finds the birth registration without typing diacritics, submits it
online with scans; the commune's desk (desktop) receives it and asks for a supplement; the citizen
sends it; the desk accepts it and hands it to the specialist, who passes it to the leader, who
approves; the desk attaches the result and returns it; the citizen downloads the result and rates
the service. Every page is checked (axe-core serious/critical, console errors, 360 px overflow) and
screenshotted under test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from tinhso.dossiers.models import Dossier, Rating, State
from tinhso.dossiers.tests.factories import PDF_BYTES
from tinhso.procedures.models import Procedure

pytestmark = [pytest.mark.browser, pytest.mark.pg]

BIRTH = "Thủ tục đăng ký khai sinh"


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES}


def act(browsing, code: str, action: str, name: str, **fields: str) -> Dossier:
    """Fill an action's form on the workspace dossier page, press its button, check the page."""
    page = browsing.page
    for field, value in fields.items():
        page.locator(f"#id_{action}-{field}").fill(value)
    page.locator(f'[data-action="{action}"]').click()
    page.wait_for_load_state()
    browsing.check(name)
    return Dossier.objects.get(code=code)


def open_from_inbox(browsing, username: str, box: str, code: str) -> None:
    browsing.login(username, then=f"/can-bo/?box={box}")
    page = browsing.page
    row = page.locator(f'tr[data-code="{code}"]')
    row.wait_for()
    browsing.check(f"inbox-{username}-{box}")
    row.get_by_role("link", name=code).click()
    page.wait_for_url(re.compile(re.escape(f"/can-bo/ho-so/{code}/")))
    browsing.check(f"dossier-{username}")


def logout(browsing) -> None:
    browsing.page.get_by_role("button", name=re.compile("^(Đăng xuất|Log out)")).click()
    browsing.page.wait_for_load_state()


@pytest.mark.long
def test_one_dossier_from_search_to_rating(phone, desktop, demo_province):
    from playwright.sync_api import expect

    citizen = phone.page
    # --- the citizen, on a phone: search without diacritics, read, submit online ---------------
    phone.goto("/", check="home")
    citizen.get_by_role("searchbox").first.fill("dang ky khai sinh")
    citizen.get_by_role("searchbox").first.press("Enter")
    link = citizen.get_by_role("link", name=BIRTH, exact=True)
    expect(link).to_be_visible()
    phone.check("search-results")
    link.click()
    phone.check("procedure")
    citizen.get_by_test_id("submit-online").click()
    # Not logged in yet: the login page, then straight back to the form.
    phone.check("login")
    citizen.get_by_label(re.compile("Tên đăng nhập|Username")).fill("congdan1")
    citizen.get_by_label(re.compile("Mật khẩu|Password")).fill("tinhso-demo")
    citizen.get_by_role("button", name=re.compile("^(Đăng nhập|Log in)$")).click()
    expect(citizen.locator("#f-ho_ten_nguoi_yeu_cau")).to_have_value("Nguyễn Văn Đức")
    citizen.locator("#f-ho_ten_tre").fill("Nguyễn Thị Bảo Ngọc")
    citizen.locator("#f-ngay_sinh").fill("2026-03-01")
    citizen.get_by_label("Nữ", exact=True).check()
    citizen.locator("#f-noi_sinh").fill("Bệnh viện Hữu nghị Việt Nam – Cu Ba Đồng Hới")
    procedure = Procedure.objects.get(code="1.001193")
    for component in procedure.components.filter(required=True):
        citizen.get_by_test_id(f"upload-{component.pk}").set_input_files(
            pdf(f"thanh-phan-{component.order}.pdf")
        )
        expect(citizen.locator(f"#component-{component.pk} .uploaded")).to_contain_text(
            f"thanh-phan-{component.order}.pdf"
        )
    phone.check("form-filled")
    citizen.get_by_role("button", name=re.compile("^(Tiếp tục|Continue)$")).click()
    phone.check("review")
    citizen.get_by_role("button", name=re.compile("^(Nộp hồ sơ|Submit dossier)$")).click()
    code = citizen.get_by_test_id("dossier-code").inner_text().strip()
    phone.check("receipt")
    assert Dossier.objects.get(code=code).state == State.SUBMITTED

    # --- the desk receives it and asks for a supplement ---------------------------------------
    open_from_inbox(desktop, "motcua.donghoi", "to_receive", code)
    dossier = act(desktop, code, "receive", "received", note="Đủ thành phần, tiếp nhận.")
    assert dossier.state == State.RECEIVED and dossier.status == 2
    dossier = act(
        desktop, code, "request_supplement", "supplement-requested",
        reason="Bản scan giấy chứng sinh bị mờ, đề nghị gửi lại bản rõ.",
        items="Giấy chứng sinh",
    )  # fmt: skip
    assert dossier.state == State.SUPPLEMENT_REQUESTED and dossier.status == 5

    # --- the citizen sees what is asked and sends it -----------------------------------------
    phone.goto(f"/ho-so-cua-toi/{code}/")
    expect(citizen.get_by_text("Bản scan giấy chứng sinh bị mờ").first).to_be_visible()
    phone.check("supplement-asked")
    citizen.locator("#supplement-files").set_input_files(pdf("giay-chung-sinh-ro.pdf"))
    citizen.get_by_role("button", name=re.compile("^(Gửi bổ sung|Send supplement)$")).click()
    citizen.wait_for_load_state()
    phone.check("supplement-sent")
    assert Dossier.objects.get(code=code).state == State.SUPPLEMENT_SUBMITTED

    # --- the desk accepts it and hands over; the specialist processes; the leader approves -----
    desktop.goto(f"/can-bo/ho-so/{code}/", check="supplement-arrived")
    dossier = act(desktop, code, "accept_supplement", "supplement-accepted")
    assert dossier.state in (State.RECEIVED, State.PROCESSING)
    specialist = get_user_model().objects.get(username="chuyenvien.donghoi")
    desktop.page.locator("#id_transfer-to_user").select_option(value=str(specialist.pk))
    dossier = act(desktop, code, "transfer", "to-specialist")
    assert dossier.assignee == specialist
    logout(desktop)

    open_from_inbox(desktop, "chuyenvien.donghoi", "to_process", code)
    leader = get_user_model().objects.get(username="lanhdao.donghoi")
    desktop.page.locator("#id_transfer-to_user").select_option(value=str(leader.pk))
    dossier = act(desktop, code, "transfer", "to-leader", note="Đủ điều kiện đăng ký khai sinh.")
    assert dossier.assignee == leader
    logout(desktop)

    open_from_inbox(desktop, "lanhdao.donghoi", "to_sign", code)
    dossier = act(desktop, code, "approve", "approved", note="Đồng ý.")
    assert dossier.state == State.FINISHED
    logout(desktop)

    # --- the desk attaches the signed result and returns it ------------------------------------
    desktop.login("motcua.donghoi", then=f"/can-bo/ho-so/{code}/")
    desktop.check("finished")
    desktop.page.get_by_test_id("result-file").set_input_files(pdf("giay-khai-sinh-ban-chinh.pdf"))
    act(desktop, code, "attach_result", "result-attached")
    dossier = act(desktop, code, "return_result", "returned")
    assert dossier.state == State.RETURNED and dossier.status == 10

    # --- the citizen downloads the result and rates the service ------------------------------
    phone.goto(f"/ho-so-cua-toi/{code}/")
    expect(citizen.get_by_test_id("status")).to_have_class(re.compile(r"\bs10\b"))
    result_link = citizen.get_by_role("link", name=re.compile("giay-khai-sinh-ban-chinh"))
    download = citizen.request.get(phone.url(result_link.first.get_attribute("href")))
    assert download.ok and download.body() == PDF_BYTES
    phone.check("result-ready")
    citizen.locator("#score-3").check()
    citizen.get_by_role("button", name=re.compile("^(Gửi đánh giá|Send rating)$")).click()
    citizen.wait_for_load_state()
    phone.check("rated")
    rating = Rating.objects.get(dossier__code=code)
    assert rating.score == 3

    # The whole path is on record: every step a BM.05 row, the public timeline too.
    actions = list(dossier.events.order_by("seq").values_list("action", flat=True))
    for expected in ("submit", "receive", "request_supplement", "supplement", "approve"):
        assert expected in actions, actions
    phone.goto(f"/tra-cuu/{code}/", check="public-tracking")
    assert "044090001234" not in citizen.content()


def test_other_people_get_404(client, demo_province):
    """A citizen opening another citizen's dossier, and an officer of another agency: 404."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tinhso.dossiers.services import dossier_submit

    users = get_user_model().objects
    procedure = Procedure.objects.get(code="1.001193")
    dossier = dossier_submit(
        actor=users.get(username="congdan1"), procedure=procedure,
        form_data={
            "ho_ten_nguoi_yeu_cau": "Nguyễn Văn Đức", "so_dinh_danh_nguoi_yeu_cau": "044090001234",
            "ho_ten_tre": "Nguyễn Thị Bảo Ngọc", "ngay_sinh": "2026-03-01", "gioi_tinh": "Nữ",
            "noi_sinh": "Đồng Hới",
        },
        uploads=[(procedure.components.order_by("order").first(),
                  SimpleUploadedFile("to-khai.pdf", PDF_BYTES))],
    )  # fmt: skip
    record = dossier.files.first()
    own_pages = [
        f"/ho-so-cua-toi/{dossier.code}/",
        f"/ho-so-cua-toi/{dossier.code}/tep/{record.pk}/",
    ]
    officer_pages = [
        f"/can-bo/ho-so/{dossier.code}/",
        f"/can-bo/ho-so/{dossier.code}/tep/{record.pk}/",
        f"/can-bo/ho-so/{dossier.code}/bieu-mau/bm01.pdf",
    ]
    client.force_login(users.get(username="congdan1"))
    assert client.get(own_pages[0]).status_code == 200
    client.force_login(users.get(username="congdan2"))
    for path in own_pages + officer_pages:
        assert client.get(path).status_code == 404, path
    client.force_login(users.get(username="motcua.donghoi"))
    assert client.get(officer_pages[0]).status_code == 200
    client.force_login(users.get(username="chuyenvien.tuphap"))  # a provincial department
    for path in officer_pages + own_pages:
        assert client.get(path).status_code == 404, path
