"""Issue 18, point 10: the leader's "send back for rework" in the workspace, and what the
specialist sees of it (their inbox and the dossier page)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tinhso.dossiers import services as s
from tinhso.dossiers.models import DossierEvent
from tinhso.testing.factories import submit_online

from .test_views import dossier_url, post_action

pytestmark = pytest.mark.django_db

REASON = "Chưa xác minh nơi sinh với trạm y tế"


def at_leader_step(world):
    d = s.dossier_receive(actor=world.desk, dossier=submit_online(world))
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    return s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)


def test_the_leader_sends_back_and_the_specialist_sees_why(world, login):
    d = at_leader_step(world)
    leader = login(world.leader)
    page = leader.get(dossier_url(d)).content.decode()
    assert 'data-action="rework"' in page and 'data-action="approve"' in page
    # The reason is required: the form says so, nothing is written.
    events = DossierEvent.objects.filter(dossier=d).count()
    refused = post_action(leader, d, "rework", reason="  ")
    assert refused.status_code == 200 and 'id="id_rework-reason_error"' in refused.content.decode()
    assert DossierEvent.objects.filter(dossier=d).count() == events
    done = post_action(leader, d, "rework", reason=REASON)
    assert done.status_code == 302 and done["Location"] == dossier_url(d)
    d.refresh_from_db()
    assert d.current_step.role == "specialist" and d.assignee == world.specialist
    assert 'data-action="rework"' not in leader.get(dossier_url(d)).content.decode()

    specialist = login(world.specialist)
    inbox = specialist.get(reverse("workspace:inbox") + "?box=to_process").content.decode()
    row = inbox.split(f'data-code="{d.code}"')[1].split("</tr>")[0]
    assert 'data-testid="rework"' in row and REASON in row and "Bùi Thị Mai" in row
    page = specialist.get(dossier_url(d)).content.decode()
    assert 'data-testid="rework-notice"' in page and REASON in page
    assert 'data-action="transfer"' in page
    # Passed on to the leader again: no longer marked.
    d = s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)
    assert 'data-testid="rework-notice"' not in leader.get(dossier_url(d)).content.decode()


def test_rework_is_not_offered_to_the_specialist_nor_posted_by_them(world, login):
    d = at_leader_step(world)
    specialist = login(world.specialist)
    assert 'data-action="rework"' not in specialist.get(dossier_url(d)).content.decode()
    response = post_action(specialist, d, "rework", reason=REASON)
    assert response.status_code == 200
    d.refresh_from_db()
    assert d.current_step.role == "leader"
