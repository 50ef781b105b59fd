"""The one number allocator (core/numbering.py): named yearly series per agency."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from tinhso.core.models import SeriesCounter
from tinhso.core.numbering import take_series_number
from tinhso.testing.factories import in_threads, make_agency


@pytest.mark.django_db
def test_series_are_separate_per_agency_name_and_year():
    a, b = make_agency("H44.01"), make_agency("H44.02")
    assert [take_series_number(a, "receipt:PHI", 2026) for _ in range(3)] == [1, 2, 3]
    assert take_series_number(a, "doc:QD", 2026) == 1  # another series of the same agency
    assert take_series_number(b, "receipt:PHI", 2026) == 1  # another agency
    assert take_series_number(a, "receipt:PHI", 2027) == 1  # a new year starts again at 1
    assert take_series_number(a, "receipt:PHI", 2026) == 4
    assert SeriesCounter.objects.get(agency=a, series="receipt:PHI", year=2026).last == 4


@pytest.mark.django_db
def test_a_rollback_gives_the_number_back():
    a = make_agency()
    assert take_series_number(a, "s", 2026) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert take_series_number(a, "s", 2026) == 2
        raise RuntimeError("the numbered row could not be written")
    assert take_series_number(a, "s", 2026) == 2  # no gap


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_takers_get_consecutive_numbers_without_duplicates():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    a = make_agency()
    taken: list[int] = []

    def work() -> None:
        for _ in range(25):
            with transaction.atomic():
                taken.append(take_series_number(a, "doc:CV", 2026))

    assert in_threads(8, work) == []
    assert sorted(taken) == list(range(1, 201))
