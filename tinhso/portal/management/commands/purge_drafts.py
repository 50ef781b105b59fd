from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.portal.services import DRAFT_MAX_AGE_DAYS, drafts_purge


class Command(BaseCommand):
    help = "Delete online-submission drafts (and their files) left untouched for a long time."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=DRAFT_MAX_AGE_DAYS)

    def handle(self, *args, days: int, **options):
        try:
            count = drafts_purge(older_than_days=days)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("%(count)d draft(s) deleted.") % {"count": count})
