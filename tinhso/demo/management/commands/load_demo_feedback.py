"""``manage.py load_demo_feedback --province 44``: feedback categories, rules and demo reports."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tinhso.demo.feedback import load_demo_feedback
from tinhso.demo.management.base import ProvinceCommand


class Command(ProvinceCommand):
    help = "Load the field-feedback categories, routing rules, SLAs and demo reports (idempotent)."

    def handle(self, *args, province: str, **options):
        report = self.load(load_demo_feedback, province)
        self.stdout.write(_("Demo field feedback: %(report)s") % {"report": report})
