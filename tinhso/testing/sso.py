"""Test fixtures of the VNeID sign-in: the stand-in SSO (``tinhso.standins.sso``) as a real
process (``sso_provider``, once per session; ``provider``: behaving, and the product configured
as its client), and a person's browser at it (``sign_in_at_provider``, with ``requests``). The
product's client is never mocked. Used through the root ``conftest.py``; a browser test also
calls ``provider.allow(...)`` with its live server's addresses."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import pytest
import requests

from tinhso.accounts import sso
from tinhso.testing.factories import standin_process

CLIENT_ID = "tinhso-test"
CLIENT_SECRET = "tinhso-test-secret"  # noqa: S105 - the test client registration
DEMO_PASSWORD = "vneid-demo"  # noqa: S105 - the stand-in's demo accounts
CALLBACK = "http://testserver/dang-nhap/vneid/callback/"
LOGGED_OUT = "http://testserver/dang-xuat/vneid/"


@dataclass
class Provider:
    url: str  # http://127.0.0.1:PORT

    @property
    def issuer(self) -> str:
        return f"{self.url}/oauth2"

    def control(self, **config) -> dict:
        """Make the provider misbehave (``tinhso.standins.sso.control``); none: behave."""
        answer = requests.post(f"{self.url}/control/", json=config, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def authorize_requests(self) -> list[dict]:
        return requests.get(f"{self.url}/control/", timeout=10).json()["authorize_requests"]

    def citizen(self, **claims) -> dict:
        """Create or update an account of the provider (national claims, ``loa``)."""
        answer = requests.post(
            f"{self.url}/control/users", json={"password": DEMO_PASSWORD, **claims}, timeout=10
        )
        answer.raise_for_status()
        return answer.json()

    def allow(self, *, redirect_uris=(), post_logout_redirect_uris=()) -> None:
        body = {
            "client_id": CLIENT_ID,
            "redirect_uris": list(redirect_uris),
            "post_logout_redirect_uris": list(post_logout_redirect_uris),
        }
        requests.post(f"{self.url}/control/client", json=body, timeout=10).raise_for_status()


@pytest.fixture(scope="session")
def sso_provider(tmp_path_factory):
    data = tmp_path_factory.mktemp("sso-standin")
    args = ["--data-dir", str(data), "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    args += ["--redirect-uri", CALLBACK, "--post-logout-redirect-uri", LOGGED_OUT]
    with standin_process("sso", *args) as url:
        yield Provider(url)


@pytest.fixture
def provider(sso_provider, settings):
    """The provider behaving, and the product configured as its client."""
    settings.TINHSO_SSO_ISSUER = sso_provider.issuer
    settings.TINHSO_SSO_CLIENT_ID = CLIENT_ID
    settings.TINHSO_SSO_CLIENT_SECRET = CLIENT_SECRET
    settings.TINHSO_SSO_LEVEL = 1
    sso.forget_metadata()
    sso_provider.control()
    yield sso_provider
    sso_provider.control()
    sso.forget_metadata()


def sign_in_at_provider(
    authorize_url: str, username: str, password: str = DEMO_PASSWORD
) -> tuple[str, requests.Session]:
    """A person at the provider: its sign-in page, then back. The URL the provider sends the
    browser back to (the authorization response, not followed) and the person's session at
    the provider."""
    browser = requests.Session()
    answer = browser.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    login_url = urljoin(authorize_url, answer.headers["Location"])
    page = browser.get(login_url, timeout=10)
    assert page.status_code == 200 and "Số định danh" in page.text
    next_value = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    answer = browser.post(
        login_url,
        data={
            "username": username,
            "password": password,
            "next": next_value,
            "csrfmiddlewaretoken": browser.cookies["vneid_standin_csrf"],
        },
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    answer = browser.get(urljoin(login_url, answer.headers["Location"]), allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"], browser


# --- in a browser --------------------------------------------------------------------------


def allow_live_server(provider: Provider, live_server, settings, *form_actions: str) -> None:
    """The provider takes the live server as its client; the pages may post to the provider (the
    logout) and to ``form_actions`` (as settings.py allows a configured issuer's origin)."""
    from django.urls import reverse

    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] += [provider.url, *form_actions]
    settings.CONTENT_SECURITY_POLICY = policy
    provider.allow(
        redirect_uris=[live_server.url + reverse("accounts:sso_callback")],
        post_logout_redirect_uris=[live_server.url + reverse("accounts:sso_logged_out")],
    )


def sign_in_with_vneid(browsing, provider: Provider, id_number: str) -> None:
    """From the portal's sign-in page through the provider's, back on "my dossiers"."""
    page = browsing.page
    browsing.goto("/dang-nhap/", check="login with the VNeID button")
    page.get_by_role("link", name=re.compile("Đăng nhập bằng VNeID")).click()
    page.wait_for_url(re.compile(re.escape(provider.url) + "/dang-nhap/"))
    page.get_by_label("Số định danh cá nhân").fill(id_number)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(browsing.url("/ho-so-cua-toi/"))


def draft_ready(person, world):
    """``person``'s draft of the world's procedure, filled in with its document: the review
    page is next."""
    from tinhso.portal.models import SubmissionDraft
    from tinhso.portal.services import draft_attach, draft_open
    from tinhso.testing.factories import VALID_FORM, pdf

    draft = draft_open(actor=person, procedure=world.procedure)
    SubmissionDraft.objects.filter(pk=draft.pk).update(
        form_data=dict(VALID_FORM), commune=world.commune
    )
    component = world.procedure.components.first()
    draft_attach(actor=person, draft=draft, component=component, upload=pdf())
    return draft
