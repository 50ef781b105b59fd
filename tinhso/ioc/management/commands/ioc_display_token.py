"""Wall display tokens (kiosk): ``tinhso ioc-display-token create "Phòng họp tầng 2"`` prints the
display's address once; ``revoke PREFIX`` ends it; ``list`` shows them."""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from tinhso.core.errors import DomainError
from tinhso.ioc.models import DisplayToken
from tinhso.ioc.services import display_token_create, display_token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke the read-only tokens of operations-centre wall displays."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke", "list"])
        parser.add_argument("value", nargs="?", default="", help="name (create) or prefix (revoke)")

    def handle(self, *args, action: str, value: str, **options):
        if action == "list":
            for token in DisplayToken.objects.order_by("created_at"):
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
                self.stdout.write(f"{token.prefix}\t{state}\t{token.name}")
            return
        if action == "create":
            try:
                key = display_token_create(name=value)
            except DomainError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"{reverse('ioc:wall')}?kiosk={key}")
            return
        if not display_token_revoke(prefix=value):
            raise CommandError(f"No active display token with prefix {value!r}.")
        self.stdout.write(f"Revoked {value}.")
