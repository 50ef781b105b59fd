"""Tests for the pure working-time calendar (no Django, no database).

Default calendar: periods 07:00–11:30 and 13:30–17:00 (a working day = 8h), cut-off 15:00,
Asia/Ho_Chi_Minh. Every expected deadline below was computed by hand; the arithmetic is in
the comments.
"""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.core.workcalendar import (
    DEFAULT_PERIODS,
    WorkCalendar,
    build_vietnam_calendar,
    format_periods,
    parse_periods,
    parse_time,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = build_vietnam_calendar(range(2025, 2030))


def vn(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=TZ)


# --------------------------------------------------------------------------------------------
# What the holidays package gives us
# --------------------------------------------------------------------------------------------


def test_tet_2027_all_off() -> None:
    for dom in range(4, 11):  # Thu 4 – Wed 10 Feb 2027
        assert not CAL.is_working_day(date(2027, 2, dom)), dom
    assert CAL.is_working_day(date(2027, 2, 3))  # Wed
    assert CAL.is_working_day(date(2027, 2, 11))  # Thu


def test_tet_2026_days_off() -> None:
    for dom in range(16, 21):  # Mon 16 – Fri 20 Feb 2026
        assert not CAL.is_working_day(date(2026, 2, dom)), dom
    assert CAL.is_working_day(date(2026, 2, 13))
    assert CAL.is_working_day(date(2026, 2, 23))


def test_hung_kings_2026_and_30_4_1_5() -> None:
    assert date(2026, 4, 26) in CAL.days_off  # Sunday, the holiday itself
    assert not CAL.is_working_day(date(2026, 4, 27))  # Monday, observed
    assert CAL.is_working_day(date(2026, 4, 28))
    assert CAL.is_working_day(date(2026, 4, 29))
    assert not CAL.is_working_day(date(2026, 4, 30))
    assert not CAL.is_working_day(date(2026, 5, 1))
    assert CAL.is_working_day(date(2026, 5, 4))


def test_substituted_saturday_22_aug_2026_is_a_working_day() -> None:
    # holidays: 2026-08-31 "Day off (substituted from 08/22/2026)"
    assert date(2026, 8, 22).weekday() == 5
    assert date(2026, 8, 22) in CAL.extra_working_days
    assert CAL.is_working_day(date(2026, 8, 22))
    assert not CAL.is_working_day(date(2026, 8, 31))
    assert not CAL.is_working_day(date(2026, 9, 1))
    assert not CAL.is_working_day(date(2026, 9, 2))
    # 2025: Fri 2 May off, made up on Sat 26 Apr 2025
    assert CAL.is_working_day(date(2025, 4, 26))
    assert not CAL.is_working_day(date(2025, 5, 2))


def test_swap_across_a_year_boundary() -> None:
    # Fri 2 Jan 2015 off, made up on Sat 27 Dec 2014 (listed under 2015 by the package).
    cal = build_vietnam_calendar([2014])
    assert cal.is_working_day(date(2014, 12, 27))
    assert date(2015, 1, 2) not in cal.days_off  # outside the requested years


def test_weekends_and_next_previous_working_day() -> None:
    assert not CAL.is_working_day(date(2026, 3, 7))  # Saturday
    assert not CAL.is_working_day(date(2026, 3, 8))  # Sunday
    assert CAL.next_working_day(date(2026, 3, 6)) == date(2026, 3, 9)
    assert CAL.next_working_day(date(2027, 2, 3)) == date(2027, 2, 11)
    assert CAL.previous_working_day(date(2027, 2, 11)) == date(2027, 2, 3)
    assert CAL.working_day_length == timedelta(hours=8)


def test_is_working_day_precedence() -> None:
    cal = WorkCalendar(
        days_off=frozenset({date(2026, 3, 9), date(2026, 3, 14)}),
        extra_working_days=frozenset({date(2026, 3, 14), date(2026, 3, 7)}),
    )
    assert not cal.is_working_day(date(2026, 3, 9))  # days_off wins over a weekday
    assert cal.is_working_day(date(2026, 3, 7))  # extra wins over the weekend
    assert cal.is_working_day(date(2026, 3, 14))  # in both: extra wins
    assert cal.is_working_day(vn(2026, 3, 7, 23))  # aware datetimes are accepted


# --------------------------------------------------------------------------------------------
# Hand-checked deadlines
# --------------------------------------------------------------------------------------------


def test_tet_2027_two_working_days() -> None:
    # Received Wed 3 Feb 2027 10:00 (before 15:00) → counting starts at 10:00.
    # 2 working days = 16h.
    # Wed 3: 10:00–11:30 (1h30) + 13:30–17:00 (3h30) = 5h00 → 11h00 left
    # Thu 4 … Wed 10 Feb: Tết (6, 7 are the weekend anyway) → 0
    # Thu 11: 8h → 3h00 left
    # Fri 12: 07:00 + 3h00 = 10:00
    assert CAL.due_at(vn(2027, 2, 3, 10), days=2) == vn(2027, 2, 12, 10)


def test_received_during_tet_2027() -> None:
    # Fri 5 Feb 2027 is a day off → counting starts Thu 11 Feb 07:00; +1 day → 17:00 that day.
    assert CAL.counting_start(vn(2027, 2, 5, 9)) == vn(2027, 2, 11, 7)
    assert CAL.due_at(vn(2027, 2, 5, 9), days=1) == vn(2027, 2, 11, 17)


def test_tet_2026_across() -> None:
    # Received Fri 13 Feb 2026 09:00; 3 working days = 24h.
    # Fri 13: 09:00–11:30 (2h30) + 3h30 = 6h00 → 18h00 left
    # Mon 16 … Fri 20: Tết; 21–22 weekend
    # Mon 23: 8h → 10h00 left; Tue 24: 8h → 2h00 left
    # Wed 25: 07:00 + 2h00 = 09:00
    assert CAL.due_at(vn(2026, 2, 13, 9), days=3) == vn(2026, 2, 25, 9)


def test_hung_kings_2026_deadline() -> None:
    # Received Fri 24 Apr 2026 16:00 (after the cut-off) → next working day:
    # Sat 25, Sun 26 (Hùng Kings), Mon 27 (observed) → Tue 28 Apr 07:00.
    # 3 working days: Tue 28 (full), Wed 29 (full), Thu 30 & Fri 1 May off, weekend,
    # Mon 4 May (full) → ends exactly at 17:00 (not Tue 5 May 07:00).
    assert CAL.counting_start(vn(2026, 4, 24, 16)) == vn(2026, 4, 28, 7)
    assert CAL.due_at(vn(2026, 4, 24, 16), days=3) == vn(2026, 5, 4, 17)


def test_admin_makeup_saturday_changes_due_date() -> None:
    # Received Fri 9 Jan 2026 14:00, 1 working day (8h):
    # Fri 14:00–17:00 = 3h00 → 5h00 left.
    received = vn(2026, 1, 9, 14)
    # Without override: Mon 12 Jan 07:00–11:30 (4h30) → 0h30 left → 13:30 + 0h30 = 14:00.
    assert CAL.due_at(received, days=1) == vn(2026, 1, 12, 14)
    # With Sat 10 Jan 2026 declared a working day: Sat 07:00–11:30 → 13:30 + 0h30 = 14:00 Sat.
    cal = build_vietnam_calendar(range(2025, 2030), overrides=[(date(2026, 1, 10), True)])
    assert cal.is_working_day(date(2026, 1, 10))
    assert cal.due_at(received, days=1) == vn(2026, 1, 10, 14)


def test_admin_extra_day_off_and_override_order() -> None:
    cal = build_vietnam_calendar(
        [2026],
        overrides=[
            (date(2026, 3, 9), False),  # extra day off on a Monday
            (date(2026, 8, 22), False),  # cancels the package's make-up Saturday
            (date(2026, 4, 27), True),  # the observed Hùng Kings day becomes a working day
            (date(2026, 3, 10), False),
            (date(2026, 3, 10), True),  # later pair wins
        ],
    )
    assert not cal.is_working_day(date(2026, 3, 9))
    assert not cal.is_working_day(date(2026, 8, 22))
    assert date(2026, 8, 22) not in cal.extra_working_days
    assert cal.is_working_day(date(2026, 4, 27))
    assert date(2026, 4, 27) not in cal.days_off
    assert cal.is_working_day(date(2026, 3, 10))
    # Fri 6 Mar 15:05 + 1 day: Mon 9 off → Tue 10 07:00 → Tue 10 17:00
    assert cal.due_at(vn(2026, 3, 6, 15, 5), days=1) == vn(2026, 3, 10, 17)


def test_cutoff_after_15h_friday() -> None:
    # Fri 6 Mar 2026 15:05 ≥ 15:00 → starts Mon 9 Mar 07:00; + 8h → Mon 17:00.
    assert CAL.counting_start(vn(2026, 3, 6, 15, 5)) == vn(2026, 3, 9, 7)
    assert CAL.due_at(vn(2026, 3, 6, 15, 5), days=1) == vn(2026, 3, 9, 17)
    # Exactly 15:00 is "at the cut-off" → next working day too.
    assert CAL.counting_start(vn(2026, 3, 6, 15)) == vn(2026, 3, 9, 7)


def test_cutoff_before_15h_friday() -> None:
    # Fri 14:59 → starts 14:59. Fri 14:59–17:00 = 2h01 → 5h59 left;
    # Mon 07:00–11:30 = 4h30 → 1h29 left; 13:30 + 1h29 = 14:59.
    assert CAL.counting_start(vn(2026, 3, 6, 14, 59)) == vn(2026, 3, 6, 14, 59)
    assert CAL.due_at(vn(2026, 3, 6, 14, 59), days=1) == vn(2026, 3, 9, 14, 59)


def test_received_during_lunch() -> None:
    # Tue 10 Mar 2026 12:15 → starts 13:30. Half a day = 4h:
    # 13:30–17:00 = 3h30 → 0h30 left → Wed 11 Mar 07:30.
    assert CAL.counting_start(vn(2026, 3, 10, 12, 15)) == vn(2026, 3, 10, 13, 30)
    assert CAL.due_at(vn(2026, 3, 10, 12, 15), days=Decimal("0.5")) == vn(2026, 3, 11, 7, 30)
    # 11:30 exactly is already in the break.
    assert CAL.counting_start(vn(2026, 3, 10, 11, 30)) == vn(2026, 3, 10, 13, 30)


def test_received_early_morning_and_evening() -> None:
    assert CAL.counting_start(vn(2026, 3, 10, 6)) == vn(2026, 3, 10, 7)
    assert CAL.counting_start(vn(2026, 3, 10, 17, 30)) == vn(2026, 3, 11, 7)
    assert CAL.counting_start(vn(2026, 3, 10, 0, 0)) == vn(2026, 3, 10, 7)


def test_received_on_sunday() -> None:
    # Sun 8 Mar 2026 09:00 → Mon 9 Mar 07:00; + 1 day → Mon 17:00.
    assert CAL.counting_start(vn(2026, 3, 8, 9)) == vn(2026, 3, 9, 7)
    assert CAL.due_at(vn(2026, 3, 8, 9), days=1) == vn(2026, 3, 9, 17)


def test_half_day_steps() -> None:
    start = vn(2026, 3, 9, 8)  # Monday
    # + 4h: 08:00–11:30 = 3h30 → 0h30 left → 14:00
    step1 = CAL.add_working_days(start, 0.5)
    assert step1 == vn(2026, 3, 9, 14)
    # + 4h: 14:00–17:00 = 3h00 → 1h00 left → Tue 07:00 + 1h = 08:00
    step2 = CAL.add_working_days(step1, Decimal("0.5"))
    assert step2 == vn(2026, 3, 10, 8)
    assert CAL.add_working_days(start, 1) == step2
    # 1.5 days from Mon 07:00: Mon (8h) + 4h → Tue 07:00 + 4h = 11:00
    assert CAL.add_working_days(vn(2026, 3, 9, 7), Fraction(3, 2)) == vn(2026, 3, 10, 11)
    # Half a day from 07:00 → 11:00 (4h fits in the morning's 4h30).
    assert CAL.add_working_days(vn(2026, 3, 9, 7), 0.5) == vn(2026, 3, 9, 11)


def test_hour_steps_crossing_lunch_and_overnight() -> None:
    # Mon 10:00 + 4h: 10:00–11:30 = 1h30 → 2h30 left → 13:30 + 2h30 = 16:00
    assert CAL.add_working_hours(vn(2026, 3, 9, 10), 4) == vn(2026, 3, 9, 16)
    # Mon 16:00 + 3h: 16:00–17:00 = 1h → 2h left → Tue 07:00 + 2h = 09:00
    assert CAL.add_working_hours(vn(2026, 3, 9, 16), 3) == vn(2026, 3, 10, 9)
    # Fri 16:30 + 1h: 0h30 on Friday → Mon 07:00 + 0h30 = 07:30
    assert CAL.add_working_hours(vn(2026, 3, 6, 16, 30), 1) == vn(2026, 3, 9, 7, 30)
    # Mon 11:00 + 0.5h ends exactly at the end of the morning period → 11:30, not 13:30
    assert CAL.add_working_hours(vn(2026, 3, 9, 11), 0.5) == vn(2026, 3, 9, 11, 30)
    # due_at with hours: received Mon 14:00 + 8h → 14:00–17:00 (3h) → Tue 07:00–11:30 (4h30)
    # → 0h30 left → 13:30 + 0h30 = 14:00 (8 hours are one working day)
    assert CAL.due_at(vn(2026, 3, 9, 14), hours=8) == vn(2026, 3, 10, 14)
    assert CAL.due_at(vn(2026, 3, 9, 14), hours=8) == CAL.due_at(vn(2026, 3, 9, 14), days=1)
    # days and hours add up: 1 day + 2 hours from Mon 07:00 → Mon 17:00 + 2h → Tue 09:00
    assert CAL.due_at(vn(2026, 3, 9, 7), days=1, hours=2) == vn(2026, 3, 10, 9)


def test_substituted_saturday_in_a_deadline() -> None:
    # Fri 21 Aug 2026 14:00 + 1 day → the make-up Saturday 22 Aug 14:00.
    assert CAL.due_at(vn(2026, 8, 21, 14), days=1) == vn(2026, 8, 22, 14)
    # Fri 28 Aug 2026 10:00, 2 days = 16h: Fri 5h → 11h left; 29–30 weekend,
    # Mon 31 (swap), Tue 1 & Wed 2 Sep (National Day) off; Thu 3: 8h → 3h left;
    # Fri 4 Sep 07:00 + 3h = 10:00
    assert CAL.due_at(vn(2026, 8, 28, 10), days=2) == vn(2026, 9, 4, 10)


def test_end_of_period_is_kept() -> None:
    assert CAL.add_working_days(vn(2026, 3, 9, 7), 1) == vn(2026, 3, 9, 17)
    assert CAL.add_working_time(vn(2026, 3, 9, 17), timedelta(0)) == vn(2026, 3, 9, 17)
    # Zero duration from a non-working instant → the next period start.
    assert CAL.add_working_time(vn(2026, 3, 9, 12), timedelta(0)) == vn(2026, 3, 9, 13, 30)
    assert CAL.add_working_time(vn(2026, 3, 7, 12), timedelta(0)) == vn(2026, 3, 9, 7)


def test_subtract_working_days() -> None:
    # Apology letter at least 1 working day before a due date of Mon 9 Mar 2026 14:59
    # → Fri 6 Mar 14:59 (mirror of test_cutoff_before_15h_friday).
    assert CAL.subtract_working_days(vn(2026, 3, 9, 14, 59), 1) == vn(2026, 3, 6, 14, 59)
    # Tue 17:00 − 1 day → Tue 07:00 (a start is kept, not Mon 17:00)
    assert CAL.subtract_working_days(vn(2026, 3, 10, 17), 1) == vn(2026, 3, 10, 7)
    # Thu 11 Feb 2027 09:00 − 1 day: 2h00 on Thursday → 6h00 left; Tết back to Wed 3 Feb:
    # 17:00 − 3h30 = 13:30 → 2h30 left → 11:30 − 2h30 = 09:00
    assert CAL.subtract_working_days(vn(2027, 2, 11, 9), 1) == vn(2027, 2, 3, 9)
    # Mon 14:00 − 1h: 13:30–14:00 (0h30) → 0h30 left → 11:30 − 0h30 = 11:00
    assert CAL.subtract_working_hours(vn(2026, 3, 9, 14), 1) == vn(2026, 3, 9, 11)
    # Mon 14:00 − 0.5h ends exactly on the start of the afternoon period → 13:30, not 11:30
    assert CAL.subtract_working_hours(vn(2026, 3, 9, 14), 0.5) == vn(2026, 3, 9, 13, 30)


def test_working_time_between() -> None:
    # Fri 6 Mar 14:00 → Mon 9 Mar 09:00 = 3h00 + 2h00
    a, b = vn(2026, 3, 6, 14), vn(2026, 3, 9, 9)
    assert CAL.working_time_between(a, b) == timedelta(hours=5)
    assert CAL.working_time_between(b, a) == -timedelta(hours=5)
    assert CAL.working_time_between(a, a) == timedelta(0)
    # Across Tết 2027: Wed 3 Feb 07:00 → Thu 11 Feb 17:00 = 2 working days
    assert CAL.working_time_between(vn(2027, 2, 3, 7), vn(2027, 2, 11, 17)) == timedelta(hours=16)
    assert CAL.working_days_between(vn(2027, 2, 3, 7), vn(2027, 2, 11, 17)) == 2


def test_other_timezones_are_converted() -> None:
    # 07:59 UTC = 14:59 in Vietnam (UTC+7)
    received = datetime(2026, 3, 6, 7, 59, tzinfo=ZoneInfo("UTC"))
    due = CAL.due_at(received, days=1)
    assert due == vn(2026, 3, 9, 14, 59)
    assert due.tzinfo == TZ
    assert due.utcoffset() == timedelta(hours=7)


def test_500_working_days_is_fast() -> None:
    start = vn(2026, 1, 5, 7)
    t0 = clock.perf_counter()
    due = CAL.add_working_days(start, 500)
    elapsed = clock.perf_counter() - t0
    assert CAL.working_time_between(start, due) == 500 * CAL.working_day_length
    assert due.time() == time(17, 0)
    assert CAL.subtract_working_days(due, 500) == start
    assert elapsed < 1.0


# --------------------------------------------------------------------------------------------
# Validation and parsing
# --------------------------------------------------------------------------------------------


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 3, 6, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.counting_start(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_days(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_time_between(vn(2026, 3, 6), naive)


def test_negative_or_invalid_durations_are_rejected() -> None:
    start = vn(2026, 3, 6, 10)
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_time(start, timedelta(minutes=-1))
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_days(start, -1)
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_hours(start, Decimal("-0.5"))
    with pytest.raises(ValueError, match="finite"):
        CAL.add_working_days(start, float("nan"))
    with pytest.raises(ValueError, match="number"):
        CAL.add_working_days(start, "1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="days and/or hours"):
        CAL.due_at(start)


def test_parse_time() -> None:
    assert parse_time("15:00") == time(15, 0)
    assert parse_time("7:30") == time(7, 30)
    assert parse_time(" 07:30:15 ") == time(7, 30, 15)
    assert parse_time("7h30") == time(7, 30)
    for bad in ["", "15", "25:00", "12:60", "ab:cd", "15:00:00:00", "1500", "-1:00"]:
        with pytest.raises(ValueError):
            parse_time(bad)


def test_parse_periods() -> None:
    assert parse_periods("07:00-11:30,13:30-17:00") == DEFAULT_PERIODS
    assert parse_periods(" 7:00 – 11:30 ; 13:30-17:00 ") == DEFAULT_PERIODS
    assert parse_periods("08:00-12:00") == ((time(8), time(12)),)
    assert parse_periods("07:00-11:30,11:30-12:00") == (
        (time(7), time(11, 30)),
        (time(11, 30), time(12)),
    )  # touching periods are allowed
    assert format_periods(DEFAULT_PERIODS) == "07:00-11:30,13:30-17:00"
    for bad in [
        "",
        "07:30",
        "07:30-11:30,",
        "11:30-07:30",  # start after end
        "07:30-07:30",  # empty
        "13:30-17:00,07:30-11:30",  # unordered
        "07:30-12:00,11:30-17:00",  # overlapping
        "07:30-11:30-12:00",
        "7:30-25:00",
    ]:
        with pytest.raises(ValueError):
            parse_periods(bad)


def test_calendar_validation() -> None:
    with pytest.raises(ValueError):
        WorkCalendar(frozenset(), frozenset(), periods=())
    with pytest.raises(ValueError):
        WorkCalendar(frozenset(), frozenset(), periods=((time(13), time(17)), (time(8), time(12))))
    with pytest.raises(ValueError, match="cut-off"):
        WorkCalendar(frozenset(), frozenset(), cutoff=time(7))
    with pytest.raises(ValueError):
        WorkCalendar(frozenset({datetime(2026, 1, 1)}), frozenset())


def test_custom_periods_and_cutoff() -> None:
    cal = build_vietnam_calendar(
        [2026], periods=parse_periods("07:00-11:30,13:30-17:00"), cutoff=parse_time("16:00")
    )
    assert cal.working_day_length == timedelta(hours=8)
    # Fri 15:30 < 16:00 → same day; 8h: 15:30–17:00 (1h30) → Mon 07:00–11:30 (4h30)
    # → 2h left → 13:30 + 2h = 15:30
    assert cal.due_at(vn(2026, 3, 6, 15, 30), days=1) == vn(2026, 3, 9, 15, 30)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    """The real Vietnamese calendar, or a random one (periods, cut-off, days off, swaps)."""
    if draw(st.booleans()):
        return CAL
    n = draw(st.integers(1, 3))
    points = sorted(draw(st.sets(st.integers(0, 24 * 60 - 1), min_size=2 * n, max_size=2 * n)))
    periods = tuple(
        (time(*divmod(points[2 * i], 60)), time(*divmod(points[2 * i + 1], 60))) for i in range(n)
    )
    cutoff_minute = draw(st.integers(points[0] + 1, 24 * 60 - 1))
    window = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 4, 30))
    return WorkCalendar(
        days_off=frozenset(draw(st.sets(window, max_size=40))),
        extra_working_days=frozenset(draw(st.sets(window, max_size=10))),
        periods=periods,
        cutoff=time(*divmod(cutoff_minute, 60)),
    )


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(TZ)
)
durations = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
    st.integers(0, 60 * 24 * 7).map(lambda m: timedelta(minutes=m)),
    st.integers(0, 12).map(lambda h: timedelta(hours=h)),
    st.just(timedelta(0)),
)


