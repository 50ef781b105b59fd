"""``manage.py load_demo_qna --province 44``: demo questions and answers (idempotent)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tinhso.demo.management.base import ProvinceCommand
from tinhso.demo.qna import load_demo_qna


class Command(ProvinceCommand):
    help = "Load the demo questions and answers of a province (after load_demo)."

    def handle(self, *args, province: str, **options):
        report = self.load(load_demo_qna, province)
        self.stdout.write(
            _("Demo questions: %(created)d created, %(unchanged)d unchanged")
            % {"created": report.created, "unchanged": report.unchanged}
        )
