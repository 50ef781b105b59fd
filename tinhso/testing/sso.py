"""Test fixtures of the VNeID sign-in: the stand-in SSO (``tinhso.standins.sso``) as a real
process (``sso_provider``, once per session; ``provider``: behaving, and the product configured
as its client), and a person's browser at it (``sign_in_at_provider``, with ``requests``). The
product's client is never mocked. Used through the root ``conftest.py``; a browser test also
calls ``provider.allow(...)`` with its live server's addresses."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from urllib.parse import urljoin

import pytest
import requests

from tinhso.accounts import sso

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
    process = subprocess.Popen(  # noqa: S603 - our own command
        [
            sys.executable,
            "-m",
            "tinhso.standins.sso",
            "--port",
            "0",
            "--data-dir",
            str(data),
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--redirect-uri",
            CALLBACK,
            "--post-logout-redirect-uri",
            LOGGED_OUT,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()  # "sso stand-in on http://127.0.0.1:PORT/"
    url = line.strip().rsplit(" ", 1)[-1].rstrip("/")
    assert url.startswith("http://127.0.0.1:"), line
    yield Provider(url)
    process.terminate()
    process.wait(timeout=10)


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
