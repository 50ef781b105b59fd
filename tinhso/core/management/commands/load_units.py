from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.services import units_load_province


class Command(BaseCommand):
    help = "Load a province and its commune-level units from the 2025 list (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="2-digit province code, e.g. 44")
        parser.add_argument(
            "--no-history", action="store_true", help="Skip the units merged on 1 Jul 2025"
        )

    def handle(self, *args, province: str, no_history: bool, **options):
        try:
            report = units_load_province(province_code=province, with_history=not no_history)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("Province %(code)s: %(report)s") % {"code": province, "report": report})
