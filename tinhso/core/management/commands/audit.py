from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_verify
from tinhso.core.models import AuditEvent


class Command(BaseCommand):
    help = "Audit log tools. 'verify' re-computes the hash chain and names any altered entry."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action: str, **options):
        problems = list(audit_verify())
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("Audit log verification FAILED: %(n)d problem(s).") % {"n": len(problems)}
            )
        self.stdout.write(
            _("Audit log intact: %(n)d entries verified.") % {"n": AuditEvent.objects.count()}
        )
