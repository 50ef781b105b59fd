from django.conf import settings
from django.core.management import call_command
from django.utils.translation import gettext as _

from tinhso.demo.management.base import ProvinceCommand
from tinhso.demo.province import load_demo


class Command(ProvinceCommand):
    help = "Load the demo province: units, agencies, officers, applicants (idempotent)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--quiet-accounts", action="store_true")

    def handle(self, *args, province: str, quiet_accounts: bool, **options):
        totals, accounts = self.load(load_demo, province)
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
