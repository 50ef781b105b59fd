import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tinhso.ioc import rollup


class Command(BaseCommand):
    help = (
        "Bring the operations centre's daily roll-ups up to date with the dossiers changed since "
        "the last refresh (the first run, or --rebuild, recomputes everything). The scheduler "
        "(tinhso scheduler) runs the refresh periodically; this command runs it once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", dest="full", help="recompute every roll-up"
        )

    def handle(self, *args, full: bool = False, **options):
        started = time.monotonic()
        result = rollup.rebuild() if full else rollup.refresh()
        self.stdout.write(
            _("Roll-ups: %(cells)d daily cells recomputed from %(events)d events in %(ms)d ms.")
            % {
                "cells": result.cells,
                "events": result.events_seen,
                "ms": (time.monotonic() - started) * 1000,
            }
        )
