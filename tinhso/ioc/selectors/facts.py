"""What the indicators of any grouping of agencies are computed from, for one period: read
once per page from the roll-ups (never a dossier scan), plus two live counts (overdue now, field
feedback)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum

from tinhso.core.models import AdministrativeUnit, Agency, AgencyLevel, UnitLevel
from tinhso.core.periods import Period
from tinhso.core.selectors import unit_successor_today
from tinhso.dossiers.models import Dossier
from tinhso.procedures.models import AgencySlot, OnlineMode, Procedure

from ..models import (
    MonthlyDocumentStat,
    MonthlyProcedureStat,
    MonthlyStat,
    RollupState,
    ServiceIndexIndicator,
    TargetLevel,
)
from ..rollup import DAILY_COUNTERS, DOCUMENT_COUNTERS

PROVINCE_LEVELS = frozenset(
    {
        AgencyLevel.PROVINCE_COMMITTEE,
        AgencyLevel.PROVINCE_DEPARTMENT,
        AgencyLevel.SERVICE_CENTRE,
        AgencyLevel.OTHER,
    }
)


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


def _documents_by_agency(period: Period) -> dict[int, dict]:
    """The document system's counters per agency, from its monthly roll-up."""
    rows = (
        MonthlyDocumentStat.objects.filter(month__gte=period.start, month__lte=period.end)
        .values("agency_id")
        .annotate(**{n: Sum(n) for n in DOCUMENT_COUNTERS})
        .order_by()
    )
    return {row.pop("agency_id"): row for row in rows}


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
    documents: dict[int, dict] = field(default_factory=dict)  # documents and work records

    def totals(self, agency_ids: Iterable[int] | None) -> dict[str, float]:
        ids = list(self.structure.agencies) if agency_ids is None else list(agency_ids)
        totals: dict[str, float] = dict.fromkeys((*DAILY_COUNTERS, *DOCUMENT_COUNTERS), 0)
        for agency_id in ids:
            _add(totals, self.daily.get(agency_id))
            _add(totals, self.feedback.get(agency_id))
            _add(totals, self.documents.get(agency_id))
            totals["overdue_now"] = totals.get("overdue_now", 0) + self.overdue.get(agency_id, 0)
        totals.update(_catalogue_totals(self.catalogue, self.used, agency_ids))
        return totals


def gather_facts(user: Any, period: Period) -> Facts:
    """The facts of ``period`` (the caller has checked that ``user`` may read them)."""
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
        documents=_documents_by_agency(period),
    )