def in_working_period(cal: WorkCalendar, at: datetime) -> bool:
    """``at`` is in [start, end] of a period of a working day (ends included)."""
    local = at.astimezone(cal.tz)
    t = local.time()
    return cal.is_working_day(local.date()) and any(s <= t <= e for s, e in cal.periods)


@PROPS
@given(calendars(), instants, durations, durations)
def test_add_is_monotonic(cal: WorkCalendar, start: datetime, d1: timedelta, d2: timedelta):
    lo, hi = sorted((d1, d2))
    assert cal.add_working_time(start, lo) <= cal.add_working_time(start, hi)


@PROPS
@given(calendars(), instants, durations)
def test_between_inverts_add(cal: WorkCalendar, start: datetime, d: timedelta):
    # Holds for any start (time before the first working instant is never counted), so in
    # particular when start is a working instant.
    end = cal.add_working_time(start, d)
    assert cal.working_time_between(start, end) == d
    assert cal.working_time_between(end, start) == -d


@PROPS
@given(calendars(), instants, durations)
def test_add_lands_in_a_working_period(cal: WorkCalendar, start: datetime, d: timedelta):
    end = cal.add_working_time(start, d)
    assert end.tzinfo == cal.tz
    assert end >= start
    assert in_working_period(cal, end)


