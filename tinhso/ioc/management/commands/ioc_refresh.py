import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.translation import gettext as _

from tinhso.ioc import rollup


class Command(BaseCommand):
    help = (
        "Bring the operations centre's daily roll-ups up to date with the dossiers changed since "
        "the last refresh (the first run, or --rebuild, recomputes everything). "
        "With --every N it keeps running, refreshing every N seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", dest="full", help="recompute every roll-up"
        )
        parser.add_argument("--every", type=int, default=0, help="seconds between refreshes")
        parser.add_argument("--times", type=int, default=0, help="stop after N runs (0: never)")

    def handle(self, *args, full: bool = False, every: int, times: int, **options):
        done = 0
        while True:
            started = time.monotonic()
            result = rollup.rebuild() if full and done == 0 else rollup.refresh()
            self.stdout.write(
                _("Roll-ups: %(cells)d daily cells recomputed from %(events)d events in %(ms)d ms.")
                % {
                    "cells": result.cells,
                    "events": result.events_seen,
                    "ms": (time.monotonic() - started) * 1000,
                }
            )
            done += 1
            if every <= 0 or (times and done >= times):
                return
            close_old_connections()
            time.sleep(every)
