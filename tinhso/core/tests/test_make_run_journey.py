"""Issue 19's first acceptance point, end to end, on the processes ``make run`` starts.

A fresh SQLite database (a copy of the session's file migrated by ``tinhso migrate``,
``migrated_sqlite``: the setup's ``migrate`` finds nothing left to do) is loaded with the demo
province (no synthetic history) and the catalogue's national codes, as ``make run`` does; then
``tinhso run-all`` starts the web server, the task worker, the scheduler, the SMS/ZNS stand-in
provider and the stand-in national portal, each its own process, on free ports. A newcomer, in
Chromium, registers (reading the one-time code where the README says: the stand-in provider's
page), signs in with the phone and submits a birth registration online. Then, within 60 s: the
stand-in national portal has received the dossier's ``DongBoHoSoMC``, the demo mailbox
(``var/mail``) holds the e-mail telling the citizen that the dossier was submitted, and the
operations centre counts it after the scheduler's next roll-up refresh
(``TINHSO_IOC_REFRESH_EVERY``: shortened here; its default, checked below, is at most 2 minutes).
Everything else runs with ``make run``'s settings (outbox delivery every ``TINHSO_OUTBOX_EVERY``
seconds, notifications enqueued when the submission commits), and the stand-in provider's delivery
receipt of the code has come back to the web server.

The processes use their own SQLite file whatever ``DATABASE_URL`` says: the test runs in the
SQLite half of ``make test`` only (not marked ``pg``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from tinhso.dossiers.tests.factories import PDF_BYTES
from tinhso.testing.factories import free_port

from .test_background_processes import Output, _group_gone, _healthz, _wait

pytestmark = [pytest.mark.browser, pytest.mark.long]

ROOT = Path(settings.BASE_DIR)
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh: online, commune level, national code mapped
PASSWORD = "Mat-khau-2026!"
PHONE = "0912345001"
EMAIL = "tran.thi.mai@example.vn"
ID_NUMBER = "044191765432"  # Quảng Trị (044), a woman born in the 1900s (1), in 1991
IOC_EVERY = 3  # seconds between roll-up refreshes in this test

# make run's setup steps in one process, a smaller demo: the province, its accounts and the
# catalogue, the operations centre's plans; no synthetic history, no Q&A or field feedback (not
# on this path). The demo's accounts are hashed with few PBKDF2 rounds (Argon2 took ~0.6 s an
# account on a busy machine): the web server checks any round count and moves a password to
# Argon2 at its first sign-in.
SETUP = """
import django
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
class QuickPBKDF2(PBKDF2PasswordHasher):
    iterations = 1000
settings.PASSWORD_HASHERS = ["__main__.QuickPBKDF2"]
settings.TINHSO_DEMO_LOADERS = ["load_demo_catalogue", "load_demo_ioc"]
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("load_demo", quiet_accounts=True, verbosity=0)
call_command("national_codes_from_catalogue", verbosity=0)
"""


def _get_json(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - our stand-ins
            return json.loads(answer.read())
    except OSError:
        return None


def _mails(folder: Path) -> list:
    """The messages Django's file e-mail backend wrote (one file per connection, messages
    separated by a line of 79 dashes)."""
    found = []
    for path in sorted(folder.glob("*.log")) if folder.exists() else []:
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(message_from_bytes(chunk.strip(), policy=policy.default))
    return found


def _body(mail) -> str:
    part = mail.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


@pytest.fixture
def platform(tmp_path, migrated_sqlite):
    """``make run``'s processes on a fresh demo database; yields their addresses."""
    port, sms_port, portal_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "tinhso.settings",
        "PYTHONUNBUFFERED": "1",
        "TINHSO_VAR_DIR": str(tmp_path / "var"),
        "TINHSO_SQLITE_PATH": str(tmp_path / "tinhso.sqlite3"),
        "TINHSO_DEMO_HISTORY": "0",
        "TINHSO_TASKS_BACKEND": "database",
        "TINHSO_STANDIN_PORT": str(sms_port),
        "TINHSO_PKI_PORT": str(free_port()),
        # As the Makefile's run target:
        "TINHSO_NATIONAL_PORTAL_URL": f"http://127.0.0.1:{portal_port}",
        "TINHSO_NATIONAL_PORTAL_STANDIN": "1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "TINHSO_IOC_REFRESH_EVERY": str(IOC_EVERY),
    }
    for name in ("TINHSO_OUTBOX_EVERY", "TINHSO_NOTIFY_EVERY", "DEBUG", "EMAIL_BACKEND"):
        env.pop(name, None)  # make run's defaults
    (tmp_path / "var").mkdir()
    migrated_sqlite.copy_to(tmp_path / "tinhso.sqlite3")
    setup = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SETUP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tinhso.cli", "run_all", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        process_group=0,
    )
    output = Output(process.stdout)
    try:
        _wait(lambda: _healthz(port), 90, "the web server")  # slow on a busy machine
        _wait(lambda: _get_json(f"http://127.0.0.1:{portal_port}/healthz"), 20, "the portal")
        yield {
            "web": f"http://127.0.0.1:{port}",
            "sms": f"http://127.0.0.1:{sms_port}",
            "portal": f"http://127.0.0.1:{portal_port}",
            "mail": tmp_path / "var" / "mail",
            "db": tmp_path / "tinhso.sqlite3",
            "output": output,
        }
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        pids = [int(line.rsplit(" ", 1)[1]) for line in output.find("started, pid")]
        for pid in pids:
            _wait(lambda pid=pid: _group_gone(pid), 10, f"pid {pid} to stop")


