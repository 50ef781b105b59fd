from __future__ import annotations

import pytest


@pytest.fixture
def world(qna_world):
    return qna_world
