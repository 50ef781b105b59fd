"""The demo province: agencies with valid codes, accounts, applicants; loading twice is a no-op."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tinhso.core.models import (
    AdministrativeUnit,
    Agency,
    AgencyLevel,
    ApplicantProfile,
    AuditEvent,
    OfficerAssignment,
    UnitLevel,
    UnitSuccession,
)
from tinhso.core.validators import validate_agency_code
from tinhso.demo.province import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo44(db):
    return load_demo("44")


def _dump() -> dict[str, list]:
    user_model = get_user_model()
    return {
        "units": list(AdministrativeUnit.objects.order_by("pk").values()),
        "successions": list(UnitSuccession.objects.order_by("pk").values()),
        "agencies": list(Agency.objects.order_by("pk").values()),
        "users": list(user_model.objects.order_by("pk").values()),
        "groups": list(user_model.groups.through.objects.order_by("pk").values()),
        "assignments": list(OfficerAssignment.objects.order_by("pk").values()),
        "applicants": list(ApplicantProfile.objects.order_by("pk").values()),
        "audit": list(AuditEvent.objects.order_by("seq").values_list("seq", "hash")),
    }


def test_demo_creates_the_agency_tree(demo44):
    province = AdministrativeUnit.objects.get(
        level=UnitLevel.PROVINCE, code="44", valid_to__isnull=True
    )
    committee = Agency.objects.get(level=AgencyLevel.PROVINCE_COMMITTEE)
    assert committee.code == "H44"
    assert committee.unit == province
    assert committee.parent is None

    departments = Agency.objects.filter(level=AgencyLevel.PROVINCE_DEPARTMENT)
    assert departments.count() == 15
    assert set(departments.values_list("parent", flat=True)) == {committee.pk}

    centre = Agency.objects.get(level=AgencyLevel.SERVICE_CENTRE)
    assert centre.parent == committee

    commune_committees = Agency.objects.filter(level=AgencyLevel.COMMUNE_COMMITTEE)
    assert commune_committees.count() == 78
    assert set(commune_committees.values_list("parent", flat=True)) == {committee.pk}
    served = set(commune_committees.values_list("unit", flat=True))
    communes = province.children.filter(level=UnitLevel.COMMUNE, valid_to__isnull=True)
    assert served == set(communes.values_list("pk", flat=True))

    assert Agency.objects.count() == 1 + 15 + 1 + 78
    assert len(committee.descendants_and_self()) == 95


def test_every_demo_agency_code_validates(demo44):
    codes = list(Agency.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 95
    for code in codes:
        validate_agency_code(code)
    for agency in Agency.objects.all():
        agency.full_clean()


def test_demo_accounts_and_applicants(demo44):
    _totals, accounts = demo44
    user_model = get_user_model()
    admin = user_model.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert OfficerAssignment.objects.filter(user=admin, role="province_admin").exists()
    assert {username for username, _password, _text in accounts} >= {"admin", "congdan1"}
    citizen = ApplicantProfile.objects.get(user__username="congdan1")
    assert citizen.personal_id == "044090001234"
    assert citizen.unit.code == "18880"
    business = ApplicantProfile.objects.get(user__username="doanhnghiep1")
    assert business.tax_code == "3100123459"


def test_loading_the_demo_twice_changes_nothing(demo44):
    before = _dump()

    totals, _accounts = load_demo("44")

    assert totals["created"] == 0
    assert totals["updated"] == 0
    assert _dump() == before


def test_load_demo_command_twice(db, settings):
    # The core part only: other apps' demo loaders (TINHSO_DEMO_LOADERS) have their own tests.
    settings.TINHSO_DEMO_LOADERS = []
    call_command("load_demo", province="44", quiet_accounts=True, stdout=StringIO())
    before = _dump()
    out = StringIO()
    call_command("load_demo", "--province", "44", "--quiet-accounts", stdout=out)
    assert "44" in out.getvalue()
    assert _dump() == before


def test_demo_load_is_audited_once(demo44):
    assert AuditEvent.objects.filter(action="demo.load").count() == 1
    load_demo("44")
    assert AuditEvent.objects.filter(action="demo.load").count() == 1
