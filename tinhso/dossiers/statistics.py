"""Statistics an agency reports per period (DOMAIN.md, "Statistics an agency reports").

One row per agency competent to decide the dossiers (``deciding_agency``: the agency the
operations centre scores too), computed with a few grouped aggregate queries (conditional
``Count(filter=...)``), never by walking dossiers in Python, so that a year of a province
(1–2 million dossiers) stays one scan per query. Rows roll up to today's administrative units
(pre-2025 districts and provinces follow their successions) and to a province total, and export
as the official XLSX layout. The desks' reception workload, per receiving agency, is a separate
table (:func:`reception_stats`).

Definitions (a period is a range of local Asia/Ho_Chi_Minh days, both ends included; "s" is the
first instant of ``start`` and "e" the first instant after ``end``). Every term is counted from
its own events, none is a remainder, and they balance (a property test checks it)::

    carried over + received in the period
        = resolved (early + on time + late) + returned or withdrawn + stopped
          + in progress (within the deadline + overdue)

- carried over: received before s and neither finished nor closed before s;
- received (new): the ``receive`` instant in [s, e), split by channel (online 2, counter 1,
  post 3);
- resolved: ``finished_at`` (the ``approve``/``finish`` event) in [s, e), split by
  ``Dossier.timeliness`` (Trước hạn / Đúng hạn / Quá hạn);
- returned or withdrawn ("Trả lại/rút"): a ``confirm_withdraw`` event in [s, e) of a received
  dossier;
- stopped (status 8 "Dừng xử lý"): a ``stop`` event in [s, e);
- in progress at the end: received before e and neither finished nor closed before e; overdue
  when ``legal_due_at`` < e (the appointment of an apology letter moves nothing), unless the
  legal clock stood still (supplement, fees, pause) since before
  the due time: such a deadline is suspended and moves when the clock restarts, so the dossier
  counts as within the deadline. Waiting for a supplement is a part of it: in progress at e and,
  by its last event before e, in ``supplement_requested`` (a supplement received restarts the
  clock: the dossier is being processed again);
- refused at reception (status 3): a ``refuse`` event in the period. A refused dossier was never
  received: it has its own column, outside the balance;
- late supplement requests ("Yêu cầu bổ sung quá hạn 2 ngày"): the ``request_supplement`` events
  in the period made after their deadline (``selectors.late_supplement_request``), outside the
  balance;
- results returned (``returned_at`` in the period) and the satisfaction rate (ratings with
  score ≥ 2 / all ratings, over dossiers returned in the period) are reported beside it;
- on-time rate: (early + on time) / resolved.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from tinhso.core.access import as_access
from tinhso.core.errors import PermissionDenied
from tinhso.core.models import AdministrativeUnit, Agency, UnitLevel
from tinhso.core.periods import period_bounds
from tinhso.core.selectors import unit_successor_today

from .models import (
    TIMELINESS_LABELS,
    Channel,
    Dossier,
    DossierEvent,
    Rating,
    State,
    Timeliness,
)
from .selectors import late_supplement_request

# Waiting for the applicant: once the supplement arrived the clock runs (national status 4).
SUPPLEMENT_STATES = (State.SUPPLEMENT_REQUESTED,)
WITHDRAW_ACTION = "confirm_withdraw"
REFUSE_ACTION = "refuse"
STOP_ACTION = "stop"

KIND_AGENCY = "agency"
KIND_UNIT = "unit"
KIND_TOTAL = "total"

# The official report is in Vietnamese whatever the interface language, so its labels are
# literal Vietnamese rather than translated English msgids.
LABEL_TOTAL = "Tổng cộng"
LABEL_PROVINCE_LEVEL = "Cơ quan cấp tỉnh"


@dataclass
class AgencyRow:
    """What a line of a table is about: an agency, a current administrative unit, or a total.
    Subclasses add their counts (``int`` fields), which :meth:`add` sums."""

    label: str
    kind: str = KIND_AGENCY
    agency_id: int | None = None
    agency_code: str = ""
    unit_id: int | None = None  # today's unit (after successions)
    unit_code: str = ""
    unit_name: str = ""
    unit_level: str = ""

    @classmethod
    def count_fields(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls) if f.type == "int")

    def add(self, other: AgencyRow) -> None:
        for name in self.count_fields():
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class StatsRow(AgencyRow):
    """One line of the report, with the figures of the balance (module doc)."""

    # Received
    carried_over: int = 0
    new_online: int = 0
    new_counter: int = 0
    new_post: int = 0
    # Resolved in the period
    resolved_total: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    # Handed back unresolved, or stopped, in the period
    withdrawn: int = 0
    stopped: int = 0
    # In progress at the end of the period (waiting for a supplement is a part of it)
    in_progress_total: int = 0
    in_progress_not_due: int = 0
    in_progress_overdue: int = 0
    waiting_supplement: int = 0
    # Beside the balance: refused at reception (never received), results returned
    refused: int = 0
    returned: int = 0
    # Supplement requests made after their 2 working days (an agency's lateness, not a dossier's)
    late_supplement_requests: int = 0
    # Satisfaction (dossiers returned in the period)
    ratings_total: int = 0
    ratings_satisfied: int = 0

    @property
    def new_total(self) -> int:
        return self.new_online + self.new_counter + self.new_post

    @property
    def received_total(self) -> int:
        return self.carried_over + self.new_total

    @property
    def returned_or_withdrawn(self) -> int:
        """The report's "Trả lại/rút": received dossiers handed back unresolved (withdrawn)."""
        return self.withdrawn

    @property
    def closed_total(self) -> int:
        """The right-hand side of the balance: everything that became of what was received."""
        return (
            self.resolved_total + self.returned_or_withdrawn + self.stopped + self.in_progress_total
        )

    @property
    def on_time_rate(self) -> float | None:
        if not self.resolved_total:
            return None
        return (self.resolved_early + self.resolved_on_time) / self.resolved_total

    @property
    def satisfaction_rate(self) -> float | None:
        if not self.ratings_total:
            return None
        return self.ratings_satisfied / self.ratings_total

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in DERIVED_FIELDS:
            data[name] = getattr(self, name)
        return data