@PROPS
@given(calendars(), instants, durations, durations)
def test_add_is_additive(cal: WorkCalendar, start: datetime, a: timedelta, b: timedelta):
    assert cal.add_working_time(cal.add_working_time(start, a), b) == cal.add_working_time(
        start, a + b
    )


@PROPS
@given(calendars(), instants)
def test_counting_start_is_idempotent(cal: WorkCalendar, received: datetime):
    first = cal.counting_start(received)
    assert cal.counting_start(first) == first
    assert first >= received
    assert cal.is_working_instant(first)
    assert first.astimezone(cal.tz).time() < cal.cutoff


@PROPS
@given(calendars(), instants, durations)
def test_subtract_inverts_add(cal: WorkCalendar, end: datetime, d: timedelta):
    begin = cal.subtract_working_time(end, d)
    assert begin <= end
    assert in_working_period(cal, begin)
    assert cal.working_time_between(begin, end) == d
    # Going forward again from a working instant comes back to the same working position.
    assert cal.working_time_between(begin, cal.add_working_time(begin, d)) == d


@PROPS
@given(calendars(), instants, instants, instants)
def test_between_is_additive(cal: WorkCalendar, a: datetime, b: datetime, c: datetime):
    total = cal.working_time_between(a, b) + cal.working_time_between(b, c)
    assert total == cal.working_time_between(a, c)


