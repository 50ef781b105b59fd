"""Delivering the outbox: claims with a lease, retries with back-off, handlers per topic."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tinhso.dossiers import outbox
from tinhso.dossiers.models import Dossier, OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.pg]
TOPIC = "test.topic"


@pytest.fixture
def handled(monkeypatch):
    """Register a handler for TOPIC that records what it receives and fails on demand."""
    seen: list[str] = []
    failing: set[str] = set()

    def handler(message):
        if message.key in failing:
            raise ConnectionError("portal unreachable")
        seen.append(message.key)

    monkeypatch.setitem(outbox.HANDLERS, TOPIC, handler)
    return seen, failing


def write(key, topic=TOPIC):
    return OutboxMessage.objects.create(topic=topic, key=key, payload={"key": key})


def test_delivered_in_order_and_marked(handled):
    seen, _failing = handled
    first, second = write("a:1"), write("a:2")
    report = outbox.outbox_deliver()
    assert report == outbox.DeliveryReport(claimed=2, delivered=2, failed=0)
    assert seen == ["a:1", "a:2"]
    for message in (first, second):
        message.refresh_from_db()
        assert message.delivered_at is not None and message.attempts == 1
    assert outbox.outbox_deliver().claimed == 0  # delivered once


def test_a_topic_without_handler_stays_pending_and_visible(handled):
    orphan = write("x:1", topic="national_portal.status.unconfigured")
    assert outbox.outbox_deliver().claimed == 0
    orphan.refresh_from_db()
    assert orphan.delivered_at is None and orphan.attempts == 0 and orphan.last_error == ""
    assert outbox.oldest_pending_age(now=orphan.created_at + dt.timedelta(seconds=90)) == 90


def test_failure_backs_off_and_retries_later(handled):
    seen, failing = handled
    message = write("b:1")
    failing.add("b:1")
    now = timezone.now()
    report = outbox.outbox_deliver(now=now, rng=random.Random(1))
    assert report.failed == 1 and report.delivered == 0
    message.refresh_from_db()
    assert message.attempts == 1 and message.claimed_until is None
    assert message.last_error == "ConnectionError: portal unreachable"
    wait = message.next_attempt_at - now
    assert dt.timedelta(seconds=15) <= wait <= dt.timedelta(seconds=30)  # base 30 s, halved
    assert outbox.outbox_deliver(now=now + wait / 2).claimed == 0  # not before its time
    # Second failure: a longer wait.
    later = message.next_attempt_at
    outbox.outbox_deliver(now=later, rng=random.Random(1))
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at - later >= dt.timedelta(seconds=30)
    # The portal answers again: delivered.
    failing.clear()
    assert outbox.outbox_deliver(now=message.next_attempt_at).delivered == 1
    assert seen == ["b:1"]


def test_the_claim_of_a_killed_worker_expires(handled, settings):
    """A worker that claimed a message and died never reports: after the lease, another
    worker takes the message again (and counts the attempt)."""
    settings.TINHSO_OUTBOX_LEASE_SECONDS = 60
    message = write("c:1")
    now = timezone.now()
    claimed = outbox.outbox_claim(now=now)  # ... and the worker is killed here
    assert [m.pk for m in claimed] == [message.pk]
    assert claimed[0].claimed_until == now + dt.timedelta(seconds=60)
    assert outbox.outbox_claim(now=now + dt.timedelta(seconds=59)) == []
    report = outbox.outbox_deliver(now=now + dt.timedelta(seconds=60))
    assert report.delivered == 1
    message.refresh_from_db()
    assert message.attempts == 2 and message.delivered_at is not None


def test_the_batch_is_limited(handled):
    for n in range(3):
        write(f"d:{n}")
    assert len(outbox.outbox_claim(limit=2)) == 2
    assert len(outbox.outbox_claim(limit=2)) == 1


def test_national_portal_acknowledgement_marks_the_dossier_synced(monkeypatch, one_stop_world):
    """The real write path: a submitted dossier's status message, delivered by a handler, makes
    the dossier synced (``services.outbox_mark_delivered``)."""
    from tinhso.dossiers import services
    from tinhso.testing.factories import VALID_FORM, pdf

    world = one_stop_world
    component = world.procedure.components.first()
    dossier = services.dossier_submit(
        actor=world.citizen,
        procedure=world.procedure,
        form_data=dict(VALID_FORM),
        uploads=[(component, pdf())],
    )
    sent = []
    monkeypatch.setitem(outbox.HANDLERS, "national_portal.status", sent.append)
    report = outbox.outbox_deliver()
    assert report.delivered >= 1
    assert any(m.key == f"{dossier.code}:{dossier.version}" for m in sent)
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.synced_version == dossier.version


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_claim_different_messages(handled):
    """SELECT … FOR UPDATE SKIP LOCKED: a second worker does not wait for, nor take, the rows
    a first worker holds."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    for n in range(4):
        write(f"e:{n}")
    holding, release = threading.Event(), threading.Event()
    first: list[int] = []

    def first_worker():
        try:
            with transaction.atomic():  # the claim's transaction, held open
                first.extend(m.pk for m in outbox.outbox_claim(limit=2))
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=first_worker)
    thread.start()
    assert holding.wait(10)
    try:
        second = [m.pk for m in outbox.outbox_claim(limit=4)]
    finally:
        release.set()
        thread.join()
    assert len(first) == 2 and len(second) == 2 and not set(first) & set(second)


