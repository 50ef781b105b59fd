"""Builders for the question tests: two wards, their committees, the service centre, officers."""

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
from tinhso.procedures.models import AgencySlot, OnlineMode, Procedure, Sector

_counter = itertools.count(1)
PASSWORD = "pw-123456"


@dataclass
class World:
    province: AdministrativeUnit
    commune: AdministrativeUnit
    other_commune: AdministrativeUnit
    committee: Agency
    other_committee: Agency
    centre: Agency
    department: Agency
    birth: Procedure  # commune level: the ward's committee answers
    company: Procedure  # province level: the service centre answers
    officer: object  # specialist of the committee
    desk: object  # desk officer of the committee
    outsider: object  # officer of the other committee
    centre_officer: object
    ioc: object  # operations-centre viewer of the committee (not a handling role)
    admin: object  # province administrator
    citizen: object  # profile in ``commune``
    other_citizen: object
    nobody: object  # an account without profile or role


def make_user(username: str, first_name: str = "", **extra):
    user = get_user_model()(username=username, first_name=first_name or username, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_citizen(username: str, full_name: str, personal_id: str, unit=None):
    user = make_user(username, full_name)
    ApplicantProfile.objects.create(
        user=user,
        kind=ApplicantKind.CITIZEN,
        full_name=full_name,
        personal_id=personal_id,
        unit=unit,
        phone="0912345678",
    )
    return user


def make_procedure(code: str, name: str, sector: Sector, **values) -> Procedure:
    defaults = {
        "at_commune": True,
        "receiving_slot": AgencySlot.COMMUNE_COMMITTEE,
        "deciding_slot": AgencySlot.COMMUNE_COMMITTEE,
        "processing_days": Decimal(3),
        "online_mode": OnlineMode.FULL,
    }
    defaults.update(values)
    return Procedure.objects.create(code=code, name=name, sector=sector, **defaults)


def make_world() -> World:
    n = next(_counter)
    start = dt.date(2025, 7, 1)
    province = AdministrativeUnit.objects.create(
        code="44", name="Tỉnh Quảng Trị", level=UnitLevel.PROVINCE, kind=UnitKind.PROVINCE,
        valid_from=start,
    )  # fmt: skip
    commune = AdministrativeUnit.objects.create(
        code="18880", name="Phường Đồng Hới", level=UnitLevel.COMMUNE, kind=UnitKind.WARD,
        parent=province, valid_from=start,
    )  # fmt: skip
    other_commune = AdministrativeUnit.objects.create(
        code="18859", name="Phường Đồng Thuận", level=UnitLevel.COMMUNE, kind=UnitKind.WARD,
        parent=province, valid_from=start,
    )  # fmt: skip
    committee = Agency.objects.create(
        code="H44.40.01", name="UBND Phường Đồng Hới", level=AgencyLevel.COMMUNE_COMMITTEE,
        unit=commune, key="commune_18880",
    )  # fmt: skip
    other_committee = Agency.objects.create(
        code="H44.40.02", name="UBND Phường Đồng Thuận", level=AgencyLevel.COMMUNE_COMMITTEE,
        unit=other_commune, key="commune_18859",
    )  # fmt: skip
    centre = Agency.objects.create(
        code="H44.20", name="Trung tâm Phục vụ hành chính công tỉnh",
        level=AgencyLevel.SERVICE_CENTRE, unit=province, key="service_centre",
    )  # fmt: skip
    department = Agency.objects.create(
        code="H44.03", name="Sở Tư pháp", level=AgencyLevel.PROVINCE_DEPARTMENT, unit=province,
        key="so_tu_phap",
    )  # fmt: skip
    civil, _ = Sector.objects.get_or_create(code="HOTICH", defaults={"name": "Hộ tịch"})
    business, _ = Sector.objects.get_or_create(
        code="DOANHNGHIEP", defaults={"name": "Thành lập và hoạt động doanh nghiệp"}
    )
    birth = make_procedure("1.001193", "Thủ tục đăng ký khai sinh", civil)
    company = make_procedure(
        "2.001610", "Đăng ký thành lập doanh nghiệp tư nhân", business,
        at_commune=False, at_province=True, receiving_slot=AgencySlot.SERVICE_CENTRE,
        deciding_slot=AgencySlot.DEPARTMENT, deciding_department=department,
    )  # fmt: skip
    officer = make_user(f"chuyenvien{n}", "Đặng Văn Nam")
    desk = make_user(f"motcua{n}", "Võ Thị Lan")
    outsider = make_user(f"ngoai{n}", "Phan Văn Khác")
    centre_officer = make_user(f"trungtam{n}", "Nguyễn Thị Hoa")
    ioc = make_user(f"ioc{n}", "Trung tâm IOC")
    admin = make_user(f"quantri{n}", "Quản trị tỉnh")
    officer_assign(actor=None, user=officer, agency=committee, role=Role.SPECIALIST)
    officer_assign(actor=None, user=desk, agency=committee, role=Role.DESK_OFFICER)
    officer_assign(actor=None, user=outsider, agency=other_committee, role=Role.SPECIALIST)
    officer_assign(actor=None, user=centre_officer, agency=centre, role=Role.DESK_OFFICER)
    officer_assign(actor=None, user=ioc, agency=committee, role=Role.IOC_VIEWER)
    officer_assign(actor=None, user=admin, agency=centre, role=Role.PROVINCE_ADMIN)
    citizen = make_citizen(f"congdan{n}", "Nguyễn Văn Đức", "044090001234", commune)
    other_citizen = make_citizen(f"congdan{n}b", "Trần Thị Ánh", "045195004321", commune)
    nobody = make_user(f"khach{n}", "Khách")
    return World(
        province=province, commune=commune, other_commune=other_commune, committee=committee,
        other_committee=other_committee, centre=centre, department=department, birth=birth,
        company=company, officer=officer, desk=desk, outsider=outsider,
        centre_officer=centre_officer, ioc=ioc, admin=admin, citizen=citizen,
        other_citizen=other_citizen, nobody=nobody,
    )  # fmt: skip


BIRTH_TITLE = "Đăng ký khai sinh cho con sinh ở bệnh viện tỉnh"
BIRTH_BODY = "Con tôi sinh tại bệnh viện tỉnh tuần trước. Tôi cần mang những giấy tờ gì đến phường?"
BIRTH_ANSWER = (
    "Chào công dân, hồ sơ gồm Tờ khai đăng ký khai sinh và Giấy chứng sinh do bệnh viện cấp; "
    "đăng ký khai sinh đúng hạn được miễn lệ phí."
)
