"""Procedure catalogue API (public): search, detail, sectors.

Mounted by the project as ``api.add_router("/", "tinhso.procedures.api.router")``, so the
routes are ``/api/procedures``, ``/api/procedures/{code}`` and
``/api/sectors``.
"""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Query, Router, Schema

from tinhso.core.models import Agency

from .models import AgencySlot, Procedure
from .selectors import catalogue_search, procedure_get, sectors_list

router = Router(tags=["procedures"])

MAX_LIMIT = 100


class SectorRefOut(Schema):
    code: str
    name: str


class SectorOut(SectorRefOut):
    procedure_count: int


class ProcedureFilters(Schema):
    query: str = Field(
        "", max_length=200, description="Words of the name or the code; accents optional."
    )
    sector: str | None = Field(None, description="Sector code.")
    level: Literal["province", "commune"] | None = None
    online_mode: Literal["full", "partial", "counter"] | None = None
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10**9)


class ProcedureSummaryOut(Schema):
    code: str
    name: str
    sector: SectorRefOut
    levels: list[str]
    processing_days: float | None
    processing_hours: float | None
    fee_vnd: int
    online_mode: str


class ProcedurePageOut(Schema):
    count: int
    limit: int
    offset: int
    corrected_query: str = Field(
        "",
        description="The words searched instead of mistyped ones (e.g. “khai sinh” for "
        "“khai sih”); empty when the query was searched as typed.",
    )
    items: list[ProcedureSummaryOut]


class AgencyRefOut(Schema):
    slot: str
    code: str | None = None
    key: str | None = None
    name: str | None = None


class ComponentOut(Schema):
    order: int
    name: str
    kind: str
    count: int
    required: bool


class StepOut(Schema):
    order: int
    name: str
    role: str
    agency: str
    share: float


class ProcedureDetailOut(ProcedureSummaryOut):
    code_verified: bool
    is_active: bool
    receiving_agency: AgencyRefOut
    deciding_agency: AgencyRefOut
    fee_note: str
    legal_basis: str
    results: list[str]
    components: list[ComponentOut]
    steps: list[StepOut]
    form_schema: dict[str, Any]


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _summary(procedure: Procedure) -> dict[str, Any]:
    return {
        "code": procedure.code,
        "name": procedure.name,
        "sector": {"code": procedure.sector.code, "name": procedure.sector.name},
        "levels": procedure.levels,
        "processing_days": _number(procedure.processing_days),
        "processing_hours": _number(procedure.processing_hours),
        "fee_vnd": procedure.fee_vnd,
        "online_mode": procedure.online_mode,
    }


def _agency_ref(slot: str, department: Agency | None) -> dict[str, Any]:
    if slot == AgencySlot.DEPARTMENT and department is not None:
        return {
            "slot": slot,
            "code": department.code,
            "key": department.key,
            "name": department.name,
        }
    return {"slot": slot}


@router.get("/procedures", response=ProcedurePageOut, auth=None)
def list_procedures(request, filters: Query[ProcedureFilters]):
    """Search the catalogue (accent-insensitive; every word must occur; a mistyped word is
    replaced by the nearest word of the catalogue, see ``corrected_query``), paginated."""
    found = catalogue_search(
        user=request.user,
        query=filters.query,
        sector=filters.sector,
        level=filters.level,
        online_mode=filters.online_mode,
        offset=filters.offset,
        limit=filters.limit,
    )
    return {
        "count": found.count,
        "limit": filters.limit,
        "offset": filters.offset,
        "corrected_query": found.corrected,
        "items": [_summary(procedure) for procedure in found.procedures],
    }


@router.get("/procedures/{code}", response=ProcedureDetailOut, auth=None)
def get_procedure(request, code: str):
    """A procedure with its components, internal process, result documents and form."""
    procedure = procedure_get(user=request.user, code=code)
    return {
        **_summary(procedure),
        "code_verified": procedure.code_verified,
        "is_active": procedure.is_active,
        "receiving_agency": _agency_ref(procedure.receiving_slot, procedure.receiving_department),
        "deciding_agency": _agency_ref(procedure.deciding_slot, procedure.deciding_department),
        "fee_note": procedure.fee_note,
        "legal_basis": procedure.legal_basis,
        "results": list(procedure.results or []),
        "components": [
            {
                "order": item.order,
                "name": item.name,
                "kind": item.kind,
                "count": item.count,
                "required": item.required,
            }
            for item in procedure.components.all()
        ],
        "steps": [
            {
                "order": step.order,
                "name": step.name,
                "role": step.role,
                "agency": step.agency,
                "share": float(step.share),
            }
            for step in procedure.steps.all()
        ],
        "form_schema": procedure.form_schema or {},
    }


@router.get("/sectors", response=list[SectorOut], auth=None)
def list_sectors(request):
    """Sectors with the number of procedures in force."""
    return [
        {"code": sector.code, "name": sector.name, "procedure_count": sector.procedure_count}
        for sector in sectors_list(user=request.user)
    ]