@PROPS
@given(calendars(), instants, st.integers(0, 40), st.sampled_from([0, 0.25, 0.5, 0.75]))
def test_whole_days_land_on_same_clock_time(
    cal: WorkCalendar, instant: datetime, days: int, frac: float
):
    # From a working instant strictly inside a period, n whole days later is the same clock
    # time on the n-th following working day.
    first = cal.next_working_instant(instant).astimezone(cal.tz)
    period_end = next(e for s, e in cal.periods if s <= first.time() < e)
    start = first + (datetime.combine(first.date(), period_end, cal.tz) - first) / 2
    local = start.astimezone(cal.tz)
    assert any(s < local.time() < e for s, e in cal.periods)
    end = cal.add_working_days(start, days)
    expected_day = local.date()
    for _ in range(days):
        expected_day = cal.next_working_day(expected_day)
    assert end.date() == expected_day
    assert end.time() == local.time()
    unit = cal.working_day_length // timedelta(microseconds=1)
    expected = timedelta(microseconds=round((days + Fraction(frac)) * unit))
    assert cal.working_time_between(start, cal.add_working_days(start, days + frac)) == expected


# --------------------------------------------------------------------------------------------
# Table mode: the same answers as the exact walk
# --------------------------------------------------------------------------------------------

table_days = st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 6, 30))
wide_instants = st.datetimes(
    min_value=datetime(2025, 11, 1), max_value=datetime(2028, 2, 28), timezones=st.just(TZ)
)
long_durations = st.one_of(
    durations, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400))
)


