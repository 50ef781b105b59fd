"""``manage.py load_demo_signing --province 44``: the demo's leaders and clerks sign digitally
(certificates from the stand-in PKI, registered to them, held by the demo signing agent), and
each demo agency gets its organisation key (its copies and envelopes)."""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.translation import gettext as _

from tinhso.demo.management.base import ProvinceCommand
from tinhso.demo.signing import load_demo_signing


class Command(ProvinceCommand):
    help = "Issue and register signing certificates for the demo's leaders and clerks."

    def handle(self, *args, province: str, **options):
        if not settings.TINHSO_DEMO_SIGNING:
            return
        started = time.monotonic()
        report = self.load(load_demo_signing, province)
        self.stdout.write(
            _(
                "Demo signing: %(personal)d leaders' and %(organisation)d clerks' certificates "
                "(%(registered)d newly registered), %(agencies)d agencies' organisation keys, "
                "%(awaiting)d documents awaiting signature (%(seconds).1f s)"
            )
            % {**report._asdict(), "seconds": time.monotonic() - started}
        )
