"""Reads of the operations centre: indicators per province, agency and commune for a period,
the Decision 766 index, plan progress and trends, all from the roll-ups (never a dossier scan),
plus two live counts (overdue now, field feedback).

Scope: the operations centre sees the whole province; only province-wide roles (operations centre
viewers, province administrators, superusers) may read it.

Attribution: a dossier counts for its deciding agency (cơ quan giải quyết), the agency Decision
766 scores; an agency counts for the administrative unit it serves *today* (units abolished in the
2025 reform follow their successions), so figures from before the merger roll up to today's
communes while each former unit's own agency keeps its dated history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.access import as_access
from tinhso.core.errors import DomainError, NotFound, PermissionDenied
from tinhso.core.models import AdministrativeUnit, Agency, AgencyLevel, UnitLevel
from tinhso.core.selectors import unit_successor_today
from tinhso.core.text import normalize_search
from tinhso.dossiers.models import Dossier
from tinhso.procedures.models import AgencySlot, OnlineMode, Procedure

from . import scoring
from .indicators import (
    HEADLINE,
    INDICATORS,
    NOT_MEASURED,
    PERCENT,
    IndicatorValue,
    compute_all,
    label_of,
)
from .models import (
    Comparison,
    IndexGroup,
    MonthlyProcedureStat,
    MonthlyStat,
    Plan,
    RollupState,
    ServiceIndexIndicator,
    TargetLevel,
)
from .rollup import DAILY_COUNTERS

PROVINCE_LEVELS = frozenset(
    {
        AgencyLevel.PROVINCE_COMMITTEE,
        AgencyLevel.PROVINCE_DEPARTMENT,
        AgencyLevel.SERVICE_CENTRE,
        AgencyLevel.OTHER,
    }
)
COMMUNE_AGENCY_LEVELS = frozenset({AgencyLevel.COMMUNE_COMMITTEE})


# --- access -------------------------------------------------------------------------------------


def can_view_ioc(user: Any) -> bool:
    """A superuser, a province administrator or an operations-centre viewer."""
    access = as_access(user)
    return access.is_authenticated and access.is_province_wide


def _require(user: Any) -> None:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("unauthenticated", _("Please sign in."))
    if not can_view_ioc(user):
        raise PermissionDenied("forbidden", _("Only the operations centre may see this."))


# --- periods ------------------------------------------------------------------------------------


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


# --- the province's structure (small: a few hundred agencies) ---------------------------------


@dataclass
class Structure:
    agencies: dict[int, Agency]
    unit_today: dict[int, AdministrativeUnit]  # agency id → today's unit
    communes: dict[int, AdministrativeUnit]  # today's communes by id
    province: AdministrativeUnit | None

    def level(self, agency_id: int) -> str:
        agency = self.agencies.get(agency_id)
        if agency is None or agency.level in PROVINCE_LEVELS:
            return TargetLevel.PROVINCE
        return TargetLevel.COMMUNE

    def commune_of(self, agency_id: int) -> AdministrativeUnit | None:
        unit = self.unit_today.get(agency_id)
        return unit if unit is not None and unit.level == UnitLevel.COMMUNE else None


def _structure() -> Structure:
    agencies = {a.pk: a for a in Agency.objects.select_related("unit", "unit__parent")}
    cache: dict[int, AdministrativeUnit] = {}
    unit_today: dict[int, AdministrativeUnit] = {}
    for agency in agencies.values():
        unit = agency.unit
        if unit.pk not in cache:
            cache[unit.pk] = unit_successor_today(unit)
        unit_today[agency.pk] = cache[unit.pk]
    communes = {
        u.pk: u for u in AdministrativeUnit.objects.current().filter(level=UnitLevel.COMMUNE)
    }
    province = AdministrativeUnit.objects.current().filter(level=UnitLevel.PROVINCE).first()
    return Structure(agencies, unit_today, communes, province)


# --- totals -------------------------------------------------------------------------------------


def _daily_by_agency(period: Period, agency_ids: set[int] | None = None) -> dict[int, dict]:
    qs = MonthlyStat.objects.filter(month__gte=period.start, month__lte=period.end)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    rows = qs.values("agency_id").annotate(**{n: Sum(n) for n in DAILY_COUNTERS}).order_by()
    return {row.pop("agency_id"): row for row in rows}


def _overdue_by_agency(agency_ids: set[int] | None = None) -> dict[int, int]:
    qs = Dossier.objects.filter(is_overdue=True, finished_at__isnull=True, closed_at__isnull=True)
    if agency_ids is not None:
        qs = qs.filter(deciding_agency_id__in=agency_ids)
    return dict(
        qs.values("deciding_agency_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("deciding_agency_id", "n")
    )


def _feedback_by_agency(user: Any, period: Period) -> dict[int, dict]:
    from tinhso.feedback.selectors import feedback_stats

    rows = feedback_stats(user=user, start=period.start, end=period.end, by="agency")
    return {
        row.agency_id: {
            "feedback_handled": row.handled,
            "feedback_handled_on_time": row.handled_on_time,
        }
        for row in rows
        if row.agency_id is not None
    }


@dataclass
class Catalogue:
    """Which active procedures each agency decides, with their online mode and fee."""

    procedures: dict[int, tuple[str, int]]  # id → (online mode, fee)
    by_agency: dict[int, set[int]]
    full: set[int] = field(default_factory=set)
    online: set[int] = field(default_factory=set)
    fee: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        for pk, (mode, fee) in self.procedures.items():
            if mode == OnlineMode.FULL:
                self.full.add(pk)
            if mode != OnlineMode.COUNTER:
                self.online.add(pk)
            if fee > 0:
                self.fee.add(pk)

    def procedures_of(self, agency_ids: Iterable[int] | None) -> set[int]:
        if agency_ids is None:
            return set(self.procedures)
        if len(agency_ids) == 1:
            return self.by_agency.get(agency_ids[0], set())
        found: set[int] = set()
        for agency_id in agency_ids:
            found |= self.by_agency.get(agency_id, set())
        return found


def _catalogue(structure: Structure) -> Catalogue:
    procedures: dict[int, tuple[str, int]] = {}
    by_slot: dict[str, set[int]] = defaultdict(set)
    by_department: dict[int, set[int]] = defaultdict(set)
    for pk, mode, fee, slot, department in Procedure.objects.filter(is_active=True).values_list(
        "pk", "online_mode", "fee_vnd", "deciding_slot", "deciding_department_id"
    ):
        procedures[pk] = (mode, fee)
        if slot == AgencySlot.DEPARTMENT and department:
            by_department[department].add(pk)
        else:
            by_slot[slot].add(pk)
    by_agency: dict[int, set[int]] = {}
    for agency in structure.agencies.values():
        if agency.level == AgencyLevel.COMMUNE_COMMITTEE:
            by_agency[agency.pk] = by_slot[AgencySlot.COMMUNE_COMMITTEE]
        elif agency.level == AgencyLevel.SERVICE_CENTRE:
            by_agency[agency.pk] = by_slot[AgencySlot.SERVICE_CENTRE]
        else:
            by_agency[agency.pk] = by_department.get(agency.pk, set())
    return Catalogue(procedures, by_agency)


def _used_online(period: Period) -> dict[int, set[int]]:
    """Procedures that received online dossiers in the period, per deciding agency."""
    used: dict[int, set[int]] = defaultdict(set)
    rows = (
        MonthlyProcedureStat.objects.filter(
            month__gte=period.start, month__lte=period.end, received_online__gt=0
        )
        .values_list("agency_id", "procedure_id")
        .distinct()
    )
    for agency_id, procedure_id in rows:
        used[agency_id].add(procedure_id)
    return used


def _catalogue_totals(
    catalogue: Catalogue, used: dict[int, set[int]], agency_ids: Iterable[int] | None
) -> dict[str, int]:
    agency_ids = None if agency_ids is None else list(agency_ids)
    in_scope = catalogue.procedures_of(agency_ids)
    online = in_scope & catalogue.online
    fee = in_scope & catalogue.fee
    used_ids: set[int] = set()
    for agency_id in used if agency_ids is None else agency_ids:
        used_ids |= used.get(agency_id, set())
    return {
        "procedures": len(in_scope),
        "procedures_full": len(in_scope & catalogue.full),
        "procedures_online": len(online),
        "procedures_used_online": len(online & used_ids),
        "procedures_fee": len(fee),
        "procedures_fee_online": len(fee & online),
    }


def _add(into: dict[str, float], values: dict | None) -> None:
    for name, value in (values or {}).items():
        into[name] = into.get(name, 0) + (value or 0)


@dataclass
class Facts:
    """Everything needed to compute indicators for any grouping of agencies in one period."""

    period: Period
    structure: Structure
    daily: dict[int, dict]
    overdue: dict[int, int]
    feedback: dict[int, dict]
    catalogue: Catalogue
    used: dict[int, set[int]]
    index_rows: list[ServiceIndexIndicator]
    refreshed_at: dt.datetime | None = None

    def totals(self, agency_ids: Iterable[int] | None) -> dict[str, float]:
        ids = list(self.structure.agencies) if agency_ids is None else list(agency_ids)
        totals: dict[str, float] = dict.fromkeys(DAILY_COUNTERS, 0)
        for agency_id in ids:
            _add(totals, self.daily.get(agency_id))
            _add(totals, self.feedback.get(agency_id))
            totals["overdue_now"] = totals.get("overdue_now", 0) + self.overdue.get(agency_id, 0)
        totals.update(_catalogue_totals(self.catalogue, self.used, agency_ids))
        return totals


def _facts(user: Any, period: Period) -> Facts:
    structure = _structure()
    state = RollupState.objects.filter(pk=1).first()
    return Facts(
        period=period,
        structure=structure,
        daily=_daily_by_agency(period),
        overdue=_overdue_by_agency(),
        feedback=_feedback_by_agency(user, period),
        catalogue=_catalogue(structure),
        used=_used_online(period),
        index_rows=list(ServiceIndexIndicator.objects.all()),
        refreshed_at=state.refreshed_at if state else None,
    )


# --- presentation helpers -----------------------------------------------------------------------


def _values(totals: dict[str, float]) -> dict[str, dict[str, Any]]:
    return {key: value.as_dict() for key, value in compute_all(totals).items()}


def _index_766(
    values: dict[str, IndicatorValue] | dict[str, dict],
    index_rows: list[ServiceIndexIndicator] | None = None,
) -> dict[str, Any]:
    """The 766 index from computed values: per indicator points, per group and total."""
    rows, groups = [], {}
    total = measured_max = 0.0
    full_max = 0.0
    if index_rows is None:
        index_rows = list(ServiceIndexIndicator.objects.all())
    for item in index_rows:
        value = values.get(item.measure) if item.measure else None
        number = value["value"] if isinstance(value, dict) else getattr(value, "value", None)
        measured = bool(item.measure)
        points = (
            scoring.index_points(
                value=number,
                max_points=item.max_points,
                scoring=item.scoring,
                threshold=item.threshold,
            )
            if measured
            else None
        )
        group = groups.setdefault(
            item.group,
            {
                "group": item.group,
                "label": str(IndexGroup(item.group).label),
                "max": 0.0,
                "measured_max": 0.0,
                "points": 0.0,
            },
        )
        group["max"] += float(item.max_points)
        full_max += float(item.max_points)
        if measured and points is not None:
            group["measured_max"] += float(item.max_points)
            group["points"] += points
            measured_max += float(item.max_points)
            total += points
        rows.append(
            {
                "code": item.code,
                "group": item.group,
                "name": item.name,
                "max_points": float(item.max_points),
                "measure": item.measure,
                "measured": measured,
                "value": number,
                "points": None if points is None else round(points, 2),
                "note": item.note,
            }
        )
    return {
        "indicators": rows,
        "groups": [{**g, "points": round(g["points"], 2)} for g in groups.values()],
        "points": round(total, 2),
        "measured_max": measured_max,
        "max": full_max,
        "percent_of_measured": (total / measured_max) if measured_max else None,
    }


def _tiles(values: dict[str, dict]) -> list[dict[str, Any]]:
    return [values[key] for key in HEADLINE]


def _trend(period: Period, agency_ids: set[int] | None) -> list[dict[str, Any]]:
    """Month by month over the twelve months ending with the period."""
    last = period.months()[-1]
    first = last
    for _i in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    qs = MonthlyStat.objects.filter(month__gte=first, month__lte=period.end)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    rows = {
        row["month"]: row
        for row in qs.values("month").annotate(**{n: Sum(n) for n in DAILY_COUNTERS}).order_by()
    }
    series = []
    month = first
    while month <= last:
        totals = rows.get(month, {})
        values = compute_all(totals)
        series.append(
            {
                "month": month.strftime("%m/%Y"),
                "received_online": totals.get("received_online") or 0,
                "received_counter": totals.get("received_counter") or 0,
                "received_post": totals.get("received_post") or 0,
                "on_time_rate": values["on_time_rate"].value,
                "online_share": values["online_share"].value,
                "satisfaction_rate": values["satisfaction_rate"].value,
            }
        )
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return series


def _index_points(values: dict[str, IndicatorValue], index_rows: list) -> tuple[float, float]:
    """The 766 total and the points it was measured on (an indicator with no value in this
    scope is left out of both), without labels: cheap enough for hundreds of agencies."""
    total = measured_max = 0.0
    for item in index_rows:
        if item.measure:
            points = scoring.index_points(
                value=values[item.measure].value,
                max_points=item.max_points,
                scoring=item.scoring,
                threshold=item.threshold,
            )
            if points is not None:
                total += points
                measured_max += float(item.max_points)
    return round(total, 2), measured_max


def _agency_row(facts: Facts, agency: Agency) -> dict[str, Any]:
    computed = compute_all(facts.totals([agency.pk]))
    values = {key: {"value": item.value} for key, item in computed.items()}
    points, measured_max = _index_points(computed, facts.index_rows)
    commune = facts.structure.commune_of(agency.pk)
    return {
        "id": agency.pk,
        "code": agency.code,
        "name": agency.name,
        "level": facts.structure.level(agency.pk),
        "is_active": agency.is_active,
        "commune_id": commune.pk if commune else None,
        "values": {key: values[key]["value"] for key in HEADLINE},
        "received": values["received_total"]["value"],
        "index_766": points,
        "index_766_measured_max": measured_max,
    }


def _has_activity(facts: Facts, agency_id: int) -> bool:
    return bool(facts.daily.get(agency_id) or facts.overdue.get(agency_id))


def _commune_rows(facts: Facts) -> list[dict[str, Any]]:
    members: dict[int, list[int]] = defaultdict(list)
    for agency_id in facts.structure.agencies:
        commune = facts.structure.commune_of(agency_id)
        if commune is not None:
            members[commune.pk].append(agency_id)
    rows = []
    for commune in sorted(
        facts.structure.communes.values(), key=lambda u: (normalize_search(u.name), u.code)
    ):
        computed = compute_all(facts.totals(members.get(commune.pk, [])))
        values = {key: {"value": item.value} for key, item in computed.items()}
        rows.append(
            {
                "id": commune.pk,
                "code": commune.code,
                "name": commune.name,
                "values": {key: values[key]["value"] for key in HEADLINE},
                "received": values["received_total"]["value"],
                "overdue_now": values["overdue_now"]["value"],
            }
        )
    return rows


def _plans(facts: Facts, today: dt.date) -> list[dict[str, Any]]:
    levels = {
        TargetLevel.ALL: None,
        TargetLevel.PROVINCE: [
            a for a in facts.structure.agencies if facts.structure.level(a) == TargetLevel.PROVINCE
        ],
        TargetLevel.COMMUNE: [
            a for a in facts.structure.agencies if facts.structure.level(a) == TargetLevel.COMMUNE
        ],
    }
    by_level = {level: _values(facts.totals(ids)) for level, ids in levels.items()}
    plans = []
    for plan in Plan.objects.filter(is_active=True).prefetch_related("targets", "tasks__agency"):
        targets = []
        for target in plan.targets.all():
            measured = target.indicator in INDICATORS
            actual = by_level[target.level][target.indicator]["value"] if measured else None
            at_least = target.comparison == Comparison.AT_LEAST
            kind = INDICATORS[target.indicator].kind if measured else PERCENT
            targets.append(
                {
                    "id": target.pk,
                    "title": target.title,
                    "indicator": target.indicator,
                    "indicator_label": label_of(target.indicator) if target.indicator else "",
                    "year": target.year,
                    "level": target.level,
                    "level_label": target.get_level_display(),
                    "comparison": target.comparison,
                    "target": float(target.value),
                    "kind": kind,
                    "measured": measured,
                    "actual": actual,
                    "light": scoring.traffic_light(
                        actual=actual, target=float(target.value), at_least=at_least
                    )
                    if measured
                    else scoring.GREY,
                    "source": target.source,
                }
            )
        tasks = []
        for task in plan.tasks.all():
            late = task.completed_on is None and task.due_on < today
            tasks.append(
                {
                    "id": task.pk,
                    "title": task.title,
                    "agency": task.agency.name,
                    "due_on": task.due_on,
                    "progress": task.progress,
                    "completed_on": task.completed_on,
                    "late": late,
                    "light": scoring.GREEN
                    if task.completed_on
                    else (scoring.RED if late else scoring.AMBER),
                }
            )
        done = sum(1 for t in tasks if t["completed_on"])
        plans.append(
            {
                "id": plan.pk,
                "name": plan.name,
                "year": plan.year,
                "legal_basis": plan.legal_basis,
                "targets": targets,
                "tasks": tasks,
                "tasks_done": done,
                "tasks_late": sum(1 for t in tasks if t["late"]),
                "progress": round(sum(t["progress"] for t in tasks) / len(tasks)) if tasks else 0,
            }
        )
    return plans


# --- the pages' data ----------------------------------------------------------------------------


def province_overview(*, user: Any, period: Period, today: dt.date | None = None) -> dict:
    """The province's indicators, the 766 index and ranking, communes, trend and plans."""
    _require(user)
    today = today or timezone.localdate()
    facts = _facts(user, period)
    values = _values(facts.totals(None))
    agencies = [
        _agency_row(facts, agency)
        for agency in facts.structure.agencies.values()
        if agency.is_active or _has_activity(facts, agency.pk)
    ]
    ranking = sorted(
        (row for row in agencies if row["received"]),
        key=lambda row: (-row["index_766"], row["name"]),
    )
    province = facts.structure.province
    return {
        "scope": {
            "kind": "province",
            "id": province.pk if province else None,
            "name": province.name if province else "",
        },
        "period": {
            "key": period.key,
            "label": period.label,
            "start": period.start,
            "end": period.end,
        },
        "refreshed_at": facts.refreshed_at,
        "indicators": values,
        "tiles": _tiles(values),
        "not_measured": [{"key": k, "label": str(v)} for k, v in NOT_MEASURED.items()],
        "index_766": _index_766(values, facts.index_rows),
        "ranking": ranking,
        "agencies": sorted(
            (row for row in agencies if row["level"] == TargetLevel.PROVINCE),
            key=lambda row: (normalize_search(row["name"]), row["code"]),
        ),
        "communes": _commune_rows(facts),
        "trend": _trend(period, None),
        "plans": _plans(facts, today),
    }


