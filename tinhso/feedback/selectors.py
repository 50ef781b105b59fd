"""Reads of field reports, scoped to the acting user.

Who sees which report is one rule, :mod:`tinhso.feedback.access` (through
``Report.objects.restrict``). Anything else is "not found". ``user`` below is a user or the
request's :class:`~tinhso.core.access.Access`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.access import VIEW, as_access
from tinhso.core.collation import vi_order
from tinhso.core.errors import NotFound, PermissionDenied
from tinhso.core.models import AdministrativeUnit, Agency, UnitLevel
from tinhso.core.periods import period_bounds
from tinhso.core.selectors import work_calendar

from .access import is_reporter, officer_rule, reaches_as_officer
from .access import officer_agencies as officer_agencies_of
from .models import (
    CLOSED_STATES,
    HANDLING_STATES,
    PENDING_STATES,
    PUBLIC_STATES,
    Category,
    Report,
    ReportEvent,
    Score,
    State,
    Timeliness,
    Urgency,
)

OPEN311_OPEN = tuple(PUBLIC_STATES - CLOSED_STATES)
OPEN311_CLOSED = tuple(PUBLIC_STATES & CLOSED_STATES)


# --- categories ---------------------------------------------------------------------------


def categories_tree() -> list[tuple[Category, list[Category]]]:
    """Active top-level categories with their active children (a childless root is a leaf)."""
    nodes = list(Category.objects.filter(is_active=True).order_by("order", vi_order("name")))
    children: dict[int | None, list[Category]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    return [(root, children.get(root.pk, [])) for root in children.get(None, [])]


def services() -> list[Category]:
    """Leaf categories that accept reports (Open311 services), grouped by root, in order."""
    found = []
    for root, kids in categories_tree():
        found.extend(kids or [root])
    return found


def service_get(code: str) -> Category:
    category = (
        Category.objects.filter(code=code, is_active=True)
        .select_related("parent")
        .prefetch_related("attributes")
        .first()
    )
    if category is None or category.children.filter(is_active=True).exists():
        raise NotFound("unknown_service", _("Unknown service code “%(code)s”.") % {"code": code})
    return category


def communes() -> QuerySet[AdministrativeUnit]:
    from .boundary import province_code

    return AdministrativeUnit.objects.filter(
        level=UnitLevel.COMMUNE,
        valid_to__isnull=True,
        parent__code=province_code(),
        parent__level=UnitLevel.PROVINCE,
    ).order_by(vi_order("name"), "code")


# --- public -------------------------------------------------------------------------------


def _base() -> QuerySet[Report]:
    return Report.objects.select_related("category", "category__parent", "agency", "commune")


def reports_public() -> QuerySet[Report]:
    return _base().filter(state__in=PUBLIC_STATES)


def reports_public_filtered(
    *, category: Category | None = None, commune=None, status: str = ""
) -> QuerySet[Report]:
    qs = reports_public()
    if category is not None:
        qs = qs.filter(Q(category=category) | Q(category__parent=category))
    if commune is not None:
        qs = qs.filter(commune=commune)
    if status == "open":
        qs = qs.filter(state__in=OPEN311_OPEN)
    elif status == "closed":
        qs = qs.filter(state__in=OPEN311_CLOSED)
    return qs.order_by("-submitted_at", "-pk")


def reports_of_reporter(*, user: Any) -> QuerySet[Report]:
    access = as_access(user)
    if not access.is_authenticated:
        return Report.objects.none()
    return _base().filter(reporter=access.user).order_by("-submitted_at", "-pk")


def officer_scope(user: Any) -> set[int] | None:
    """Agencies whose reports the user may see as an officer; None: all; empty: not an officer."""
    scope = officer_agencies_of(as_access(user), VIEW)
    return None if scope is None else set(scope)


def is_feedback_officer(user: Any) -> bool:
    return officer_scope(user) != set()


def reports_for_officer(*, user: Any) -> QuerySet[Report]:
    """The reports the user reaches as an officer (the officer's lists)."""
    return _base().filter(officer_rule(as_access(user), VIEW))


@dataclass
class ReportAccess:
    report: Report
    is_reporter: bool
    is_officer: bool


def report_for_viewer(*, user: Any, pk: int) -> ReportAccess:
    """The report as the user may see it: published, their own, or in their agencies."""
    access = as_access(user)
    report = _base().restrict(access, VIEW).filter(pk=pk).first()
    if report is None:
        raise NotFound("unknown_report", _("Report #%(id)s was not found.") % {"id": pk})
    return ReportAccess(
        report=report,
        is_reporter=is_reporter(access, report),
        is_officer=reaches_as_officer(access, report, VIEW),
    )


def report_for_officer(*, user: Any, pk: int) -> Report:
    report = reports_for_officer(user=user).filter(pk=pk).first()
    if report is None:
        raise NotFound("unknown_report", _("Report #%(id)s was not found.") % {"id": pk})
    return report


def public_events(report: Report) -> QuerySet[ReportEvent]:
    return report.events.filter(is_public=True).order_by("seq")


def all_events(report: Report) -> QuerySet[ReportEvent]:
    return report.events.select_related("agency", "to_agency").order_by("seq")


# --- deadlines and inbox ------------------------------------------------------------------


def due_soon_horizons(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(normal, urgent): due before these instants counts as due soon.

    A normal report is due soon within one working day, an urgent one within two working hours.
    """
    calendar = work_calendar()
    start = calendar.next_working_instant(now)
    return calendar.add_working_days(start, 1), calendar.add_working_hours(start, 2)


def deadline_status(report: Report, now: dt.datetime | None = None) -> str:
    """ "overdue", "due_soon", "on_track" for a report still waiting for its answer, else ""."""
    if report.state not in PENDING_STATES:
        return ""
    now = now or timezone.now()
    if report.due_at < now:
        return "overdue"
    normal, urgent = due_soon_horizons(now)
    horizon = urgent if report.urgency == Urgency.URGENT else normal
    return "due_soon" if report.due_at <= horizon else "on_track"


INBOXES = ("moderate", "handling", "due_soon", "overdue", "answered", "rejected")


def officer_inbox(
    *, user: Any, box: str, agency_id: int | None = None, now: dt.datetime | None = None
) -> QuerySet[Report]:
    """The officer's lists: to moderate, being handled, due soon, overdue, answered, rejected."""
    if box not in INBOXES:
        raise NotFound("unknown_inbox", _("Unknown list “%(box)s”.") % {"box": box})
    qs = reports_for_officer(user=user)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    now = now or timezone.now()
    if box == "moderate":
        return qs.filter(state=State.NEW).order_by("due_at", "pk")
    if box == "handling":
        return qs.filter(state__in=HANDLING_STATES).order_by("due_at", "pk")
    if box == "overdue":
        return qs.filter(state__in=PENDING_STATES, due_at__lt=now).order_by("due_at", "pk")
    if box == "due_soon":
        normal, urgent = due_soon_horizons(now)
        return qs.filter(
            Q(urgency=Urgency.NORMAL, due_at__lte=normal)
            | Q(urgency=Urgency.URGENT, due_at__lte=urgent),
            state__in=PENDING_STATES,
            due_at__gte=now,
        ).order_by("due_at", "pk")
    if box == "answered":
        return qs.filter(state__in=(State.ANSWERED, State.CLOSED)).order_by("-answered_at", "-pk")
    return qs.filter(state=State.REJECTED).order_by("-closed_at", "-pk")


def officer_inbox_counts(*, user: Any, agency_id: int | None = None) -> dict[str, int]:
    now = timezone.now()
    return {
        box: officer_inbox(user=user, box=box, agency_id=agency_id, now=now).count()
        for box in INBOXES
    }


def officer_agencies(user: Any) -> QuerySet[Agency]:
    scope = officer_scope(user)
    qs = Agency.objects.filter(is_active=True).order_by(vi_order("name"), "code")
    if scope is None:
        return qs.filter(feedback_reports__isnull=False).distinct()
    return qs.filter(pk__in=scope)


# --- possible duplicates ------------------------------------------------------------------

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: Any, lng1: Any, lat2: Any, lng2: Any) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def nearby_reports(
    report: Report, *, radius_m: int = 300, days: int = 60, limit: int = 10
) -> list[tuple[Report, int]]:
    """Possible duplicates: reports of the same category group within ``radius_m`` metres,
    sent in the ``days`` before or after, not rejected, nearest first, with their distance."""
    if not report.has_location:
        if report.commune_id is None:
            return []
        # Without a point, the same commune and category is the best hint.
        same = (
            _base()
            .filter(commune_id=report.commune_id, category_id=report.category_id)
            .exclude(pk=report.pk)
            .exclude(state=State.REJECTED)
            .filter(
                submitted_at__gte=report.submitted_at - dt.timedelta(days=days),
                submitted_at__lte=report.submitted_at + dt.timedelta(days=days),
            )
            .order_by("-submitted_at")[:limit]
        )
        return [(other, -1) for other in same]
    lat, lng = float(report.latitude), float(report.longitude)
    dlat = radius_m / 111_320
    dlng = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    root = report.category.root
    candidates = (
        _base()
        .filter(
            latitude__gte=Decimal(str(round(lat - dlat, 6))),
            latitude__lte=Decimal(str(round(lat + dlat, 6))),
            longitude__gte=Decimal(str(round(lng - dlng, 6))),
            longitude__lte=Decimal(str(round(lng + dlng, 6))),
            submitted_at__gte=report.submitted_at - dt.timedelta(days=days),
            submitted_at__lte=report.submitted_at + dt.timedelta(days=days),
        )
        .filter(Q(category=root) | Q(category__parent=root))
        .exclude(pk=report.pk)
        .exclude(state=State.REJECTED)
    )
    found = []
    for other in candidates[:500]:
        distance = distance_m(lat, lng, other.latitude, other.longitude)
        if distance <= radius_m:
            found.append((other, round(distance)))
    found.sort(key=lambda pair: (pair[1], -pair[0].pk))
    return found[:limit]


# --- statistics ---------------------------------------------------------------------------


@dataclass
class FeedbackStats:
    """Indicators of one agency, one commune or the total, for a period."""

    label: str
    key: str = ""
    agency_id: int | None = None
    commune_id: int | None = None
    received: int = 0
    rejected: int = 0
    handled: int = 0
    handled_on_time: int = 0
    handled_late: int = 0
    pending: int = 0
    overdue: int = 0
    ratings: int = 0
    satisfied: int = 0
    rating_sum: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def on_time_rate(self) -> float | None:
        return self.handled_on_time / self.handled if self.handled else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None

    @property
    def average_rating(self) -> float | None:
        return self.rating_sum / self.ratings if self.ratings else None

    def add(self, other: FeedbackStats) -> None:
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in ("label", "key", *COUNT_FIELDS)}
        data.update(
            agency_id=self.agency_id,
            commune_id=self.commune_id,
            on_time_rate=self.on_time_rate,
            satisfaction_rate=self.satisfaction_rate,
            average_rating=self.average_rating,
        )
        return data


