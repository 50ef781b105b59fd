"""``manage.py load_demo_documents --province 44``: a year of demo documents (idempotent)."""

from __future__ import annotations

import time

from django.utils.translation import gettext as _

from tinhso.demo.documents import load_demo_documents
from tinhso.demo.management.base import ProvinceCommand
from tinhso.ioc.rollup import rebuild_documents


class Command(ProvinceCommand):
    help = "Load a year of demo documents and work records of a province (after load_demo)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--count", type=int, default=None)

    def handle(self, *args, province: str, count: int | None = None, **options):
        started = time.monotonic()
        report = self.load(lambda code: load_demo_documents(code, count=count), province)
        rebuild_documents()  # the documents were written in bulk, without events
        self.stdout.write(
            _(
                "Demo documents: %(outgoing)d outgoing, %(incoming)d incoming, %(records)d work "
                "records (%(seconds).1f s)"
            )
            % {**report._asdict(), "seconds": time.monotonic() - started}
        )