def test_a_failed_message_holds_the_later_ones_of_its_stream(handled):
    """One message per stream per claim: a later message of a dossier never overtakes an
    earlier one that failed (it waits out the back-off); other streams go on."""
    seen, failing = handled
    for key, stream in [("a:1", "A"), ("a:2", "A"), ("b:1", "B"), ("b:2", "B")]:
        OutboxMessage.objects.create(topic=TOPIC, key=key, stream=stream, payload={})
    failing.add("a:1")
    now = timezone.now()
    report = outbox.outbox_deliver(now=now)
    assert (report.claimed, report.failed, seen) == (2, 1, ["b:1"])
    outbox.outbox_deliver(now=now)
    assert seen == ["b:1", "b:2"]  # a:2 waits behind a:1
    failing.clear()
    outbox.outbox_deliver(now=now + dt.timedelta(hours=2))
    outbox.outbox_deliver(now=now + dt.timedelta(hours=2))
    assert seen == ["b:1", "b:2", "a:1", "a:2"]


def test_too_many_failures_make_a_dead_letter(handled, settings):
    _seen, failing = handled
    settings.TINHSO_OUTBOX_MAX_ATTEMPTS = 2
    OutboxMessage.objects.create(topic=TOPIC, key="c:1", stream="C", payload={})
    failing.add("c:1")
    now = timezone.now()
    assert outbox.outbox_deliver(now=now).failed == 1
    assert outbox.outbox_deliver(now=now + dt.timedelta(hours=2)).dead == 1
    assert OutboxMessage.objects.get(key="c:1").dead_at is not None
    assert outbox.outbox_deliver(now=now + dt.timedelta(days=2)).claimed == 0  # dead: not retried


# --- coalescing of full-state messages ----------------------------------------------------

STATE, STEP = "test.state", "test.step"


@pytest.fixture
def full_states(monkeypatch):
    """STATE carries a stream's whole state (coalesced), STEP its progress steps (never)."""
    seen: list[str] = []
    failing: set[str] = set()

    def handler(message):
        if message.key in failing:
            raise ConnectionError("portal unreachable")
        seen.append(message.key)

    monkeypatch.setattr(outbox, "COALESCED", {STATE})
    monkeypatch.setitem(outbox.HANDLERS, STATE, handler)
    monkeypatch.setitem(outbox.HANDLERS, STEP, handler)
    return seen, failing