def agency_overview(*, user: Any, agency_id: int, period: Period) -> dict:
    """One agency: its indicators, 766 index, trend and its busiest procedures."""
    _require(user)
    agency = Agency.objects.select_related("unit").filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("not_found", _("No such agency."))
    facts = _facts(user, period)
    values = _values(facts.totals([agency.pk]))
    commune = facts.structure.commune_of(agency.pk)
    procedures = (
        MonthlyProcedureStat.objects.filter(
            agency=agency, month__gte=period.start, month__lte=period.end
        )
        .values("procedure_id", "procedure__code", "procedure__name", "procedure__online_mode")
        .annotate(received=Sum("received"), received_online=Sum("received_online"))
        .order_by("-received", "procedure__code")[:20]
    )
    return {
        "scope": {
            "kind": "agency",
            "id": agency.pk,
            "code": agency.code,
            "name": agency.name,
            "level": facts.structure.level(agency.pk),
            "commune_id": commune.pk if commune else None,
            "commune_name": commune.name if commune else "",
            "is_active": agency.is_active,
        },
        "period": {
            "key": period.key,
            "label": period.label,
            "start": period.start,
            "end": period.end,
        },
        "refreshed_at": facts.refreshed_at,
        "indicators": values,
        "tiles": _tiles(values),
        "index_766": _index_766(values, facts.index_rows),
        "trend": _trend(period, {agency.pk}),
        "procedures": [
            {
                "id": row["procedure_id"],
                "code": row["procedure__code"],
                "name": row["procedure__name"],
                "online_mode": row["procedure__online_mode"],
                "received": row["received"],
                "received_online": row["received_online"],
            }
            for row in procedures
        ],
    }


