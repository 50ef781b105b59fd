"""The submission path: its query budget, and the guarantees it keeps.

``POST /api/dossiers`` is the busiest write of the platform (bench/submit.py). It runs on the ORM
like every other write: the idempotency check rides on the unique constraint, the daily code
counter is one ``INSERT … ON CONFLICT … RETURNING``, and the audit-chain head is locked last.
These tests pin the number of queries so that it cannot grow silently, and check what a client
or an auditor sees.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.core.audit import audit_record, audit_verify
from tinhso.core.models import ApiToken, ApplicantKind, ApplicantProfile, AuditChainHead, AuditEvent
from tinhso.dossiers.models import Channel, CodeCounter, Dossier, DossierEvent, OutboxMessage
from tinhso.dossiers.services import dossier_submit
from tinhso.testing.factories import api_client_for as client_for
from tinhso.testing.factories import api_submit as submit

from .factories import VALID_FORM, make_user, make_world

pytestmark = [pytest.mark.django_db, pytest.mark.pg]

# The token with its user, the procedure, the applicant's profile with its commune, the receiving
# agency, the applicant's online-submission rate counter (one upsert); then in a transaction the
# code counter, the dossier, its BM.05 row, its outbox row, the "submitted online" notification
# (the applicant's channel preference, the insert: its templates are kept per process, a replay
# is stopped by the unique constraint), the chain head (locked), the audit entry and the head's
# new hash; then the user's roles in the receiving agency for the answer's actions. Both
# databases alike (the test's own transaction turns BEGIN/COMMIT into savepoints, not counted).
# What runs after the commit is counted by test_the_work_after_the_commit_is_shared below.
QUERIES_PER_SUBMISSION = 15


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_world()


def test_one_api_submission_stays_within_its_query_budget(world):
    citizen = client_for(world.citizen)
    assert submit(citizen, key="warm").status_code == 201  # stamps the token's last use
    with CaptureQueriesContext(connection) as queries:
        response = submit(citizen, key="measured")
    assert response.status_code == 201, response.content
    assert response.json()["actions"]  # the applicant's own actions
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == QUERIES_PER_SUBMISSION, statements


# A submission that commits (no test transaction around it): the budget above, BEGIN and COMMIT
# of its two transactions, and after the commit either the delivery task's INSERT (when none
# waits) or the look at the state of the one that waits.
QUERIES_PER_COMMITTED_SUBMISSION = QUERIES_PER_SUBMISSION + 4 + 1


@pytest.mark.django_db(transaction=True)
def test_the_work_after_the_commit_is_shared(world, monkeypatch, django_assert_max_num_queries):
    """After its commit a submission enqueues the delivery of its "submitted online"
    notification, unless the delivery task enqueued last has not started yet (it will send
    them): one task for the submissions that commit while it waits, not one INSERT (and one more
    commit) per submission. The notification itself is written in the submission's
    transaction."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tinhso.notifications import services as notifications
    from tinhso.notifications.models import Notification

    monkeypatch.setitem(notifications._last_delivery, "id", "")  # no task of this process yet
    citizen = client_for(world.citizen)
    before = DBTaskResult.objects.count()
    assert submit(citizen, key="warm").status_code == 201  # stamps the token's last use
    tasks = DBTaskResult.objects.count()
    assert tasks == before + 1  # the warm-up's delivery, not started (no worker here)
    codes = []
    for key in ("first", "second"):
        with django_assert_max_num_queries(QUERIES_PER_COMMITTED_SUBMISSION):
            response = submit(citizen, key=key)
        assert response.status_code == 201, response.content
        codes.append(response.json()["code"])
    assert DBTaskResult.objects.count() == tasks  # the warm-up's task, still waiting, sends all
    # The worker takes that task: what commits from now on needs a task of its own.
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
        status=TaskResultStatus.RUNNING
    )
    assert submit(citizen, key="third").status_code == 201
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1
    pks = Dossier.objects.filter(code__in=codes).values_list("pk", flat=True)
    told = Notification.objects.filter(event="dossier_submitted")
    assert {n.event_key for n in told} >= {f"dossier:{pk}:1" for pk in pks}


def test_submission_writes_its_five_rows(world):
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
    # The retry's attempt may have used up a sequence number (a gap), never an earlier one.
    following = submit(citizen, key="next").json()["code"]
    assert int(following.rsplit("-", 1)[1]) > int(first.json()["code"].rsplit("-", 1)[1])
    assert list(audit_verify()) == []


def test_a_retry_gets_its_dossier_even_when_the_input_is_refused_now(world):
    citizen = client_for(world.citizen)
    first = submit(citizen, key="k-2").json()["code"]
    world.procedure.is_active = False
    world.procedure.save()
    again = submit(citizen, key="k-2")
    assert again.status_code == 200 and again.json()["code"] == first
    fresh = submit(citizen, key="k-3")
    assert fresh.status_code == 400
    assert fresh.json()["error"]["code"] == "procedure_inactive"


