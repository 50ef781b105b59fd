"""Fixtures of the portal tests: a small province (commune, committee, officers, citizens)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tinhso.testing.factories import World


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(one_stop_world) -> World:
    return one_stop_world


@pytest.fixture
def citizen_client(client, world):
    client.force_login(world.citizen)
    return client
