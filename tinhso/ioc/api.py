"""Operations-centre API: the same figures the dashboard shows, as JSON and XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Router, Schema

from tinhso.core.api_types import DbId
from tinhso.core.auth import api_auth
from tinhso.core.http import download_response
from tinhso.core.periods import Period
from tinhso.dossiers.api import XLSX, ErrorOut

from .export import overview_to_xlsx
from .selectors.overviews import agency_overview, commune_overview, province_overview

router = Router(tags=["ioc"], auth=api_auth)

PeriodText = Annotated[
    str,
    Field(
        pattern=r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$",
        description="A year (2026), a quarter (2026-Q3) or a month (2026-10); default this year.",
    ),
]


class IndicatorOut(Schema):
    key: str
    label: str
    kind: str
    value: float | None
    numerator: float
    denominator: float | None
    measured: bool


class PeriodOut(Schema):
    key: str
    label: str
    start: dt.date
    end: dt.date


class ScopeOut(Schema):
    kind: str
    id: int | None
    name: str
    code: str = ""


class Index766Row(Schema):
    code: str
    group: str
    name: str
    max_points: float
    measure: str
    measured: bool
    value: float | None
    points: float | None
    note: str


class Index766Group(Schema):
    group: str
    label: str
    max: float
    measured_max: float
    points: float


class Index766Out(Schema):
    indicators: list[Index766Row]
    groups: list[Index766Group]
    points: float
    measured_max: float
    max: float
    percent_of_measured: float | None


class RowOut(Schema):
    id: int
    code: str
    name: str
    values: dict[str, float | None]
    received: float | None


class AgencyRowOut(RowOut):
    level: str
    is_active: bool
    commune_id: int | None
    index_766: float
    index_766_measured_max: float


class CommuneRowOut(RowOut):
    overdue_now: float | None


class TrendOut(Schema):
    month: str
    received_online: int
    received_counter: int
    received_post: int
    on_time_rate: float | None
    online_share: float | None
    satisfaction_rate: float | None


class TargetOut(Schema):
    id: int
    title: str
    indicator: str
    indicator_label: str
    year: int
    level: str
    comparison: str
    target: float
    kind: str
    measured: bool
    actual: float | None
    light: str
    source: str


class TaskOut(Schema):
    id: int
    title: str
    agency: str
    due_on: dt.date
    progress: int
    completed_on: dt.date | None
    late: bool
    light: str


class PlanOut(Schema):
    id: int
    name: str
    year: int
    targets: list[TargetOut]
    tasks: list[TaskOut]
    tasks_done: int
    tasks_late: int
    progress: int


class OverviewBase(Schema):
    scope: ScopeOut
    period: PeriodOut
    refreshed_at: dt.datetime | None
    indicators: dict[str, IndicatorOut]
    index_766: Index766Out
    trend: list[TrendOut]


class DocumentLevelOut(Schema):
    level: str
    label: str
    values: dict[str, float | None]
    counts: dict[str, int]


class DocumentAgencyOut(Schema):
    id: int
    code: str
    name: str
    level: str
    values: dict[str, float | None]
    counts: dict[str, int]


class DocumentsOut(Schema):
    """The document system's shares (electronic, processed on time, work records online) per
    level and per agency (docs/ioc.md)."""

    levels: list[DocumentLevelOut]
    agencies: list[DocumentAgencyOut]


class ProvinceOverviewOut(OverviewBase):
    ranking: list[AgencyRowOut]
    agencies: list[AgencyRowOut]
    communes: list[CommuneRowOut]
    plans: list[PlanOut]
    documents: DocumentsOut


class ProcedureRowOut(Schema):
    id: int
    code: str
    name: str
    online_mode: str
    received: int
    received_online: int


class AgencyOverviewOut(OverviewBase):
    procedures: list[ProcedureRowOut]


class CommuneAgencyOut(AgencyRowOut):
    unit_name: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class UnitHistoryOut(Schema):
    code: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class CommuneOverviewOut(OverviewBase):
    agencies: list[CommuneAgencyOut]
    history: list[UnitHistoryOut]


def _period(text: str | None) -> Period:
    return Period.parse(text)


def _scope(data: dict[str, Any]) -> dict[str, Any]:
    data["scope"] = {**data["scope"], "name": data["scope"].get("name", "")}
    return data


@router.get(
    "/ioc/overview",
    response={200: ProvinceOverviewOut, 400: ErrorOut, 403: ErrorOut},
)
def overview(request, period: PeriodText | None = None):
    """The province: indicators, Decision 766 index, ranking, agencies, communes, trend, plans."""
    return _scope(province_overview(user=request.auth, period=_period(period)))


@router.get(
    "/ioc/agencies/{agency_id}",
    response={200: AgencyOverviewOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def agency(request, agency_id: DbId, period: PeriodText | None = None):
    """One agency's indicators, index, trend and busiest procedures."""
    return _scope(agency_overview(user=request.auth, agency_id=agency_id, period=_period(period)))


@router.get(
    "/ioc/communes/{unit_id}",
    response={200: CommuneOverviewOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def commune(request, unit_id: DbId, period: PeriodText | None = None):
    """One commune's indicators, with the agencies that serve or served it."""
    return _scope(commune_overview(user=request.auth, unit_id=unit_id, period=_period(period)))


@router.get(
    "/ioc/overview.xlsx",
    response={400: ErrorOut, 403: ErrorOut},
    openapi_extra={"responses": {"200": {"description": "XLSX workbook", "content": {XLSX: {}}}}},
)
def overview_xlsx(request, period: PeriodText | None = None):
    """The province overview as an XLSX workbook (indicators, 766 index, agencies, communes)."""
    data = province_overview(user=request.auth, period=_period(period))
    return download_response(overview_to_xlsx(data), XLSX, f"ioc-{data['period']['key']}.xlsx")
