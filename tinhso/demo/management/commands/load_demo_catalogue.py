"""``manage.py load_demo_catalogue --province 44``: the demo procedure catalogue (idempotent)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from tinhso.demo.catalogue import load_demo_catalogue
from tinhso.demo.management.base import ProvinceCommand


class Command(ProvinceCommand):
    help = "Load the demo procedure catalogue of a province through the catalogue import."

    def handle(self, *args, province: str, **options):
        report = self.load(load_demo_catalogue, province)
        for line in report.rejection_lines():
            self.stderr.write(line)
        if report.rejected:
            raise CommandError(
                _("The demo catalogue has %(count)d bad row(s): nothing was loaded.")
                % {"count": len(report.rejected)}
            )
        self.stdout.write(_("Demo procedure catalogue: %(report)s") % {"report": report})
