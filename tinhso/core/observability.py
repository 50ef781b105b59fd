"""Production observability: JSON log lines, Prometheus request metrics and ``/metrics``.

- :class:`JsonFormatter` writes one JSON object per log record (``ts``, ``level``, ``logger``,
  ``message``, plus ``exc`` and any ``extra`` fields), which log shippers read without parsing;
  :class:`TextFormatter` a readable line. Both hide secrets (:func:`redact_secrets`: an Open311
  ``api_key`` sent in an address, which a request's ``repr`` or a server's request line carries).
- :class:`RequestMetricsMiddleware` counts requests and times them per URL *pattern* (not per
  path, so a dossier code never becomes a label).
- :func:`metrics` serves the Prometheus text format to a scraper that presents the bearer token
  ``TINHSO_METRICS_TOKEN`` (from a ``TINHSO_METRICS_ALLOWED`` address, when that is set). Under
  gunicorn, ``tinhso serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` so the figures of every worker are
  summed; business gauges (dossiers overdue, outbox backlog, the age of the oldest pending task
  and outbox message) are read from the database at scrape.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils.crypto import constant_time_compare
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


# An Open311 key: a query-string or form parameter, or the key itself wherever it appears.
_SECRET = re.compile(r"(?i)(api_key=)[^&\s'\"]+|o311_[A-Za-z0-9_-]{8,}")
HIDDEN = "[hidden]"


def redact_secrets(text: str) -> str:
    """``text`` with every Open311 key replaced by ``[hidden]``."""
    return _SECRET.sub(lambda m: (m.group(1) or "o311_") + HIDDEN, text)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact_secrets(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact_secrets(self._line(record))

    def _line(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        return json.dumps(entry, ensure_ascii=False)


REQUESTS = Counter(
    "tinhso_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "tinhso_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
access_log = logging.getLogger("tinhso.access")


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = _route(request)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(request.method, route).observe(elapsed)
        if settings.LOG_FORMAT == "json":
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
        return response


class BusinessCollector:
    """Gauges read from the database when Prometheus scrapes."""

    def collect(self):
        from django.db.models import Count
        from django.utils import timezone

        from tinhso.dossiers.models import Dossier, OutboxMessage
        from tinhso.dossiers.outbox import undelivered

        overdue = GaugeMetricFamily(
            "tinhso_dossiers_overdue", "Open dossiers past their legal due time"
        )
        overdue.add_metric([], Dossier.objects.filter(is_overdue=True).count())
        yield overdue
        by_status = GaugeMetricFamily(
            "tinhso_dossiers", "Dossiers by national status code", labels=["status"]
        )
        for row in Dossier.objects.values("status").annotate(n=Count("id")).order_by():
            by_status.add_metric([str(row["status"])], row["n"])
        yield by_status
        backlog = GaugeMetricFamily(
            "tinhso_outbox_pending", "National-portal messages not yet delivered"
        )
        backlog.add_metric([], OutboxMessage.objects.filter(undelivered()).count())
        yield backlog
        dead = GaugeMetricFamily(
            "tinhso_outbox_dead",
            "Outbox messages failed for good, blocking their dossier (resend or discard in admin)",
        )
        dead.add_metric(
            [], OutboxMessage.objects.filter(undelivered(), dead_at__isnull=False).count()
        )
        yield dead
        from tinhso.core.background import oldest_pending_task_age
        from tinhso.dossiers.outbox import oldest_pending_age
        from tinhso.notifications.selectors import oldest_pending_age as oldest_notification_age
        from tinhso.notifications.selectors import pending_notifications

        notifications = GaugeMetricFamily(
            "tinhso_notifications_pending",
            "Notifications not yet sent (new, being sent, waiting for a retry)",
        )
        notifications.add_metric([], pending_notifications().count())
        yield notifications

        for name, help_text, age in (
            (
                "tinhso_tasks_oldest_pending_seconds",
                "Age of the oldest background task waiting for the worker (0: none)",
                oldest_pending_task_age(),
            ),
            (
                "tinhso_outbox_oldest_pending_seconds",
                "Age of the oldest outbox message not yet delivered (0: none)",
                oldest_pending_age(),
            ),
            (
                "tinhso_notifications_oldest_pending_seconds",
                "Age of the oldest notification not yet sent (0: none)",
                oldest_notification_age(),
            ),
        ):
            gauge = GaugeMetricFamily(name, help_text)
            gauge.add_metric([], age or 0.0)
            yield gauge
        now = GaugeMetricFamily("tinhso_scrape_timestamp_seconds", "Server time at scrape")
        now.add_metric([], timezone.now().timestamp())
        yield now


def metrics_refusal(request: HttpRequest) -> HttpResponse | None:
    """Why this request may not read ``/metrics``, or None.

    The bearer token (``TINHSO_METRICS_TOKEN``) is what lets Prometheus in: behind the reverse
    proxy every client arrives from 127.0.0.1, so an address alone proves nothing. The address
    list (``TINHSO_METRICS_ALLOWED``, empty = any) is an extra fence, checked on the socket's
    address only: ``X-Forwarded-For`` is never read here. No token configured: nobody gets in.
    """
    allowed = settings.TINHSO_METRICS_ALLOWED
    if allowed and request.META.get("REMOTE_ADDR") not in allowed:
        return HttpResponseNotFound()
    expected = settings.TINHSO_METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if expected and scheme.lower() == "bearer" and constant_time_compare(given.strip(), expected):
        return None
    refused = HttpResponse("401 Unauthorized\n", status=401, content_type="text/plain")
    refused["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return refused


def metrics(request: HttpRequest) -> HttpResponse:
    refused = metrics_refusal(request)
    if refused is not None:
        return refused
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(BusinessCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
