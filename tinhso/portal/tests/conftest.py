"""Fixtures of the portal tests: a small province (commune, committee, officers, citizens)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.dossiers.tests.factories import PDF_BYTES, World, make_world


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def citizen_client(client, world):
    client.force_login(world.citizen)
    return client


def pdf(name: str = "giay-chung-sinh.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")
