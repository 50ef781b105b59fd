"""Small factories for the core tests: plain functions, explicit arguments, no magic."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth import get_user_model

from tinhso.core.models import (
    AdministrativeUnit,
    Agency,
    AgencyLevel,
    ApplicantKind,
    ApplicantProfile,
    UnitKind,
    UnitLevel,
)

_counter = itertools.count(1)

PASSWORD = "mat-khau-thu-nghiem"


def make_user(username: str | None = None, *, password: str = PASSWORD, **extra):
    username = username or f"user{next(_counter)}"
    return get_user_model().objects.create_user(username, password=password, **extra)


def make_superuser(username: str = "quantri", *, password: str = PASSWORD):
    return get_user_model().objects.create_superuser(
        username, email=f"{username}@example.vn", password=password
    )


def make_province(code: str = "44", name: str = "Tỉnh Thử Nghiệm") -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(
        code=code,
        name=name,
        level=UnitLevel.PROVINCE,
        kind=UnitKind.PROVINCE,
        valid_from=dt.date(2025, 7, 1),
    )


def make_commune(province: AdministrativeUnit, code: str | None = None) -> AdministrativeUnit:
    code = code or f"{90000 + next(_counter):05d}"
    return AdministrativeUnit.objects.create(
        code=code,
        name=f"Xã Thử {code}",
        level=UnitLevel.COMMUNE,
        kind=UnitKind.COMMUNE,
        parent=province,
        valid_from=dt.date(2025, 7, 1),
    )


def make_agency(
    code: str = "H44.99",
    *,
    unit: AdministrativeUnit | None = None,
    name: str = "Sở Thử Nghiệm",
    level: str = AgencyLevel.PROVINCE_DEPARTMENT,
    parent: Agency | None = None,
) -> Agency:
    if unit is None:
        unit = (
            AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, valid_to__isnull=True)
            .order_by("code")
            .first()
        ) or make_province()
    return Agency.objects.create(code=code, name=name, level=level, unit=unit, parent=parent)


def make_applicant(
    *, personal_id: str = "044090009999", full_name: str = "Lê Văn Thử", user=None
) -> ApplicantProfile:
    user = user or make_user()
    return ApplicantProfile.objects.create(
        user=user, kind=ApplicantKind.CITIZEN, full_name=full_name, personal_id=personal_id
    )
