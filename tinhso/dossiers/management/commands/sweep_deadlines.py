from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tinhso.dossiers.services import deadlines_sweep


class Command(BaseCommand):
    help = "Mark overdue dossiers and list those due within one working day (apology letter due)."

    def handle(self, *args, **options):
        result = deadlines_sweep()
        self.stdout.write(
            _("%(overdue)d dossier(s) newly overdue, %(soon)d due within one working day.")
            % {"overdue": len(result["overdue"]), "soon": len(result["due_soon"])}
        )
        for code in result["due_soon"]:
            self.stdout.write(f"  {_('apology letter due')}: {code}")
