"""Units of the workspace: the reception selectors, the counter reception service."""

from __future__ import annotations

import pytest

from tinhso.core.errors import DomainError
from tinhso.core.models import Agency, AgencyLevel, Role
from tinhso.core.services import officer_assign
from tinhso.dossiers.models import Channel, Dossier, State
from tinhso.dossiers.tests.factories import VALID_FORM, make_user
from tinhso.procedures.models import AgencySlot, Procedure, Sector
from tinhso.testing.factories import pdf
from tinhso.workspace import selectors
from tinhso.workspace.services import counter_receive


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
        values = {
            "actor": world.desk,
            "uploads": [(component, pdf())],
            "idempotency_key": "k-123456789",
            **extra,
        }
        return counter_receive(
            procedure=world.procedure,
            commune=world.commune,
            applicant_name="Phạm Thị Hương",
            applicant_id_number="044190012345",
            form_data=dict(VALID_FORM),
            **values,
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
        receive(actor=world.outsider, uploads=[], idempotency_key="")
    assert Dossier.objects.count() == 1