@st.composite
def tabulated(draw: st.DrawFn) -> tuple[WorkCalendar, WorkCalendar]:
    """A calendar and the same calendar in table mode over a random range of days."""
    cal = draw(calendars())
    first, last = sorted((draw(table_days), draw(table_days)))
    return cal, cal.tabulated(first, last)


@PROPS
@given(tabulated(), wide_instants, wide_instants, long_durations)
def test_table_mode_answers_like_the_walk(
    cals: tuple[WorkCalendar, WorkCalendar], a: datetime, b: datetime, d: timedelta
):
    exact, table = cals
    assert table.add_working_time(a, d) == exact.add_working_time(a, d)
    assert table.subtract_working_time(a, d) == exact.subtract_working_time(a, d)
    assert table.add_working_days(a, 2.5) == exact.add_working_days(a, 2.5)
    assert table.working_time_between(a, b) == exact.working_time_between(a, b)
    assert table.counting_start(a) == exact.counting_start(a)
    assert table.next_working_instant(a) == exact.next_working_instant(a)


@PROPS
@given(tabulated(), st.sampled_from(DEFAULT_PERIODS), st.integers(0, 60), durations)
def test_table_mode_at_period_boundaries(
    cals: tuple[WorkCalendar, WorkCalendar], period: tuple[time, time], day: int, d: timedelta
):
    # Period starts and ends, where the two boundary rules apply, drawn on purpose.
    exact, table = cals
    base = date(2026, 1, 1) + timedelta(days=day)
    for bound in period:
        at = datetime.combine(base, bound, TZ)
        assert table.add_working_time(at, d) == exact.add_working_time(at, d)
        assert table.subtract_working_time(at, d) == exact.subtract_working_time(at, d)


