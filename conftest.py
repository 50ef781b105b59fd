"""Project-wide pytest configuration."""

from __future__ import annotations

import pytest
from django.conf import settings


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
