"""The scheduler of periodic tasks, the retry back-off, the backlog on /healthz and /metrics."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tinhso.core import background
from tinhso.core.models import ScheduleEntry
from tinhso.dossiers import tasks as dossier_tasks
from tinhso.dossiers.models import OutboxMessage
from tinhso.notifications.models import Notification, Status

pytestmark = pytest.mark.django_db


def test_retry_delay_grows_with_jitter_up_to_the_cap():
    rng = random.Random(7)
    for attempts in range(1, 8):
        ceiling = min(3600, 30 * 2 ** (attempts - 1))
        delays = [background.retry_delay(attempts, base=30, cap=3600, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len({round(d, 3) for d in delays}) > 40  # jittered, not in step
    # never shorter after one more failure, until the cap
    lows = [background.retry_delay(n, base=30, cap=3600, rng=random.Random(0)) for n in range(9)]
    highs = [
        background.retry_delay(n, base=30, cap=3600, rng=random.Random(0)) for n in range(1, 10)
    ]
    assert all(h >= low for low, h in zip(lows, highs, strict=True))
    assert background.retry_delay(10_000, base=30, cap=3600) <= 3600


def test_every_scheduled_task_exists():
    names = {entry.name: entry for entry in background.schedule()}
    assert {"outbox-delivery", "deadline-sweep", "ioc-refresh"} <= set(names)
    assert names["outbox-delivery"].task is dossier_tasks.deliver_outbox


def test_schedule_rejects_a_wrong_entry(settings):
    settings.TINHSO_SCHEDULE = {"typo": {"task": "tinhso.dossiers.tasks.nothing", "every": 5}}
    with pytest.raises(ValueError, match="typo"):
        background.schedule()


def _entries():
    return [
        background.Periodic(
            name="outbox-delivery",
            task=dossier_tasks.deliver_outbox,
            every=dt.timedelta(seconds=30),
        )
    ]


def _queued():
    return DBTaskResult.objects.filter(task_path="tinhso.dossiers.tasks.deliver_outbox")


def test_a_due_task_is_enqueued_once_per_interval():
    now = timezone.now()
    assert background.schedule_due(now=now, entries=_entries()) == ["outbox-delivery"]
    # a second scheduler checking at the same moment enqueues nothing
    assert background.schedule_due(now=now, entries=_entries()) == []
    assert _queued().count() == 1
    entry = ScheduleEntry.objects.get(name="outbox-delivery")
    assert entry.next_run_at == now + dt.timedelta(seconds=30)
    assert entry.last_result_id == str(_queued().get().id)
    # the worker ran it; 30 s later it is due again
    _queued().update(status=TaskResultStatus.SUCCESSFUL)
    later = now + dt.timedelta(seconds=30)
    assert background.schedule_due(now=later, entries=_entries()) == ["outbox-delivery"]
    assert _queued().count() == 2


def test_no_copies_pile_up_while_the_worker_is_stopped():
    now = timezone.now()
    background.schedule_due(now=now, entries=_entries())
    for minutes in range(1, 5):
        background.schedule_due(now=now + dt.timedelta(minutes=minutes), entries=_entries())
    assert _queued().count() == 1  # still waiting: not enqueued again


def test_the_task_runs_and_delivers(settings):
    """Through the Tasks API in its immediate mode: the scheduled task does the outbox's work."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = dossier_tasks.deliver_outbox.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {
        "claimed": 0, "delivered": 0, "failed": 0, "held": 0, "dead": 0, "coalesced": 0
    }  # fmt: skip


def test_healthz_and_metrics_report_the_oldest_pending_age(client, settings):
    body = client.get("/healthz").json()
    assert body == {
        "status": "ok",
        "oldest_pending_task_seconds": None,
        "oldest_pending_outbox_seconds": None,
        "oldest_pending_notification_seconds": None,
    }
    dossier_tasks.sweep_deadlines.enqueue()
    message = OutboxMessage.objects.create(topic="nobody.handles", key="k", payload={})
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    DBTaskResult.objects.update(enqueued_at=an_hour_ago)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=an_hour_ago)
    waiting = Notification.objects.create(
        event="dossier_received", event_key="k", channel="sms", recipient_key="phone:0912345678",
        address="0912345678", status=Status.TEMPORARY_FAILURE,
    )  # fmt: skip
    Notification.objects.create(  # sent: not part of the backlog
        event="dossier_received", event_key="k", channel="email", recipient_key="email:a@b.vn",
        address="a@b.vn", status=Status.DELIVERED,
    )  # fmt: skip
    Notification.objects.update(created_at=an_hour_ago - dt.timedelta(hours=1))
    Notification.objects.filter(pk=waiting.pk).update(created_at=an_hour_ago)
    body = client.get("/healthz").json()
    assert 3600 <= body["oldest_pending_task_seconds"] < 3660
    assert 3600 <= body["oldest_pending_outbox_seconds"] < 3660
    assert 3600 <= body["oldest_pending_notification_seconds"] < 3660
    settings.TINHSO_METRICS_TOKEN = "scrape-secret"
    metrics = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", headers={"Authorization": "Bearer scrape-secret"}
    ).content.decode()
    task_age = _gauge(metrics, "tinhso_tasks_oldest_pending_seconds")
    outbox_age = _gauge(metrics, "tinhso_outbox_oldest_pending_seconds")
    assert 3600 <= task_age < 3660 and 3600 <= outbox_age < 3660
    assert 3600 <= _gauge(metrics, "tinhso_notifications_oldest_pending_seconds") < 3660
    assert _gauge(metrics, "tinhso_notifications_pending") == 1


def _gauge(text: str, name: str) -> float:
    return float(next(line for line in text.splitlines() if line.startswith(name + " ")).split()[1])


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_the_same_moment_enqueue_once():
    """The second scheduler waits for the first one's row lock, then finds the entry not due."""
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    now = timezone.now()
    first_done, release = threading.Event(), threading.Event()
    results: dict[str, list[str]] = {}

    def scheduler(name, hold):
        try:
            with transaction.atomic():
                results[name] = background.schedule_due(now=now, entries=_entries())
                if hold:
                    first_done.set()
                    release.wait(10)
        finally:
            connection.close()

    first = threading.Thread(target=scheduler, args=("first", True))
    first.start()
    assert first_done.wait(10)
    second = threading.Thread(target=scheduler, args=("second", False))
    second.start()
    try:
        with connection.cursor() as cursor:  # until the second scheduler waits for the lock
            for _ in range(200):
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                if cursor.fetchone()[0]:
                    break
                threading.Event().wait(0.05)
    finally:
        release.set()
        first.join()
        second.join()
    assert results == {"first": ["outbox-delivery"], "second": []}
    assert _queued().count() == 1
