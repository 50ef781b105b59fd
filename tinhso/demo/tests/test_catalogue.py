from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tinhso.core.errors import DomainError
from tinhso.demo.catalogue import demo_catalogue_path, load_demo_catalogue
from tinhso.demo.province import load_demo
from tinhso.procedures.models import Procedure, Sector
from tinhso.procedures.selectors import procedure_agencies
from tinhso.procedures.services import procedure_validate_form

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not demo_catalogue_path("44").exists(), reason="the demo catalogue is not written yet"
    ),
]


@pytest.fixture
def demo_province(settings):
    # The demo accounts' passwords: a fast hasher for tests (Argon2 takes seconds for all).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo("44")


def test_demo_catalogue_loads_once(demo_province):
    report = load_demo_catalogue("44")
    assert report.ok, report.rejection_lines()
    assert report.created >= 60
    assert Procedure.objects.count() >= 60
    assert Sector.objects.count() >= 10
    again = load_demo_catalogue("44")
    assert (again.created, again.updated) == (0, 0)
    assert again.unchanged == report.created


def test_demo_command(demo_province):
    out = io.StringIO()
    call_command("load_demo_catalogue", province="44", stdout=out)
    call_command("load_demo_catalogue", province="44", stdout=out)
    assert "tạo mới 0, cập nhật 0" in out.getvalue().splitlines()[-1]


def test_demo_procedures_are_usable(demo_province):
    from tinhso.core.models import AdministrativeUnit

    load_demo_catalogue("44")
    commune = AdministrativeUnit.objects.filter(level="commune", valid_to=None).first()
    for procedure in Procedure.objects.prefetch_related("steps"):
        agencies = procedure_agencies(procedure, commune_unit=commune)
        assert agencies.receiving.is_active and agencies.deciding.is_active
        assert sum(step.share for step in procedure.steps.all()) == 100
        # An empty application is refused by every form that has required fields.
        if procedure.form_schema.get("required"):
            with pytest.raises(DomainError):
                procedure_validate_form(procedure=procedure, data={})
