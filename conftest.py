"""Project-wide pytest configuration."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings

pytest_plugins = ["tinhso.testing.browser", "tinhso.testing.worlds"]


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"tinhso database backend: {engine}"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _vietnamese(settings):
    from django.utils import translation

    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings, request):
    """Argon2 is the production hasher; tests that create many accounts use a fast one."""
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_demo_history(settings):
    """The demo's synthetic history is for people trying tinhso; tests that need history ask for
    it (``load_demo_ioc --history N`` or ``generate``)."""
    settings.TINHSO_DEMO_HISTORY = 0


@pytest.fixture
def rate_clock(monkeypatch):
    """The rate limits' clock (``tinhso.core.ratelimit``) stopped 1530 s into an hour, 330 s into
    ten minutes, 30 s into a minute, so that no test straddles a window's end; a test moves it
    with ``rate_clock.now += seconds``."""
    from tinhso.core import ratelimit

    clock = SimpleNamespace(now=1_699_999_200.0 + 1530)
    monkeypatch.setattr(ratelimit, "clock", lambda: clock.now)
    return clock
