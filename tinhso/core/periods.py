"""The periods statistics, reports and plans use: calendar years, quarters and months, and the
report periods of Decree 09/2019 (cut off on the 14th).

Decree 09/2019 (``../shared/INTEGRATIONS.md``): a report month runs from the 15th of the previous
month to the 14th; a report quarter from the 15th of the month before the quarter to the 14th
of its last month; six months from 15/12 of the previous year to 14/06, nine months to 14/09,
a year to 14/12. The dossier statistics default to the current report month; the operations
centre, whose roll-ups are per calendar month, uses the calendar periods.

Keys: ``2026``, ``2026-Q3``, ``2026-10`` (calendar); ``BC2026-10``, ``BC2026-Q3``,
``BC2026-6T``, ``BC2026-9T``, ``BC2026`` (report periods, "báo cáo").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.workcalendar import DEFAULT_TZ as LOCAL_TZ

CUTOFF_DAY = 14  # the last day of a report period (Decree 09/2019)
REPORT_PREFIX = "BC"
CALENDAR_KINDS = ("year", "quarter", "month")
REPORT_KINDS = (
    "report_year",
    "report_nine_months",
    "report_half",
    "report_quarter",
    "report_month",
)


def _cutoff_start(year: int, month: int) -> dt.date:
    """The first day of the report period ending on the 14th of ``month``: the 15th before."""
    first = dt.date(year, month, 1) - dt.timedelta(days=1)
    return first.replace(day=CUTOFF_DAY + 1)


@dataclass(frozen=True)
class Period:
    """A calendar year, quarter or month, or a Decree 09/2019 report period."""

    kind: str  # one of CALENDAR_KINDS or REPORT_KINDS
    start: dt.date
    end: dt.date  # inclusive
    year_: int = 0  # the year the period is named after (report periods start the year before)
    number: int = 0  # the quarter or month number (0 for years, halves, nine months)

    # --- calendar periods

    @classmethod
    def year(cls, year: int) -> Period:
        return cls("year", dt.date(year, 1, 1), dt.date(year, 12, 31), year)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = dt.date(year, 3 * (quarter - 1) + 1, 1)
        return cls("quarter", first, _month_end(dt.date(year, 3 * quarter, 1)), year, quarter)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        return cls("month", first, _month_end(first), year, month)

    # --- Decree 09/2019 report periods

    @classmethod
    def report_month(cls, year: int, month: int) -> Period:
        end = dt.date(year, month, CUTOFF_DAY)
        return cls("report_month", _cutoff_start(year, month), end, year, month)

    @classmethod
    def report_quarter(cls, year: int, quarter: int) -> Period:
        first, last = 3 * (quarter - 1) + 1, 3 * quarter
        end = dt.date(year, last, CUTOFF_DAY)
        return cls("report_quarter", _cutoff_start(year, first), end, year, quarter)

    @classmethod
    def report_half(cls, year: int) -> Period:
        return cls("report_half", _cutoff_start(year, 1), dt.date(year, 6, CUTOFF_DAY), year)

    @classmethod
    def report_nine_months(cls, year: int) -> Period:
        end = dt.date(year, 9, CUTOFF_DAY)
        return cls("report_nine_months", _cutoff_start(year, 1), end, year)

    @classmethod
    def report_year(cls, year: int) -> Period:
        return cls("report_year", _cutoff_start(year, 1), dt.date(year, 12, CUTOFF_DAY), year)

    @classmethod
    def current_report_month(cls, today: dt.date | None = None) -> Period:
        """The report month ``today`` falls in (after the 14th: next month's)."""
        today = today or timezone.localdate()
        if today.day <= CUTOFF_DAY:
            return cls.report_month(today.year, today.month)
        following = _month_end(today) + dt.timedelta(days=1)
        return cls.report_month(following.year, following.month)

    # --- parsing and naming

    @classmethod
    def parse(cls, text: str | None, *, today: dt.date | None = None, report: bool = False):
        """A key (module doc); empty means the current year, or with ``report=True`` the
        current report month. Report periods are accepted only with ``report=True``."""
        today = today or timezone.localdate()
        text = (text or "").strip()
        try:
            if not text:
                return cls.current_report_month(today) if report else cls.year(today.year)
            period = cls._from_key(text, report)
        except ValueError:
            raise DomainError(
                "invalid_period",
                _(
                    "Unknown period “%(text)s”: use a year (2026), a quarter (2026-Q3) or a month "
                    "(2026-10)."
                )
                % {"text": text[:20]},
            ) from None
        if not 2000 <= period.end.year <= 2100:
            raise DomainError("invalid_period", _("The year must be between 2000 and 2100."))
        return period

    @classmethod
    def _from_key(cls, text: str, report: bool) -> Period:
        is_report = text.upper().startswith(REPORT_PREFIX)
        if is_report and not report:
            raise ValueError(text)
        body = text[len(REPORT_PREFIX) :] if is_report else text
        if len(body) == 4 and body.isdigit():
            return (cls.report_year if is_report else cls.year)(int(body))
        if len(body) == 7 and body[4:6].upper() == "-Q" and body[6] in "1234":
            make = cls.report_quarter if is_report else cls.quarter
            return make(int(body[:4]), int(body[6]))
        if is_report and len(body) == 7 and body[4] == "-" and body[5:].upper() in ("6T", "9T"):
            make = cls.report_half if body[5] == "6" else cls.report_nine_months
            return make(int(body[:4]))
        if len(body) == 7 and body[4] == "-":
            return (cls.report_month if is_report else cls.month)(int(body[:4]), int(body[5:7]))
        raise ValueError(text)

    @property
    def is_report(self) -> bool:
        return self.kind in REPORT_KINDS

    @property
    def key(self) -> str:
        prefix = REPORT_PREFIX if self.is_report else ""
        year = self.year_ or self.end.year
        if self.kind in ("year", "report_year"):
            return f"{prefix}{year}"
        if self.kind in ("quarter", "report_quarter"):
            return f"{prefix}{year}-Q{self.number}"
        if self.kind == "report_half":
            return f"{prefix}{year}-6T"
        if self.kind == "report_nine_months":
            return f"{prefix}{year}-9T"
        return f"{prefix}{year}-{self.number:02d}"

    @property
    def label(self) -> str:
        year = self.year_ or self.end.year
        if self.kind == "year":
            return _("Year %(year)s") % {"year": year}
        if self.kind == "quarter":
            return _("Quarter %(q)s/%(year)s") % {"q": self.number, "year": year}
        if self.kind == "month":
            return _("Month %(month)s/%(year)s") % {"month": self.number, "year": year}
        name = {
            "report_year": _("Report year %(year)s"),
            "report_nine_months": _("Report nine months %(year)s"),
            "report_half": _("Report six months %(year)s"),
            "report_quarter": _("Report quarter %(q)s/%(year)s"),
            "report_month": _("Report month %(month)s/%(year)s"),
        }[self.kind] % {"year": year, "q": self.number, "month": self.number}
        return f"{name} ({self.start:%d/%m/%Y}–{self.end:%d/%m/%Y})"

    def months(self) -> list[dt.date]:
        """The first days of the calendar months the period touches."""
        found, month = [], self.start.replace(day=1)
        while month <= self.end:
            found.append(month)
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return found

    def until(self, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        """(start, end) with a running period cut at ``today`` (figures at the end of a period
        still to come would count deadlines not yet reached as missed)."""
        today = today or timezone.localdate()
        return self.start, max(self.start, min(self.end, today))


def resolve_range(
    key: str | None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    today: dt.date | None = None,
) -> tuple[Period, dt.date, dt.date]:
    """The period a statistics table or export shows: the report period ``key`` (default the
    current report month), cut at today, unless explicit ``start``/``end`` days replace its
    ends. Raises ``DomainError("invalid_period")`` on a bad key or a start after the end."""
    today = today or timezone.localdate()
    period = Period.parse(key, today=today, report=True)
    first, last = period.until(today)
    first, last = start or first, end or last
    if first > last:
        raise DomainError("invalid_period", _("The start of the period must not be after its end."))
    return period, first, last


def period_choices(
    current: str, today: dt.date, *, report: bool = False
) -> list[tuple[str, list[tuple[str, str]]]]:
    """A period picker's options, grouped, with ``current`` among them even when it is older
    than the list goes. ``report=True``: the report periods first, then the calendar months."""
    groups: list[tuple[str, list[Period]]] = []
    months, month = [], today.replace(day=1)
    for _n in range(12):
        months.append(Period.month(month.year, month.month))
        month = (month - dt.timedelta(days=1)).replace(day=1)
    if report:
        this = Period.current_report_month(today)
        report_months, year, number = [], this.year_, this.number
        for _n in range(12):
            report_months.append(Period.report_month(year, number))
            year, number = (year, number - 1) if number > 1 else (year - 1, 12)
        years = [this.year_, this.year_ - 1]
        longer = [
            make(year)
            for year in years
            for make in (Period.report_year, Period.report_nine_months, Period.report_half)
        ]
        quarters = [Period.report_quarter(year, q) for year in years for q in (4, 3, 2, 1)]
        groups = [
            (_("Report months"), report_months),
            (_("Report quarters"), [p for p in quarters if p.start <= today]),
            (_("Report years and half-years"), [p for p in longer if p.start <= today]),
            (_("Calendar months"), months),
        ]
    else:
        years = [Period.year(today.year - n) for n in range(4)]
        quarters = [
            Period.quarter(year, q)
            for year in (today.year, today.year - 1)
            for q in (4, 3, 2, 1)
            if dt.date(year, 3 * (q - 1) + 1, 1) <= today
        ]
        groups = [(_("Years"), years), (_("Quarters"), quarters), (_("Months"), months)]
    options = [(title, [(p.key, p.label) for p in periods]) for title, periods in groups]
    if current and not any(current == key for _title, group in options for key, _l in group):
        chosen = Period.parse(current, today=today, report=report)
        options.insert(0, (_("Chosen"), [(chosen.key, chosen.label)]))
    return options


def _month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of ``start`` and the first instant after ``end``, local time."""
    if start > end:
        raise DomainError("invalid_period", _("The start of the period must not be after its end."))
    first = dt.datetime.combine(start, dt.time.min, tzinfo=LOCAL_TZ)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL_TZ)
    return first, after