def test_online_submissions_per_applicant_are_limited_per_hour(world, settings, rate_clock):
    """Issue 17: one applicant's flood of online submissions is cut at the hourly rate, with a
    429, ``Retry-After`` and the API's error shape; the desk's counter is not limited."""
    settings.TINHSO_RATE_SUBMISSIONS = "3/h"
    citizen = client_for(world.citizen)
    assert [submit(citizen, key=f"k{n}").status_code for n in range(3)] == [201, 201, 201]
    refused = submit(citizen, key="k3")
    assert refused.status_code == 429 and refused["Retry-After"] == "2070"  # 1530 s into the hour
    error = refused.json()["error"]
    assert error["code"] == "rate_limited" and error["details"] == {"retry_after": 2070}
    assert "Vui lòng thử lại sau 35 phút" in error["message"]
    assert Dossier.objects.filter(submitted_by=world.citizen).count() == 3
    # The retry of an accepted submission still gets its dossier back.
    assert submit(citizen, key="k1").status_code == 200
    assert submit(client_for(world.other_citizen), key="o").status_code == 201  # per applicant
    for _ in range(4):  # the counter: a desk officer enters dossiers on applicants' behalf
        dossier_submit(
            actor=world.desk, procedure=world.procedure, form_data=VALID_FORM,
            channel=Channel.COUNTER, commune=world.commune, applicant_name="Lê Văn Tám",
            applicant_id_number="044085009999",
        )  # fmt: skip
    rate_clock.now += 3600 - 1530  # the next hour
    assert submit(citizen, key="k4").status_code == 201


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


@pytest.mark.parametrize(
    "username",
    ["plain", 'quote"back\\slash', "Nguyễn Đức 😀", "tab\tnew\nline\u2028", "</script>&"],
)
def test_the_audit_chain_holds_for_any_actor_name(world, username):
    """``audit verify`` re-computes the submission's entry, for names that JSON must escape."""
    citizen = make_user(username)
    ApplicantProfile.objects.create(
        user=citizen,
        kind=ApplicantKind.CITIZEN,
        full_name="Nguyễn Văn Đức",
        personal_id="044090009999",
        unit=world.commune,
    )
    dossier_submit(actor=citizen, procedure=world.procedure, form_data=VALID_FORM)
    audit_record(actor=citizen, action="test.after", object_type="x", object_id="1")
    assert list(audit_verify()) == []
    entry = AuditEvent.objects.get(action="dossier.submit")
    assert entry.actor_repr == username


def test_the_returned_dossier_is_the_stored_one(world):
    """Every field of the dossier returned equals the row read back, and its related objects
    come without a query."""
    made = dossier_submit(actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM)
    stored = Dossier.objects.get(pk=made.pk)
    for field in Dossier._meta.concrete_fields:
        assert getattr(made, field.attname) == getattr(stored, field.attname), field.attname
    assert not made._state.adding and made._state.db == "default"
    with CaptureQueriesContext(connection) as queries:
        assert made.procedure == world.procedure and made.receiving_agency == world.committee
        assert made.applicant.user_id == world.citizen.pk and made.submitted_by == world.citizen
    assert not queries.captured_queries


def test_sequences_past_9999_keep_every_digit(world):
    first = dossier_submit(actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM)
    CodeCounter.objects.filter(agency=world.committee).update(last=9998)
    codes = [
        dossier_submit(actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM).code
        for _ in range(2)
    ]
    prefix = first.code.rsplit("-", 1)[0]
    assert codes == [f"{prefix}-9999", f"{prefix}-10000"]
    assert list(Dossier.objects.filter(code__in=codes).values_list("code", flat=True))
    assert list(audit_verify()) == []


def test_a_replay_inside_the_callers_transaction_leaves_it_usable(world):
    first = dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM, idempotency_key="t"
    )
    with transaction.atomic():
        again = dossier_submit(
            actor=world.citizen,
            procedure=world.procedure,
            form_data=VALID_FORM,
            idempotency_key="t",
        )
        assert again.replayed and again.pk == first.pk
        # the transaction goes on: a query works, and a write commits with it
        assert Dossier.objects.count() == 1
        get_user_model().objects.filter(pk=world.citizen.pk).update(first_name="Đức")
    assert get_user_model().objects.get(pk=world.citizen.pk).first_name == "Đức"
    assert list(audit_verify()) == []


@pytest.mark.django_db(transaction=True)
def test_a_missing_chain_head_is_created_and_nothing_goes_unaudited(world):
    """A flushed database has no chain head row: the head is created, and the submission is
    written with its entry."""
    AuditChainHead.objects.all().delete()
    AuditEvent.objects.all().delete()
    dossier = dossier_submit(actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM)
    assert Dossier.objects.count() == 1
    entry = AuditEvent.objects.get(object_id=str(dossier.pk))
    assert entry.seq == 1 and AuditChainHead.objects.get().last_seq == 1
    assert list(audit_verify()) == []


def test_the_dossier_takes_the_applicants_profile(world):
    """The dossier gets the name, ID number, phone and address of the applicant's profile, and
    is received in the profile's commune."""
    from tinhso.core.selectors import applicant_of

    profile = world.citizen.applicant
    profile.phone, profile.address = "0912345678", "Thôn Đông, xã An Hòa"
    profile.save()
    response = submit(client_for(world.citizen), key="p-1")
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    fresh = applicant_of(get_user_model().objects.get(pk=world.citizen.pk))
    assert dossier.applicant_id == fresh.pk
    assert (dossier.applicant_name, dossier.applicant_id_number) == (
        fresh.full_name,
        fresh.personal_id,
    )
    assert (dossier.applicant_phone, dossier.applicant_address) == (fresh.phone, fresh.address)
    assert dossier.receiving_agency == world.committee  # found through the profile's commune
    assert fresh.unit == world.commune


def test_a_token_without_a_profile_gets_the_profile_error(world):
    """An officer's token has no applicant profile: an online submission is refused with the
    profile error, nothing written."""
    desk = client_for(world.desk)
    submit(desk)  # stamps the token's last use
    with CaptureQueriesContext(connection) as queries:
        response = submit(desk)  # (with a key, a refusal also looks for an earlier dossier)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_applicant_profile"
    assert len(queries.captured_queries) == 3  # the token, the procedure, the profile
    assert not Dossier.objects.exists()
