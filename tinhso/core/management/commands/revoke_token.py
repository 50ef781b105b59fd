"""``tinhso revoke-token PREFIX`` or ``tinhso revoke-token --user USER``: revoke API tokens."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.core.auth import token_revoke
from tinhso.core.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token by its prefix (as in the admin), or every token of an account."

    def add_arguments(self, parser):
        parser.add_argument(
            "prefix",
            nargs="?",
            help="'tsk_' and the 8 characters after it (the 8 alone unless they begin with '-')",
        )
        parser.add_argument("--user", help="revoke every active token of this account")

    def handle(self, *args, prefix: str | None, user: str | None, **options):
        if bool(prefix) == bool(user):
            raise CommandError(_("Give either a token prefix or --user, not both."))
        tokens = ApiToken.objects.filter(is_active=True)
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(_("No account named “%(name)s”.") % {"name": user})
            tokens = tokens.filter(user=account)
        else:
            tokens = tokens.filter(prefix=prefix.removeprefix("tsk_")[:8])
        revoked = token_revoke(actor="manage.py revoke_token", tokens=list(tokens))
        if not revoked:
            raise CommandError(_("No active API token matches."))
        for token in revoked:
            self.stdout.write(_("Revoked: %(token)s") % {"token": token})
