"""The operations centre's pages' data: the province, one agency, one of today's communes.

Scope: the operations centre sees the whole province; only province-wide roles (operations centre
viewers, province administrators, superusers) may read it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tinhso.core.access import as_access
from tinhso.core.errors import NotFound, PermissionDenied
from tinhso.core.models import AdministrativeUnit, Agency
from tinhso.core.periods import Period
from tinhso.core.text import vi_sort_key

from .. import scoring
from ..indicators import HEADLINE, INDICATORS, NOT_MEASURED, PERCENT, compute_all, label_of
from ..models import (
    Comparison,
    MonthlyProcedureStat,
    MonthlyStat,
    Plan,
    RollupState,
    TargetLevel,
)
from ..rollup import DAILY_COUNTERS, DOCUMENT_COUNTERS
from .facts import Facts, gather_facts
from .index766 import index_766, index_total

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


# --- helpers ------------------------------------------------------------------------------------


def _values(totals: dict[str, float]) -> dict[str, dict[str, Any]]:
    return {key: value.as_dict() for key, value in compute_all(totals).items()}


def _figures(facts: Facts, values: dict[str, dict]) -> dict[str, Any]:
    """What every overview shows: the period, the indicators, the headline tiles, the 766 index."""
    period = facts.period
    return {
        "period": {
            "key": period.key,
            "label": period.label,
            "start": period.start,
            "end": period.end,
        },
        "refreshed_at": facts.refreshed_at,
        "indicators": values,
        "tiles": [values[key] for key in HEADLINE],
        "index_766": index_766(values, facts.index_rows),
    }


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


def _agency_row(facts: Facts, agency: Agency) -> dict[str, Any]:
    computed = compute_all(facts.totals([agency.pk]))
    values = {key: {"value": item.value} for key, item in computed.items()}
    points, measured_max = index_total(computed, facts.index_rows)
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
        facts.structure.communes.values(), key=lambda u: (vi_sort_key(u.name), u.code)
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


DOCUMENT_INDICATORS = (
    "documents_electronic_share",
    "documents_on_time_share",
    "work_records_online_share",
    "signed_document_share",
)


def _document_values(totals: dict[str, float]) -> dict[str, Any]:
    computed = compute_all(totals)
    return {
        "values": {key: computed[key].value for key in DOCUMENT_INDICATORS},
        "counts": {name: int(totals.get(name) or 0) for name in DOCUMENT_COUNTERS},
    }


def _documents(facts: Facts) -> dict[str, list[dict[str, Any]]]:
    """The document system's three shares per level (province, commune, both) and per agency
    with documents or work records in the period, from the roll-up."""
    structure = facts.structure
    labels = dict(TargetLevel.choices)
    levels = [
        {"level": level, "label": str(labels[level]), **_document_values(facts.totals(ids))}
        for level, ids in _level_members(facts).items()
    ]
    agencies = [
        {
            "id": agency.pk,
            "code": agency.code,
            "name": agency.name,
            "level": structure.level(agency.pk),
            **_document_values(facts.totals([agency.pk])),
        }
        for agency in structure.agencies.values()
        if any(facts.documents.get(agency.pk, {}).values())
    ]
    agencies.sort(key=lambda row: (row["level"] != TargetLevel.PROVINCE, vi_sort_key(row["name"])))
    return {"levels": levels, "agencies": agencies}


def _level_members(facts: Facts) -> dict[str, list[int] | None]:
    """The agencies of each plan level (``None``: all)."""
    structure = facts.structure
    return {
        TargetLevel.PROVINCE: [
            a for a in structure.agencies if structure.level(a) == TargetLevel.PROVINCE
        ],
        TargetLevel.COMMUNE: [
            a for a in structure.agencies if structure.level(a) == TargetLevel.COMMUNE
        ],
        TargetLevel.ALL: None,
    }


def _plans(facts: Facts, today: dt.date) -> list[dict[str, Any]]:
    levels = _level_members(facts)
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


def kept_figures(parts: tuple, compute: Callable[[], dict]) -> dict:
    """``compute()``, kept in the cache for ``TINHSO_IOC_CACHE_SECONDS`` (0: never kept) under
    ``parts`` and the roll-ups' version: a refresh of the roll-ups is seen at once, the live
    counts (overdue now, field feedback, plans) at most that many seconds late (the pages refresh
    themselves every minute). Only province-wide viewers read these figures and they all see
    the same, so the entry is shared by them."""
    seconds = settings.TINHSO_IOC_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    state = (
        RollupState.objects.filter(pk=1)
        .values_list(
            "last_event_id",
            "last_document_event_id",
            "last_record_id",
            "last_outgoing_event_id",
            "refreshed_at",
            "rebuilt_at",
        )
        .first()
    )
    version = repr((parts, state, get_language()))
    key = "ioc:" + hashlib.sha256(version.encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        data = compute()
        cache.set(key, data, seconds)
    return data


def province_overview(*, user: Any, period: Period, today: dt.date | None = None) -> dict:
    """The province's indicators, the 766 index and ranking, communes, trend and plans (kept
    per roll-up version: :func:`kept_figures`)."""
    _require(user)
    today = today or timezone.localdate()
    return kept_figures(
        ("province", period.key, period.start, period.end, today),
        lambda: _province_overview(user, period, today),
    )


def _province_overview(user: Any, period: Period, today: dt.date) -> dict:
    facts = gather_facts(user, period)
    values = _values(facts.totals(None))
    agencies = [
        _agency_row(facts, agency)
        for agency in facts.structure.agencies.values()
        if agency.is_active or _has_activity(facts, agency.pk)
    ]
    ranking = sorted(
        (row for row in agencies if row["received"]),
        key=lambda row: (-row["index_766"], vi_sort_key(row["name"])),
    )
    province = facts.structure.province
    return {
        "scope": {
            "kind": "province",
            "id": province.pk if province else None,
            "name": province.name if province else "",
        },
        **_figures(facts, values),
        "not_measured": [{"key": k, "label": str(v)} for k, v in NOT_MEASURED.items()],
        "ranking": ranking,
        "agencies": sorted(
            (row for row in agencies if row["level"] == TargetLevel.PROVINCE),
            key=lambda row: (vi_sort_key(row["name"]), row["code"]),
        ),
        "communes": _commune_rows(facts),
        "trend": _trend(period, None),
        "plans": _plans(facts, today),
        "documents": _documents(facts),
    }


def agency_overview(*, user: Any, agency_id: int, period: Period) -> dict:
    """One agency: its indicators, 766 index, trend and its busiest procedures."""
    _require(user)
    agency = Agency.objects.select_related("unit").filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("not_found", _("No such agency."))
    facts = gather_facts(user, period)
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
        **_figures(facts, values),
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
    facts = gather_facts(user, period)
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
    members.sort(key=lambda row: (row["valid_to"] is not None, vi_sort_key(row["name"])))
    return {
        "scope": {"kind": "commune", "id": commune.pk, "code": commune.code, "name": commune.name},
        **_figures(facts, values),
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


def wall_alerts(*, user: Any, now: dt.datetime | None = None) -> dict[str, int]:
    """The wall's alerts, live: dossiers overdue, dossiers due today (not yet overdue), field
    feedback past its answer date."""
    from tinhso.dossiers.models import Dossier
    from tinhso.feedback.selectors import officer_inbox

    _require(user)
    now = now or timezone.now()
    end_of_day = timezone.make_aware(
        dt.datetime.combine(timezone.localdate(now), dt.time.max), timezone.get_current_timezone()
    )
    open_dossiers = Dossier.objects.filter(finished_at__isnull=True, closed_at__isnull=True)
    return {
        "overdue": open_dossiers.filter(is_overdue=True).count(),
        "due_today": open_dossiers.filter(
            is_overdue=False, legal_due_at__gte=now, legal_due_at__lte=end_of_day
        ).count(),
        "feedback_overdue": officer_inbox(user=user, box="overdue", now=now).count(),
    }
