"""Fixtures of the feedback tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def world(feedback_world):
    return feedback_world


@pytest.fixture
def submit(world):
    """Send a street-light report in Đồng Hới (Monday 09:00 unless told otherwise)."""
    from tinhso.feedback import services
    from tinhso.testing.factories import DONG_HOI, MONDAY_9, category

    def send(**overrides):
        values = {
            "actor": world.citizen,
            "category": category("den-duong-hong"),
            "description": "Đèn đường trước số 45 Quang Trung không sáng ba đêm nay.",
            "latitude": DONG_HOI[0],
            "longitude": DONG_HOI[1],
            "address": "Trước số 45 Quang Trung",
            "commune": world.dong_hoi,
            "require_commune": True,
            "now": MONDAY_9,
        }
        values.update(overrides)
        return services.report_submit(**values)

    return send