COUNT_FIELDS: tuple[str, ...] = StatsRow.count_fields()
DERIVED_FIELDS: tuple[str, ...] = (
    "new_total",
    "received_total",
    "returned_or_withdrawn",
    "on_time_rate",
    "satisfaction_rate",
)


# --- period and scope ---------------------------------------------------------------------


def stats_scope(user: Any) -> set[int] | None:
    """Agency ids the user may see statistics of; ``None`` means every agency.

    Officers see the agencies they serve; province administrators, superusers and operations
    centre viewers see all. Anyone else (anonymous, citizens) is refused. Figures are counted
    per agency, so the scope is a set of agencies (from the request's
    :class:`~tinhso.core.access.Access`), not the row rule of ``Dossier.objects.restrict``.
    """
    access = as_access(user)
    if not access.is_authenticated:
        raise PermissionDenied("unauthenticated", _("Please sign in."))
    if access.is_province_wide:
        return None
    if not access.is_officer:
        raise PermissionDenied("forbidden", _("Only officers may see dossier statistics."))
    return set(access.agencies())


# --- per agency ---------------------------------------------------------------------------

AGENCY = "deciding_agency_id"  # the agency a dossier counts for (the IOC's too)
DESK = "receiving_agency_id"  # the desk that received it (reception workload)


def _open_at(instant: dt.datetime) -> Q:
    """Neither finished nor closed before ``instant``."""
    return (Q(finished_at__isnull=True) | Q(finished_at__gte=instant)) & (
        Q(closed_at__isnull=True) | Q(closed_at__gte=instant)
    )


def _in_scope(qs, field: str, agency_ids: set[int] | None):
    return qs if agency_ids is None else qs.filter(**{f"{field}__in": agency_ids})


def _grouped(qs, field: str, **aggregates) -> dict[int, dict]:
    rows = qs.order_by().values(field).annotate(**aggregates)
    return {row.pop(field): row for row in rows}


