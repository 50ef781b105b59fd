"""Keyboard-only use, logging in, and switching the interface to English, in a real browser."""

import re

import pytest

pytestmark = pytest.mark.browser


def test_login_page_on_a_phone(phone, demo_province):
    phone.goto("/dang-nhap/", check="login")
    phone.login("congdan1")
    assert "/ho-so-cua-toi/" in phone.page.url


def test_keyboard_only_search_and_login(desktop, demo_province):
    from playwright.sync_api import expect

    page = desktop.page
    desktop.goto("/", check="home")
    # The first Tab reaches the skip link, which moves the focus to the content.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    # Search without the mouse.
    page.locator("#home-q").focus()
    page.keyboard.type("cap ban sao trich luc ho tich")
    page.keyboard.press("Enter")
    found = page.get_by_role("link", name=re.compile("bản sao trích lục hộ tịch", re.IGNORECASE))
    expect(found.first).to_be_visible()
    desktop.check("search-by-keyboard")
    # Log in with Tab and Enter only.
    desktop.goto("/dang-nhap/")
    page.locator("#id_username").focus()
    page.keyboard.type("motcua.donghoi")
    page.keyboard.press("Tab")
    page.keyboard.type("tinhso-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/can-bo/"))
    desktop.check("inbox-after-keyboard-login")


def test_interface_switches_to_english(phone, demo_province):
    from playwright.sync_api import expect

    page = phone.page
    phone.goto("/thu-tuc/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thủ tục")
    # Issue 18 point 3: at 360×800 the header is one line and the page's content starts within
    # 120 px; the menu, language choice included, is behind the menu button.
    assert page.locator("main").bounding_box()["y"] <= 120
    expect(page.locator("#lang-select")).to_be_hidden()
    menu = page.locator(".menu-button")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.locator("#lang-select").select_option("en")
    page.locator("form.lang button").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Track a dossier")).to_be_visible()
    phone.check("procedures-in-english")


def test_api_docs_render_every_operation_offline(desktop):
    """Swagger UI at /api/docs loads its assets from the site (django-ninja's static files, no
    CDN) and renders the OpenAPI document: it refuses one with a duplicated key."""
    from playwright.sync_api import expect

    page = desktop.page
    outside = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((desktop.base_url, "data:"))
            else outside.append(request.url)
        ),
    )
    desktop.goto("/api/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    expect(page.locator(".errors-wrapper")).to_have_count(0)
    document = page.evaluate("() => fetch('/api/openapi.json').then(r => r.json())")
    expected = sum(len(methods) for methods in document["paths"].values())
    expect(operations).to_have_count(expected)
    desktop.screenshot("api-docs")
    assert not outside, outside
    assert not desktop.errors, desktop.errors
