from __future__ import annotations

import pytest

from tinhso.testing.factories import make_qna_world as make_world


@pytest.fixture
def world(db):
    return make_world()
