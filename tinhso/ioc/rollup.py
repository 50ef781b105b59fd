"""Daily roll-ups of the one-stop-shop, maintained incrementally.

Every counter of :class:`DailyStat` is a pure function of the dossiers of one (day, agency) cell,
so a cell is *recomputed* from the source, never incremented: refreshing twice, or refreshing a
cell that did not change, cannot count anything twice.

``refresh()`` finds the cells to recompute from what changed since the last refresh: dossier
events (submission, reception, resolution, return, payment, rating … every state change writes
one) and national-portal deliveries. Identifiers and delivery times are only trusted up to a
safety margin before the refresh started, and everything newer is scanned again next time, so a
transaction that committed late is never skipped. ``rebuild()`` recomputes everything with one
grouped scan per kind of fact (after loading history, or to repair).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from tinhso.dossiers.models import (
    Channel,
    Dossier,
    DossierEvent,
    DossierFile,
    FileKind,
    OutboxMessage,
    Rating,
    State,
)
from tinhso.procedures.models import OnlineMode

from .models import (
    DailyStat,
    MonthlyDocumentStat,
    MonthlyProcedureStat,
    MonthlyStat,
    RollupState,
)

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Rows newer than this before a refresh started are scanned again by the next refresh.
SAFETY_MARGIN = dt.timedelta(minutes=2)
BATCH = 5000

Cell = tuple[dt.date, int]  # (local day, deciding agency id)
MonthCell = tuple[dt.date, int]  # (first day of the local month, deciding agency id)

DAILY_COUNTERS: tuple[str, ...] = tuple(
    f.name
    for f in DailyStat._meta.concrete_fields
    if f.name not in {"id", "day", "agency"} and not f.is_relation
)

# The document system's counters (``MonthlyDocumentStat``), per agency and month.
DOCUMENT_COUNTERS: tuple[str, ...] = tuple(
    f.name
    for f in MonthlyDocumentStat._meta.concrete_fields
    if f.name not in {"id", "month", "agency"} and not f.is_relation
)


@dataclass
class RefreshResult:
    cells: int
    month_cells: int
    events_seen: int
    deliveries_seen: int
    full_rebuild: bool = False
    document_cells: int = 0

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _local_day(value: dt.datetime | None) -> dt.date | None:
    return None if value is None else timezone.localtime(value, LOCAL_TZ).date()


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL_TZ)
    return start, start + dt.timedelta(days=1)


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(month, dt.time.min, tzinfo=LOCAL_TZ)
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, dt.datetime.combine(nxt, dt.time.min, tzinfo=LOCAL_TZ)


def _by_day(cells: Iterable[Cell]) -> dict[dt.date, set[int]]:
    """The agencies of each day (or month) among the cells."""
    grouped: dict[dt.date, set[int]] = defaultdict(set)
    for day, agency_id in cells:
        grouped[day].add(agency_id)
    return grouped


def _cells_filter(
    field: str,
    cells: Iterable[Cell],
    bounds=_day_bounds,
    agency_field: str = "deciding_agency_id",
) -> Q | None:
    """``field`` within each cell's day, for that day's agencies (one OR term per day)."""
    condition: Q | None = None
    for day, agencies in _by_day(cells).items():
        start, end = bounds(day)
        term = Q(**{f"{field}__gte": start, f"{field}__lt": end, f"{agency_field}__in": agencies})
        condition = term if condition is None else condition | term
    return condition


def _seconds(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    return int(value) // 1_000_000  # SQLite returns microseconds


# --- the grouped queries, shared by refresh() and rebuild() -----------------------------------


def _intake(qs: QuerySet[Dossier]) -> Iterable[dict[str, Any]]:
    return (
        qs.annotate(day=TruncDate("submitted_at", tzinfo=LOCAL_TZ))
        .values("day", "deciding_agency_id")
        .annotate(
            received_counter=Count("id", filter=Q(channel=Channel.COUNTER)),
            received_online=Count("id", filter=Q(channel=Channel.ONLINE)),
            received_post=Count("id", filter=Q(channel=Channel.POST)),
            received_fully_online=Count(
                "id", filter=Q(channel=Channel.ONLINE, procedure__online_mode=OnlineMode.FULL)
            ),
            digitised=Count("id", filter=Q(digitised=True)),
            synced=Count("id", filter=Q(synced_version__gte=F("portal_version"))),
            fee_bearing=Count("id", filter=Q(fee_vnd__gt=0)),
            paid_online=Count("id", filter=Q(fee_vnd__gt=0, paid_online=True)),
        )
        .order_by()
    )


def _resolution(qs: QuerySet[Dossier]) -> Iterable[dict[str, Any]]:
    duration = ExpressionWrapper(F("finished_at") - F("received_at"), output_field=DurationField())
    allowed = ExpressionWrapper(F("legal_due_at") - F("received_at"), output_field=DurationField())
    return (
        qs.filter(finished_at__isnull=False, received_at__isnull=False)
        .annotate(day=TruncDate("finished_at", tzinfo=LOCAL_TZ))
        .values("day", "deciding_agency_id")
        .annotate(
            resolved_early=Count("id", filter=Q(timeliness="early")),
            resolved_on_time=Count("id", filter=Q(timeliness="on_time")),
            resolved_late=Count("id", filter=Q(timeliness="late")),
            processing_seconds=Sum(duration),
            allowed_seconds=Sum(allowed, filter=Q(legal_due_at__isnull=False)),
        )
        .order_by()
    )


def _returns(qs: QuerySet[Dossier]) -> Iterable[dict[str, Any]]:
    signed = DossierFile.objects.filter(
        dossier=OuterRef("pk"), kind=FileKind.RESULT, signed_at__isnull=False
    )
    return (
        qs.filter(returned_at__isnull=False)
        .annotate(day=TruncDate("returned_at", tzinfo=LOCAL_TZ), signed=Exists(signed))
        .values("day", "deciding_agency_id")
        .annotate(
            returned=Count("id"),
            returned_electronic=Count("id", filter=Q(electronic_result=True)),
            returned_signed=Count("id", filter=Q(signed=True)),
        )
        .order_by()
    )


def _refusals(qs: QuerySet[Dossier]) -> Iterable[dict[str, Any]]:
    return (
        qs.filter(state=State.REFUSED, closed_at__isnull=False)
        .annotate(day=TruncDate("closed_at", tzinfo=LOCAL_TZ))
        .values("day", "deciding_agency_id")
        .annotate(refused=Count("id"))
        .order_by()
    )


def _ratings(qs: QuerySet[Rating]) -> Iterable[dict[str, Any]]:
    return (
        qs.annotate(
            day=TruncDate("created_at", tzinfo=LOCAL_TZ),
            deciding_agency_id=F("dossier__deciding_agency_id"),
        )
        .values("day", "deciding_agency_id")
        .annotate(ratings=Count("id"), ratings_satisfied=Count("id", filter=Q(score__gte=2)))
        .order_by()
    )


def _per_procedure(qs: QuerySet[Dossier]) -> Iterable[dict[str, Any]]:
    return (
        qs.annotate(month=TruncMonth("submitted_at", tzinfo=LOCAL_TZ))
        .values("month", "deciding_agency_id", "procedure_id")
        .annotate(
            received=Count("id"), received_online=Count("id", filter=Q(channel=Channel.ONLINE))
        )
        .order_by()
    )


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value, LOCAL_TZ).date() if timezone.is_aware(value) else value.date()
        )
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def _collect(
    dossiers: QuerySet[Dossier], ratings: QuerySet[Rating], filters: dict[str, Q | None] | None
) -> dict[Cell, dict[str, int]]:
    """Run the grouped queries; ``filters`` maps each fact's date field to its cell condition
    (``None`` as a whole: every cell)."""
    cells: dict[Cell, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DAILY_COUNTERS, 0))

    def scoped(qs: QuerySet, field: str) -> QuerySet | None:
        if filters is None:
            return qs
        condition = filters.get(field)
        return None if condition is None else qs.filter(condition)

    plan = [
        (_intake, dossiers, "submitted_at"),
        (_resolution, dossiers, "finished_at"),
        (_returns, dossiers, "returned_at"),
        (_refusals, dossiers, "closed_at"),
    ]
    for query, source, field in plan:
        qs = scoped(source, field)
        if qs is None:
            continue
        for row in query(qs):
            key = (_as_date(row.pop("day")), row.pop("deciding_agency_id"))
            target = cells[key]
            for name, value in row.items():
                target[name] = _seconds(value) if name.endswith("_seconds") else value or 0
    qs = scoped(ratings, "rating")
    if qs is not None:
        for row in _ratings(qs):
            key = (_as_date(row.pop("day")), row.pop("deciding_agency_id"))
            cells[key].update({k: v or 0 for k, v in row.items()})
    return cells


def _write_cells(cells: dict[Cell, dict[str, int]], replace: Iterable[Cell] | None) -> None:
    """Replace the given cells (``None``: all) with the computed rows (empty cells vanish)."""
    if replace is None:
        DailyStat.objects.all().delete()
    else:
        for day, agencies in _by_day(replace).items():
            DailyStat.objects.filter(day=day, agency_id__in=agencies).delete()
    rows = [
        DailyStat(day=day, agency_id=agency_id, **values)
        for (day, agency_id), values in cells.items()
        if any(values.values())
    ]
    DailyStat.objects.bulk_create(rows, batch_size=BATCH)


def _write_monthly_totals(months: Iterable[MonthCell] | None) -> int:
    """Recompute :class:`MonthlyStat` rows from the daily rows (``None``: all months)."""
    qs = DailyStat.objects.all()
    if months is None:
        MonthlyStat.objects.all().delete()
    else:
        by_month = _by_day(months)
        if not by_month:
            return 0
        condition = Q()
        for month, agencies in by_month.items():
            last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            condition |= Q(day__gte=month, day__lt=last, agency_id__in=agencies)
            MonthlyStat.objects.filter(month=month, agency_id__in=agencies).delete()
        qs = qs.filter(condition)
    rows = [
        MonthlyStat(month=_as_date(row.pop("month")), agency_id=row.pop("agency_id"), **row)
        for row in qs.annotate(month=TruncMonth("day"))
        .values("month", "agency_id")
        .annotate(**{name: Sum(name) for name in DAILY_COUNTERS})
        .order_by()
    ]
    MonthlyStat.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _write_months(dossiers: QuerySet[Dossier], months: Iterable[MonthCell] | None) -> int:
    if months is None:
        MonthlyProcedureStat.objects.all().delete()
        qs = dossiers
    else:
        months = set(months)
        if not months:
            return 0
        condition = _cells_filter("submitted_at", months, bounds=_month_bounds)
        for month, agencies in _by_day(months).items():
            MonthlyProcedureStat.objects.filter(month=month, agency_id__in=agencies).delete()
        qs = dossiers.filter(condition)
    rows = [
        MonthlyProcedureStat(
            month=_as_date(row["month"]),
            agency_id=row["deciding_agency_id"],
            procedure_id=row["procedure_id"],
            received=row["received"],
            received_online=row["received_online"],
        )
        for row in _per_procedure(qs)
    ]
    MonthlyProcedureStat.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


# --- public entry points ----------------------------------------------------------------------


def rebuild(*, now: dt.datetime | None = None) -> RefreshResult:
    """Recompute every roll-up from the dossiers (one grouped scan per kind of fact)."""
    now = now or timezone.now()
    with transaction.atomic():
        state, _created = RollupState.objects.select_for_update().get_or_create(pk=1)
        high_water = _trusted_event_id(now)
        cells = _collect(Dossier.objects.all(), Rating.objects.all(), None)
        _write_cells(cells, None)
        _write_monthly_totals(None)
        months = _write_months(Dossier.objects.all(), None)
        document_cells = _write_documents(None, now)
        (
            state.last_document_event_id,
            state.last_record_id,
            state.last_outgoing_event_id,
        ) = _document_high_water(now)
        state.last_event_id = high_water
        state.last_delivery_at = now - SAFETY_MARGIN
        state.refreshed_at = state.rebuilt_at = now
        state.save()
    return RefreshResult(len(cells), months, 0, 0, full_rebuild=True, document_cells=document_cells)


def rebuild_documents(*, now: dt.datetime | None = None) -> int:
    """Recompute the document system's roll-up alone (after documents loaded in bulk)."""
    now = now or timezone.now()
    with transaction.atomic():
        state, _created = RollupState.objects.select_for_update().get_or_create(pk=1)
        cells = _write_documents(None, now)
        (
            state.last_document_event_id,
            state.last_record_id,
            state.last_outgoing_event_id,
        ) = _document_high_water(now)
        state.save()
    return cells


