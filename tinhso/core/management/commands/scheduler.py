"""``tinhso scheduler``: enqueue the periodic tasks of ``settings.TINHSO_SCHEDULE`` when due.

One process per province is enough; two are harmless (each due task is enqueued once, see
``tinhso.core.background.schedule_due``). SIGINT or SIGTERM stops it between two checks.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from tinhso.core import background


class Command(BaseCommand):
    help = "Enqueue the periodic background tasks (deadline sweep, roll-ups, outbox) when due."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between two checks"
        )
        parser.add_argument("--once", action="store_true", help="check once, then exit")

    def handle(self, *args, interval: float, once: bool, **options):
        try:
            entries = background.schedule()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        stop = threading.Event()
        if not once:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
            self.stdout.write(
                "scheduler: "
                + ", ".join(f"{e.name} every {int(e.every.total_seconds())}s" for e in entries)
            )
            self.stdout.flush()
        while not stop.is_set():
            close_old_connections()
            try:
                for name in background.schedule_due(entries=entries):
                    self.stdout.write(f"scheduler: enqueued {name}")
            except DatabaseError as exc:  # a database restart: try again at the next check
                self.stderr.write(f"scheduler: the database does not answer: {exc}")
            self.stdout.flush()
            if once:
                return
            stop.wait(interval)
