"""Fixtures of the workspace tests: the small dossier world of the dossier tests."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


@pytest.fixture
def login():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
