"""Project-wide pytest configuration."""

from __future__ import annotations

import pytest
from django.conf import settings

pytest_plugins = ["tinhso.testing.browser", "tinhso.testing.worlds", "tinhso.testing.database"]


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
