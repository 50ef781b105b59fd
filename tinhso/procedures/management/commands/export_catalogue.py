"""``manage.py export_catalogue PATH``: write the procedure catalogue to CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.procedures.services import catalogue_export_rows, write_csv, write_xlsx


class Command(BaseCommand):
    help = "Export the procedure catalogue to a CSV or XLSX file (the import format)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        suffix = path.suffix.lower()
        if suffix not in {".csv", ".xlsx"}:
            raise CommandError(
                _("Give a .csv or .xlsx file, not “%(name)s”.") % {"name": path.name}
            )
        rows = catalogue_export_rows()
        count = (write_csv if suffix == ".csv" else write_xlsx)(path, rows)
        self.stdout.write(
            _("%(count)d procedure(s) written to %(path)s") % {"count": count, "path": path}
        )
