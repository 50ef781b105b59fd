"""Property tests: no sequence of service calls leaves the transition table; codes stay unique
under concurrent submitters."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.core.audit import audit_verify
from tinhso.core.errors import DomainError
from tinhso.dossiers import services as s
from tinhso.dossiers.models import STATE_TO_STATUS, Dossier, DossierEvent, State
from tinhso.dossiers.transitions import TRANSITIONS
from tinhso.testing.factories import in_threads

from .factories import PDF_BYTES, VALID_FORM, make_world

ACTORS = ("citizen", "other_citizen", "desk", "specialist", "leader", "outsider")


def call(action: str, actor, dossier):
    pdf = SimpleUploadedFile("a.pdf", PDF_BYTES)
    calls = {
        "receive": lambda: s.dossier_receive(actor=actor, dossier=dossier),
        "refuse": lambda: s.dossier_refuse(actor=actor, dossier=dossier, reason="Thiếu giấy tờ"),
        "transfer": lambda: s.dossier_transfer(actor=actor, dossier=dossier),
        "request_supplement": lambda: s.dossier_request_supplement(
            actor=actor, dossier=dossier, reason="Bổ sung"
        ),
        "supplement": lambda: s.dossier_supplement(
            actor=actor, dossier=dossier, uploads=[(None, pdf)]
        ),
        "accept_supplement": lambda: s.dossier_accept_supplement(actor=actor, dossier=dossier),
        "pause": lambda: s.dossier_pause(actor=actor, dossier=dossier, reason="Tạm dừng"),
        "resume": lambda: s.dossier_resume(actor=actor, dossier=dossier),
        "request_fees": lambda: s.dossier_request_fees(
            actor=actor, dossier=dossier, amount_vnd=10000
        ),
        "pay": lambda: s.dossier_record_counter_payment(
            actor=actor, dossier=dossier, reference="BL-0001", amount_vnd=10000
        ),
        "approve": lambda: s.dossier_approve(actor=actor, dossier=dossier),
        "rework": lambda: s.dossier_rework(actor=actor, dossier=dossier, reason="Làm lại"),
        "finish": lambda: s.dossier_finish(actor=actor, dossier=dossier),
        "extend": lambda: s.dossier_extend(
            actor=actor, dossier=dossier, reason="Xin lỗi", extra_days=Decimal(1)
        ),
        "return_result": lambda: s.dossier_return_result(actor=actor, dossier=dossier),
        "withdraw": lambda: s.dossier_withdraw(actor=actor, dossier=dossier, reason="Rút"),
        "confirm_withdraw": lambda: s.dossier_confirm_withdraw(actor=actor, dossier=dossier),
        "stop": lambda: s.dossier_stop(actor=actor, dossier=dossier, reason="Dừng"),
        "rate": lambda: s.dossier_rate(actor=actor, dossier=dossier, score=2),
    }
    return calls[action]()


@pytest.fixture
def world(settings, django_db_blocker):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every example submits as the same applicant in one test: no hourly submission limit.
    settings.TINHSO_RATE_SUBMISSIONS = "0"
    return make_world()


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(sorted(TRANSITIONS)), st.sampled_from(ACTORS)), max_size=30
    )
)
def test_no_sequence_leaves_the_table(world, steps):
    dossier = s.dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=dict(VALID_FORM)
    )
    for action, actor_name in steps:
        if action == "submit":
            continue
        before = Dossier.objects.filter(pk=dossier.pk).values().get()
        events_before = DossierEvent.objects.filter(dossier=dossier).count()
        try:
            call(action, getattr(world, actor_name), dossier)
        except DomainError:
            # Refused: nothing changed, no row written.
            assert Dossier.objects.filter(pk=dossier.pk).values().get() == before
            assert DossierEvent.objects.filter(dossier=dossier).count() == events_before
            continue
        after = Dossier.objects.get(pk=dossier.pk)
        transition = TRANSITIONS[action]
        assert before["state"] in transition.sources
        if transition.target is not None:
            assert after.state == transition.target
        assert after.state in State.values
        assert after.status == STATE_TO_STATUS[after.state]
        if after.state in {State.FINISHED, State.RETURNED}:
            assert after.finished_at and after.timeliness
        if after.state in {State.SUPPLEMENT_REQUESTED, State.PAUSED, State.FEES_REQUESTED}:
            assert after.clock_stopped_at is not None
        assert DossierEvent.objects.filter(dossier=dossier).count() == events_before + 1
    assert list(audit_verify()) == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_codes_unique_under_8_concurrent_submitters(settings):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is exercised on PostgreSQL (make test runs it there)")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TINHSO_RATE_SUBMISSIONS = "0"  # 96 submissions by one applicant: no hourly limit
    world = make_world()
    per_thread, codes = 12, []
    lock = threading.Lock()

    def worker() -> None:
        n = threading.get_ident()  # distinct among the threads running together
        for i in range(per_thread):
            d = s.dossier_submit(
                actor=world.citizen,
                procedure=world.procedure,
                form_data=dict(VALID_FORM),
                idempotency_key=f"t{n}-{i}",
            )
            with lock:
                codes.append(d.code)

    assert in_threads(8, worker) == []
    assert len(codes) == len(set(codes)) == 8 * per_thread
    sequences = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert sequences == list(range(1, 8 * per_thread + 1))
    assert list(audit_verify()) == []
