"""Small builders for dossier tests: a commune, its committee, officers, a procedure, applicants."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model

from tinhso.core.models import (
    AdministrativeUnit,
    Agency,
    AgencyLevel,
    ApplicantKind,
    ApplicantProfile,
    Role,
    UnitKind,
    UnitLevel,
)
from tinhso.core.services import officer_assign
from tinhso.procedures.models import (
    AgencySlot,
    ComponentKind,
    OnlineMode,
    Procedure,
    ProcedureComponent,
    ProcessStep,
    Sector,
    StepAgency,
)

_counter = itertools.count(1)

BIRTH_FORM = {
    "type": "object",
    "required": ["child_name", "birth_date", "sex"],
    "properties": {
        "child_name": {"type": "string", "title": "Họ, chữ đệm và tên", "minLength": 2,
                       "maxLength": 100},
        "birth_date": {"type": "string", "title": "Ngày sinh", "format": "date"},
        "sex": {"type": "string", "title": "Giới tính", "enum": ["Nam", "Nữ"]},
        "birth_place": {"type": "string", "title": "Nơi sinh", "maxLength": 200},
    },
}  # fmt: skip


@dataclass
class World:
    province: AdministrativeUnit
    commune: AdministrativeUnit
    committee: Agency
    other_committee: Agency
    procedure: Procedure
    desk: object
    specialist: object
    leader: object
    outsider: object  # desk officer of another commune
    citizen: object
    other_citizen: object


def make_user(username: str, **extra):
    user_model = get_user_model()
    user = user_model(username=username, first_name=extra.pop("first_name", username), **extra)
    user.set_password("pw-123456")
    user.save()
    return user


def make_applicant(username: str, full_name: str, personal_id: str, unit) -> object:
    user = make_user(username)
    ApplicantProfile.objects.create(
        user=user,
        kind=ApplicantKind.CITIZEN,
        full_name=full_name,
        personal_id=personal_id,
        unit=unit,
        phone="0912345678",
    )
    return user


def make_procedure(
    *,
    code: str = "1.001193",
    days: Decimal | None = Decimal(3),
    hours: Decimal | None = None,
    fee: int = 0,
    online_mode: str = OnlineMode.FULL,
    steps: list[tuple[str, str, str, int]] | None = None,
) -> Procedure:
    sector, _ = Sector.objects.get_or_create(code="HOTICH", defaults={"name": "Hộ tịch"})
    procedure = Procedure.objects.create(
        code=code,
        name="Thủ tục đăng ký khai sinh",
        sector=sector,
        at_commune=True,
        receiving_slot=AgencySlot.COMMUNE_COMMITTEE,
        deciding_slot=AgencySlot.COMMUNE_COMMITTEE,
        processing_days=days,
        processing_hours=hours,
        fee_vnd=fee,
        online_mode=online_mode,
        results=["Giấy khai sinh"],
        form_schema=BIRTH_FORM,
    )
    ProcedureComponent.objects.create(
        procedure=procedure, order=1, name="Giấy chứng sinh", kind=ComponentKind.ORIGINAL
    )
    for order, (name, role, agency, share) in enumerate(
        steps
        or [
            ("Tiếp nhận hồ sơ", Role.DESK_OFFICER, StepAgency.RECEIVING, 10),
            ("Thẩm định", Role.SPECIALIST, StepAgency.DECIDING, 60),
            ("Ký duyệt", Role.LEADER, StepAgency.DECIDING, 30),
        ],
        start=1,
    ):
        ProcessStep.objects.create(
            procedure=procedure, order=order, name=name, role=role, agency=agency, share=share
        )
    return procedure


def make_world() -> World:
    n = next(_counter)
    province = AdministrativeUnit.objects.create(
        code="44", name="Tỉnh Quảng Trị", level=UnitLevel.PROVINCE, kind=UnitKind.PROVINCE,
        valid_from=dt.date(2025, 7, 1),
    )  # fmt: skip
    commune = AdministrativeUnit.objects.create(
        code="18880", name="Phường Đồng Hới", level=UnitLevel.COMMUNE, kind=UnitKind.WARD,
        parent=province, valid_from=dt.date(2025, 7, 1),
    )  # fmt: skip
    other = AdministrativeUnit.objects.create(
        code="18859", name="Phường Đồng Thuận", level=UnitLevel.COMMUNE, kind=UnitKind.WARD,
        parent=province, valid_from=dt.date(2025, 7, 1),
    )  # fmt: skip
    committee = Agency.objects.create(
        code="H44.40.01", name="UBND Phường Đồng Hới", level=AgencyLevel.COMMUNE_COMMITTEE,
        unit=commune, key="commune_18880",
    )  # fmt: skip
    other_committee = Agency.objects.create(
        code="H44.40.02", name="UBND Phường Đồng Thuận", level=AgencyLevel.COMMUNE_COMMITTEE,
        unit=other, key="commune_18859",
    )  # fmt: skip
    desk = make_user(f"desk{n}", first_name="Võ Thị Lan")
    specialist = make_user(f"spec{n}", first_name="Đặng Văn Nam")
    leader = make_user(f"lead{n}", first_name="Bùi Thị Mai")
    outsider = make_user(f"out{n}")
    officer_assign(actor=None, user=desk, agency=committee, role=Role.DESK_OFFICER)
    officer_assign(actor=None, user=specialist, agency=committee, role=Role.SPECIALIST)
    officer_assign(actor=None, user=leader, agency=committee, role=Role.LEADER)
    officer_assign(actor=None, user=outsider, agency=other_committee, role=Role.DESK_OFFICER)
    officer_assign(actor=None, user=outsider, agency=other_committee, role=Role.SPECIALIST)
    officer_assign(actor=None, user=outsider, agency=other_committee, role=Role.LEADER)
    citizen = make_applicant(f"cd{n}", "Nguyễn Văn Đức", "044090001234", commune)
    other_citizen = make_applicant(f"cd{n}b", "Trần Thị Ánh", "045195004321", commune)
    return World(
        province=province, commune=commune, committee=committee,
        other_committee=other_committee, procedure=make_procedure(), desk=desk,
        specialist=specialist, leader=leader, outsider=outsider, citizen=citizen,
        other_citizen=other_citizen,
    )  # fmt: skip


VALID_FORM = {"child_name": "Nguyễn Thị Bảo Ngọc", "birth_date": "2026-03-01", "sex": "Nữ"}

# A minimal valid PDF (filetype sniffs the %PDF header).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
