"""``manage.py create_open311_key "App name" [--contact …]``: an Open311 API key, printed once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.errors import DomainError
from tinhso.feedback.open311_keys import open311_client_create


class Command(BaseCommand):
    help = "Create an Open311 API key for an application and print it (only its hash is kept)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--contact", default="")

    def handle(self, *args, name: str, contact: str, **options):
        try:
            _client, key = open311_client_create(actor="manage.py", name=name, contact=contact)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(key)
