"""Schemathesis against ``/api/openapi.json``: generated requests (valid and invalid) for every
operation, in process through the WSGI application, with a citizen's, an officer's and an
operations-centre viewer's token.

Bounded for ``make test`` (``TINHSO_FUZZ_EXAMPLES`` per operation, 12 by default: a few hundred
requests in all); ``bench/fuzz.py`` runs the same checks much longer. Every response must be a
non-5xx, with a documented status code, content type and body schema; a request that breaks the
schema must be refused. A schema-valid request may still break a business rule (an end date before
the start, an action not allowed now): it gets a documented 400/409 with the error body, so
Schemathesis' "valid data must be accepted" check is left out.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tinhso.core.auth import token_create
from tinhso.core.models import Role
from tinhso.core.services import officer_assign
from tinhso.dossiers.services import dossier_submit
from tinhso.dossiers.tests.factories import VALID_FORM, make_user, make_world
from tinhso.testing.worlds import module_world
from tinhso.wsgi import application

EXAMPLES = int(os.environ.get("TINHSO_FUZZ_EXAMPLES", "12"))

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def _keep_test_connection():
    """Django closes "old" connections at the start and end of each request; the test client
    switches that off, and so must a WSGI caller, or PostgreSQL loses the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def build_tokens() -> dict[str, str]:
    world = make_world()
    dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=dict(VALID_FORM),
        commune=world.commune,
    )  # fmt: skip
    viewer = make_user("ioc-fuzz")
    officer_assign(actor=None, user=viewer, agency=world.committee, role=Role.IOC_VIEWER)
    return {
        "citizen": token_create(user=world.citizen, name="fuzz"),
        "officer": token_create(user=world.desk, name="fuzz"),
        "ioc": token_create(user=viewer, name="fuzz"),
    }


# Built once for the module (72 tests) and rolled back after it; each test's requests run in its
# own savepoint, so what one test's examples write is gone before the next.
_tokens_built, world_tokens = module_world(build_tokens, "world_tokens")


@pytest.fixture
def tokens(world_tokens, _keep_test_connection):
    return world_tokens


@pytest.mark.pg
@pytest.mark.parametrize("who", ["citizen", "officer", "ioc"])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_fails_and_keeps_its_schema(case, who, tokens):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {tokens[who]}"},
        excluded_checks=[positive_data_acceptance],
    )
