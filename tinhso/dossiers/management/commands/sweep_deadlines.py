from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tinhso.dossiers.services import deadlines_sweep


class Command(BaseCommand):
    help = (
        "Mark overdue dossiers and list those due within one working day (apology letter due), "
        "then bring the operations centre's roll-ups up to date (unless --no-ioc). The scheduler "
        "(tinhso scheduler) runs both periodically; this command runs them once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-ioc", action="store_true", help="do not refresh the operations centre's roll-ups"
        )

    def handle(self, *args, no_ioc: bool = False, **options):
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