def _dossier_counts(agency_ids: set[int] | None, s: dt.datetime, e: dt.datetime) -> dict:
    in_period = {"received_at__gte": s, "received_at__lt": e}
    finished = {"finished_at__gte": s, "finished_at__lt": e}
    in_progress = _open_at(e)  # the base filter already holds received_at < e
    # A clock stopped before the deadline suspends it (it moves when the clock restarts).
    suspended = Q(clock_stopped_at__lt=e) & Q(clock_stopped_at__lt=F("legal_due_at"))
    running = (
        Q(clock_stopped_at__isnull=True)
        | Q(clock_stopped_at__gte=e)
        | Q(clock_stopped_at__gte=F("legal_due_at"))
    )
    aggregates = {
        "carried_over": Count("pk", filter=Q(received_at__lt=s) & _open_at(s)),
        "new_online": Count("pk", filter=Q(channel=Channel.ONLINE, **in_period)),
        "new_counter": Count("pk", filter=Q(channel=Channel.COUNTER, **in_period)),
        "new_post": Count("pk", filter=Q(channel=Channel.POST, **in_period)),
        "resolved_total": Count("pk", filter=Q(**finished)),
        "resolved_early": Count("pk", filter=Q(timeliness=Timeliness.EARLY, **finished)),
        "resolved_on_time": Count("pk", filter=Q(timeliness=Timeliness.ON_TIME, **finished)),
        "resolved_late": Count("pk", filter=Q(timeliness=Timeliness.LATE, **finished)),
        "in_progress_total": Count("pk", filter=in_progress),
        "in_progress_overdue": Count("pk", filter=in_progress & Q(legal_due_at__lt=e) & running),
        "in_progress_not_due": Count(
            "pk",
            filter=in_progress
            & (Q(legal_due_at__isnull=True) | Q(legal_due_at__gte=e) | suspended),
        ),
        "returned": Count("pk", filter=Q(returned_at__gte=s, returned_at__lt=e)),
    }
    # Only dossiers received before the end and not closed before the start matter (a dossier
    # returned in the period was closed in it).
    qs = Dossier.objects.filter(received_at__lt=e).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=s)
    )
    return _grouped(_in_scope(qs, AGENCY, agency_ids), AGENCY, **aggregates)


def _waiting_counts(agency_ids: set[int] | None, e: dt.datetime) -> dict:
    """In progress at ``e`` and waiting for a supplement then (by its last event before ``e``)."""
    state_then = Subquery(
        DossierEvent.objects.filter(dossier=OuterRef("pk"), at__lt=e)
        .order_by("-seq")
        .values("to_state")[:1]
    )
    qs = (
        Dossier.objects.filter(received_at__lt=e, supplement_count__gt=0)
        .filter(_open_at(e))
        .annotate(state_then=state_then)
        .filter(state_then__in=SUPPLEMENT_STATES)
    )
    return _grouped(_in_scope(qs, AGENCY, agency_ids), AGENCY, waiting_supplement=Count("pk"))


def _event_counts(agency_ids: set[int] | None, s: dt.datetime, e: dt.datetime) -> dict:
    late_request = late_supplement_request()
    qs = DossierEvent.objects.filter(
        Q(action__in=(WITHDRAW_ACTION, REFUSE_ACTION, STOP_ACTION)) | late_request,
        at__gte=s,
        at__lt=e,
    )
    field = f"dossier__{AGENCY}"
    received = Q(dossier__received_at__isnull=False)
    return _grouped(
        _in_scope(qs, field, agency_ids),
        field,
        withdrawn=Count("pk", filter=Q(action=WITHDRAW_ACTION) & received),
        stopped=Count("pk", filter=Q(action=STOP_ACTION) & received),
        refused=Count("pk", filter=Q(action=REFUSE_ACTION)),
        late_supplement_requests=Count("pk", filter=late_request),
    )


def _rating_counts(agency_ids: set[int] | None, s: dt.datetime, e: dt.datetime) -> dict:
    qs = Rating.objects.filter(dossier__returned_at__gte=s, dossier__returned_at__lt=e)
    field = f"dossier__{AGENCY}"
    return _grouped(
        _in_scope(qs, field, agency_ids),
        field,
        ratings_total=Count("pk"),
        ratings_satisfied=Count("pk", filter=Q(score__gte=Rating.Score.SATISFIED)),
    )


def _today_unit(unit: AdministrativeUnit, cache: dict[int, AdministrativeUnit]):
    if unit.valid_to is None:
        return unit
    if unit.pk not in cache:
        cache[unit.pk] = unit_successor_today(unit)
    return cache[unit.pk]


def _wanted(user: Any, agencies: Iterable[Agency] | None) -> tuple[set[int] | None, bool]:
    """The agency ids to count (``None``: all) and whether the caller named them."""
    scope = stats_scope(user)
    if agencies is None:
        return scope, False
    wanted = {a.pk for a in agencies}
    if scope is not None:
        wanted &= scope
    return wanted, True


