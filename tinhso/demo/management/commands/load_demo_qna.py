"""``manage.py load_demo_qna --province 44``: demo questions and answers (idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.demo.qna import load_demo_qna


class Command(BaseCommand):
    help = "Load the demo questions and answers of a province (after load_demo)."

    def add_arguments(self, parser):
        parser.add_argument("--province", default=settings.TINHSO_DEMO_PROVINCE)

    def handle(self, *args, province: str, **options):
        try:
            report = load_demo_qna(province)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("Demo questions: %(created)d created, %(unchanged)d unchanged")
            % {"created": report.created, "unchanged": report.unchanged}
        )