def _trusted_event_id(now: dt.datetime) -> int:
    """The highest event id below which no transaction can still be in flight."""
    newest_old = (
        DossierEvent.objects.filter(at__lt=now - SAFETY_MARGIN)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return newest_old or 0


def refresh(*, now: dt.datetime | None = None) -> RefreshResult:
    """Recompute the cells touched since the last refresh (a full rebuild the first time)."""
    now = now or timezone.now()
    state = RollupState.objects.filter(pk=1).first()
    if state is None or state.rebuilt_at is None:
        return rebuild(now=now)
    with transaction.atomic():
        state = RollupState.objects.select_for_update().get(pk=1)
        events = list(
            DossierEvent.objects.filter(id__gt=state.last_event_id).values_list(
                "id", "dossier_id", "at"
            )
        )
        dossier_ids = {dossier_id for _id, dossier_id, _at in events}
        deliveries = OutboxMessage.objects.filter(
            topic="national_portal.status", delivered_at__isnull=False
        )
        if state.last_delivery_at is not None:
            deliveries = deliveries.filter(delivered_at__gte=state.last_delivery_at)
        codes = {key.rpartition(":")[0] for key in deliveries.values_list("key", flat=True)}
        delivered = 0
        if codes:
            found = set(Dossier.objects.filter(code__in=codes).values_list("id", flat=True))
            delivered = len(found)
            dossier_ids |= found
        cells, months = _dirty_cells(dossier_ids)
        if cells:
            filters = {
                "submitted_at": _cells_filter("submitted_at", cells),
                "finished_at": _cells_filter("finished_at", cells),
                "returned_at": _cells_filter("returned_at", cells),
                "closed_at": _cells_filter("closed_at", cells),
                "rating": _cells_filter(
                    "created_at", cells, agency_field="dossier__deciding_agency_id"
                ),
            }
            computed = _collect(Dossier.objects.all(), Rating.objects.all(), filters)
            _write_cells({k: v for k, v in computed.items() if k in cells}, cells)
            _write_monthly_totals({(day.replace(day=1), agency) for day, agency in cells})
        month_rows = _write_months(Dossier.objects.all(), months)
        state.last_event_id = _watermark(
            state.last_event_id, [(i, at) for i, _d, at in events], now
        )
        changes = _document_changes(state, now)
        document_cells = _write_documents(changes.cells, now) if changes.cells else 0
        _advance_documents(state, changes, now)
        state.last_delivery_at = now - SAFETY_MARGIN
        state.refreshed_at = now
        state.save()
    return RefreshResult(
        len(cells), month_rows, len(events), delivered, document_cells=document_cells
    )


def _watermark(current: int, seen: list[tuple[int, dt.datetime]], now: dt.datetime) -> int:
    """How far an id watermark may move over the rows ``seen`` (id, time) after it."""
    trusted = max((i for i, at in seen if at < now - SAFETY_MARGIN), default=None)
    if trusted is None:
        return current
    # Never move past a row that is still recent: it may have a lower-id sibling in a
    # transaction that has not committed yet.
    recent = [i for i, at in seen if at >= now - SAFETY_MARGIN]
    return min([trusted, *(i - 1 for i in recent)])


# --- the document system (documents.selectors owns the counters' definitions) ----------------


def _document_high_water(now: dt.datetime) -> tuple[int, int, int]:
    from tinhso.documents.selectors import ioc_document_high_water

    return ioc_document_high_water(before=now - SAFETY_MARGIN)


def _document_changes(state: RollupState, now: dt.datetime):
    from tinhso.documents.selectors import ioc_document_changes

    deadlines = None
    if state.refreshed_at is not None:
        # Lead assignments whose deadline passed since the last refresh become due.
        last_day = _local_day(state.refreshed_at)
        today = _local_day(now)
        if last_day < today:
            deadlines = (last_day - dt.timedelta(days=1), today - dt.timedelta(days=1))
    return ioc_document_changes(
        after_event=state.last_document_event_id,
        after_record=state.last_record_id,
        after_outgoing=state.last_outgoing_event_id,
        deadlines=deadlines,
    )


def _advance_documents(state: RollupState, changes: Any, now: dt.datetime) -> None:
    state.last_document_event_id = _watermark(state.last_document_event_id, changes.events, now)
    state.last_record_id = _watermark(state.last_record_id, changes.records, now)
    state.last_outgoing_event_id = _watermark(state.last_outgoing_event_id, changes.outgoing, now)


def _write_documents(cells: Iterable[MonthCell] | None, now: dt.datetime) -> int:
    """Recompute :class:`MonthlyDocumentStat` for ``cells`` (``None``: every month)."""
    from tinhso.documents.selectors import ioc_document_counts

    if cells is None:
        MonthlyDocumentStat.objects.all().delete()
        by_month = None
    else:
        by_month = _by_day(cells)
        for month, agencies in by_month.items():
            MonthlyDocumentStat.objects.filter(month=month, agency_id__in=agencies).delete()
    counts = ioc_document_counts(cells=by_month, today=_local_day(now))
    rows = [
        MonthlyDocumentStat(month=month, agency_id=agency_id, **values)
        for (month, agency_id), values in counts.items()
        if by_month is None or agency_id in by_month.get(month, ())
    ]
    MonthlyDocumentStat.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _dirty_cells(dossier_ids: set[int]) -> tuple[set[Cell], set[MonthCell]]:
    cells: set[Cell] = set()
    months: set[MonthCell] = set()
    ids = list(dossier_ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = Dossier.objects.filter(pk__in=chunk).values_list(
            "deciding_agency_id", "submitted_at", "finished_at", "returned_at", "closed_at"
        )
        for agency_id, *instants in rows:
            for instant in instants:
                day = _local_day(instant)
                if day is not None:
                    cells.add((day, agency_id))
            submitted = _local_day(instants[0])
            months.add((submitted.replace(day=1), agency_id))
        for agency_id, rated in Rating.objects.filter(dossier_id__in=chunk).values_list(
            "dossier__deciding_agency_id", "created_at"
        ):
            cells.add((_local_day(rated), agency_id))
    return cells, months
