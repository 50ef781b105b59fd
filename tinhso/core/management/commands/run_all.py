"""``tinhso run-all [ADDR:PORT]``: the development server, the task worker and the scheduler.

``make run`` uses it: one command, one Ctrl-C stops all three (``tinhso.core.supervisor``). In
production each runs as its own service (docs/operations.md).
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from tinhso.core.supervisor import supervise


def programs(addrport: str, *, reload: bool = True) -> dict[str, list[str]]:
    """The commands to run: name → argv (the worker's depends on ``TINHSO_TASKS_BACKEND``)."""
    tinhso = [sys.executable, "-m", "tinhso.cli"]
    web = [*tinhso, "runserver", addrport, *([] if reload else ["--noreload"])]
    found = {"web": web, "scheduler": [*tinhso, "scheduler"]}
    if settings.DEBUG:  # the SMS/ZNS stand-in provider: messages at http://127.0.0.1:8025/
        port = str(settings.TINHSO_STANDIN_PORT)
        found["sms-zns"] = [sys.executable, "-m", "tinhso.standins.sms_zns", "--port", port]
        # the demo PKI (OCSP, CRL, timestamps; its root trusted by the demo): docs/signatures.md
        found["pki"] = [
            sys.executable,
            "-m",
            "tinhso.standins.pki",
            "--dir",
            str(settings.TINHSO_PKI_DIR),
            "--port",
            str(settings.TINHSO_PKI_PORT),
        ]
        if settings.TINHSO_NOTIFY_RECEIPT_TOKEN:  # its delivery receipts, to the web server
            found["sms-zns"] += [
                "--receipts",
                _local_url(addrport) + "/thong-bao/bien-nhan/",
                "--receipt-token",
                settings.TINHSO_NOTIFY_RECEIPT_TOKEN,
            ]
    if settings.TINHSO_WORKER_COMMAND:  # none with the immediate backend
        found["worker"] = [*tinhso, *settings.TINHSO_WORKER_COMMAND]
    if settings.TINHSO_NATIONAL_PORTAL_STANDIN:  # the stand-in national portal, on the URL's port
        url = urlsplit(settings.TINHSO_NATIONAL_PORTAL_URL)
        found["national-portal"] = [
            sys.executable,
            "-m",
            "tinhso.standins.national_portal",
            "--host",
            url.hostname or "127.0.0.1",
            "--port",
            str(url.port or 8790),
            "--db",
            settings.TINHSO_NATIONAL_PORTAL_STANDIN_DB,
            "--username",
            settings.TINHSO_NATIONAL_PORTAL_USERNAME,
            "--password",
            settings.TINHSO_NATIONAL_PORTAL_PASSWORD,
        ]
    if settings.TINHSO_EXCHANGE_AXIS_STANDIN and settings.TINHSO_EXCHANGE_AXIS_URL:
        found["exchange-axis"] = exchange_axis_standin()
    if settings.TINHSO_SIGNING_AGENT_STANDIN:  # the demo officers' tokens (docs/signatures.md)
        found["signing-agent"] = signing_agent_standin(addrport)
    if settings.TINHSO_SSO_STANDIN and settings.TINHSO_SSO_ISSUER:  # the stand-in VNeID SSO
        found["sso"] = sso_standin(addrport)
    if settings.TINHSO_VNPAY_STANDIN and settings.TINHSO_VNPAY_URL:
        # the stand-in VNPay gateway of the demo merchant, on the payment URL's port
        url = urlsplit(settings.TINHSO_VNPAY_URL)
        found["vnpay"] = [
            sys.executable,
            "-m",
            "tinhso.standins.vnpay",
            "--host",
            url.hostname or "127.0.0.1",
            "--port",
            str(url.port or 8795),
            "--tmn-code",
            settings.TINHSO_VNPAY_TMN_CODE,
            "--secret",
            settings.TINHSO_VNPAY_HASH_SECRET,
            "--ipn-url",
            settings.TINHSO_VNPAY_IPN_URL or _local_url(addrport) + "/thanh-toan/vnpay/ipn/",
        ]
    return found


def _local_url(addrport: str) -> str:
    """The web server's URL seen from this machine (``8000``, ``0.0.0.0:8000`` → 127.0.0.1)."""
    host, _, port = addrport.rpartition(":")
    if host in ("", "0.0.0.0", "[::]", "::"):  # noqa: S104 (a bind address, not a listener)
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def exchange_axis_standin() -> list[str]:
    """The stand-in document exchange axis on the URL's port: the platform's credentials, the
    agencies connected and the demo's organs outside the platform (docs/exchange.md)."""
    url = urlsplit(settings.TINHSO_EXCHANGE_AXIS_URL)
    argv = [
        sys.executable,
        "-m",
        "tinhso.standins.edxml_axis",
        "--host",
        url.hostname or "127.0.0.1",
        "--port",
        str(url.port or 8792),
        "--db",
        settings.TINHSO_EXCHANGE_STANDIN_DB,
        "--client-key",
        settings.TINHSO_EXCHANGE_AXIS_CLIENT_KEY,
        "--client-secret",
        settings.TINHSO_EXCHANGE_AXIS_CLIENT_SECRET,
    ]
    organs = {**settings.TINHSO_EXCHANGE_STANDIN_ORGANS, **settings.TINHSO_EXCHANGE_AGENCIES}
    for organ, secret in organs.items():
        argv += ["--organ", f"{organ}={secret}"]
    return argv


def signing_agent_standin(addrport: str) -> list[str]:
    """The stand-in signing agent holding every demo officer's token (``load_demo_signing``
    wrote them), on the port of ``TINHSO_SIGNING_AGENT_URL``, answering this server's pages."""
    url = urlsplit(settings.TINHSO_SIGNING_AGENT_URL)
    web = _local_url(addrport)
    argv = [
        sys.executable,
        "-m",
        "tinhso.standins.signing_agent",
        "--host",
        url.hostname or "127.0.0.1",
        "--port",
        str(url.port or 8796),
        "--tokens",
        str(settings.TINHSO_SIGNING_AGENT_STANDIN_TOKENS),
        "--origin",
        web,
    ]
    if "//127.0.0.1:" in web:  # the same server reached as localhost
        argv += ["--origin", web.replace("//127.0.0.1:", "//localhost:")]
    return argv


def sso_standin(addrport: str) -> list[str]:
    """The stand-in SSO provider on the issuer's port, this server registered as its client."""
    from django.urls import reverse

    url = urlsplit(settings.TINHSO_SSO_ISSUER)
    web = _local_url(addrport)
    return [
        sys.executable,
        "-m",
        "tinhso.standins.sso",
        "--host",
        url.hostname or "127.0.0.1",
        "--port",
        str(url.port or 8791),
        "--data-dir",
        settings.TINHSO_SSO_STANDIN_DIR,
        "--client-id",
        settings.TINHSO_SSO_CLIENT_ID,
        "--client-secret",
        settings.TINHSO_SSO_CLIENT_SECRET,
        "--redirect-uri",
        web + reverse("accounts:sso_callback"),
        "--post-logout-redirect-uri",
        web + reverse("accounts:sso_logged_out"),
    ]


class Command(BaseCommand):
    help = "Run the web server, the task worker and the scheduler together; Ctrl-C stops all."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--noreload", action="store_true", help="no code reloading")
        parser.add_argument(
            "--grace", type=float, default=10.0, help="seconds each may take to stop"
        )

    def handle(self, *args, addrport: str, noreload: bool, grace: float, **options):
        code = supervise(programs(addrport, reload=not noreload), grace=grace, out=self.stdout)
        if code:
            sys.exit(code)
