from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from tinhso.core.models import AuditEvent
from tinhso.procedures.models import Procedure
from tinhso.testing.factories import CATALOGUE_FORM as BIRTH_FORM
from tinhso.testing.factories import make_agencies, make_sector
from tinhso.testing.factories import make_catalogue_procedure as make_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = get_user_model().objects.create_superuser("root", password="pw-123456")
    client.force_login(user)
    make_agencies()
    return client


def _form(sector_id: int, **overrides) -> dict[str, str]:
    data = {
        "code": "1.001193",
        "code_verified": "on",
        "name": "Đăng ký khai sinh",
        "sector": str(sector_id),
        "is_active": "on",
        "at_commune": "on",
        "receiving_slot": "commune_committee",
        "deciding_slot": "commune_committee",
        "processing_days": "3",
        "processing_hours": "",
        "fee_vnd": "0",
        "fee_note": "",
        "online_mode": "full",
        "legal_basis": "",
        "results": '["Giấy khai sinh"]',
        "form_schema": json.dumps(BIRTH_FORM),
        "components-TOTAL_FORMS": "1",
        "components-INITIAL_FORMS": "0",
        "components-0-order": "1",
        "components-0-name": "Tờ khai",
        "components-0-kind": "original",
        "components-0-count": "1",
        "components-0-required": "on",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-0-order": "1",
        "steps-0-name": "Tiếp nhận",
        "steps-0-role": "desk_officer",
        "steps-0-agency": "receiving",
        "steps-0-share": "20",
        "steps-1-order": "2",
        "steps-1-name": "Phê duyệt",
        "steps-1-role": "leader",
        "steps-1-agency": "deciding",
        "steps-1-share": "80",
    }
    data.update(overrides)
    return data


def test_add_procedure_is_audited(admin_client):
    sector = make_sector()
    response = admin_client.post(reverse("admin:procedures_procedure_add"), _form(sector.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    procedure = Procedure.objects.get(code="1.001193")
    assert procedure.steps.count() == 2
    assert procedure.form_schema["x-order"] == ["child_name", "birth_date", "sex"]
    actions = list(
        AuditEvent.objects.filter(object_id=str(procedure.pk)).values_list("action", flat=True)
    )
    assert sorted(actions) == ["admin.add", "admin.change_related"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"steps-1-share": "70"}, "must add up to 100%"),
        ({"form_schema": '{"type": "object", "properties": {"a": {"type": "strin"}}}'}, "JSON"),
        ({"processing_hours": "4"}, "either in working days or in working hours"),
        ({"deciding_slot": "department"}, "Choose the department"),
    ],
)
def test_validation(admin_client, overrides, message):
    sector = make_sector()
    with translation.override("en"):
        response = admin_client.post(
            reverse("admin:procedures_procedure_add"),
            _form(sector.pk, **overrides),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Procedure.objects.exists()


def test_search_and_filters(admin_client):
    make_procedure()
    url = reverse("admin:procedures_procedure_changelist")
    response = admin_client.get(url, {"q": "dang ky KHAI"})
    assert response.status_code == 200
    assert "1.001193" in response.content.decode()
    response = admin_client.get(url, {"level": "province"})
    assert "1.001193" not in response.content.decode()


def test_export_action(admin_client):
    procedure = make_procedure()
    response = admin_client.post(
        reverse("admin:procedures_procedure_changelist"),
        {"action": "export_xlsx", "_selected_action": [procedure.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"
