from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.demo.province import load_demo


class Command(BaseCommand):
    help = "Load the demo province: units, agencies, officers, applicants (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--province", default=settings.TINHSO_DEMO_PROVINCE)
        parser.add_argument("--quiet-accounts", action="store_true")

    def handle(self, *args, province: str, quiet_accounts: bool, **options):
        try:
            totals, accounts = load_demo(province)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "Demo province %(code)s: %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged"
            )
            % {
                "code": province,
                "created": totals["created"],
                "updated": totals["updated"],
                "unchanged": totals["unchanged"],
            }
        )
        for loader in getattr(settings, "TINHSO_DEMO_LOADERS", []):
            call_command(loader, province=province, stdout=self.stdout)
        if not quiet_accounts:
            self.stdout.write(_("Demo accounts (username / password):"))
            for username, password, description in accounts:
                self.stdout.write(f"  {username:<22} {password:<14} {description}")
