"""Rate limits: fixed-window counters shared by every worker process.

Each limit is a :class:`Limit` whose rate is a setting written ``"COUNT/PERIOD"`` (``"60/m"``,
``"20/10m"``, ``"30/h"``; ``"0"`` or empty: no limit). :meth:`Limit.hit` counts one event for a
key and says whether it is still within the rate; :meth:`Limit.peek` reads the count without
adding to it (login checks the failures before trying a password, and counts failures only).

The counters live where every process of every host sees them:

- by default in the database (``core.RateCounter``), taken atomically on SQLite and PostgreSQL
  by one ``INSERT … ON CONFLICT … DO UPDATE … RETURNING``, as the daily dossier-code counter;
- or in a Django cache named by ``TINHSO_RATE_LIMIT_CACHE`` whose ``incr`` is atomic (Redis; see
  docs/operations.md). Django's database cache is not one: its ``incr`` reads then writes.

The limits in use: online submissions per applicant (``dossiers.services``), Open311 posts per key
and per address and wrong Open311 keys per address (``feedback.open311_views``), failed logins per
address across user names (``core.auth``).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.db import connection

from .errors import DomainError
from .models import RateCounter

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
# Expired counters are deleted by the first hit of a process, then at most this often.
CLEANUP_EVERY = 300
_next_cleanup = 0.0
clock = time.time  # Unix seconds; tests stop it mid-window (the ``rate_clock`` fixture)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str | None) -> Rate | None:
    """``"60/m"`` → 60 per 60 s; ``"20/10m"`` → 20 per 600 s; ``"0"``, ``""``, ``"off"`` → None."""
    text = (text or "").strip().lower()
    if text in ("", "0", "off", "none"):
        return None
    match = _RATE.match(text)
    if match is None:
        raise ValueError(f"a rate is COUNT/PERIOD such as 60/m or 20/10m, not {text!r}")
    count, multiple, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    return Rate(count, multiple * PERIODS[unit]) if count else None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds to the end of the window (0 when allowed)

    @property
    def retry_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


ALLOWED = Verdict(True, 0, 0)


class RateLimited(DomainError):
    """Too many requests in the window: HTTP 429 with ``Retry-After``."""

    status = 429

    def __init__(self, message, *, retry_after: int) -> None:
        super().__init__("rate_limited", message, retry_after=retry_after)
        self.retry_after = retry_after

    def annotate(self, response):
        """The answer to this refusal (JSON, Open311's error array or a page) with its status
        and ``Retry-After``."""
        response.status_code = self.status
        response["Retry-After"] = str(self.retry_after)
        return response


@dataclass(frozen=True)
class Limit:
    """A named rate limit; ``setting`` holds its rate, read on every use (tests override it)."""

    name: str
    setting: str

    def rate(self) -> Rate | None:
        return parse_rate(getattr(settings, self.setting, ""))

    def hit(self, key: str) -> Verdict:
        """Count one event for ``key``; allowed while the window's count is within the rate."""
        rate = self.rate()
        if rate is None:
            return ALLOWED
        now, start = _window(rate)
        count = _store_hit(self._key(key), start, rate.seconds, now)
        return _verdict(rate, count, start, now, allowed=count <= rate.count)

    def peek(self, key: str) -> Verdict:
        """The window's count for ``key`` without adding to it; refused once the rate is used up."""
        rate = self.rate()
        if rate is None:
            return ALLOWED
        now, start = _window(rate)
        count = _store_peek(self._key(key), start)
        return _verdict(rate, count, start, now, allowed=count < rate.count)

    def enforce(self, key: str, message: str, *, count: bool = True) -> Verdict:
        """:meth:`hit` (or, without ``count``, :meth:`peek`), raising :class:`RateLimited` past
        the rate with ``message`` (which may name ``%(minutes)s``, the minutes to wait)."""
        verdict = self.hit(key) if count else self.peek(key)
        if not verdict.allowed:
            raise RateLimited(
                message % {"minutes": verdict.retry_minutes}, retry_after=verdict.retry_after
            )
        return verdict

    def _key(self, key: str) -> str:
        return f"{self.name}:{key}"[:200]


def _window(rate: Rate) -> tuple[float, int]:
    """Now, and the start of the current window (windows are aligned on the Unix epoch)."""
    now = clock()
    return now, int(now) - int(now) % rate.seconds


def _verdict(rate: Rate, count: int, start: int, now: float, *, allowed: bool) -> Verdict:
    retry_after = 0 if allowed else max(1, math.ceil(start + rate.seconds - now))
    return Verdict(allowed, count, retry_after)


def _cache():
    alias = getattr(settings, "TINHSO_RATE_LIMIT_CACHE", "")
    return caches[alias] if alias else None


def _store_hit(key: str, start: int, seconds: int, now: float) -> int:
    cache = _cache()
    if cache is not None:
        windowed = f"ratelimit:{key}:{start}"
        cache.add(windowed, 0, timeout=seconds + 1)
        try:
            return cache.incr(windowed)
        except ValueError:  # expired between add and incr: a new window
            cache.add(windowed, 1, timeout=seconds + 1)
            return 1
    _cleanup(now)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    key_column = connection.ops.quote_name("key")
    # A process whose clock lags never moves a counter back to an older window.
    current = f"{table}.window_start >= excluded.window_start"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, window_start, hits, expires_at) "  # noqa: S608
            f"VALUES (%s, %s, 1, %s) ON CONFLICT ({key_column}) DO UPDATE SET "
            f"hits = CASE WHEN {current} THEN {table}.hits + 1 ELSE 1 END, "
            f"window_start = CASE WHEN {current} THEN {table}.window_start "
            "ELSE excluded.window_start END, "
            f"expires_at = CASE WHEN {current} THEN {table}.expires_at "
            "ELSE excluded.expires_at END "
            "RETURNING hits",
            [key, start, start + seconds],
        )
        return cursor.fetchone()[0]


def _store_peek(key: str, start: int) -> int:
    cache = _cache()
    if cache is not None:
        return cache.get(f"ratelimit:{key}:{start}", 0)
    found = RateCounter.objects.filter(key=key, window_start__gte=start).values_list("hits")[:1]
    return found[0][0] if found else 0


def _cleanup(now: float) -> None:
    """Delete the counters whose window has passed: on a process's first hit, then every
    ``CLEANUP_EVERY`` seconds (a deterministic schedule, so query counts stay predictable)."""
    global _next_cleanup
    if now < _next_cleanup:
        return
    _next_cleanup = now + CLEANUP_EVERY
    RateCounter.objects.filter(expires_at__lt=int(now)).delete()


def check_rates(app_configs=None, **kwargs) -> list[checks.Error]:
    """System check (``manage.py check``, ``migrate``): every ``TINHSO_RATE_*`` rate parses."""
    errors = []
    for name in sorted(set(dir(settings))):  # overridden settings are listed twice
        if name.startswith("TINHSO_RATE_") and not name.startswith("TINHSO_RATE_LIMIT_"):
            try:
                parse_rate(getattr(settings, name))
            except ValueError as exc:
                errors.append(checks.Error(f"{name}: {exc}", id="tinhso.E001"))
    return errors


def client_address(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind the proxy (``TINHSO_BEHIND_PROXY``) the
    last ``X-Forwarded-For`` entry, the one the proxy itself appended (earlier ones are the
    client's to forge). django-axes uses it too (``AXES_CLIENT_IP_CALLABLE``)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if getattr(settings, "TINHSO_BEHIND_PROXY", False):
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if forwarded:
            return forwarded[-1][:45]
    return remote[:45]
