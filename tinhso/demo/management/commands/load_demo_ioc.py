from django.conf import settings
from django.core.management import call_command
from django.utils.translation import gettext as _

from tinhso.demo.management.base import ProvinceCommand
from tinhso.demo.plan import load_demo_plan
from tinhso.ioc.models import DailyStat, ServiceIndexIndicator
from tinhso.ioc.rollup import refresh
from tinhso.ioc.services import load_index_766


class Command(ProvinceCommand):
    help = (
        "Load the operations centre's demo: the digital-transformation plan and, the first time, "
        "a synthetic history of dossiers (TINHSO_DEMO_HISTORY, default 20000), then the roll-ups."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--history", type=int, default=getattr(settings, "TINHSO_DEMO_HISTORY", 20000)
        )

    def handle(self, *args, province: str, history: int, **options):
        if not ServiceIndexIndicator.objects.exists():  # e.g. after a test database flush
            load_index_766()
        tally = self.load(load_demo_plan, province)
        self.stdout.write(
            _("Demo plan: %(created)d created, %(unchanged)d unchanged")
            % {"created": tally["created"], "unchanged": tally["unchanged"] + tally["updated"]}
        )
        if history > 0 and not DailyStat.objects.exists():
            # generate rebuilds the roll-ups itself once its dossiers are in.
            call_command("generate", dossiers=history, stdout=self.stdout, stderr=self.stderr)
        refresh()
        self.stdout.write(
            _("Operations centre roll-ups: %(cells)d daily rows")
            % {"cells": DailyStat.objects.count()}
        )
