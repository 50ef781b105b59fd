"""Sessions, accounts and headers: argon2, login throttling, CSP and friends, check --deploy,
and the production run mode's logs and metrics."""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher

from tinhso.testing.factories import make_superuser, run_manage

PASSWORD = "mat-khau-dai-va-kho-2026"


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # The browser fixtures set DJANGO_ALLOW_ASYNC_UNSAFE in this process; production does not.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "motcua.quangtri.gov.vn",
        "SITE_URL": "https://motcua.quangtri.gov.vn",
        "TINHSO_HTTPS": "1",
        "TINHSO_VAR_DIR": str(tmp_path),
        **extra,
    }


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_manage(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = run_manage(tmp_path, "check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_security_headers_on_pages_and_api(client):
    for path in ("/dang-nhap/", "/api/procedures", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'", "no inline or remote scripts"
        assert directives["style-src"] == "'self'", "no inline styles"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_cookies_are_secure_and_http_only_over_https(client, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    user = get_user_model().objects.create_user("canbo", password=PASSWORD)
    response = client.get("/dang-nhap/", secure=True)
    csrf = response.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post(
        "/dang-nhap/", {"username": user.username, "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


@pytest.mark.django_db
@pytest.mark.argon2
def test_passwords_are_stored_with_argon2():
    user = get_user_model().objects.create_user("congdan9", password=PASSWORD)
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_login_is_throttled_after_five_failures(client):
    get_user_model().objects.create_user("congdan7", password=PASSWORD)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(
            "/dang-nhap/", {"username": "congdan7", "password": "sai"}, REMOTE_ADDR="10.0.0.7"
        )
        assert response.status_code == 200  # the form again, with an error
    # The fifth failure locks the user name out for this address ...
    response = client.post(
        "/dang-nhap/", {"username": "congdan7", "password": "sai"}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 429
    # ... and even the right password is refused now, with a Vietnamese page.
    response = client.post(
        "/dang-nhap/", {"username": "congdan7", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not locked out by someone else's guessing.
    other = client.post(
        "/dang-nhap/", {"username": "congdan7", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8"
    )
    assert other.status_code == 302


METRICS_TOKEN = "prometheus-scrape-secret-0123456789"


@pytest.mark.django_db
def test_password_spraying_is_throttled_per_address(client, settings, rate_clock):
    """Issue 17's attack: one wrong password for each of 10 user names from one address. Past
    the rate (20 failures in ten minutes by default; 10 here, to replay the attack as it was) the
    address is refused, whatever the user name or password; other addresses and successful
    logins (a carrier's shared address) are not held against it."""
    settings.TINHSO_RATE_LOGIN_FAILURES = "10/10m"
    users = get_user_model().objects
    users.create_user("congdan20", password=PASSWORD)
    for _ in range(2):  # successes count for nothing
        assert client.post(
            "/dang-nhap/", {"username": "congdan20", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
        ).status_code == 302  # fmt: skip
        client.logout()
    for n in range(10):
        response = client.post(
            "/dang-nhap/", {"username": f"nguoi{n}", "password": "123456"}, REMOTE_ADDR="10.0.0.9"
        )
        assert response.status_code == 200  # the form again, with an error
    refused = client.post(
        "/dang-nhap/", {"username": "congdan20", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert refused.status_code == 429 and refused["Retry-After"] == "270"  # 330 s into 10 min
    page = refused.content.decode()
    assert "Đăng nhập sai quá nhiều lần" in page and "từ địa chỉ mạng này" in page
    assert "5 phút" in page and "_auth_user_id" not in client.session
    admin = client.post(
        "/admin/login/", {"username": "congdan20", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert admin.status_code == 429  # the admin's login shares the limit
    other = client.post(
        "/dang-nhap/", {"username": "congdan20", "password": PASSWORD}, REMOTE_ADDR="10.0.0.10"
    )
    assert other.status_code == 302
    rate_clock.now += 270  # the next ten minutes
    client.logout()
    again = client.post(
        "/dang-nhap/", {"username": "congdan20", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert again.status_code == 302


@pytest.mark.django_db
def test_the_client_address_behind_the_proxy_is_what_login_throttling_counts(client, settings):
    """django-ipware is not installed: axes takes the address from the rate limiter, which
    trusts the proxy's own X-Forwarded-For entry (not REMOTE_ADDR, the proxy's address)."""
    from axes.models import AccessAttempt

    settings.TINHSO_BEHIND_PROXY = True
    client.post(
        "/dang-nhap/", {"username": "ai-do", "password": "sai"},
        REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5",
    )  # fmt: skip
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]


@pytest.mark.django_db
def test_metrics_for_the_scraper_with_the_token(client, settings):
    settings.TINHSO_METRICS_TOKEN = METRICS_TOKEN
    client.get("/healthz")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'tinhso_http_requests_total{method="GET",route="/healthz",status="200"}' in body
    assert "tinhso_dossiers_overdue 0.0" in body
    assert "tinhso_outbox_pending" in body
    assert "tinhso_outbox_dead 0.0" in body
    # The address list stays an extra fence: the token from elsewhere is not enough.
    other = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert other.status_code == 404
    settings.TINHSO_METRICS_ALLOWED = []  # any address, with the token
    assert (
        client.get(
            "/metrics",
            REMOTE_ADDR="203.0.113.9",
            headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_metrics_behind_the_proxy_need_the_token(client, settings):
    """Issue 17, point 11, the attack replayed: behind the reverse proxy every client arrives from
    127.0.0.1, and a forged ``X-Forwarded-For`` names whatever address it likes."""
    settings.TINHSO_METRICS_TOKEN = METRICS_TOKEN
    # Anyone on the Internet, through the proxy: the socket address is the proxy's.
    through_proxy = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert through_proxy.status_code == 401
    assert through_proxy["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"tinhso_" not in through_proxy.content
    # A forged X-Forwarded-For from an untrusted address does not help.
    spoofed = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert spoofed.status_code == 404
    for wrong in (f"Bearer {METRICS_TOKEN}x", METRICS_TOKEN, "Bearer ", f"Basic {METRICS_TOKEN}"):
        assert client.get("/metrics", headers={"Authorization": wrong}).status_code == 401
    # A signed-in administrator is no scraper either.
    client.force_login(make_superuser())
    assert client.get("/metrics").status_code == 401
    # No token configured: nobody reads the metrics.
    settings.TINHSO_METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401


def test_json_log_lines():
    from tinhso.core.observability import JsonFormatter

    record = logging.LogRecord("tinhso.x", logging.WARNING, __file__, 1, "Hồ sơ %s", ("A",), None)
    record.dossier = "000.00.01.H44-261123-0001"
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "WARNING"
    assert line["message"] == "Hồ sơ A"
    assert line["dossier"] == "000.00.01.H44-261123-0001"
    assert line["ts"].endswith("+00:00")


@pytest.mark.parametrize("configured", ["", "relative/dir"])
def test_serve_prepares_gunicorn_and_only_its_metrics_dir(tmp_path, configured):
    keep = tmp_path / "keep.txt"
    keep.write_text("must survive")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # a scratch SQLite file
    env |= {"TINHSO_VAR_DIR": str(tmp_path), "PROMETHEUS_MULTIPROC_DIR": configured}
    result = run_manage(tmp_path, "serve", "--check-only", "--no-collectstatic", env=env)
    assert result.returncode == 0, result.stderr
    assert "--config python:tinhso.gunicorn_conf" in result.stdout
    assert str(tmp_path / "prometheus") in result.stdout
    assert keep.read_text() == "must survive"


def test_gunicorn_access_log_hides_an_open311_key(capsys):
    """An access log turned on with any format (request line, query string, a header) prints
    no Open311 key: gunicorn's real logger, its real formatting, one request's values."""
    import datetime as dt
    from types import SimpleNamespace

    from gunicorn.config import Config

    from tinhso.gunicorn_conf import Logger

    key = "o311_" + secrets.token_urlsafe(24)
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", '"%(r)s" %(s)s q=%(q)s h=%({x-api-key}i)s')
    logger = Logger(cfg)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/open311/v2/requests.json?api_key={key}&x=1",
        "PATH_INFO": "/open311/v2/requests.json",
        "QUERY_STRING": f"api_key={key}&x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="400 Bad Request", headers=[], sent=10)
    request = SimpleNamespace(headers=[("X-API-KEY", key)])
    logger.access(response, request, environ, dt.timedelta(milliseconds=3))
    written = capsys.readouterr().out
    assert '"POST /open311/v2/requests.json?api_key=[hidden]&x=1 HTTP/1.1" 400' in written
    assert "q=api_key=[hidden]&x=1 h=o311_[hidden]" in written
    assert key not in written and key[5:] not in written
