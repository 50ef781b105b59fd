"""The actions offered are those the services accept: a walk through the offers of every actor."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.core.errors import DomainError
from tinhso.dossiers import services as s
from tinhso.dossiers.actions import ACTIONS, OPERATIONS, available_actions
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.transitions import TRANSITIONS

from .factories import PDF_BYTES, VALID_FORM, make_world

ACTORS = ("citizen", "other_citizen", "desk", "specialist", "leader", "outsider")


def values() -> dict:
    return {
        "note": "",
        "reason": "Lý do",
        "items": ["Bản sao giấy tờ"],
        "amount_vnd": 10000,
        "reference": "BL-0001",  # the receipt number of a counter payment
        "extra_days": Decimal(1),
        "score": 2,
        "comment": "",
        "to_user": None,
        "uploads": [(None, SimpleUploadedFile("a.pdf", PDF_BYTES))],
        "upload": SimpleUploadedFile("b.pdf", PDF_BYTES),
    }


def offered_elsewhere(action: str, offers: list[str]) -> bool:
    """Allowed by the guard, but offered as the other button (approve beside finish)."""
    return action in {"approve", "finish"} and bool({"approve", "finish"} & set(offers))


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_world()


def test_every_action_has_a_service_and_every_transition_an_action():
    assert set(TRANSITIONS) - {"submit"} <= set(ACTIONS)
    assert set(ACTIONS) - set(TRANSITIONS) == set(OPERATIONS)


@pytest.mark.django_db
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(choices=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12))
def test_what_is_offered_is_accepted_and_what_is_not_is_refused(world, choices):
    dossier = s.dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=dict(VALID_FORM)
    )
    for choice in choices:
        dossier = Dossier.objects.get(pk=dossier.pk)
        offers = {
            name: available_actions(user=getattr(world, name), dossier=dossier, operations=True)
            for name in ACTORS
        }
        # What the state allows but an actor is not offered, their service refuses.
        for name in ACTORS:
            for action, transition in TRANSITIONS.items():
                if action == "submit" or dossier.state not in transition.sources:
                    continue
                if action in offers[name] or offered_elsewhere(action, offers[name]):
                    continue
                with pytest.raises(DomainError):
                    ACTIONS[action].run(
                        actor=getattr(world, name), dossier=dossier, values=values()
                    )
        pairs = [(name, action) for name in ACTORS for action in offers[name]]
        if not pairs:
            break
        name, action = pairs[choice % len(pairs)]
        # What is offered, the service accepts.
        ACTIONS[action].run(actor=getattr(world, name), dossier=dossier, values=values())
