"""A real SMTP server (aiosmtpd, in a thread) and the SMS/ZNS stand-in provider (a process)."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import urllib.request
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tinhso.testing.factories import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp_server():
    inbox = Inbox()
    inbox.port = free_port()  # aiosmtpd checks its own port: it must be a real one
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


class Standin:
    def __init__(self, url: str) -> None:
        self.url = url

    def get(self) -> dict:
        with urllib.request.urlopen(self.url + "/messages.json", timeout=5) as response:  # noqa: S310
            return json.loads(response.read())

    def post(self, path: str, body: bytes, headers: dict) -> dict:
        request = urllib.request.Request(self.url + path, data=body, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read())


@pytest.fixture(scope="module")
def standin():
    process = subprocess.Popen(
        [sys.executable, "-m", "tinhso.standins.sms_zns", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()  # "sms-zns stand-in on http://127.0.0.1:PORT/"
    url = line.strip().rsplit(" ", 1)[-1].rstrip("/")
    assert url.startswith("http://127.0.0.1:"), line
    yield Standin(url)
    process.terminate()
    process.wait(timeout=5)


@pytest.fixture
def providers(settings, smtp_server, standin):
    """Settings pointing every channel at the local servers."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.TINHSO_SMS_URL = standin.url
    settings.TINHSO_SMS_API_KEY = "standin-sms-key"
    settings.TINHSO_ZNS_URL = standin.url + "/zns"
    settings.TINHSO_ZNS_OAUTH_URL = standin.url + "/oauth/access_token"
    settings.TINHSO_ZNS_APP_ID, settings.TINHSO_ZNS_SECRET_KEY = "standin-app", "standin-secret"
    # Each test starts from a refresh token of its own (earlier tests' tokens are spent).
    settings.TINHSO_ZNS_REFRESH_TOKEN = token = secrets.token_hex(8)
    body = json.dumps({"token": token}).encode()
    standin.post("/control/refresh-token", body, {"Content-Type": "application/json"})
    return settings