def stream(name: str, *messages: str) -> dict[str, OutboxMessage]:
    """Write ``messages`` ("s2" a full state, "t2" a step) to the stream ``name``, in order."""
    return {
        m: OutboxMessage.objects.create(
            topic=STATE if m[0] == "s" else STEP,
            key=f"{name}:{m}",
            stream=name,
            payload={},
        )
        for m in messages
    }


def drain(now=None) -> list[outbox.DeliveryReport]:
    reports = []
    while (report := outbox.outbox_deliver(now=now)).claimed:
        reports.append(report)
    return reports


def test_waiting_full_states_are_coalesced_and_progress_steps_never(full_states):
    seen, _failing = full_states
    a = stream("A", "s1", "s2", "t2", "s3", "t3", "s4")
    stream("B", "s1", "t1")

    reports = drain()

    assert reports[0].coalesced == 2  # A's s2 and s3: s4 carries what they did
    # The stream's first full state goes first (the receiver learns of the dossier before its
    # steps), then every step and the newest full state, in the order written.
    assert [k for k in seen if k.startswith("A:")] == ["A:s1", "A:t2", "A:t3", "A:s4"]
    assert [k for k in seen if k.startswith("B:")] == ["B:s1", "B:t1"]
    for name, message in a.items():
        message.refresh_from_db()
        superseded = name in ("s2", "s3")
        assert (message.superseded_at is not None) == superseded, name
        assert (message.delivered_at is None) == superseded, name
    assert outbox.oldest_pending_age() is None  # superseded messages are not owed


def test_a_full_state_after_a_delivered_one_is_coalesced_too(full_states):
    seen, _failing = full_states
    stream("A", "s1")
    drain()
    stream("A", "s2", "s3", "t3", "s4")
    assert sum(r.coalesced for r in drain()) == 2
    assert seen == ["A:s1", "A:t3", "A:s4"]


def test_a_dead_letter_is_never_superseded_and_still_blocks(full_states, settings):
    seen, failing = full_states
    settings.TINHSO_OUTBOX_MAX_ATTEMPTS = 1
    a = stream("A", "s1", "s2")
    failing.add("A:s2")
    now = timezone.now()
    drain(now)  # s1 delivered, s2 dies
    a["s2"].refresh_from_db()
    assert a["s2"].dead_at is not None
    stream("A", "s3", "t3", "s4")
    failing.clear()
    later = now + dt.timedelta(hours=1)
    reports = drain(later)
    assert seen == ["A:s1"] and reports == []  # the dead s2 blocks: nothing overtakes it
    a["s2"].refresh_from_db()
    assert a["s2"].superseded_at is None
    assert OutboxMessage.objects.filter(stream="A", superseded_at__isnull=False).count() == 1
    # The administrator resends it: waiting again, it is a full state like the others, replaced
    # by the newest one; the step and s4 go.
    outbox.outbox_resend(actor=None, message_ids=[a["s2"].pk])
    drain(later)
    assert seen == ["A:s1", "A:t3", "A:s4"]
    a["s2"].refresh_from_db()
    assert a["s2"].superseded_at is not None and a["s2"].delivered_at is None


def test_a_full_state_under_a_live_lease_is_not_superseded(full_states, settings):
    settings.TINHSO_OUTBOX_LEASE_SECONDS = 60
    a = stream("A", "s1")
    drain()
    a |= stream("A", "s2")
    now = timezone.now()
    assert [m.pk for m in outbox.outbox_claim(now=now)] == [a["s2"].pk]  # a worker sends it …
    a |= stream("A", "s3")
    assert outbox.outbox_coalesce(now=now + dt.timedelta(seconds=30)) == 0
    # … and dies: once its lease is over, a newer full state supersedes it.
    assert outbox.outbox_coalesce(now=now + dt.timedelta(seconds=61)) == 1
    a["s2"].refresh_from_db()
    assert a["s2"].superseded_at is not None
