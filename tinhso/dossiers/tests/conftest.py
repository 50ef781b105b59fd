"""Fixtures shared by the dossier tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_9 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=VN)  # an ordinary working Monday


@pytest.fixture
def clock(monkeypatch):
    """The time the services see, Monday 07/12/2026 09:00 to begin with: ``clock(moment)``."""

    def set_to(moment: dt.datetime) -> None:
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    set_to(MONDAY_9)
    return set_to
