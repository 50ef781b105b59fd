"""The demo province: agencies, officers and applicants from ``data/province_<province>.json``.

Everything here is idempotent: loading twice changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError
from tinhso.core.models import (
    AdministrativeUnit,
    Agency,
    AgencyLevel,
    ApplicantProfile,
    OfficerAssignment,
    UnitLevel,
)
from tinhso.core.services import (
    LoadReport,
    officer_assign,
    units_load_basemap_points,
    units_load_province,
    validate_or_raise,
)
from tinhso.core.sync import sync_row

DATA_DIR = Path(__file__).resolve().parent / "data"


def demo_data(province_code: str) -> dict[str, Any]:
    path = DATA_DIR / f"province_{province_code}.json"
    if not path.exists():
        raise DomainError("no_demo", f"No demo data for province {province_code}")
    return json.loads(path.read_text("utf-8"))


def load_demo_agencies(province_code: str) -> LoadReport:
    data = demo_data(province_code)
    report = LoadReport()
    province = AdministrativeUnit.objects.get(
        level=UnitLevel.PROVINCE, code=province_code, valid_to__isnull=True
    )
    tally = report.tally
    committee = sync_row(
        Agency,
        {"code": data["root_code"]},
        {
            "name": data["committee"]["name"],
            "short_name": data["committee"]["short_name"],
            "key": data["committee"]["key"],
            "level": AgencyLevel.PROVINCE_COMMITTEE,
            "unit": province,
            "parent": None,
        },
        tally,
    )
    centre = data["service_centre"]
    sync_row(
        Agency,
        {"code": centre["code"]},
        {
            "name": centre["name"],
            "short_name": centre["short_name"],
            "key": centre["key"],
            "address": centre.get("address", ""),
            "level": AgencyLevel.SERVICE_CENTRE,
            "unit": province,
            "parent": committee,
        },
        tally,
    )
    for dept in data["departments"]:
        sync_row(
            Agency,
            {"code": dept["code"]},
            {
                "name": dept["name"],
                "key": dept["key"],
                "level": AgencyLevel.PROVINCE_DEPARTMENT,
                "unit": province,
                "parent": committee,
            },
            tally,
        )
    communes = province.children.filter(level=UnitLevel.COMMUNE, valid_to__isnull=True)
    for index, commune in enumerate(communes.order_by("code"), start=1):
        sync_row(
            Agency,
            {"code": f"{data['root_code']}.{data['commune_group']}.{index:02d}"},
            {
                "name": f"Ủy ban nhân dân {commune.name}",
                "short_name": f"UBND {commune.name}",
                "key": f"commune_{commune.code}",
                "level": AgencyLevel.COMMUNE_COMMITTEE,
                "unit": commune,
                "parent": committee,
            },
            tally,
        )
    return report


def _agency_by_ref(ref: str) -> Agency:
    if ref.startswith("commune:"):
        return Agency.objects.get(key=f"commune_{ref.split(':', 1)[1]}")
    return Agency.objects.get(key=ref)


def audit_demo_load(action: str, province_code: str, label: str, tally: Counter) -> None:
    """The one audit event of a demo load that changed something: what it counted."""
    audit_record(
        actor=None,
        action=action,
        object_type="province",
        object_id=province_code,
        object_repr=f"{label} {province_code}",
        after=dict(tally),
    )


def load_demo_accounts(province_code: str) -> tuple[LoadReport, list[tuple[str, str, str]]]:
    """Create the demo accounts; returns (report, [(username, password, description)])."""
    data = demo_data(province_code)
    user_model = get_user_model()
    report = LoadReport()
    printed: list[tuple[str, str, str]] = []
    for item in data["accounts"]:
        user = user_model.objects.filter(username=item["username"]).first()
        if user is None:
            user = user_model(username=item["username"], is_staff=True)
            user.set_password(item["password"])
            report.tally["created"] += 1
        else:
            report.tally["unchanged"] += 1
        wanted = {"first_name": item["full_name"], "is_superuser": bool(item.get("superuser"))}
        if user.pk is None or any(getattr(user, k) != v for k, v in wanted.items()):
            for name, value in wanted.items():
                setattr(user, name, value)
            user.is_staff = True
            user.save()
        roles = []
        for agency_ref, role in item["roles"]:
            agency = _agency_by_ref(agency_ref)
            if not OfficerAssignment.objects.filter(user=user, agency=agency, role=role).exists():
                officer_assign(actor=None, user=user, agency=agency, role=role)
            roles.append(f"{role}@{agency.short_name or agency.name}")
        printed.append((item["username"], item["password"], ", ".join(roles)))
    for item in data["applicants"]:
        user = user_model.objects.filter(username=item["username"]).first()
        if user is None:
            user = user_model.objects.create_user(item["username"], password=item["password"])
            report.tally["created"] += 1
        unit = AdministrativeUnit.objects.filter(
            level=UnitLevel.COMMUNE, code=item["commune"], valid_to__isnull=True
        ).first()
        profile_values = {
            "kind": item["kind"],
            "full_name": item["full_name"],
            "personal_id": item.get("personal_id", ""),
            "tax_code": item.get("tax_code", ""),
            "phone": item.get("phone", ""),
            "address": item.get("address", ""),
            "unit": unit,
        }
        profile = ApplicantProfile.objects.filter(user=user).first() or ApplicantProfile(user=user)
        if profile.pk is None or any(getattr(profile, k) != v for k, v in profile_values.items()):
            for name, value in profile_values.items():
                setattr(profile, name, value)
            validate_or_raise(profile)
            profile.save()
        printed.append((item["username"], item["password"], item["full_name"]))
    return report, printed


def load_demo(province_code: str) -> tuple[Counter, list[tuple[str, str, str]]]:
    """Units, agencies and accounts of the demo province, in one transaction."""
    totals: Counter = Counter()
    with transaction.atomic():
        totals.update(units_load_province(province_code=province_code).tally)
        points = units_load_basemap_points(province_code=province_code).tally
        totals.update({k: v for k, v in points.items() if k != "missing"})
        agencies = load_demo_agencies(province_code)
        totals.update(agencies.tally)
        accounts, printed = load_demo_accounts(province_code)
        totals.update(accounts.tally)
        if agencies.changed:
            audit_demo_load("demo.load", province_code, "demo", agencies.tally)
    return totals, printed