def _agency_rows(row_type, wanted: set[int] | None, explicit: bool, *figure_maps: dict) -> list:
    """One ``row_type`` per agency (ordered by code) with its figures; inactive agencies
    without figures are left out unless named."""
    agency_qs = Agency.objects.select_related("unit", "unit__parent").order_by("code")
    if wanted is not None:
        agency_qs = agency_qs.filter(pk__in=wanted)
    units: dict[int, AdministrativeUnit] = {}
    rows = []
    for agency in agency_qs:
        figures = {}
        for figure_map in figure_maps:
            figures.update(figure_map.get(agency.pk, {}))
        if not (explicit or agency.is_active or any(figures.values())):
            continue
        unit = _today_unit(agency.unit, units)
        rows.append(
            row_type(
                label=agency.name,
                kind=KIND_AGENCY,
                agency_id=agency.pk,
                agency_code=agency.code,
                unit_id=unit.pk,
                unit_code=unit.code,
                unit_name=unit.name,
                unit_level=unit.level,
                **figures,
            )
        )
    return rows


def agency_period_stats(
    *,
    user: Any,
    agencies: Iterable[Agency] | None,
    start: dt.date,
    end: dt.date,
) -> list[StatsRow]:
    """One row per deciding agency for the period ``start``–``end`` (local days, inclusive).

    ``agencies=None`` means every agency the user may see (active ones, plus inactive ones with
    figures); agencies outside the user's scope are left out silently. Rows are ordered by code.
    """
    wanted, explicit = _wanted(user, agencies)
    s, e = period_bounds(start, end)
    if wanted is not None and not wanted:
        return []
    return _agency_rows(
        StatsRow,
        wanted,
        explicit,
        _dossier_counts(wanted, s, e),
        _waiting_counts(wanted, e),
        _event_counts(wanted, s, e),
        _rating_counts(wanted, s, e),
    )


# --- the desks' reception workload -----------------------------------------------------------


@dataclass
class ReceptionRow(AgencyRow):
    """One receiving agency's desk in a period: what it received, refused and handed back."""

    new_online: int = 0
    new_counter: int = 0
    new_post: int = 0
    refused: int = 0
    returned: int = 0

    @property
    def new_total(self) -> int:
        return self.new_online + self.new_counter + self.new_post

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "new_total": self.new_total}


def reception_stats(
    *, user: Any, agencies: Iterable[Agency] | None = None, start: dt.date, end: dt.date
) -> list[ReceptionRow]:
    """The reception workload per receiving agency (the one-stop desks), for the period."""
    wanted, explicit = _wanted(user, agencies)
    s, e = period_bounds(start, end)
    if wanted is not None and not wanted:
        return []
    received = {"received_at__gte": s, "received_at__lt": e}
    dossiers = _grouped(
        _in_scope(
            Dossier.objects.filter(Q(**received) | Q(returned_at__gte=s, returned_at__lt=e)),
            DESK,
            wanted,
        ),
        DESK,
        new_online=Count("pk", filter=Q(channel=Channel.ONLINE, **received)),
        new_counter=Count("pk", filter=Q(channel=Channel.COUNTER, **received)),
        new_post=Count("pk", filter=Q(channel=Channel.POST, **received)),
        returned=Count("pk", filter=Q(returned_at__gte=s, returned_at__lt=e)),
    )
    field = f"dossier__{DESK}"
    refused = _grouped(
        _in_scope(
            DossierEvent.objects.filter(action=REFUSE_ACTION, at__gte=s, at__lt=e), field, wanted
        ),
        field,
        refused=Count("pk"),
    )
    return _agency_rows(ReceptionRow, wanted, explicit, dossiers, refused)


# --- roll-up ------------------------------------------------------------------------------


def rollup(rows: Iterable[AgencyRow], level: str = "province") -> list[Any]:
    """Sum agency rows (:class:`StatsRow` or :class:`ReceptionRow`) by today's administrative
    unit (``level="unit"``: one row per unit, province-level units first, then communes by
    code) or into one total (``"province"``)."""
    rows = [row for row in rows if row.kind == KIND_AGENCY]
    row_type = type(rows[0]) if rows else StatsRow
    if level == "province":
        total = row_type(label=LABEL_TOTAL, kind=KIND_TOTAL)
        for row in rows:
            total.add(row)
        return [total]
    if level != "unit":
        raise ValueError(f"Unknown roll-up level {level!r}: use 'unit' or 'province'.")
    grouped: dict[int | None, AgencyRow] = {}
    for row in rows:
        unit_row = grouped.get(row.unit_id)
        if unit_row is None:
            is_province = row.unit_level == UnitLevel.PROVINCE
            unit_row = grouped[row.unit_id] = row_type(
                label=LABEL_PROVINCE_LEVEL if is_province else row.unit_name,
                kind=KIND_UNIT,
                unit_id=row.unit_id,
                unit_code=row.unit_code,
                unit_name=row.unit_name,
                unit_level=row.unit_level,
            )
        unit_row.add(row)
    return sorted(
        grouped.values(),
        key=lambda r: (r.unit_level != UnitLevel.PROVINCE, r.unit_code, r.unit_id or 0),
    )


