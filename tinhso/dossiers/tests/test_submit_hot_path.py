"""The submission hot path: its query budget, and the guarantees its shortcuts must keep.

``POST /api/dossiers`` is the busiest write of the platform (bench/submit.py). Its statements are
written once and prepared (tinhso.core.prepared), the procedure and its agencies are cached per
process, the idempotency check rides on the unique constraint, and the audit-chain head is locked
last. These tests pin the number of queries so that it cannot grow silently, and check that the
shortcuts change nothing a client or an auditor can see.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tinhso.core.audit import audit_verify
from tinhso.core.auth import token_create
from tinhso.core.models import ApiToken, AuditEvent
from tinhso.dossiers.models import Dossier, DossierEvent, OutboxMessage

from .factories import VALID_FORM, make_world

pytestmark = pytest.mark.django_db

# token + applicant, then in the transaction: code counter, dossier, BM.05 row, outbox row,
# chain head, audit entry (+ the head's hash on SQLite, one statement with the entry on
# PostgreSQL), and the BEGIN/COMMIT pair.
QUERIES_PER_SUBMISSION = 11


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_world()


def client_for(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, name='t')}"})


def submit(client, key: str = "", **extra):
    body = {"procedure_code": "1.001193", "form_data": VALID_FORM, **extra}
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/dossiers", body, content_type="application/json", headers=headers)


def test_one_api_submission_stays_within_its_query_budget(world, django_assert_max_num_queries):
    citizen = client_for(world.citizen)
    assert submit(citizen, key="warm").status_code == 201  # caches the procedure, stamps token
    with django_assert_max_num_queries(QUERIES_PER_SUBMISSION):
        response = submit(citizen, key="measured")
    assert response.status_code == 201, response.content
    assert response.json()["actions"]  # the applicant's own actions, computed without a query


def test_submission_writes_everything_in_one_go(world):
    response = submit(client_for(world.citizen), key="k-1")
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    assert dossier.receiving_agency == world.committee
    assert dossier.applicant.user == world.citizen
    assert dossier.submitted_by == world.citizen and dossier.idempotency_key == "k-1"
    event = DossierEvent.objects.get(dossier=dossier)
    assert (event.seq, event.action, event.actor) == (1, "submit", world.citizen)
    outbox = OutboxMessage.objects.get(key=f"{dossier.code}:1")
    assert outbox.payload["code"] == dossier.code and outbox.created_at is not None
    entry = AuditEvent.objects.get(action="dossier.submit", object_id=str(dossier.pk))
    assert entry.object_repr == dossier.code and entry.actor == world.citizen
    assert list(audit_verify()) == []


def test_a_retry_returns_the_first_dossier_and_writes_nothing(world):
    citizen = client_for(world.citizen)
    first = submit(citizen, key="same")
    entries = AuditEvent.objects.count()
    again = submit(citizen, key="same")
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]
    assert Dossier.objects.count() == 1 and AuditEvent.objects.count() == entries
    # The retry's rolled-back attempt did not use up a sequence number: no gap in the codes.
    following = submit(citizen, key="next").json()["code"]
    assert int(following.rsplit("-", 1)[1]) == int(first.json()["code"].rsplit("-", 1)[1]) + 1
    assert list(audit_verify()) == []


def test_a_retry_gets_its_dossier_even_when_the_input_is_refused_now(world):
    citizen = client_for(world.citizen)
    first = submit(citizen, key="k-2").json()["code"]
    world.procedure.is_active = False
    world.procedure.save()  # also empties this process's procedure cache
    again = submit(citizen, key="k-2")
    assert again.status_code == 200 and again.json()["code"] == first
    fresh = submit(citizen, key="k-3")
    assert fresh.status_code == 400
    assert fresh.json()["error"]["code"] == "procedure_inactive"


def test_a_changed_agency_is_seen_at_once(world):
    citizen = client_for(world.citizen)
    assert submit(citizen).status_code == 201
    world.committee.is_active = False
    world.committee.save()
    refused = submit(citizen)
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "agency_not_found"


def test_token_auth_refuses_revoked_tokens_and_inactive_users_at_once(world):
    citizen = client_for(world.citizen)
    assert submit(citizen).status_code == 201
    ApiToken.objects.filter(user=world.citizen).update(is_active=False)
    assert submit(citizen).status_code == 401
    other = client_for(world.other_citizen)
    assert submit(other).status_code == 201
    type(world.other_citizen).objects.filter(pk=world.other_citizen.pk).update(is_active=False)
    assert submit(other).status_code == 401


def test_token_last_use_is_stamped_at_most_every_few_minutes(world):
    citizen = client_for(world.citizen)
    submit(citizen)
    token = ApiToken.objects.get(user=world.citizen)
    assert token.last_used_at is not None
    stamped = timezone.now() - timezone.timedelta(hours=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stamped)
    submit(citizen)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > stamped
    recent = ApiToken.objects.get(pk=token.pk).last_used_at
    submit(citizen)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == recent


def test_an_officer_token_still_sees_the_officer_actions(world):
    code = submit(client_for(world.citizen)).json()["code"]
    desk = client_for(world.desk)
    detail = desk.get(f"/api/dossiers/{code}").json()
    assert "receive" in detail["actions"]
    response = desk.post(
        f"/api/dossiers/{code}/actions/receive", {}, content_type="application/json"
    )
    assert response.status_code == 200, response.content


@pytest.mark.django_db(transaction=True)
def test_prepared_statements_survive_a_lost_connection(world):
    """A new connection (a restarted database, a recycled one) prepares its statements again."""
    citizen = client_for(world.citizen)
    assert submit(citizen, key="before").status_code == 201
    connection.close()  # as a restart or CONN_MAX_AGE would: a new connection, nothing prepared
    assert submit(citizen, key="after").status_code == 201
