from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.core.auth import token_create


class Command(BaseCommand):
    help = "Create an API bearer token for an account and print it once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No account named “%(name)s”.") % {"name": username})
        self.stdout.write(token_create(user=user, name=name, actor="manage.py create_token"))
