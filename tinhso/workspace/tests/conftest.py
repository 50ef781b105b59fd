"""Fixtures of the workspace tests: the small dossier world of the dossier tests."""

from __future__ import annotations

import pytest
from django.test import Client

from tinhso.dossiers import services as s
from tinhso.testing.factories import VALID_FORM, pdf


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def online_dossier(world, **extra):
    """A dossier submitted online by the world's citizen, with its component scanned."""
    component = world.procedure.components.first()
    return s.dossier_submit(
        actor=world.citizen,
        procedure=world.procedure,
        form_data=dict(VALID_FORM),
        uploads=[(component, pdf())],
        **extra,
    )


@pytest.fixture
def login():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
