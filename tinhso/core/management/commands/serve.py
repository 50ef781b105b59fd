"""``tinhso serve``: the production server (gunicorn + WhiteNoise + JSON logs + metrics).

Collects the static files (hashed and compressed, served by WhiteNoise), prepares the Prometheus
multi-process directory, checks the database answers, then replaces this process with gunicorn
configured by ``tinhso/gunicorn_conf.py``. See docs/operations.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _


def default_workers() -> int:
    return max(2, min(2 * (os.cpu_count() or 1) + 1, 9))


def metrics_dir() -> Path:
    """The Prometheus multi-process directory: an absolute path that serve owns.

    Only its ``*.db`` files are ever deleted (a stale worker's figures); an empty or relative
    ``PROMETHEUS_MULTIPROC_DIR`` falls back to ``var/prometheus``.
    """
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    path = Path(configured) if configured else Path(settings.VAR_DIR) / "prometheus"
    if not path.is_absolute():
        path = Path(settings.VAR_DIR) / "prometheus"
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return path


class Command(BaseCommand):
    help = "Serve tinhso with gunicorn (production mode)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("TINHSO_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument("--threads", type=int, default=None)
        parser.add_argument("--migrate", action="store_true", help="apply migrations first")
        parser.add_argument("--no-collectstatic", action="store_true")
        parser.add_argument(
            "--check-only", action="store_true", help="prepare and print the command, do not run"
        )

    def handle(self, *args, **options):
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=1)
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            message = _("The database does not answer: %(error)s") % {"error": exc}
            raise CommandError(message) from exc
        connection.close()

        prometheus = metrics_dir()
        workers = options["workers"] or int(os.environ.get("TINHSO_WORKERS", default_workers()))
        threads = options["threads"] or int(os.environ.get("TINHSO_THREADS", "4"))
        env = {
            **os.environ,
            "PROMETHEUS_MULTIPROC_DIR": str(prometheus),
            "TINHSO_BIND": options["bind"],
            "TINHSO_WORKERS": str(workers),
            "TINHSO_THREADS": str(threads),
            "TINHSO_LOG_FORMAT": os.environ.get("TINHSO_LOG_FORMAT", "json"),
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tinhso.settings"),
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        argv = [str(gunicorn), "--config", "python:tinhso.gunicorn_conf"]
        self.stdout.write(
            f"tinhso serve: {options['bind']}, {workers} workers × {threads} threads, "
            f"metrics in {prometheus}"
        )
        if options["check_only"]:
            self.stdout.write(" ".join(argv))
            return
        sys.stdout.flush()
        os.execve(argv[0], argv, env)  # noqa: S606 - replaces this process with gunicorn
