"""The rate limiter (``core.ratelimit``): rates, fixed windows, the two stores, the client address,
and the counter holding under concurrent workers."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import RequestFactory

from tinhso.core import ratelimit
from tinhso.core.models import RateCounter
from tinhso.core.ratelimit import (
    Limit,
    Rate,
    RateLimited,
    check_rates,
    client_address,
    parse_rate,
)
from tinhso.testing.factories import in_threads

pytestmark = [pytest.mark.django_db, pytest.mark.pg]

LIMIT = Limit("test", "TINHSO_RATE_TEST")


def test_rates_are_written_count_per_period():
    assert parse_rate("60/m") == Rate(60, 60)
    assert parse_rate(" 20 / 10m ") == Rate(20, 600)
    assert parse_rate("30/h") == Rate(30, 3600) and parse_rate("5/2d") == Rate(5, 172800)
    assert parse_rate("0") is parse_rate("") is parse_rate("off") is parse_rate("0/m") is None
    for wrong in ("60", "60/w", "m/60", "-1/m"):
        with pytest.raises(ValueError, match="COUNT/PERIOD"):
            parse_rate(wrong)


def test_a_wrong_rate_setting_fails_the_system_check(settings):
    assert check_rates() == []
    settings.TINHSO_RATE_SUBMISSIONS = "30 per hour"
    (error,) = check_rates()
    assert error.id == "tinhso.E001" and error.msg.startswith("TINHSO_RATE_SUBMISSIONS: ")


def test_a_fixed_window_counts_then_refuses_then_starts_again(settings, rate_clock):
    settings.TINHSO_RATE_TEST = "3/m"
    verdicts = [LIMIT.hit("a") for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.count for v in verdicts] == [1, 2, 3, 4]
    assert verdicts[-1].retry_after == 30 and verdicts[-1].retry_minutes == 1  # 30 s into it
    assert LIMIT.peek("a").allowed is False and LIMIT.peek("b").allowed is True  # per key
    assert LIMIT.peek("a").count == 4  # peeking counts nothing
    rate_clock.now += 30  # the next minute
    assert LIMIT.peek("a").count == 0
    assert LIMIT.hit("a") == ratelimit.Verdict(True, 1, 0)
    assert RateCounter.objects.get(key="test:a").hits == 1  # one row per key, reused


def test_enforce_raises_429_with_the_wait(settings, rate_clock):
    settings.TINHSO_RATE_TEST = "1/h"
    LIMIT.enforce("a", "%(minutes)s")
    with pytest.raises(RateLimited) as refused:
        LIMIT.enforce("a", "wait %(minutes)s minutes")
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert refused.value.retry_after == 3600 - 1530 and str(refused.value) == "wait 35 minutes"
    with pytest.raises(RateLimited):  # peeking refuses too, and counts nothing
        LIMIT.enforce("a", "", count=False)
    assert LIMIT.peek("a").count == 2


def test_no_rate_means_no_limit_and_no_query(settings, django_assert_num_queries):
    settings.TINHSO_RATE_TEST = "0"
    with django_assert_num_queries(0):
        assert all(LIMIT.hit("a").allowed for _ in range(5))


def test_a_lagging_clock_never_moves_a_counter_back(settings, rate_clock):
    settings.TINHSO_RATE_TEST = "2/m"
    LIMIT.hit("a")
    rate_clock.now += 60
    LIMIT.hit("a")
    rate_clock.now -= 60  # another worker whose clock is a little behind
    assert LIMIT.hit("a").count == 2  # counted in the newer window, not a reset


def test_expired_counters_are_deleted(settings, rate_clock, monkeypatch):
    settings.TINHSO_RATE_TEST = "2/m"
    monkeypatch.setattr(ratelimit, "_next_cleanup", 0.0)
    LIMIT.hit("old")
    rate_clock.now += ratelimit.CLEANUP_EVERY
    LIMIT.hit("new")
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["test:new"]


def test_a_cache_store_counts_the_same_way(settings, rate_clock):
    """With ``TINHSO_RATE_LIMIT_CACHE`` (Redis in production), the counters live in that cache;
    Django's local-memory cache has the same atomic ``incr`` contract for this test."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ratelimit-test",
        },
    }
    settings.TINHSO_RATE_LIMIT_CACHE = "ratelimit"
    settings.TINHSO_RATE_TEST = "2/m"
    assert [LIMIT.hit("a").allowed for _ in range(3)] == [True, True, False]
    assert LIMIT.peek("a").count == 3 and not RateCounter.objects.exists()
    rate_clock.now += 30
    assert LIMIT.hit("a").count == 1


def test_the_client_address_behind_the_proxy_is_the_one_it_appended(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9"
    )
    settings.TINHSO_BEHIND_PROXY = False
    assert client_address(request) == "10.0.0.1"  # the header is the client's to forge
    settings.TINHSO_BEHIND_PROXY = True
    assert client_address(request) == "203.0.113.9"
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"


@pytest.mark.postgres_only
def test_the_limit_holds_across_concurrent_workers(settings):
    """Eight connections (as eight worker processes would) hit one key at once: exactly the
    rate's count is let through. The threads commit on their own connections, so the test
    deletes its counter itself (no flush of every table, as ``transaction=True`` would)."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is exercised on PostgreSQL (make test runs it there)")
    settings.TINHSO_RATE_TEST = "25/h"
    key = f"concurrent-{uuid.uuid4().hex}"
    allowed: list[bool] = []

    def hits() -> None:
        for _ in range(10):
            allowed.append(LIMIT.hit(key).allowed)

    try:
        assert in_threads(8, hits) == []
        assert allowed.count(True) == 25 and len(allowed) == 80
        assert RateCounter.objects.get(key=f"test:{key}").hits == 80
    finally:
        in_threads(1, RateCounter.objects.filter(key=f"test:{key}").delete)
