"""The periods plans and reports use: a year, a quarter or a month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError


@dataclass(frozen=True)
class Period:
    """A year, a quarter or a month (the periods plans and reports use)."""

    kind: str  # "year" | "quarter" | "month"
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def year(cls, year: int) -> Period:
        return cls("year", dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = dt.date(year, 3 * (quarter - 1) + 1, 1)
        return cls("quarter", first, _month_end(dt.date(year, 3 * quarter, 1)))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        return cls("month", first, _month_end(first))

    @classmethod
    def parse(cls, text: str | None, *, today: dt.date | None = None) -> Period:
        """``2026``, ``2026-Q3`` or ``2026-10``; empty means the current year."""
        today = today or timezone.localdate()
        text = (text or "").strip()
        try:
            if not text:
                return cls.year(today.year)
            if len(text) == 4 and text.isdigit():
                period = cls.year(int(text))
            elif len(text) == 7 and text[4:6].upper() == "-Q" and text[6] in "1234":
                period = cls.quarter(int(text[:4]), int(text[6]))
            elif len(text) == 7 and text[4] == "-":
                period = cls.month(int(text[:4]), int(text[5:7]))
            else:
                raise ValueError(text)
        except ValueError:
            raise DomainError(
                "invalid_period",
                _(
                    "Unknown period “%(text)s”: use a year (2026), a quarter (2026-Q3) or a month "
                    "(2026-10)."
                )
                % {"text": text[:20]},
            ) from None
        if not 2000 <= period.start.year <= 2100:
            raise DomainError("invalid_period", _("The year must be between 2000 and 2100."))
        return period

    @property
    def key(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return _("Year %(year)s") % {"year": self.start.year}
        if self.kind == "quarter":
            return _("Quarter %(q)s/%(year)s") % {
                "q": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        return _("Month %(month)s/%(year)s") % {"month": self.start.month, "year": self.start.year}

    def months(self) -> list[dt.date]:
        found, month = [], self.start
        while month <= self.end:
            found.append(month)
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return found


def _month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
