"""Units of the workspace: the schema-built application form, the reception selectors, the
counter reception service."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from tinhso.core.errors import DomainError
from tinhso.core.models import Agency, AgencyLevel, Role
from tinhso.core.services import officer_assign
from tinhso.dossiers.models import Channel, Dossier, State
from tinhso.dossiers.tests.factories import VALID_FORM, make_user
from tinhso.procedures.models import AgencySlot, Procedure, Sector
from tinhso.workspace import selectors
from tinhso.workspace.forms import ApplicationForm
from tinhso.workspace.services import counter_receive

from .conftest import pdf

SCHEMA = {
    "type": "object",
    "required": ["name", "copies", "area", "agree"],
    "x-order": ["name", "copies", "area", "agree", "kind", "lines", "email"],
    "properties": {
        "name": {"type": "string", "title": "Họ tên", "maxLength": 10, "pattern": "^[^0-9]+$"},
        "copies": {"type": "integer", "title": "Số bản", "minimum": 1, "maximum": 5},
        "area": {"type": "number", "title": "Diện tích", "minimum": 0},
        "agree": {"type": "boolean", "title": "Cam kết"},
        "kind": {"type": "string", "title": "Loại", "enum": ["A", "B"]},
        "lines": {"type": "array", "title": "Danh sách", "items": {"type": "string"}},
        "email": {"type": "string", "title": "Thư điện tử", "format": "email"},
    },
}


def form(**values) -> ApplicationForm:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data[f"f_{key}"] = value
    return ApplicationForm(data, schema=SCHEMA)


def test_application_form_builds_typed_json():
    f = form(name="Lan", copies="2", area="12,5", agree="on", kind="B", lines="một\n\nhai\n")
    assert f.is_valid(), f.errors
    assert f.data_for_schema() == {
        "name": "Lan",
        "copies": 2,
        "area": 12.5,
        "agree": True,
        "kind": "B",
        "lines": ["một", "hai"],
    }
    assert list(f.fields) == [f"f_{name}" for name in SCHEMA["x-order"]]
    # An unticked box is false, a whole number stays whole.
    f = form(name="Lan", copies="1", area="40")
    assert f.is_valid(), f.errors
    assert f.data_for_schema()["agree"] is False and f.data_for_schema()["area"] == 40


def test_application_form_reports_schema_errors_next_to_fields():
    f = form(name="Lan 2", copies="9", area="-1", kind="C", email="khong-phai-email")
    assert not f.is_valid()
    assert set(f.errors) >= {"f_copies", "f_kind"}
    # Fields that pass Django's checks are then checked against the schema itself.
    f = form(name="Lan 2", copies="2", area="3", email="khong-phai-email")
    assert not f.is_valid()
    assert set(f.errors) == {"f_name", "f_email"}


@pytest.mark.django_db
def test_receivable_procedures_follow_the_desk(world):
    assert list(selectors.receivable_procedures(user=world.desk)) == [world.procedure]
    assert list(selectors.receivable_procedures(user=world.specialist)) == []
    centre = Agency.objects.create(
        code="H44.20",
        name="Trung tâm Phục vụ hành chính công",
        level=AgencyLevel.SERVICE_CENTRE,
        unit=world.province,
        key="service_centre",
    )
    department = Agency.objects.create(
        code="H44.03", name="Sở Tư pháp", level=AgencyLevel.PROVINCE_DEPARTMENT,
        unit=world.province, key="so_tu_phap",
    )  # fmt: skip
    provincial = Procedure.objects.create(
        code="2.000635",
        name="Thủ tục cấp bản sao trích lục hộ tịch",
        sector=Sector.objects.get(code="HOTICH"),
        at_province=True,
        receiving_slot=AgencySlot.SERVICE_CENTRE,
        deciding_slot=AgencySlot.DEPARTMENT,
        deciding_department=department,
        processing_days=1,
    )
    clerk = make_user("motcua.tinh")
    officer_assign(actor=None, user=clerk, agency=centre, role=Role.DESK_OFFICER)
    assert list(selectors.receivable_procedures(user=clerk)) == [provincial]
    assert list(selectors.receivable_procedures(user=clerk, query="trich luc")) == [provincial]
    assert selectors.receivable_procedure(user=clerk, code=world.procedure.code) is None
    assert not selectors.needs_commune(provincial)
    assert list(selectors.reception_communes(user=clerk, procedure=provincial)) == []
    assert list(selectors.reception_communes(user=world.desk, procedure=world.procedure)) == [
        world.commune
    ]


@pytest.mark.django_db
def test_counter_receive_is_idempotent_and_received(world):
    component = world.procedure.components.first()

    def receive(**extra):
        return counter_receive(
            actor=world.desk,
            procedure=world.procedure,
            commune=world.commune,
            applicant_name="Phạm Thị Hương",
            applicant_id_number="044190012345",
            form_data=dict(VALID_FORM),
            uploads=[(component, pdf())],
            idempotency_key="k-123456789",
            **extra,
        )

    first = receive()
    assert first.state == State.RECEIVED and first.channel == Channel.COUNTER
    assert not getattr(first, "replayed", False)
    again = receive()
    assert again.pk == first.pk and again.replayed
    assert Dossier.objects.count() == 1 and first.events.count() == 2
    with pytest.raises(DomainError) as error:
        receive(channel=Channel.ONLINE)
    assert error.value.code == "invalid_channel"
    # Another commune's desk cannot receive for this one.
    with pytest.raises(DomainError):
        counter_receive(
            actor=world.outsider,
            procedure=world.procedure,
            commune=world.commune,
            applicant_name="Phạm Thị Hương",
            applicant_id_number="044190012345",
            form_data=dict(VALID_FORM),
            uploads=[],
        )
    assert Dossier.objects.count() == 1
