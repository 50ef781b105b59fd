"""Gunicorn settings used by ``tinhso serve`` (override any of them with GUNICORN_CMD_ARGS)."""

from __future__ import annotations

import logging
import os

from gunicorn.glogging import Logger as GunicornLogger
from prometheus_client import multiprocess

from tinhso.core.observability import redact_secrets


class Logger(GunicornLogger):
    """gunicorn's logger, without the access-log line it would format on every request only for
    the ``gunicorn.access`` logger to drop it (the app writes its own access log, in JSON). When
    an access log is turned on (``--access-logfile``, any ``--access-logformat``), every value it
    can print (the request line, the query string, headers, environ) has its secrets hidden."""

    def setup(self, cfg):
        super().setup(cfg)
        self._access_log_enabled = self._access_log_enabled and self.access_log.isEnabledFor(
            logging.INFO
        )

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact_secrets(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


wsgi_app = "tinhso.wsgi:application"
bind = os.environ.get("TINHSO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TINHSO_WORKERS", "2"))
threads = int(os.environ.get("TINHSO_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("TINHSO_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then; jitter avoids all at once
max_requests_jitter = 500
accesslog = None  # the app logs each request as JSON (tinhso.core.observability)
logger_class = "tinhso.gunicorn_conf.Logger"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "tinhso.core.observability.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # The app writes the access log (JSON, with the route and the duration).
        "gunicorn.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}


def child_exit(server, worker):
    # A dead worker's live gauges must not be summed any more.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    # The worker's one-time costs (PDF renderer, templates, calendar: seconds) are paid in the
    # background as it starts, not by the first people it serves (tinhso/core/warmup.py).
    if os.environ.get("TINHSO_WARMUP", "1") != "0":
        import threading

        from tinhso.core.warmup import warm

        threading.Thread(target=warm, name="tinhso-warmup", daemon=True).start()
