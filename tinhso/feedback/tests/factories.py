"""A small province for feedback tests: three communes, their committees, two departments,
officers, citizens, the real category tree and a few routing and SLA rules."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

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
from tinhso.core.services import LoadReport, officer_assign
from tinhso.feedback.categories import load_categories
from tinhso.feedback.models import Category, RoutingRule, RoutingTarget, SlaRule

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Monday 23 November 2026, 09:00 in Vietnam; Tuesday 24 is Vietnam Culture Day (a day off).
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=VN)
DONG_HOI = ("17.468700", "106.622300")
DONG_THUAN = ("17.480000", "106.605000")
VINH_LINH = ("17.060000", "107.030000")
HUE = ("16.463700", "107.590900")  # Thành phố Huế: outside the province
_counter = itertools.count(1)


@dataclass
class World:
    province: AdministrativeUnit
    dong_hoi: AdministrativeUnit  # ward 18880
    dong_thuan: AdministrativeUnit  # ward 18859
    vinh_linh: AdministrativeUnit  # commune 19363
    committee_dh: Agency
    committee_dt: Agency
    committee_vl: Agency
    office: Agency  # van_phong_ubnd: the fallback
    construction: Agency  # so_xay_dung
    officer_dh: object  # specialist at Đồng Hới
    desk_dh: object
    officer_dt: object  # specialist at Đồng Thuận
    officer_xd: object  # specialist at the construction department
    ioc: object
    admin: object
    citizen: object
    citizen2: object


def make_user(username: str, **extra):
    user = get_user_model()(username=username, first_name=extra.pop("first_name", username))
    user.set_password("pw-123456")
    user.save()
    return user


def _unit(code: str, name: str, kind: str, parent=None, level=UnitLevel.COMMUNE):
    return AdministrativeUnit.objects.create(
        code=code, name=name, level=level, kind=kind, parent=parent,
        valid_from=dt.date(2025, 7, 1),
    )  # fmt: skip


def _agency(code: str, name: str, unit, key: str, level=AgencyLevel.COMMUNE_COMMITTEE):
    return Agency.objects.create(code=code, name=name, unit=unit, key=key, level=level)


def make_world() -> World:
    province = _unit("44", "Tỉnh Quảng Trị", UnitKind.PROVINCE, level=UnitLevel.PROVINCE)
    dong_hoi = _unit("18880", "Phường Đồng Hới", UnitKind.WARD, province)
    dong_thuan = _unit("18859", "Phường Đồng Thuận", UnitKind.WARD, province)
    vinh_linh = _unit("19363", "Xã Vĩnh Linh", UnitKind.COMMUNE, province)
    committee = _agency("H44", "UBND tỉnh", province, "ubnd_tinh", AgencyLevel.PROVINCE_COMMITTEE)
    office = _agency(
        "H44.01", "Văn phòng UBND tỉnh", province, "van_phong_ubnd",
        AgencyLevel.PROVINCE_DEPARTMENT,
    )  # fmt: skip
    construction = _agency(
        "H44.05", "Sở Xây dựng", province, "so_xay_dung", AgencyLevel.PROVINCE_DEPARTMENT
    )
    committee_dh = _agency("H44.40.01", "UBND Phường Đồng Hới", dong_hoi, "commune_18880")
    committee_dt = _agency("H44.40.02", "UBND Phường Đồng Thuận", dong_thuan, "commune_18859")
    committee_vl = _agency("H44.40.03", "UBND Xã Vĩnh Linh", vinh_linh, "commune_19363")
    n = next(_counter)
    officer_dh = make_user(f"cv-dh{n}", first_name="Đặng Văn Nam")
    desk_dh = make_user(f"mc-dh{n}", first_name="Võ Thị Lan")
    officer_dt = make_user(f"cv-dt{n}", first_name="Lê Văn Tâm")
    officer_xd = make_user(f"cv-xd{n}", first_name="Phạm Thu Trang")
    ioc = make_user(f"ioc{n}", first_name="Trung tâm IOC")
    admin = make_user(f"qt{n}", first_name="Quản trị tỉnh")
    officer_assign(actor=None, user=officer_dh, agency=committee_dh, role=Role.SPECIALIST)
    officer_assign(actor=None, user=desk_dh, agency=committee_dh, role=Role.DESK_OFFICER)
    officer_assign(actor=None, user=officer_dt, agency=committee_dt, role=Role.SPECIALIST)
    officer_assign(actor=None, user=officer_xd, agency=construction, role=Role.SPECIALIST)
    officer_assign(actor=None, user=ioc, agency=committee, role=Role.IOC_VIEWER)
    officer_assign(actor=None, user=admin, agency=committee, role=Role.PROVINCE_ADMIN)
    citizen = make_user(f"cd{n}", first_name="Nguyễn Văn Đức")
    ApplicantProfile.objects.create(
        user=citizen, kind=ApplicantKind.CITIZEN, full_name="Nguyễn Văn Đức",
        personal_id=f"0440900{n:05d}", phone="0912345678", unit=dong_hoi,
    )  # fmt: skip
    citizen2 = make_user(f"cd{n}b", first_name="Trần Thị Ánh")
    load_categories(LoadReport())
    make_rules(office=office, construction=construction, dong_hoi=dong_hoi)
    return World(
        province=province, dong_hoi=dong_hoi, dong_thuan=dong_thuan, vinh_linh=vinh_linh,
        committee_dh=committee_dh, committee_dt=committee_dt, committee_vl=committee_vl,
        office=office, construction=construction, officer_dh=officer_dh, desk_dh=desk_dh,
        officer_dt=officer_dt, officer_xd=officer_xd, ioc=ioc, admin=admin, citizen=citizen,
        citizen2=citizen2,
    )  # fmt: skip


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def make_rules(*, office: Agency, construction: Agency, dong_hoi: AdministrativeUnit) -> None:
    RoutingRule.objects.create(target=RoutingTarget.AGENCY, agency=office, priority=900)
    RoutingRule.objects.create(target=RoutingTarget.COMMUNE_COMMITTEE, priority=500)
    RoutingRule.objects.create(
        category=category("ngap-ung"), commune=dong_hoi,
        target=RoutingTarget.AGENCY, agency=construction,
    )  # fmt: skip
    RoutingRule.objects.create(
        category=category("bien-bao-den-tin-hieu"), commune_kind=UnitKind.WARD,
        target=RoutingTarget.AGENCY, agency=construction,
    )  # fmt: skip
    RoutingRule.objects.create(
        category=category("cap-thoat-nuoc"), target=RoutingTarget.COMMUNE_COMMITTEE, priority=50
    )
    SlaRule.objects.create(urgency="normal", days=Decimal(10))
    SlaRule.objects.create(urgency="urgent", days=Decimal(1))
    SlaRule.objects.create(category=category("chieu-sang"), urgency="normal", days=Decimal(5))
    SlaRule.objects.create(category=category("chieu-sang"), urgency="urgent", hours=Decimal(8))


def jpeg_bytes(
    *, gps: tuple[float, float] | None = None, size=(64, 48), colour=(200, 30, 30)
) -> bytes:
    """A small JPEG, with an EXIF GPS position (and a camera name) when ``gps`` is given."""
    from PIL import Image

    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    if gps is None:
        image.save(out, "JPEG")
        return out.getvalue()
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    block = exif.get_ifd(0x8825)

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
        return (float(degrees), float(minutes), seconds)

    block[1] = "N" if gps[0] >= 0 else "S"
    block[2] = dms(gps[0])
    block[3] = "E" if gps[1] >= 0 else "W"
    block[4] = dms(gps[1])
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def photo(name: str = "den-duong.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
