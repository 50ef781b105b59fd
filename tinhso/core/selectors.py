"""Reads of the province core, scoped to the acting user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, QuerySet

from . import workcalendar
from .access import as_access
from .models import (
    AdministrativeUnit,
    Agency,
    ApplicantProfile,
    CalendarOverride,
    PendingUpload,
    UnitLevel,
)

_calendar_cache: dict[tuple, workcalendar.WorkCalendar] = {}


def work_calendar(years: range | None = None) -> workcalendar.WorkCalendar:
    """The working calendar: Vietnam's holidays plus the administrator's day swaps.

    Cached per process and rebuilt when the swap table changes (one cheap aggregate query).
    """
    stamp = CalendarOverride.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    if years is None:
        this_year = dt.date.today().year
        years = range(2015, this_year + 6)
    key = (
        stamp["n"],
        stamp["last"],
        years.start,
        years.stop,
        settings.TINHSO_WORKING_HOURS,
        settings.TINHSO_RECEPTION_CUTOFF,
    )
    calendar = _calendar_cache.get(key)
    if calendar is None:
        overrides = CalendarOverride.objects.values_list("date", "is_working_day")
        calendar = workcalendar.build_vietnam_calendar(
            years,
            overrides=list(overrides),
            periods=workcalendar.parse_periods(settings.TINHSO_WORKING_HOURS),
            cutoff=workcalendar.parse_time(settings.TINHSO_RECEPTION_CUTOFF),
        )
        _calendar_cache.clear()
        _calendar_cache[key] = calendar
    return calendar


def counting_terms() -> dict[str, str]:
    """How the province counts time, for the pages and BM.01: the working hours of a day
    (``"8"``), its periods (``"07:00–11:30, 13:30–17:00"``) and the cut-off (``"15:00"``)."""
    periods = workcalendar.parse_periods(settings.TINHSO_WORKING_HOURS)
    length = workcalendar.WorkCalendar(frozenset(), frozenset(), periods=periods)
    hours = length.working_day_length.total_seconds() / 3600
    return {
        "hours": f"{hours:g}".replace(".", ","),
        "periods": ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in periods),
        "cutoff": f"{workcalendar.parse_time(settings.TINHSO_RECEPTION_CUTOFF):%H:%M}",
    }


# Shorthands for tinhso.core.access.Access (roles in active agencies only); ``user`` may be an
# Access. Pages and selectors use the request's Access directly.


def user_agency_ids(user: Any, roles: list[str] | None = None) -> set[int]:
    """Agencies the officer serves (optionally in given roles)."""
    return set(as_access(user).agencies(roles))


def user_roles(user: Any, agency: Agency | None = None) -> set[str]:
    """The roles the user holds (in ``agency``, or anywhere)."""
    access = as_access(user)
    return set(access.roles if agency is None else access.roles_in(agency.pk))


def is_province_admin(user: Any) -> bool:
    return as_access(user).is_province_admin


def units_current(*, province_code: str | None = None) -> QuerySet[AdministrativeUnit]:
    qs = AdministrativeUnit.objects.current().select_related("parent")
    if province_code:
        qs = qs.filter(parent__code=province_code, parent__level=UnitLevel.PROVINCE)
    return qs


def unit_successor_today(unit: AdministrativeUnit) -> AdministrativeUnit:
    """Follow successions (and the parent chain for abolished districts) to a current unit."""
    seen: set[int] = set()
    current = unit
    while current.valid_to is not None and current.pk not in seen:
        seen.add(current.pk)
        succession = current.successions.select_related("successor").first()
        if succession is not None:
            current = succession.successor
        elif current.parent is not None:
            current = current.parent
        else:
            break
    return current


def agencies_visible(user: Any) -> QuerySet[Agency]:
    """Agencies are public information: every active agency, parents first."""
    return Agency.objects.filter(is_active=True).select_related("unit", "parent")


# --- the acting user's applicant profile (the submission path) ---------------------------------


def applicant_of(user: Any) -> ApplicantProfile | None:
    """The user's applicant profile with its commune, or None."""
    try:
        return ApplicantProfile.objects.select_related("unit").get(user_id=user.pk)
    except ApplicantProfile.DoesNotExist:
        return None


def pending_uploads_of(*, owner: Any, keys: list[str]) -> dict[str, PendingUpload]:
    """The owner's pending files among ``keys`` (key → row); another person's keys find
    nothing."""
    wanted = [key for key in keys if key][:100]
    if not wanted or not getattr(owner, "is_authenticated", False):
        return {}
    return {r.key: r for r in PendingUpload.objects.filter(owner=owner, key__in=wanted)}