def _indicators(context, base: str) -> dict:
    """The operations centre's indicators this month, as its API reports them."""
    month = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m")
    answer = context.request.get(f"{base}/api/ioc/overview?period={month}")
    assert answer.ok, answer.text()
    return answer.json()["indicators"]


def _received_online(context, base: str) -> float:
    """The operations centre's "received online" count this month."""
    return _indicators(context, base)["received_online"]["value"] or 0


def _synced(context, base: str) -> float:
    """The dossiers of this month the national portal acknowledged (the "synced" share's
    numerator): real under make run, the stand-in portal's acknowledgements."""
    return _indicators(context, base)["synced_share"]["numerator"] or 0


def test_a_newcomer_registers_submits_and_everything_follows_within_a_minute(
    platform, browser, capsys
):
    assert settings.TINHSO_SCHEDULE["ioc-refresh"]["every"] <= 120  # make run's refresh
    web = platform["web"]
    options = {"locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh", "base_url": web}
    citizen_context = browser.new_context(**options)
    citizen_context.set_default_timeout(20_000)
    ioc_context = browser.new_context(**options)
    try:
        # The operations centre before: signed in as the demo's IOC account.
        ioc = ioc_context.new_page()
        ioc.goto("/dang-nhap/?next=/dieu-hanh/")
        ioc.locator("#id_username").fill("ioc")
        ioc.locator("#id_password").fill("tinhso-demo")
        ioc.locator("#id_password").press("Enter")
        ioc.wait_for_url(re.compile(r"/dieu-hanh/$"))
        before = _received_online(ioc_context, web)
        synced_before = _synced(ioc_context, web)

        # Registration: the code arrives by SMS, read on the stand-in provider's page.
        page = citizen_context.new_page()
        page.goto("/dang-ky/")
        page.locator("#id_full_name").fill("Trần Thị Mai")
        page.locator("#id_personal_id").fill(ID_NUMBER)
        page.locator("#id_date_of_birth").fill("12/05/1991")
        page.locator("#id_phone").fill(PHONE)
        page.locator("#id_email").fill(EMAIL)
        page.locator("#id_password1").fill(PASSWORD)
        page.locator("#id_password2").fill(PASSWORD)
        page.locator("#id_password2").press("Enter")
        page.wait_for_url(re.compile(r"/dang-ky/xac-minh/$"))
        sms_page = citizen_context.new_page()

        def code_sent():
            sms_page.goto(platform["sms"] + "/")
            found = re.search(r"Ma xac minh cua Ong/Ba la (\d{6})", sms_page.content())
            return found and found.group(1)

        code = _wait(code_sent, 60, "the one-time code on the stand-in provider's page")
        sms_page.close()
        page.locator("#id_code").fill(code)
        page.locator("#id_code").press("Enter")
        page.wait_for_url(re.compile(r"/dang-nhap/"))

        # Sign in with the phone, then submit a birth registration online.
        page.goto(f"/dang-nhap/?next=/thu-tuc/{BIRTH}/nop-truc-tuyen/")
        page.locator("#id_username").fill(PHONE)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("#id_password").press("Enter")
        page.wait_for_url(re.compile(rf"/thu-tuc/{re.escape(BIRTH)}/nop-truc-tuyen/$"))
        page.locator("#f-ho_ten_nguoi_yeu_cau").fill("Trần Thị Mai")
        page.locator("#f-so_dinh_danh_nguoi_yeu_cau").fill(ID_NUMBER)
        page.locator("#f-ho_ten_tre").fill("Nguyễn Minh Khang")
        page.locator("#f-ngay_sinh").fill("2026-11-20")
        page.get_by_label("Nam", exact=True).check()
        page.locator("#f-noi_sinh").fill("Bệnh viện Hữu nghị Việt Nam – Cu Ba Đồng Hới")
        page.locator("#id_commune").select_option(index=1)
        for n, upload in enumerate(page.locator("input[type=file]").all(), start=1):
            upload.set_input_files(
                {"name": f"giay-to-{n}.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
            )
        page.get_by_role("button", name=re.compile("^(Tiếp tục|Continue)$")).click()
        page.wait_for_url(re.compile(r"/xem-lai/$"))
        page.get_by_role("button", name=re.compile("^(Nộp hồ sơ|Submit dossier)$")).click()
        dossier = page.get_by_test_id("dossier-code").inner_text().strip()
        submitted = time.monotonic()
        assert re.fullmatch(r"[A-Z0-9.\-]+-\d{6}-\d{4}", dossier), dossier
    finally:
        citizen_context.close()

    # The outbox message at the stand-in portal; the e-mail in the demo mailbox.
    def synced():
        received = _get_json(platform["portal"] + "/received") or []
        return next(
            (r for r in received if r["service"] == "DongBoHoSoMC" and r["key"] == f"{dossier}:1"),
            None,
        )

    def mailed():
        return next(
            (
                m
                for m in _mails(platform["mail"])
                if dossier in str(m["Subject"]) and "nộp trực tuyến" in _body(m)
            ),
            None,
        )

    record, mail, to_portal, to_mailbox = None, None, None, None
    while time.monotonic() - submitted < 60 and (record is None or mail is None):
        if record is None and (record := synced()) is not None:
            to_portal = time.monotonic() - submitted
        if mail is None and (mail := mailed()) is not None:
            to_mailbox = time.monotonic() - submitted
        time.sleep(0.2)
    log = "\n".join(platform["output"].lines[-40:])
    assert record is not None, f"the portal did not receive {dossier} within 60 s\n{log}"
    assert mail is not None, f"no e-mail about {dossier} in var/mail within 60 s\n{log}"
    assert record["record"]["MaHoSo"] == dossier and str(record["record"]["PhienBan"]) == "1"
    assert mail["To"] == EMAIL and f"/tra-cuu/{dossier}/" in _body(mail)

    # The operations centre counts it after its next refresh.
    try:
        counted = _wait(
            lambda: _received_online(ioc_context, web) == before + 1, 2 * IOC_EVERY + 30, "IOC"
        )
        to_ioc = time.monotonic() - submitted
        # and its share "synced to the national portal" counts the stand-in's acknowledgement
        assert _wait(
            lambda: _synced(ioc_context, web) >= synced_before + 1, 2 * IOC_EVERY + 30, "synced"
        )
    finally:
        ioc_context.close()
    assert counted
    # The stand-in provider's delivery receipt of the one-time code came back to the web server.
    with sqlite3.connect(platform["db"], timeout=10) as db:
        receipts = db.execute(
            "SELECT receipt FROM notifications_notification WHERE event = 'one_time_code'"
        ).fetchall()
    assert receipts == [("delivered",)]
    with capsys.disabled():
        print(
            f"\nmake-run journey: submission → national portal {to_portal:.1f} s, "
            f"→ e-mail {to_mailbox:.1f} s, → IOC {to_ioc:.1f} s (refresh every {IOC_EVERY} s)"
        )
