"""Delivery receipts: the SMS/ZNS provider calls back whether each message reached the handset."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import pytest

from tinhso.notifications.models import Notification, Receipt, Status
from tinhso.notifications.services import notifications_deliver

TOKEN = "receipt-secret"
URL = "/thong-bao/bien-nhan/"


def sms(phone: str, key: str) -> Notification:
    return Notification.objects.create(
        event="dossier_received",
        event_key=key,
        channel="sms",
        recipient_key=f"phone:{phone}",
        address=phone,
        body="Ho so da duoc tiep nhan.",
        provider_template_id="TS_TIEP_NHAN",
        params={"code": "X"},
    )


@pytest.fixture
def receipting_standin(live_server, settings):
    """The stand-in provider, its receipts sent to the live server's callback."""
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "tinhso.standins.sms_zns",
            "--port",
            "0",
            "--receipts",
            live_server.url + URL,
            "--receipt-token",
            TOKEN,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    url = process.stdout.readline().strip().rsplit(" ", 1)[-1].rstrip("/")
    settings.TINHSO_NOTIFY_RECEIPT_TOKEN = TOKEN
    settings.TINHSO_SMS_URL, settings.TINHSO_SMS_API_KEY = url, "standin-sms-key"
    yield url
    process.terminate()
    process.wait(timeout=5)


def test_the_providers_receipts_update_each_messages_status(receipting_standin):
    url = receipting_standin
    control = urllib.request.Request(  # noqa: S310
        url + "/control/unreachable",
        data=json.dumps({"phone": "0987000111"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(control, timeout=5).close()  # noqa: S310
    reached, unreachable = sms("0912345678", "k:1"), sms("0987000111", "k:2")

    assert notifications_deliver().delivered == 2  # both accepted by the provider

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if not Notification.objects.filter(receipt="").exists():
            break
        time.sleep(0.1)
    reached.refresh_from_db()
    unreachable.refresh_from_db()
    assert (reached.receipt, reached.status) == (Receipt.DELIVERED, Status.DELIVERED)
    assert reached.receipt_at is not None and reached.provider_id.startswith("sms-")
    assert (unreachable.receipt, unreachable.status) == (Receipt.FAILED, Status.PERMANENT_FAILURE)
    assert "subscriber unreachable" in unreachable.last_error
    # The stand-in writes down our answer once its callback has returned: wait for that too.
    expected = {"delivered (acknowledged)", "failed (acknowledged)"}
    deadline = time.monotonic() + 15
    while True:
        with urllib.request.urlopen(url + "/messages.json", timeout=5) as answer:  # noqa: S310
            answered = {m["receipt"] for m in json.loads(answer.read())["messages"][-2:]}
        if answered == expected or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert answered == expected


@pytest.mark.django_db
def test_the_callback_refuses_what_is_not_a_receipt_and_counts_the_first(client, settings):
    settings.TINHSO_NOTIFY_RECEIPT_TOKEN = ""
    assert client.post(URL, {}, content_type="application/json").status_code == 404
    settings.TINHSO_NOTIFY_RECEIPT_TOKEN = TOKEN

    def post(body, token=TOKEN):
        return client.post(
            URL, json.dumps(body), content_type="application/json", HTTP_X_RECEIPT_TOKEN=token
        )

    n = sms("0912345678", "k:1")
    Notification.objects.filter(pk=n.pk).update(status=Status.DELIVERED, provider_id="sms-7")
    good = {"channel": "sms", "message_id": "sms-7", "status": "delivered"}
    assert post(good, token="wrong").status_code == 403
    bad = post({"channel": "fax", "message_id": "", "status": "lost"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["details"]["fields"]) == {"channel", "message_id", "status"}
    assert post({**good, "message_id": "sms-999"}).status_code == 404
    assert client.get(URL).status_code == 405
    n.refresh_from_db()
    assert n.receipt == "" and n.status == Status.DELIVERED  # nothing stored so far

    assert post(good).json() == {"ok": True, "receipt": "delivered"}
    assert post({**good, "status": "failed"}).json() == {"ok": True, "receipt": "delivered"}
    n.refresh_from_db()
    assert (n.receipt, n.status) == (Receipt.DELIVERED, Status.DELIVERED)
