"""Working-time calendar: every legal deadline of the one-stop-shop is computed here.

This module is deliberately *pure*: no Django, no database, no clock. It only needs the
standard library and the ``holidays`` package (for Vietnam's public holidays).

Vocabulary
----------
* A **working day** is Monday–Friday unless it is a day off (public holiday, observed day,
  extra day off decided by the Government or by an administrator), or any day explicitly
  declared a make-up working day (usually a Saturday).
* A working day is made of **periods** (by default 07:00–11:30 and 13:30–17:00, i.e. the 8
  working hours of a day; the province sets its own with ``TINHSO_WORKING_HOURS``). Time
  outside the periods (nights, lunch break, days off) does not count.
* A **working instant** is an instant inside a period of a working day. Period boundaries are
  both reachable: adding working time that runs out exactly at 17:00 yields 17:00 (never the
  next morning's 07:00), and subtracting working time that runs out exactly at 07:00 yields 07:00.
* The **cut-off** (15:00 by default): a dossier received on a working day before the cut-off is
  counted from the moment it is received; one received at/after the cut-off, or on a day off,
  is counted from the start of the next working day.

Working time is measured on the wall clock of the calendar's time zone (Vietnam has no daylight
saving time). All datetimes given to this module must be timezone-aware; results are aware
datetimes in the calendar's time zone.

Note: the calendar only knows the days off it was built with. Build it with every year a
computation may reach (e.g. the current year and the next two).

Table mode: :meth:`WorkCalendar.tabulated` returns the same calendar with a precomputed table of
the working days of a date range and their cumulative working time. Inside the range,
:meth:`~WorkCalendar.add_working_time`, :meth:`~WorkCalendar.subtract_working_time` and
:meth:`~WorkCalendar.working_time_between` then look positions up instead of walking day by day
(for bulk work such as the demo history); outside it they walk as usual. Both modes give the same
answers (property-tested).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "DEFAULT_CUTOFF",
    "DEFAULT_PERIODS",
    "DEFAULT_TZ",
    "Amount",
    "Period",
    "WorkCalendar",
    "build_vietnam_calendar",
    "format_periods",
    "parse_periods",
    "parse_time",
    "validate_periods",
]

Period = tuple[time, time]
Amount = int | float | Decimal | Fraction

DEFAULT_PERIODS: tuple[Period, ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
DEFAULT_CUTOFF = time(15, 0)
DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_MICROSECOND = timedelta(microseconds=1)

# ``holidays`` (en_US) encodes official swaps as e.g. "Day off (substituted from 08/22/2026)":
# the holiday's date is the day off, the date in the name (MM/DD/YYYY) is the make-up working day.
_SUBSTITUTED_RE = re.compile(r"substituted from (\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)
_TIME_RE = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})\s*(?::\s*(\d{2}))?\s*$")


# --------------------------------------------------------------------------------------------
# Parsing helpers
# --------------------------------------------------------------------------------------------


def parse_time(value: str) -> time:
    """Parse ``"15:00"`` (also ``"7:30"``, ``"07:30:00"``, ``"7h30"``) into a ``time``."""
    if not isinstance(value, str):
        raise ValueError(f"Expected a time string like '15:00', got {value!r}")
    match = _TIME_RE.match(value)
    if match is None:
        raise ValueError(f"Invalid time {value!r}: expected HH:MM, e.g. '15:00'")
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise ValueError(f"Invalid time {value!r}: hour must be 0–23, minutes/seconds 0–59")
    return time(hour, minute, second)


def validate_periods(periods: Iterable[Period]) -> tuple[Period, ...]:
    """Check that periods are non-empty, each start < end, sorted and non-overlapping.

    Touching periods (one ends when the next starts) are allowed. Returns them as a tuple.
    """
    result = tuple((start, end) for start, end in periods)
    if not result:
        raise ValueError("At least one working period is required")
    previous_end: time | None = None
    for start, end in result:
        if not isinstance(start, time) or not isinstance(end, time):
            raise ValueError(f"Period bounds must be datetime.time objects, got {(start, end)!r}")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("Period bounds must be naive times (wall clock of the calendar)")
        if start >= end:
            raise ValueError(
                f"Invalid period {start:%H:%M}-{end:%H:%M}: the start must be before the end"
            )
        if previous_end is not None and start < previous_end:
            raise ValueError(
                f"Periods must be in chronological order and must not overlap "
                f"(period starting at {start:%H:%M} begins before {previous_end:%H:%M})"
            )
        previous_end = end
    return result


def parse_periods(value: str) -> tuple[Period, ...]:
    """Parse ``"07:30-11:30,13:30-17:00"`` into ``((time(7,30), time(11,30)), ...)``.

    Periods are separated by ``,`` or ``;``; bounds by ``-`` (an en dash is accepted too).
    Raises ValueError on malformed, empty, unordered or overlapping periods.
    """
    if not isinstance(value, str):
        raise ValueError(f"Expected periods like '07:30-11:30,13:30-17:00', got {value!r}")
    chunks = [chunk.strip() for chunk in re.split(r"[,;]", value)]
    if not any(chunks):
        raise ValueError("At least one working period is required, e.g. '07:30-11:30'")
    periods: list[Period] = []
    for chunk in chunks:
        if not chunk:
            raise ValueError(f"Empty period in {value!r}")
        bounds = re.split(r"\s*[-–]\s*", chunk)
        if len(bounds) != 2:
            raise ValueError(f"Invalid period {chunk!r}: expected START-END, e.g. '07:30-11:30'")
        periods.append((parse_time(bounds[0]), parse_time(bounds[1])))
    return validate_periods(periods)


def format_periods(periods: Iterable[Period]) -> str:
    """Inverse of :func:`parse_periods` (seconds are dropped when zero)."""

    def fmt(t: time) -> str:
        return f"{t:%H:%M}" if t.second == 0 else f"{t:%H:%M:%S}"

    return ",".join(f"{fmt(start)}-{fmt(end)}" for start, end in periods)


def _to_duration(amount: Amount, unit: timedelta, what: str) -> timedelta:
    """``amount × unit`` computed exactly, rounded to the microsecond; amount must be >= 0."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal | Fraction):
        raise ValueError(f"{what} must be a number, got {amount!r}")
    try:
        exact = Fraction(amount)
    except (ValueError, OverflowError, ArithmeticError) as exc:
        raise ValueError(f"{what} must be a finite number, got {amount!r}") from exc
    if exact < 0:
        raise ValueError(f"{what} must not be negative, got {amount!r}")
    return timedelta(microseconds=round(exact * (unit // _MICROSECOND)))


# --------------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkCalendar:
    """An immutable working-time calendar. See the module docstring for the rules."""

    days_off: frozenset[date]
    extra_working_days: frozenset[date]
    periods: tuple[Period, ...] = DEFAULT_PERIODS
    cutoff: time = DEFAULT_CUTOFF
    tz: ZoneInfo = field(default=DEFAULT_TZ)
    _table: _WorkingTable | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("days_off", "extra_working_days"):
            values = frozenset(getattr(self, name))
            for value in values:
                if isinstance(value, datetime) or not isinstance(value, date):
                    raise ValueError(f"{name} must contain datetime.date objects, got {value!r}")
            object.__setattr__(self, name, values)
        object.__setattr__(self, "periods", validate_periods(self.periods))
        if not isinstance(self.cutoff, time) or self.cutoff.tzinfo is not None:
            raise ValueError(f"cutoff must be a naive datetime.time, got {self.cutoff!r}")
        if self.cutoff <= self.periods[0][0]:
            # Otherwise nothing received on a working day could ever be counted the same day.
            raise ValueError(
                f"The cut-off ({self.cutoff:%H:%M}) must be after the start of the first "
                f"working period ({self.periods[0][0]:%H:%M})"
            )

    def tabulated(self, first: date, last: date) -> WorkCalendar:
        """This calendar in table mode for the days ``first`` to ``last`` (see the module doc)."""
        first, last = self._as_date(first), self._as_date(last)
        if last < first:
            raise ValueError(f"The table's last day {last} is before its first day {first}")
        calendar = dataclasses.replace(self)
        object.__setattr__(calendar, "_table", _WorkingTable(calendar, first, last))
        return calendar

    # ---- days --------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Mon–Fri not in ``days_off``, or any day in ``extra_working_days``."""
        d = self._as_date(d)
        if d in self.extra_working_days:
            return True
        return d.weekday() < 5 and d not in self.days_off

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d = self._as_date(d) + _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        d = self._as_date(d) - _ONE_DAY
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    @property
    def working_day_length(self) -> timedelta:
        """Working time in one working day (sum of the periods; 8h by default)."""
        return sum(
            (
                datetime.combine(date.min, end) - datetime.combine(date.min, start)
                for start, end in self.periods
            ),
            _ZERO,
        )

    def day_start(self, d: date) -> datetime:
        """Aware datetime of the start of the first period of day ``d``."""
        return self._aware(datetime.combine(self._as_date(d), self.periods[0][0]))

    def day_end(self, d: date) -> datetime:
        """Aware datetime of the end of the last period of day ``d``."""
        return self._aware(datetime.combine(self._as_date(d), self.periods[-1][1]))

    # ---- instants ----------------------------------------------------------------------------

    def is_working_instant(self, at: datetime) -> bool:
        """True if ``at`` lies in a period [start, end) of a working day."""
        local = self._local(at, "at")
        if not self.is_working_day(local.date()):
            return False
        t = local.time()
        return any(start <= t < end for start, end in self.periods)

    def next_working_instant(self, at: datetime) -> datetime:
        """``at`` itself if it is a working instant, otherwise the next period start."""
        return self._aware(self._next_working_instant(self._local(at, "at")))

    def counting_start(self, received_at: datetime) -> datetime:
        """When the clock starts for something received at ``received_at`` (15:00 cut-off rule).

        Received on a working day before the cut-off: counting starts at ``received_at``, moved
        forward to the next working instant (before 07:00 → 07:00, lunch break → 13:30).
        Received at/after the cut-off, or on a day off: the first period start of the next
        working day. The function is idempotent.
        """
        local = self._local(received_at, "received_at")
        day = local.date()
        if self.is_working_day(day) and local.time() < self.cutoff:
            candidate = self._next_working_instant(local)
            if candidate.date() == day and candidate.time() < self.cutoff:
                return self._aware(candidate)
        return self._aware(datetime.combine(self.next_working_day(day), self.periods[0][0]))

    # ---- arithmetic --------------------------------------------------------------------------

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """Walk forward from ``start`` consuming ``duration`` of working time.

        A result falling exactly on the end of a period is that end (Monday 17:00, never
        Tuesday 07:00). A zero duration moves a non-working ``start`` to the next period start.
        """
        cur = self._local(start, "start")
        remaining = self._check_duration(duration)
        tabled = self._tabled(cur, remaining, backward=False)
        return tabled if tabled is not None else self._walk_forward(cur, remaining)

    def _tabled(self, cur: datetime, remaining: timedelta, *, backward: bool) -> datetime | None:
        """The answer read from a tabulated calendar's table (None: no table, or out of it)."""
        if self._table is None or not remaining:
            return None
        walk = self._table.backward if backward else self._table.forward
        found = walk(cur, remaining // _MICROSECOND)
        return None if found is None else self._aware(found)

    def _walk_forward(self, cur: datetime, remaining: timedelta) -> datetime:
        day = cur.date()
        day_length = self.working_day_length
        while True:
            if self.is_working_day(day):
                for p_start, p_end in self.periods:
                    period_end = datetime.combine(day, p_end)
                    if cur > period_end:
                        continue
                    begin = max(cur, datetime.combine(day, p_start))
                    available = period_end - begin
                    if remaining <= available:
                        return self._aware(begin + remaining)
                    remaining -= available
                    cur = period_end
            # Next day; skip whole working days (and days off) without walking their periods.
            day += _ONE_DAY
            while not self.is_working_day(day) or remaining > day_length:
                if self.is_working_day(day):
                    remaining -= day_length
                day += _ONE_DAY
            cur = datetime.combine(day, time.min)

    def subtract_working_time(self, end: datetime, duration: timedelta) -> datetime:
        """Walk backward from ``end`` consuming ``duration`` of working time.

        Mirror of :meth:`add_working_time`: a result falling exactly on the start of a period is
        that start (Tuesday 07:00, never Monday 17:00). Useful for "at least N working days
        before the due date" rules.
        """
        cur = self._local(end, "end")
        remaining = self._check_duration(duration)
        tabled = self._tabled(cur, remaining, backward=True)
        return tabled if tabled is not None else self._walk_backward(cur, remaining)

    def _walk_backward(self, cur: datetime, remaining: timedelta) -> datetime:
        day = cur.date()
        day_length = self.working_day_length
        while True:
            if self.is_working_day(day):
                for p_start, p_end in reversed(self.periods):
                    period_start = datetime.combine(day, p_start)
                    if cur < period_start:
                        continue
                    finish = min(cur, datetime.combine(day, p_end))
                    available = finish - period_start
                    if remaining <= available:
                        return self._aware(finish - remaining)
                    remaining -= available
                    cur = period_start
            day -= _ONE_DAY
            while not self.is_working_day(day) or remaining > day_length:
                if self.is_working_day(day):
                    remaining -= day_length
                day -= _ONE_DAY
            cur = datetime.combine(day + _ONE_DAY, time.min)

    def add_working_days(self, start: datetime, days: Amount) -> datetime:
        """``add_working_time(start, days × working_day_length)``; fractions (0.5) allowed."""
        return self.add_working_time(start, _to_duration(days, self.working_day_length, "days"))

    def add_working_hours(self, start: datetime, hours: Amount) -> datetime:
        """``add_working_time(start, hours × 1h)``; fractions allowed."""
        return self.add_working_time(start, _to_duration(hours, timedelta(hours=1), "hours"))

    def subtract_working_days(self, end: datetime, days: Amount) -> datetime:
        """``subtract_working_time(end, days × working_day_length)``."""
        duration = _to_duration(days, self.working_day_length, "days")
        return self.subtract_working_time(end, duration)

    def subtract_working_hours(self, end: datetime, hours: Amount) -> datetime:
        """``subtract_working_time(end, hours × 1h)``."""
        return self.subtract_working_time(end, _to_duration(hours, timedelta(hours=1), "hours"))

    def due_at(
        self,
        received_at: datetime,
        days: Amount | None = None,
        hours: Amount | None = None,
    ) -> datetime:
        """Deadline for something received at ``received_at`` with a time limit.

        Counting starts per :meth:`counting_start`; then ``days`` working days and/or ``hours``
        working hours are added (both may be given; they add up). At least one is required.
        """
        if days is None and hours is None:
            raise ValueError("due_at() needs days and/or hours")
        duration = _ZERO
        if days is not None:
            duration += _to_duration(days, self.working_day_length, "days")
        if hours is not None:
            duration += _to_duration(hours, timedelta(hours=1), "hours")
        return self.add_working_time(self.counting_start(received_at), duration)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in [a, b]; negative if ``b`` is before ``a``."""
        la, lb = self._local(a, "a"), self._local(b, "b")
        if self._table is not None:
            pa, pb = self._table.position(la), self._table.position(lb)
            if pa is not None and pb is not None:
                return timedelta(microseconds=pb - pa)
        if lb < la:
            return -self._between(lb, la)
        return self._between(la, lb)

    def working_days_between(self, a: datetime, b: datetime) -> Fraction:
        """``working_time_between(a, b)`` expressed in (fractional) working days."""
        return Fraction(
            self.working_time_between(a, b) // _MICROSECOND,
            self.working_day_length // _MICROSECOND,
        )

    # ---- internals ---------------------------------------------------------------------------

    def _between(self, a: datetime, b: datetime) -> timedelta:
        """Working time between two naive local datetimes, a <= b."""
        total = _ZERO
        first, last = a.date(), b.date()
        day_length = self.working_day_length
        day = first
        while day <= last:
            if self.is_working_day(day):
                if first < day < last:
                    total += day_length
                else:
                    for p_start, p_end in self.periods:
                        lo = max(a, datetime.combine(day, p_start))
                        hi = min(b, datetime.combine(day, p_end))
                        if hi > lo:
                            total += hi - lo
            day += _ONE_DAY
        return total

    def _next_working_instant(self, local: datetime) -> datetime:
        """Naive local version of :meth:`next_working_instant` (periods are half-open)."""
        day = local.date()
        if self.is_working_day(day):
            t = local.time()
            for p_start, p_end in self.periods:
                if t < p_start:
                    return datetime.combine(day, p_start)
                if t < p_end:
                    return local
        return datetime.combine(self.next_working_day(day), self.periods[0][0])

    def _local(self, value: datetime, name: str) -> datetime:
        """Convert an aware datetime to a naive wall-clock datetime in the calendar's tz."""
        if not isinstance(value, datetime):
            raise ValueError(f"{name} must be a datetime, got {value!r}")
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(
                f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}"
            )
        return value.astimezone(self.tz).replace(tzinfo=None)

    def _aware(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.tz)

    def _as_date(self, value: date) -> date:
        if isinstance(value, datetime):
            return self._local(value, "date").date()
        if not isinstance(value, date):
            raise ValueError(f"Expected a date, got {value!r}")
        return value

    @staticmethod
    def _check_duration(duration: timedelta) -> timedelta:
        if not isinstance(duration, timedelta):
            raise ValueError(f"duration must be a timedelta, got {duration!r}")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        return duration


class _WorkingTable:
    """The working days of ``first``..``last`` and the working time before each of them.

    A *position* is the working time, in microseconds, from the start of the table's first day
    to an instant; every instant of a day off or outside the periods has the position of the
    last working instant before it. Adding working time is finding the earliest instant at a
    position (a period end rather than the next start), subtracting it the latest (a period
    start rather than the previous end): the two boundary rules of the module doc.
    """

    def __init__(self, calendar: WorkCalendar, first: date, last: date) -> None:
        self.first = first.toordinal()
        self.working: list[bool] = []
        self.before: list[int] = []  # working days strictly before each day of the table
        self.midnights: list[datetime] = []  # naive local midnight of the k-th working day
        day = first
        while day <= last:
            self.before.append(len(self.midnights))
            self.working.append(calendar.is_working_day(day))
            if self.working[-1]:
                self.midnights.append(datetime.combine(day, time.min))
            day += _ONE_DAY
        self.periods = [(_micros(start), _micros(end)) for start, end in calendar.periods]
        self.length = calendar.working_day_length // _MICROSECOND

    def position(self, local: datetime) -> int | None:
        """The position of a naive local instant; None outside the table."""
        index = local.toordinal() - self.first
        if not 0 <= index < len(self.working):
            return None
        base = self.before[index] * self.length
        if not self.working[index]:
            return base
        t = _micros(local.time())
        for start, end in self.periods:
            if t <= start:
                break
            base += (t if t < end else end) - start
        return base

    def forward(self, local: datetime, micros: int) -> datetime | None:
        """The earliest instant ``micros`` (> 0) after ``local``; None beyond the table."""
        position = self.position(local)
        if position is None:
            return None
        day, rest = divmod(position + micros - 1, self.length)
        if day >= len(self.midnights):
            return None
        rest += 1
        for start, end in self.periods:
            if rest <= end - start:
                return self.midnights[day] + timedelta(microseconds=start + rest)
            rest -= end - start
        raise AssertionError("unreachable: rest <= the length of a working day")

    def backward(self, local: datetime, micros: int) -> datetime | None:
        """The latest instant ``micros`` (> 0) before ``local``; None before the table."""
        position = self.position(local)
        if position is None or position < micros:
            return None
        day, rest = divmod(position - micros, self.length)
        if day >= len(self.midnights):
            return None
        for start, end in self.periods:
            if rest < end - start:
                return self.midnights[day] + timedelta(microseconds=start + rest)
            rest -= end - start
        raise AssertionError("unreachable: rest < the length of a working day")


def _micros(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


# --------------------------------------------------------------------------------------------
# Vietnam
# --------------------------------------------------------------------------------------------


def build_vietnam_calendar(
    years: Iterable[int],
    overrides: Iterable[tuple[date, bool]] = (),
    periods: Iterable[Period] = DEFAULT_PERIODS,
    cutoff: time = DEFAULT_CUTOFF,
    tz: ZoneInfo = DEFAULT_TZ,
) -> WorkCalendar:
    """Vietnam's working calendar for ``years``.

    * Days off: every public holiday the ``holidays`` package knows (Tết, Hùng Kings, 30/4, 1/5,
      2/9, observed days, official swaps "Day off (substituted from MM/DD/YYYY)").
    * Make-up working days: the source date of each official swap (usually a Saturday).
    * ``overrides``: ``(date, is_working_day)`` pairs entered by an administrator, applied in
      order (a later pair wins): True makes the date a working day, False a day off.

    Only dates within ``years`` come from the package (a swap whose make-up day falls in a
    neighbouring year is still picked up); overrides are applied whatever their year.
    """
    wanted = sorted({int(year) for year in years})
    if not wanted:
        raise ValueError("build_vietnam_calendar() needs at least one year")
    # Swaps may cross a year boundary (e.g. 2 Jan 2015 off, made up on Sat 27 Dec 2014).
    queried = sorted({y + delta for y in wanted for delta in (-1, 0, 1)})
    wanted_set = set(wanted)
    calendar = holidays.country_holidays("VN", years=queried, language="en_US")

    days_off: set[date] = set()
    extra_working_days: set[date] = set()
    for day, name in calendar.items():
        if day.year in wanted_set:
            days_off.add(day)
        for part in str(name).split(";"):
            match = _SUBSTITUTED_RE.search(part)
            if match is None:
                continue
            month, dom, year = (int(g) for g in match.groups())
            source = date(year, month, dom)
            if source.year in wanted_set:
                extra_working_days.add(source)
    days_off -= extra_working_days

    for day, is_working in overrides:
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(f"Override dates must be datetime.date objects, got {day!r}")
        if is_working:
            extra_working_days.add(day)
            days_off.discard(day)
        else:
            days_off.add(day)
            extra_working_days.discard(day)

    return WorkCalendar(
        days_off=frozenset(days_off),
        extra_working_days=frozenset(extra_working_days),
        periods=tuple(periods),
        cutoff=cutoff,
        tz=tz,
    )
