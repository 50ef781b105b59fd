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


def test_demo_blank_forms_are_generated_pdfs_and_loaded_once(demo_province):
    """A few application forms (tờ khai, đơn) get a blank form made at load time: a PDF with
    the form's title and its fields, stored once (loading again keeps them)."""
    import pypdf

    from tinhso.demo.blank_forms import DEMO_PROCEDURES
    from tinhso.procedures.models import ProcedureComponent

    load_demo_catalogue("44")
    with_forms = ProcedureComponent.objects.exclude(blank_form="")
    assert {c.procedure.code for c in with_forms} == set(DEMO_PROCEDURES)
    birth = with_forms.get(procedure__code="1.001193")
    assert birth.blank_form_type == "application/pdf"
    assert birth.blank_form_name.endswith(".pdf")
    with birth.blank_form.open("rb") as handle:
        text = pypdf.PdfReader(handle).pages[0].extract_text()
    assert "TỜ KHAI ĐĂNG KÝ KHAI SINH" in text
    assert "Ngày, tháng, năm sinh" in text
    names = set(with_forms.values_list("blank_form", flat=True))
    load_demo_catalogue("44")
    assert (
        set(ProcedureComponent.objects.exclude(blank_form="").values_list("blank_form", flat=True))
        == names
    )
