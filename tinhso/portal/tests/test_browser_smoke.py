import pytest

pytestmark = pytest.mark.browser


def test_login_page_on_a_phone(phone, demo_province):
    phone.goto("/dang-nhap/", check="login")
    phone.login("congdan1")
    assert "/ho-so-cua-toi/" in phone.page.url
