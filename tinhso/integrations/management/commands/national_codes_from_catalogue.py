"""``tinhso national_codes_from_catalogue``: fill the national procedure code table from the
catalogue's verified codes (procedures already mapped are left alone)."""

from django.core.management.base import BaseCommand

from tinhso.integrations.services import national_codes_from_catalogue


class Command(BaseCommand):
    help = "Map verified procedures without a national code to the code they start with."

    def handle(self, *args, **options):
        mapped = national_codes_from_catalogue()
        self.stdout.write(f"{len(mapped)} procedure(s) mapped to a national code")
