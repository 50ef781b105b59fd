"""Small factories for the procedure tests: a province, a commune, agencies, procedures, rows."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from tinhso.core.models import AdministrativeUnit, Agency, AgencyLevel, UnitKind, UnitLevel
from tinhso.procedures.models import (
    AgencySlot,
    OnlineMode,
    Procedure,
    ProcedureComponent,
    ProcessStep,
    Sector,
)

BIRTH_FORM = {
    "type": "object",
    "required": ["child_name", "birth_date"],
    "properties": {
        "child_name": {"type": "string", "maxLength": 100},
        "birth_date": {"type": "string", "format": "date"},
        "sex": {"type": "string", "enum": ["Nam", "Nữ"]},
    },
    "additionalProperties": False,
}
STEPS = [
    {"name": "Tiếp nhận", "role": "desk_officer", "agency": "receiving", "share": 10},
    {"name": "Thẩm định", "role": "specialist", "agency": "deciding", "share": 60},
    {"name": "Phê duyệt", "role": "leader", "agency": "deciding", "share": 30},
]
COMPONENTS = [
    {"name": "Tờ khai", "kind": "original", "count": 1, "required": True},
    {"name": "Giấy chứng sinh", "kind": "original", "count": 1, "required": True},
]


def make_province(code: str = "44", name: str = "Tỉnh Quảng Trị") -> AdministrativeUnit:
    unit, _created = AdministrativeUnit.objects.get_or_create(
        level=UnitLevel.PROVINCE,
        code=code,
        valid_to=None,
        defaults={"name": name, "kind": UnitKind.PROVINCE},
    )
    return unit


def make_commune(
    code: str = "19000", name: str = "Phường Đồng Hới", province: AdministrativeUnit | None = None
) -> AdministrativeUnit:
    unit, _created = AdministrativeUnit.objects.get_or_create(
        level=UnitLevel.COMMUNE,
        code=code,
        valid_to=None,
        defaults={"name": name, "kind": UnitKind.WARD, "parent": province or make_province()},
    )
    return unit


def make_agency(code: str, key: str, *, level: str = AgencyLevel.PROVINCE_DEPARTMENT, unit=None,
                name: str | None = None) -> Agency:  # fmt: skip
    agency, _created = Agency.objects.get_or_create(
        code=code,
        defaults={
            "key": key,
            "level": level,
            "unit": unit or make_province(),
            "name": name or f"Agency {key}",
        },
    )
    return agency


def make_agencies() -> dict[str, Any]:
    """A province, one ward, its committee, the service centre and two departments."""
    province = make_province()
    commune = make_commune(province=province)
    return {
        "province": province,
        "commune": commune,
        "service_centre": make_agency(
            "H44.20", "service_centre", level=AgencyLevel.SERVICE_CENTRE, name="TTPVHCC"
        ),
        "so_tu_phap": make_agency("H44.03", "so_tu_phap", name="Sở Tư pháp"),
        "so_tai_chinh": make_agency("H44.04", "so_tai_chinh", name="Sở Tài chính"),
        "commune_committee": make_agency(
            "H44.40.01",
            f"commune_{commune.code}",
            level=AgencyLevel.COMMUNE_COMMITTEE,
            unit=commune,
            name="UBND Phường Đồng Hới",
        ),
    }


def make_sector(code: str = "HOTICH", name: str = "Hộ tịch") -> Sector:
    sector, _created = Sector.objects.get_or_create(code=code, defaults={"name": name})
    return sector


def make_procedure(code: str = "1.001193", name: str = "Đăng ký khai sinh", **values) -> Procedure:
    steps = values.pop("steps", STEPS)
    components = values.pop("components", COMPONENTS)
    defaults = {
        "sector": values.pop("sector", None) or make_sector(),
        "at_commune": True,
        "receiving_slot": AgencySlot.COMMUNE_COMMITTEE,
        "deciding_slot": AgencySlot.COMMUNE_COMMITTEE,
        "processing_days": Decimal(3),
        "online_mode": OnlineMode.FULL,
        "form_schema": BIRTH_FORM,
        "results": ["Giấy khai sinh"],
    }
    defaults.update(values)
    procedure = Procedure.objects.create(code=code, name=name, **defaults)
    for order, item in enumerate(components, start=1):
        ProcedureComponent.objects.create(procedure=procedure, order=order, **item)
    for order, item in enumerate(steps, start=1):
        ProcessStep.objects.create(procedure=procedure, order=order, **item)
    return procedure


def catalogue_row(**overrides: Any) -> dict[str, str]:
    """A valid flat catalogue row (strings, as read from a file)."""
    row = {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "sector_code": "HOTICH",
        "sector_name": "Hộ tịch",
        "levels": "commune",
        "receiving_agency": "commune_committee",
        "deciding_agency": "commune_committee",
        "processing_days": "3",
        "processing_hours": "",
        "fee_vnd": "0",
        "fee_note": "Miễn lệ phí",
        "online_mode": "full",
        "legal_basis": "Luật Hộ tịch 2014",
        "results": "Giấy khai sinh|Bản điện tử Giấy khai sinh",
        "components": json.dumps(COMPONENTS, ensure_ascii=False),
        "form": json.dumps(BIRTH_FORM, ensure_ascii=False),
        "process": json.dumps(STEPS, ensure_ascii=False),
        "code_verified": "1",
    }
    row.update(overrides)
    return row


def catalogue_rows() -> list[dict[str, str]]:
    """Three good rows: a commune procedure, a department one, an hour-based one."""
    return [
        catalogue_row(),
        catalogue_row(
            code="2.000908.H44.03",
            name="Cấp phiếu lý lịch tư pháp",
            sector_code="LLTP",
            sector_name="Lý lịch tư pháp",
            levels="province",
            receiving_agency="service_centre",
            deciding_agency="so_tu_phap",
            processing_days="10",
            fee_vnd="200000",
            online_mode="partial",
            form="",
        ),
        catalogue_row(
            code="1.000656",
            name="Đăng ký kết hôn",
            levels="province;commune",
            processing_days="",
            processing_hours="4",
            results="Giấy chứng nhận kết hôn",
        ),
    ]