COUNT_FIELDS = (
    "received",
    "rejected",
    "handled",
    "handled_on_time",
    "handled_late",
    "pending",
    "overdue",
    "ratings",
    "satisfied",
    "rating_sum",
)


def stats_scope(user: Any) -> set[int] | None:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("unauthenticated", _("Please sign in."))
    scope = officer_scope(user)
    if scope == set():
        raise PermissionDenied("forbidden", _("Only officers may see feedback statistics."))
    return scope


def feedback_stats(
    *,
    user: Any,
    start: dt.date,
    end: dt.date,
    by: str = "agency",
    now: dt.datetime | None = None,
) -> list[FeedbackStats]:
    """Received, rejected, handled (on time / late), pending and overdue at the end of the
    period, and ratings, per agency (``by="agency"``) or per commune (``by="commune"``), then a
    total row. The operations centre reuses it for its indicators.

    Definitions: received = sent in the period; rejected = rejected in the period; handled =
    answered in the period and not reopened since (reopening withdraws the answer from the
    figures until the next one), on time when answered by
    its due time; pending = sent before the end and not answered, closed or rejected before it,
    overdue when its due time is before the end (or before ``now`` for a period ending today);
    ratings = rated in the period (1 not satisfied, 2 satisfied, 3 very satisfied).
    A report counts for its current agency.
    """
    if by not in ("agency", "commune"):
        raise ValueError(f"Unknown grouping {by!r}")
    scope = stats_scope(user)
    s, e = period_bounds(start, end)
    now = now or timezone.now()
    cut = min(e, now)
    group = "agency_id" if by == "agency" else "commune_id"
    qs = Report.objects.filter(submitted_at__lt=e)
    if scope is not None:
        qs = qs.filter(agency_id__in=scope)
    not_done = (
        (Q(answered_at__isnull=True) | Q(answered_at__gte=e))
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=e))
        & ~Q(state=State.REJECTED, closed_at__lt=e)
    )
    answered = Q(answered_at__gte=s, answered_at__lt=e)
    rated = Q(rated_at__gte=s, rated_at__lt=e)
    rows = (
        qs.order_by()
        .values(group)
        .annotate(
            received=Count("pk", filter=Q(submitted_at__gte=s)),
            rejected=Count("pk", filter=Q(state=State.REJECTED, closed_at__gte=s, closed_at__lt=e)),
            handled=Count("pk", filter=answered),
            handled_on_time=Count("pk", filter=answered & Q(timeliness=Timeliness.ON_TIME)),
            handled_late=Count("pk", filter=answered & Q(timeliness=Timeliness.LATE)),
            pending=Count("pk", filter=not_done),
            overdue=Count("pk", filter=not_done & Q(due_at__lt=cut)),
            ratings=Count("pk", filter=rated & Q(rating__isnull=False)),
            satisfied=Count("pk", filter=rated & Q(rating__gte=Score.SATISFIED)),
            rating_avg=Avg("rating", filter=rated & Q(rating__isnull=False)),
        )
    )
    figures = {}
    for row in rows:
        key = row.pop(group)
        average = row.pop("rating_avg")
        row["rating_sum"] = round(float(average) * row["ratings"]) if average is not None else 0
        figures[key] = row
    result: list[FeedbackStats] = []
    if by == "agency":
        agencies = Agency.objects.filter(pk__in=[k for k in figures if k is not None])
        for agency in agencies.order_by("code"):
            result.append(
                FeedbackStats(
                    label=agency.name, key=agency.code, agency_id=agency.pk, **figures[agency.pk]
                )
            )
    else:
        units = AdministrativeUnit.objects.filter(pk__in=[k for k in figures if k is not None])
        for unit in units.order_by(vi_order("name"), "code"):
            result.append(
                FeedbackStats(
                    label=unit.name, key=unit.code, commune_id=unit.pk, **figures[unit.pk]
                )
            )
        if None in figures:
            result.append(FeedbackStats(label=_("Commune not given"), key="", **figures[None]))
    total = FeedbackStats(label=_("Total"), key="total")
    for row in result:
        total.add(row)
    return [*result, total]


def feedback_indicators(
    *, user: Any, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> dict[str, Any]:
    """For the operations centre: totals and rows per agency and per commune, as plain dicts."""
    agencies = feedback_stats(user=user, start=start, end=end, by="agency", now=now)
    per_commune = feedback_stats(user=user, start=start, end=end, by="commune", now=now)
    return {
        "start": start,
        "end": end,
        "total": agencies[-1].as_dict(),
        "agencies": [row.as_dict() for row in agencies[:-1]],
        "communes": [row.as_dict() for row in per_commune[:-1]],
    }