def stats_by_unit(*, user: Any, start: dt.date, end: dt.date) -> list[StatsRow]:
    """One row per current administrative unit (province-level agencies, then each commune),
    then the total; agencies of pre-2025 units count in the unit that succeeded them."""
    rows = agency_period_stats(user=user, agencies=None, start=start, end=end)
    return [*rollup(rows, "unit"), *rollup(rows, "province")]


def reception_by_unit(*, user: Any, start: dt.date, end: dt.date) -> list[ReceptionRow]:
    """:func:`reception_stats` rolled up like :func:`stats_by_unit`."""
    rows = reception_stats(user=user, start=start, end=end)
    return [*rollup(rows, "unit"), *rollup(rows, "province")]


# --- XLSX ---------------------------------------------------------------------------------

# (group header or None, column header, value getter, is a rate)
Column = tuple[str | None, str, str, bool]
XLSX_COLUMNS: tuple[Column, ...] = (
    ("Tiếp nhận", "Kỳ trước chuyển qua", "carried_over", False),
    ("Tiếp nhận", "Mới tiếp nhận trực tuyến", "new_online", False),
    ("Tiếp nhận", "Mới tiếp nhận trực tiếp", "new_counter", False),
    ("Tiếp nhận", "Mới tiếp nhận qua bưu chính", "new_post", False),
    ("Tiếp nhận", "Tổng tiếp nhận", "received_total", False),
    ("Đã giải quyết", "Tổng số", "resolved_total", False),
    ("Đã giải quyết", TIMELINESS_LABELS[Timeliness.EARLY], "resolved_early", False),
    ("Đã giải quyết", TIMELINESS_LABELS[Timeliness.ON_TIME], "resolved_on_time", False),
    ("Đã giải quyết", TIMELINESS_LABELS[Timeliness.LATE], "resolved_late", False),
    (None, "Trả lại/rút", "returned_or_withdrawn", False),
    (None, "Dừng xử lý", "stopped", False),
    ("Đang giải quyết", "Tổng số", "in_progress_total", False),
    ("Đang giải quyết", "Trong hạn", "in_progress_not_due", False),
    ("Đang giải quyết", "Quá hạn", "in_progress_overdue", False),
    ("Đang giải quyết", "Trong đó chờ bổ sung", "waiting_supplement", False),
    (None, "Từ chối tiếp nhận", "refused", False),
    (None, "Đã trả kết quả", "returned", False),
    (None, "Yêu cầu bổ sung quá hạn 2 ngày", "late_supplement_requests", False),
    (None, "Tỷ lệ đúng hạn", "on_time_rate", True),
    (None, "Tỷ lệ hài lòng", "satisfaction_rate", True),
)
RECEPTION_COLUMNS: tuple[Column, ...] = (
    ("Tiếp nhận", "Trực tuyến", "new_online", False),
    ("Tiếp nhận", "Trực tiếp", "new_counter", False),
    ("Tiếp nhận", "Qua bưu chính", "new_post", False),
    ("Tiếp nhận", "Tổng số", "new_total", False),
    (None, "Từ chối tiếp nhận", "refused", False),
    (None, "Đã trả kết quả", "returned", False),
)
XLSX_TITLE_ROW = 1
XLSX_GROUP_ROW = 2
XLSX_HEADER_ROW = 3
XLSX_FIRST_DATA_ROW = 4
RATE_FORMAT = "0.0%"


def stats_title(start: dt.date, end: dt.date) -> str:
    return f"Thống kê tình hình giải quyết hồ sơ từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"


def reception_title(start: dt.date, end: dt.date) -> str:
    return f"Tình hình tiếp nhận hồ sơ tại Bộ phận Một cửa từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"


