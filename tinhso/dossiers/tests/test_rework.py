"""Issue 18, point 10: a leader sends a dossier back to the specialist for rework, with a reason."""

from __future__ import annotations

import pytest

from tinhso.core.audit import audit_verify
from tinhso.core.errors import DomainError, InvalidTransition, PermissionDenied
from tinhso.core.models import AuditEvent
from tinhso.dossiers import services as s
from tinhso.dossiers.actions import available_actions
from tinhso.dossiers.models import DossierEvent, NationalStatus, OutboxMessage, State
from tinhso.dossiers.pdf import control_slip_context
from tinhso.dossiers.selectors import inbox, returned_for_rework
from tinhso.portal.selectors import ACTION_LABELS as PORTAL_LABELS
from tinhso.portal.selectors import applicant_timeline
from tinhso.testing.factories import api_client_for

from .factories import VALID_FORM

pytestmark = [pytest.mark.django_db]

REASON = "Thiếu xác minh nơi cư trú của người mẹ"


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def at_leader_step(world):
    """A dossier the specialist passed on to the leader's step (the last, a signing step)."""
    d = s.dossier_submit(actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    return s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)


def test_the_leader_sends_the_dossier_back_to_the_specialist_with_the_reason(world):
    d = at_leader_step(world)
    leader_step, status, due = d.current_step, d.status, d.legal_due_at
    portal_messages = OutboxMessage.objects.filter(topic="national_portal.status").count()
    assert "rework" in available_actions(user=world.leader, dossier=d)

    d = s.dossier_rework(actor=world.leader, dossier=d, reason=f"  {REASON} ")

    assert d.state == State.PROCESSING and d.status == status == NationalStatus.PROCESSING
    assert d.current_step.role == "specialist" and d.current_step.order < leader_step.order
    assert d.assignee == world.specialist  # who passed it on from that step
    assert d.legal_due_at == due and d.clock_stopped_at is None  # the clock keeps running
    event = d.events.order_by("-seq").first()
    assert (event.action, event.note, event.actor, event.to_user) == (
        "rework",
        REASON,
        world.leader,
        world.specialist,
    )
    assert (event.from_step, event.to_step) == (leader_step, d.current_step)
    assert event.step_result  # the leader's step is closed on the control slip (BM.05)
    audit = AuditEvent.objects.filter(action="dossier.rework").latest("pk")
    assert audit.after["note"] == REASON and audit.after["state"] == State.PROCESSING
    assert list(audit_verify()) == []
    # Nothing the citizen sees changes: no status message, one progress step for the portal.
    assert OutboxMessage.objects.filter(topic="national_portal.status").count() == portal_messages
    step = OutboxMessage.objects.filter(topic="national_portal.step").latest("pk")
    assert step.payload["action"] == "rework" and step.payload["note"] == REASON
    # The specialist's work list shows it as returned, with the reason.
    listed = list(inbox(user=world.specialist, box="to_process"))
    assert d in listed
    returned = returned_for_rework(listed)
    assert returned[d.pk].note == REASON
    assert d not in inbox(user=world.leader, box="to_sign")
    # The control slip (BM.05) has the row; the applicant sees the step, never the reason.
    rows = control_slip_context(d)["rows"]
    assert rows[-1]["action"] == "Trả lại để xử lý lại" and rows[-1]["note"] == REASON
    assert rows[-1]["receiver"]["name"] == "Đặng Văn Nam"
    seen = applicant_timeline(d)[-1]
    assert seen.label == str(PORTAL_LABELS["rework"]) and seen.note == ""
    # Passed on again, it is no longer "returned".
    d = s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)
    assert returned_for_rework([d]) == {}
    assert "approve" in available_actions(user=world.leader, dossier=d)


def test_the_reason_is_required_and_only_the_leader_at_a_leader_step_may(world):
    d = at_leader_step(world)
    events = DossierEvent.objects.filter(dossier=d).count()
    with pytest.raises(DomainError) as missing:
        s.dossier_rework(actor=world.leader, dossier=d, reason="   ")
    assert missing.value.code == "reason_required"
    for officer in (world.specialist, world.desk, world.outsider, world.citizen):
        assert "rework" not in available_actions(user=officer, dossier=d)
        with pytest.raises(PermissionDenied):
            s.dossier_rework(actor=officer, dossier=d, reason=REASON)
    assert DossierEvent.objects.filter(dossier=d).count() == events
    # At the specialist's step there is nothing to send back.
    back = s.dossier_rework(actor=world.leader, dossier=d, reason=REASON)
    assert "rework" not in available_actions(user=world.leader, dossier=back)
    with pytest.raises(InvalidTransition):  # not at a leader's step any more
        s.dossier_rework(actor=world.leader, dossier=back, reason=REASON)
    finished = s.dossier_approve(
        actor=world.leader,
        dossier=s.dossier_transfer(actor=world.specialist, dossier=back),
    )
    with pytest.raises(InvalidTransition):
        s.dossier_rework(actor=world.leader, dossier=finished, reason=REASON)


def test_the_api_offers_and_runs_rework(world):
    d = at_leader_step(world)
    leader = api_client_for(world.leader)
    shown = leader.get(f"/api/dossiers/{d.code}").json()
    assert "rework" in shown["actions"]
    url = f"/api/dossiers/{d.code}/actions/rework"
    refused = leader.post(url, {"reason": ""}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "reason_required"
    specialist = api_client_for(world.specialist)
    forbidden = specialist.post(url, {"reason": REASON}, content_type="application/json")
    assert forbidden.status_code == 403
    done = leader.post(url, {"reason": REASON}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["state"] == State.PROCESSING
    assert "rework" not in done.json()["actions"]
    shown = specialist.get(f"/api/dossiers/{d.code}").json()
    assert "transfer" in shown["actions"]
    assert shown["returned_for_rework"]["reason"] == REASON
    assert shown["returned_for_rework"]["by"] == "Bùi Thị Mai"
    listed = specialist.get("/api/dossiers?box=to_process").json()
    assert [x["returned_for_rework"]["reason"] for x in listed if x["code"] == d.code] == [REASON]
    # The applicant sees the dossier, not the internal hand-over.
    citizen = api_client_for(world.citizen)
    assert citizen.get(f"/api/dossiers/{d.code}").json()["returned_for_rework"] is None
    mine = [x for x in citizen.get("/api/dossiers").json() if x["code"] == d.code]
    assert mine[0]["returned_for_rework"] is None
