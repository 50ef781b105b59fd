"""``manage.py load_demo_catalogue --province 44``: the demo procedure catalogue (idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.demo.catalogue import load_demo_catalogue


class Command(BaseCommand):
    help = "Load the demo procedure catalogue of a province through the catalogue import."

    def add_arguments(self, parser):
        parser.add_argument("--province", default=settings.TINHSO_DEMO_PROVINCE)

    def handle(self, *args, province: str, **options):
        try:
            report = load_demo_catalogue(province)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        for line in report.rejection_lines():
            self.stderr.write(line)
        if report.rejected:
            raise CommandError(
                _("The demo catalogue has %(count)d bad row(s): nothing was loaded.")
                % {"count": len(report.rejected)}
            )
        self.stdout.write(_("Demo procedure catalogue: %(report)s") % {"report": report})
