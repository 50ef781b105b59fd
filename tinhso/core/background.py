"""Background work: the scheduler of periodic tasks, the retry back-off, the queue's age.

Work runs through Django's Tasks API (the ``django-tasks`` backport): a task is a ``@task``
function in its app's ``tasks.py``, enqueued with ``.enqueue()`` and run by the worker process
(``db_worker`` on the database backend, ``rqworker`` on Redis; ``settings.TASKS``). The API has
no schedule, no retry and no recovery of a task whose worker died, so:

- periodic work is listed in ``settings.TINHSO_SCHEDULE`` and enqueued by :func:`schedule_due`,
  which the ``tinhso scheduler`` command calls every second. Each entry is a ``ScheduleEntry``
  row; moving its ``next_run_at`` forward with a conditional UPDATE is the lease that lets two
  schedulers run without enqueuing twice. An entry whose last task still waits in the queue is
  not enqueued again (a stopped worker does not pile up copies);
- delivery guarantees live on the rows that must be delivered (``tinhso.dossiers.outbox``:
  claimed with a lease that expires, retried after :func:`retry_delay`).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus, task_backends
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist

from .models import ScheduleEntry

logger = logging.getLogger("tinhso.background")


def retry_delay(
    attempts: int,
    *,
    base: float | None = None,
    cap: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt before the next one.

    The ceiling doubles from ``base`` (``TINHSO_RETRY_BASE_SECONDS``) up to ``cap``
    (``TINHSO_RETRY_CAP_SECONDS``); the delay is half the ceiling plus a random part of the other
    half ("equal jitter"), so messages that failed together do not retry together and the delay
    after attempt n+1 is never shorter than after attempt n.
    """
    base = settings.TINHSO_RETRY_BASE_SECONDS if base is None else base
    cap = settings.TINHSO_RETRY_CAP_SECONDS if cap is None else cap
    ceiling = min(cap, base * 2 ** min(max(attempts - 1, 0), 32))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


# --- the scheduler --------------------------------------------------------------------------


@dataclass(frozen=True)
class Periodic:
    """One entry of ``settings.TINHSO_SCHEDULE``."""

    name: str
    task: Task
    every: dt.timedelta


def schedule() -> list[Periodic]:
    """The configured periodic tasks; a wrong entry raises ``ValueError`` naming it."""
    entries = []
    for name, entry in settings.TINHSO_SCHEDULE.items():
        try:
            task = import_string(entry["task"])
        except ImportError as exc:
            raise ValueError(f"TINHSO_SCHEDULE[{name!r}]: {exc}") from exc
        if not isinstance(task, Task):
            raise ValueError(f"TINHSO_SCHEDULE[{name!r}]: {entry['task']} is not a @task")
        every = int(entry["every"])
        if every <= 0:
            raise ValueError(f"TINHSO_SCHEDULE[{name!r}]: 'every' must be a positive number")
        entries.append(Periodic(name=name, task=task, every=dt.timedelta(seconds=every)))
    return entries


def still_queued(task: Task, result_id: str) -> bool:
    """Whether the task enqueued as ``result_id`` has not started yet (never, on a backend that
    cannot tell, such as the immediate one)."""
    if not result_id or not task.get_backend().supports_get_result:
        return False
    try:
        return task.get_result(result_id).status == TaskResultStatus.READY
    except TaskResultDoesNotExist:
        return False


def schedule_due(
    *, now: dt.datetime | None = None, entries: list[Periodic] | None = None
) -> list[str]:
    """Enqueue each periodic task that is due; return the names of those enqueued.

    A new entry is due at once. Two schedulers calling this at the same time enqueue each due
    task once: only one of them moves ``next_run_at`` forward (the UPDATE's condition is checked
    under the row lock on PostgreSQL, by the single writer on SQLite).
    """
    now = now or timezone.now()
    entries = schedule() if entries is None else entries
    known = set(
        ScheduleEntry.objects.filter(name__in=[e.name for e in entries]).values_list(
            "name", flat=True
        )
    )
    for entry in entries:
        if entry.name not in known:
            try:
                with transaction.atomic():
                    ScheduleEntry.objects.create(name=entry.name, next_run_at=now)
            except IntegrityError:  # another scheduler created it first
                pass
    enqueued = []
    for entry in entries:
        with transaction.atomic():
            won = ScheduleEntry.objects.filter(name=entry.name, next_run_at__lte=now).update(
                next_run_at=now + entry.every
            )
            if not won:
                continue
            row = ScheduleEntry.objects.get(name=entry.name)
            if still_queued(entry.task, row.last_result_id):
                logger.warning("%s: the previous run has not started yet; not enqueued", entry.name)
                continue
            result = entry.task.enqueue()
            row.last_result_id = str(result.id)
            row.last_enqueued_at = now
            row.save(update_fields=["last_result_id", "last_enqueued_at"])
        enqueued.append(entry.name)
    return enqueued


# --- the queue's age (``/healthz``, ``/metrics``) -------------------------------------------


def oldest_pending_task_age(*, now: dt.datetime | None = None) -> float | None:
    """Seconds since the oldest task ready to run was enqueued; ``None`` when none waits.

    Asked of the database backend's table or of the RQ queues (their first job); ``None`` on the
    immediate backend. The outbox's own backlog is ``tinhso.dossiers.outbox.oldest_pending_age``.
    """
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_backends["default"]
    if isinstance(backend, DatabaseBackend):
        oldest = (
            DBTaskResult.objects.ready()
            .filter(backend_name=backend.alias)
            .aggregate(oldest=Min("enqueued_at"))["oldest"]
        )
    elif settings.TINHSO_TASKS_BACKEND == "rq":
        oldest = _oldest_rq_job(backend.queues)
    else:
        return None
    if oldest is None:
        return None
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds())


def _oldest_rq_job(queue_names) -> dt.datetime | None:
    import django_rq

    oldest = None
    for name in queue_names:
        queue = django_rq.get_queue(name)
        first = queue.get_job_ids(0, 0)
        job = queue.fetch_job(first[0]) if first else None
        if job is not None and job.enqueued_at and (oldest is None or job.enqueued_at < oldest):
            oldest = job.enqueued_at
    return oldest