def test_table_mode_is_the_same_calendar() -> None:
    table = CAL.tabulated(date(2026, 1, 1), date(2026, 12, 31))
    assert table == CAL
    assert table.add_working_days(vn(2026, 2, 13, 9), 1) == vn(2026, 2, 23, 9)  # over Tết
    # Outside the table it walks: the answer is still right.
    assert table.add_working_days(vn(2027, 3, 2, 9), 1) == vn(2027, 3, 3, 9)
    assert table.due_at(vn(2028, 1, 3, 8), days=1) == CAL.due_at(vn(2028, 1, 3, 8), days=1)
    with pytest.raises(ValueError, match="before its first day"):
        CAL.tabulated(date(2026, 2, 1), date(2026, 1, 1))


@pytest.mark.parametrize(
    "received",
    [
        vn(2026, 3, 6, 15),  # Friday at the cut-off
        vn(2026, 3, 6, 16, 59),  # Friday, still in the afternoon period
        vn(2026, 3, 6, 22),  # Friday night
        vn(2026, 3, 7, 9),  # Saturday
        vn(2026, 3, 9, 6, 30),  # Monday before the first period: that day's start
    ],
)
def test_after_the_cut_off_is_the_next_working_days_start(received) -> None:
    """Issue 16 point 9: a dossier received after the 15:00 cut-off (or on a day off) is treated
    exactly like one received at the start of the next working day, Mon 9 Mar 2026 07:00."""
    monday = vn(2026, 3, 9, 7)
    assert CAL.counting_start(received) == monday
    for days in (Decimal("0.5"), 1, 3, 15):
        assert CAL.due_at(received, days=days) == CAL.due_at(monday, days=days)


def test_the_province_setting_gives_8_hour_days(settings) -> None:
    assert settings.TINHSO_WORKING_HOURS == "07:00-11:30,13:30-17:00"
    assert parse_periods(settings.TINHSO_WORKING_HOURS) == DEFAULT_PERIODS
    assert CAL.working_day_length == timedelta(hours=8)
