"""The periods of statistics and reports: calendar periods and Decree 09/2019's report periods."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from tinhso.core.errors import DomainError
from tinhso.core.periods import Period, period_choices, resolve_range

D = dt.date


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        # A report month runs from the 15th of the previous month to the 14th.
        ("BC2026-03", D(2026, 2, 15), D(2026, 3, 14)),
        ("BC2026-01", D(2025, 12, 15), D(2026, 1, 14)),
        # A quarter from the 15th of the month before it to the 14th of its last month.
        ("BC2026-Q1", D(2025, 12, 15), D(2026, 3, 14)),
        ("BC2026-q3", D(2026, 6, 15), D(2026, 9, 14)),
        # Six months, nine months and the year all start on 15/12 of the year before.
        ("BC2026-6T", D(2025, 12, 15), D(2026, 6, 14)),
        ("BC2026-9T", D(2025, 12, 15), D(2026, 9, 14)),
        ("BC2026", D(2025, 12, 15), D(2026, 12, 14)),
        # Calendar periods stay selectable.
        ("2026-03", D(2026, 3, 1), D(2026, 3, 31)),
        ("2026-Q1", D(2026, 1, 1), D(2026, 3, 31)),
    ],
)
def test_report_periods_cut_off_on_the_14th(key, start, end):
    period = Period.parse(key, report=True)
    assert (period.start, period.end) == (start, end)
    assert Period.parse(period.key, report=True) == period  # the key round-trips


@given(year=st.integers(2001, 2099), month=st.integers(1, 12))
def test_report_months_tile_the_year(year, month):
    """Consecutive report months touch without gap or overlap, and the twelve make the year."""
    this = Period.report_month(year, month)
    following = Period.report_month(year + (month == 12), month % 12 + 1)
    assert following.start == this.end + dt.timedelta(days=1)
    assert Period.report_month(year, 1).start == Period.report_year(year).start
    assert Period.report_month(year, 12).end == Period.report_year(year).end
    quarter = Period.report_quarter(year, (month - 1) // 3 + 1)
    assert quarter.start <= this.start and this.end <= quarter.end


def test_the_current_report_month_and_the_labels():
    assert Period.current_report_month(D(2026, 12, 14)).key == "BC2026-12"
    assert Period.current_report_month(D(2026, 12, 15)).key == "BC2027-01"
    assert Period.parse("", today=D(2026, 3, 20), report=True).key == "BC2026-04"
    assert Period.parse("", today=D(2026, 3, 20)).key == "2026"  # the IOC's default
    with translation.override("vi"):
        label = Period.parse("BC2026-03", report=True).label
    assert label == "Kỳ báo cáo tháng 3/2026 (15/02/2026–14/03/2026)"


@pytest.mark.parametrize("key", ["BC2026-13", "BC26", "BC2026-Q5", "BC2026-7T", "BC1999-12"])
def test_bad_report_periods(key):
    with pytest.raises(DomainError):
        Period.parse(key, report=True)


def test_report_periods_are_refused_where_only_calendar_ones_exist():
    """The operations centre sums calendar months: it does not accept report periods."""
    with pytest.raises(DomainError):
        Period.parse("BC2026-03")


def test_resolve_range_cuts_a_running_period_at_today():
    today = D(2026, 3, 20)
    period, start, end = resolve_range(None, today=today)
    assert (period.key, start, end) == ("BC2026-04", D(2026, 3, 15), today)
    assert resolve_range("BC2026-03", today=today)[1:] == (D(2026, 2, 15), D(2026, 3, 14))
    # Explicit days replace the period's ends; a start after the end is refused.
    assert resolve_range("2026-03", D(2026, 3, 2), None, today=today)[1:] == (D(2026, 3, 2), today)
    with pytest.raises(DomainError):
        resolve_range(None, D(2026, 3, 19), D(2026, 3, 16), today=today)


def test_the_statistics_picker_offers_report_periods_then_calendar_months():
    with translation.override("vi"):
        groups = period_choices("", D(2026, 3, 20), report=True)
        keys = [[key for key, _label in options] for _title, options in groups]
    assert keys[0][:2] == ["BC2026-04", "BC2026-03"]  # report months, the current one first
    assert "BC2026-Q1" in keys[1] and "BC2026" in keys[2]
    assert keys[3][0] == "2026-03"  # calendar months
    # A chosen period older than the list is offered too.
    chosen = period_choices("BC2020-05", D(2026, 3, 20), report=True)[0]
    assert chosen[1][0][0] == "BC2020-05"
