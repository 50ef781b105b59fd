"""``tinhso import_bank_feed FILE --bank VCB``: match a bank's transaction feed (CSV, the form
documented in docs/payments.md) with the VietQR transfers waiting; each line counts once."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.errors import DomainError
from tinhso.payments.adapters import parse_bank_feed
from tinhso.payments.services import bank_feed_import


class Command(BaseCommand):
    help = "Import a bank's transaction feed (CSV) and confirm the VietQR transfers it shows."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (UTF-8)")
        parser.add_argument("--bank", required=True, help="the bank's short name, e.g. VCB")

    def handle(self, *args, file: str, bank: str, **options):
        try:
            rows = parse_bank_feed(Path(file).read_text(encoding="utf-8"))
            summary = bank_feed_import(actor=None, bank=bank, rows=rows)
        except (OSError, UnicodeDecodeError, ValueError, DomainError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"matched {summary.matched}, unmatched {summary.unmatched}, "
            f"wrong amount {summary.wrong_amount}, fee already paid {summary.duplicate}, "
            f"imported before {summary.already_imported}, refused {len(summary.refused)}"
        )
        for line in summary.refused:
            self.stderr.write(f"line {line}")
