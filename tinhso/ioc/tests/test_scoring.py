"""Decision 766 scoring at, below and above each threshold, and the plan traffic lights."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tinhso.ioc.models import ServiceIndexIndicator
from tinhso.ioc.scoring import AMBER, GREEN, GREY, RED, index_points, traffic_light


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.8, 6.0), (0.4, 3.0), (0.79, 6 * 0.79 / 0.8), (0.95, 6.0), (1.0, 6.0), (0.0, 0.0)],
)
def test_rate_with_a_threshold(value, expected):
    # "Dossiers submitted online … full at ≥ 50%"-style rule, here full at 80% for 6 points.
    points = index_points(
        value=value, max_points=Decimal(6), scoring="rate", threshold=Decimal("0.8")
    )
    assert points == pytest.approx(expected)


@pytest.mark.parametrize(("value", "expected"), [(1.0, 9.0), (0.5, 4.5), (0.999, 9 * 0.999)])
def test_rate_without_a_threshold_is_proportional(value, expected):
    assert index_points(value=value, max_points=9, scoring="rate", threshold=None) == pytest.approx(
        expected
    )


@pytest.mark.parametrize(("value", "expected"), [(1.0, 10.0), (0.6, 10.0), (1.25, 8.0), (2.0, 5.0)])
def test_at_most(value, expected):
    # Time used of the legal time: full points within it, less the further above.
    points = index_points(value=value, max_points=10, scoring="at_most", threshold=Decimal(1))
    assert points == pytest.approx(expected)


def test_no_value_no_points():
    assert index_points(value=None, max_points=10, scoring="rate", threshold=None) is None


@pytest.mark.parametrize(
    ("actual", "target", "at_least", "light"),
    [
        (0.9, 0.9, True, GREEN),
        (0.95, 0.9, True, GREEN),
        (0.82, 0.9, True, AMBER),  # 91% of the target
        (0.81, 0.9, True, AMBER),  # exactly 90% of it
        (0.80, 0.9, True, RED),
        (None, 0.9, True, GREY),
        (2.0, 2.0, False, GREEN),
        (2.1, 2.0, False, AMBER),
        (2.5, 2.0, False, RED),
    ],
)
def test_traffic_lights(actual, target, at_least, light):
    assert traffic_light(actual=actual, target=target, at_least=at_least) == light


@pytest.mark.django_db
def test_the_index_is_loaded_as_data_with_the_group_maxima():
    rows = list(ServiceIndexIndicator.objects.all())
    by_group: dict[str, Decimal] = {}
    for row in rows:
        by_group[row.group] = by_group.get(row.group, Decimal(0)) + row.max_points
    assert by_group == {
        "publicity": 18, "progress": 20, "online": 22, "digitisation": 22, "satisfaction": 18
    }  # fmt: skip
    thresholds = {row.code: row.threshold for row in rows}
    assert thresholds["3.3"] == Decimal("0.5") and thresholds["4.2"] == Decimal("0.8")
    assert {row.code for row in rows if not row.measure} == {"1.1", "4.3", "4.4", "5.2"}
