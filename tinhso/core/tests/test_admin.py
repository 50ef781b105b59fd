"""The Django admin: clear messages for bad identifiers, and every change in the audit log."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import escape

from tinhso.core.audit import audit_verify
from tinhso.core.models import Agency, AgencyLevel, ApplicantProfile, AuditEvent
from tinhso.core.validators import validate_agency_code, validate_personal_id
from tinhso.testing.factories import PASSWORD, make_agency, make_province, make_superuser, make_user

pytestmark = pytest.mark.django_db

INLINE_MANAGEMENT = {
    "assignments-TOTAL_FORMS": "0",
    "assignments-INITIAL_FORMS": "0",
    "assignments-MIN_NUM_FORMS": "0",
    "assignments-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def admin_client(client):
    """A superuser logged in through the real login (username and password)."""
    superuser = make_superuser("quantri")
    assert client.login(request=HttpRequest(), username="quantri", password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi"
    client.superuser = superuser
    return client


def _message(validator, value) -> str:
    try:
        validator(value)
    except ValidationError as exc:
        return exc.messages[0]
    raise AssertionError(f"{value!r} was accepted")


def _agency_post(unit, **overrides) -> dict:
    data = {
        "code": "H44.99",
        "name": "Sở Thử Nghiệm",
        "short_name": "",
        "level": AgencyLevel.PROVINCE_DEPARTMENT,
        "parent": "",
        "unit": str(unit.pk),
        "key": "",
        "is_active": "on",
        "address": "",
        "phone": "",
        "email": "",
        **INLINE_MANAGEMENT,
    }
    data.update(overrides)
    return data


def _assert_refused(response, field: str, message: str, model) -> None:
    """The form came back with ``message`` on ``field``; no row and no audit event were written."""
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    content = response.content.decode()
    assert f"errors field-{field}" in content
    assert escape(message) in content
    assert not model.objects.exists()
    assert not AuditEvent.objects.exists()


def test_admin_pages_are_in_vietnamese(admin_client):
    response = admin_client.get("/admin/core/agency/add/")
    assert response.status_code == 200
    assert response["Content-Language"] == "vi"


def test_agency_with_a_wrong_code_is_refused_with_a_field_error(admin_client):
    unit = make_province()
    response = admin_client.post("/admin/core/agency/add/", _agency_post(unit, code="H44-01"))

    assert list(response.context["adminform"].form.errors) == ["code"]
    _assert_refused(response, "code", _message(validate_agency_code, "H44-01"), Agency)


def test_agency_with_a_good_code_is_saved_and_audited(admin_client):
    unit = make_province()
    response = admin_client.post("/admin/core/agency/add/", _agency_post(unit))
    assert response.status_code == 302
    agency = Agency.objects.get(code="H44.99")
    event = AuditEvent.objects.get(action="admin.add")
    assert event.actor_id == admin_client.superuser.pk
    assert event.object_id == str(agency.pk)
    assert event.before is None
    assert event.after["code"] == "H44.99"


def test_applicant_with_a_wrong_personal_id_is_refused_with_a_field_error(admin_client):
    user = make_user("congdan9")
    data = {
        "user": str(user.pk),
        "kind": "citizen",
        "full_name": "Nguyễn Văn Sai",
        "personal_id": "003090001234",
        "tax_code": "",
        "date_of_birth": "",
        "phone": "",
        "email": "",
        "address": "",
        "unit": "",
    }
    response = admin_client.post("/admin/core/applicantprofile/add/", data)

    message = _message(validate_personal_id, "003090001234")
    _assert_refused(response, "personal_id", message, ApplicantProfile)


def test_applicant_with_a_short_personal_id_is_refused(admin_client):
    user = make_user("congdan8")
    data = {"user": str(user.pk), "kind": "citizen", "full_name": "Ngắn", "personal_id": "12345"}
    response = admin_client.post("/admin/core/applicantprofile/add/", data)
    assert response.status_code == 200
    assert "personal_id" in response.context["adminform"].form.errors
    assert not ApplicantProfile.objects.exists()


def test_admin_change_writes_before_and_after_and_the_chain_verifies(admin_client):
    agency = make_agency("H44.98", name="Tên cũ")
    url = f"/admin/core/agency/{agency.pk}/change/"
    data = _agency_post(agency.unit, code="H44.98", name="Tên mới")

    response = admin_client.post(url, data)

    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.name == "Tên mới"
    event = AuditEvent.objects.get(action="admin.change")
    assert event.actor_id == admin_client.superuser.pk
    assert event.actor_repr == "quantri"
    assert event.object_type == "core.agency"
    assert event.object_id == str(agency.pk)
    assert event.before["name"] == "Tên cũ"
    assert event.after["name"] == "Tên mới"
    assert event.before["code"] == event.after["code"] == "H44.98"
    assert list(audit_verify()) == []


def test_admin_delete_is_audited(admin_client):
    agency = make_agency("H44.97", name="Sẽ xóa")
    response = admin_client.post(f"/admin/core/agency/{agency.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Agency.objects.filter(pk=agency.pk).exists()
    event = AuditEvent.objects.get(action="admin.delete")
    assert event.before["name"] == "Sẽ xóa"
    assert list(audit_verify()) == []


def test_the_audit_log_is_read_only_in_the_admin(admin_client):
    make_agency("H44.96")
    from django.db import transaction

    from tinhso.core.audit import audit_record

    with transaction.atomic():
        event = audit_record(actor=None, action="test.entry")
    assert admin_client.get("/admin/core/auditevent/").status_code == 200
    assert admin_client.get("/admin/core/auditevent/add/").status_code == 403
    response = admin_client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_bulk_delete_action_is_atomic_and_audited(client):
    """The changelist's "delete selected" action runs outside the admin's own transaction.

    Without a transaction of its own, the first deletion committed and then the audit entry
    refused to be written outside ``transaction.atomic()`` (a 500 and an unaudited deletion).
    """
    make_superuser("quantri")
    assert client.login(request=HttpRequest(), username="quantri", password=PASSWORD)
    first = make_agency("H44.91", name="Thứ nhất")
    second = make_agency("H44.92", name="Thứ hai")

    response = client.post(
        "/admin/core/agency/",
        {
            "action": "delete_selected",
            "_selected_action": [str(first.pk), str(second.pk)],
            "post": "yes",
            "index": "0",
        },
    )

    assert response.status_code == 302
    assert not Agency.objects.filter(pk__in=[first.pk, second.pk]).exists()
    deleted = AuditEvent.objects.filter(action="admin.delete")
    assert set(deleted.values_list("object_id", flat=True)) == {str(first.pk), str(second.pk)}
    assert list(audit_verify()) == []