def commune_overview(*, user: Any, unit_id: int, period: Period) -> dict:
    """One of today's communes: the indicators of every agency serving it now or formerly
    (a merged commune's former committee keeps its dated history and rolls up here)."""
    _require(user)
    facts = _facts(user, period)
    commune = facts.structure.communes.get(unit_id)
    if commune is None:
        raise NotFound("not_found", _("No such commune."))
    member_ids = [
        agency_id
        for agency_id in facts.structure.agencies
        if (c := facts.structure.commune_of(agency_id)) is not None and c.pk == commune.pk
    ]
    values = _values(facts.totals(member_ids))
    members = []
    for agency_id in member_ids:
        agency = facts.structure.agencies[agency_id]
        row = _agency_row(facts, agency)
        row["unit_name"] = agency.unit.name
        row["valid_from"] = agency.unit.valid_from
        row["valid_to"] = agency.unit.valid_to
        members.append(row)
    members.sort(key=lambda row: (row["valid_to"] is not None, row["name"]))
    return {
        "scope": {"kind": "commune", "id": commune.pk, "code": commune.code, "name": commune.name},
        "period": {
            "key": period.key,
            "label": period.label,
            "start": period.start,
            "end": period.end,
        },
        "refreshed_at": facts.refreshed_at,
        "indicators": values,
        "tiles": _tiles(values),
        "index_766": _index_766(values, facts.index_rows),
        "trend": _trend(period, set(member_ids)),
        "agencies": members,
        "history": [
            {
                "code": unit.code,
                "name": unit.name,
                "valid_from": unit.valid_from,
                "valid_to": unit.valid_to,
            }
            for unit in _predecessors(commune)
        ],
    }


def _predecessors(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    found, frontier = [], [unit]
    seen = {unit.pk}
    while frontier:
        nxt = []
        for current in frontier:
            for succession in current.predecessions.select_related("predecessor"):
                pred = succession.predecessor
                if pred.pk not in seen:
                    seen.add(pred.pk)
                    found.append(pred)
                    nxt.append(pred)
        frontier = nxt
    return found


__all__ = [
    "Period",
    "agency_overview",
    "can_view_ioc",
    "commune_overview",
    "province_overview",
]
