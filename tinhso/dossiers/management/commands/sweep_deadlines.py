import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.translation import gettext as _

from tinhso.dossiers.services import deadlines_sweep


class Command(BaseCommand):
    help = (
        "Mark overdue dossiers and list those due within one working day (apology letter due). "
        "With --every N it keeps running as the scheduler, sweeping every N seconds; each sweep "
        "also brings the operations centre's roll-ups up to date (unless --no-ioc)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="seconds between sweeps")
        parser.add_argument("--times", type=int, default=0, help="stop after N sweeps (0: never)")
        parser.add_argument(
            "--no-ioc", action="store_true", help="do not refresh the operations centre's roll-ups"
        )

    def handle(self, *args, every: int, times: int, no_ioc: bool = False, **options):
        done = 0
        while True:
            result = deadlines_sweep()
            self.stdout.write(
                _("%(overdue)d dossier(s) newly overdue, %(soon)d due within one working day.")
                % {"overdue": len(result["overdue"]), "soon": len(result["due_soon"])}
            )
            for code in result["apology_due"]:
                self.stdout.write(f"  {_('apology letter due')}: {code}")
            if not no_ioc:
                from tinhso.ioc.rollup import refresh

                refreshed = refresh()
                self.stdout.write(
                    _("Operations centre: %(cells)d daily cells recomputed.")
                    % {"cells": refreshed.cells}
                )
            done += 1
            if every <= 0 or (times and done >= times):
                return
            if not connection.in_atomic_block:  # a long-running scheduler drops stale connections
                close_old_connections()
            time.sleep(every)
