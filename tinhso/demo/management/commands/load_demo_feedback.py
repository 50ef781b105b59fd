"""``manage.py load_demo_feedback --province 44``: feedback categories, rules and demo reports."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.demo.feedback import load_demo_feedback


class Command(BaseCommand):
    help = "Load the field-feedback categories, routing rules, SLAs and demo reports (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--province", default=settings.TINHSO_DEMO_PROVINCE)

    def handle(self, *args, province: str, **options):
        try:
            report = load_demo_feedback(province)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("Demo field feedback: %(report)s") % {"report": report})