def stats_to_xlsx(
    rows: Iterable[StatsRow],
    *,
    start: dt.date,
    end: dt.date,
    reception: Iterable[ReceptionRow] | None = None,
) -> bytes:
    """The official table: title, two header rows, one line per row, a bold total line; the
    desks' reception workload (``reception``) on a second sheet.

    A total row among the rows (as from :func:`stats_by_unit`) is used as the total line;
    otherwise the total is summed from the agency rows.
    """
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Thống kê"
    write_table(sheet, stats_title(start, end), XLSX_COLUMNS, list(rows))
    if reception is not None:
        sheet = workbook.create_sheet("Tiếp nhận")
        write_table(sheet, reception_title(start, end), RECEPTION_COLUMNS, list(reception))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_table(
    sheet: Any,
    title: str,
    columns: tuple[Column, ...],
    rows: list[Any],
    *,
    first_header: str = "Đơn vị",
    with_total: bool = True,
) -> None:
    """Title, the grouped two-row header and one line per row (``getattr(row, name)``, or
    ``row[name]`` for dicts), then a bold total line; borders, widths, frozen panes."""
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    body = [row for row in rows if getattr(row, "kind", KIND_AGENCY) != KIND_TOTAL]
    total = None
    if with_total:
        totals = [row for row in rows if getattr(row, "kind", "") == KIND_TOTAL]
        total = totals[-1] if totals else rollup(body, "province")[0]
    last_col = 1 + len(columns)
    bold = Font(bold=True)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    sheet.cell(XLSX_TITLE_ROW, 1, title).font = Font(bold=True, size=13)
    sheet.cell(XLSX_TITLE_ROW, 1).alignment = Alignment(horizontal="center")
    sheet.merge_cells(
        start_row=XLSX_TITLE_ROW, start_column=1, end_row=XLSX_TITLE_ROW, end_column=last_col
    )

    # Header: the first column and ungrouped columns span both header rows; groups span theirs.
    sheet.cell(XLSX_GROUP_ROW, 1, first_header)
    sheet.merge_cells(
        start_row=XLSX_GROUP_ROW, start_column=1, end_row=XLSX_HEADER_ROW, end_column=1
    )
    col = 2
    while col <= last_col:
        group = columns[col - 2][0]
        if group is None:
            sheet.cell(XLSX_GROUP_ROW, col, columns[col - 2][1])
            sheet.merge_cells(
                start_row=XLSX_GROUP_ROW, start_column=col, end_row=XLSX_HEADER_ROW, end_column=col
            )
            col += 1
            continue
        span_end = col
        while span_end + 1 <= last_col and columns[span_end - 1][0] == group:
            span_end += 1
        sheet.cell(XLSX_GROUP_ROW, col, group)
        sheet.merge_cells(
            start_row=XLSX_GROUP_ROW, start_column=col, end_row=XLSX_GROUP_ROW, end_column=span_end
        )
        for c in range(col, span_end + 1):
            sheet.cell(XLSX_HEADER_ROW, c, columns[c - 2][1])
        col = span_end + 1
    for r in (XLSX_GROUP_ROW, XLSX_HEADER_ROW):
        for c in range(1, last_col + 1):
            cell = sheet.cell(r, c)
            cell.font = bold
            cell.alignment = centred
            cell.border = border

    def value(row: Any, name: str) -> Any:
        return row[name] if isinstance(row, dict) else getattr(row, name)

    def write(row_index: int, row: Any, *, is_total: bool) -> None:
        sheet.cell(row_index, 1, value(row, "label"))
        for offset, (_group, _header, name, is_rate) in enumerate(columns, start=2):
            cell = sheet.cell(row_index, offset, value(row, name))
            if is_rate:
                cell.number_format = RATE_FORMAT
        for c in range(1, last_col + 1):
            sheet.cell(row_index, c).border = border
            if is_total:
                sheet.cell(row_index, c).font = bold

    row_index = XLSX_FIRST_DATA_ROW
    for row in body:
        write(row_index, row, is_total=False)
        row_index += 1
    if total is not None:
        write(row_index, total, is_total=True)

    sheet.column_dimensions["A"].width = 40
    for c in range(2, last_col + 1):
        sheet.column_dimensions[get_column_letter(c)].width = 13
    sheet.row_dimensions[XLSX_HEADER_ROW].height = 45
    sheet.freeze_panes = sheet.cell(XLSX_FIRST_DATA_ROW, 2)
