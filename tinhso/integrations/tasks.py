"""Background tasks of the adapters (run by the worker; enqueued by the scheduler)."""

from __future__ import annotations

from django_tasks import task

from . import exchange


@task()
def pull_exchange() -> dict:
    """Bring in the documents and status messages waiting on the exchange axis."""
    return exchange.exchange_pull()
