"""``manage.py import_catalogue PATH [--per-row]``: import the procedure catalogue."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.procedures.services import catalogue_import, read_csv, read_xlsx

from ._progress import ProgressBar


def read_catalogue_file(path: Path) -> list[dict]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path)
    if suffix == ".xlsx":
        return read_xlsx(path)
    raise CommandError(_("Give a .csv or .xlsx file, not “%(name)s”.") % {"name": path.name})


class Command(BaseCommand):
    help = "Import the procedure catalogue from a CSV or XLSX file (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--per-row",
            action="store_true",
            help="Write the good rows and report the bad ones (default: all or nothing).",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, path: Path, per_row: bool, no_progress: bool, **options):
        if not path.exists():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            rows = read_catalogue_file(path)
            report = catalogue_import(
                actor=None,
                rows=rows,
                mode="per_row" if per_row else "all_or_nothing",
                progress=None if no_progress else ProgressBar(self.stderr),
                source=path.name,
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(report))
        for line in report.rejection_lines():
            self.stderr.write(line)
        if report.rejected and not per_row:
            raise CommandError(
                _("%(count)d row(s) rejected: nothing was imported.")
                % {"count": len(report.rejected)},
                returncode=2,
            )
