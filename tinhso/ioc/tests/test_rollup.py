"""Incremental roll-ups: what the services write shows up after a refresh, exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tinhso.dossiers import services as s
from tinhso.dossiers.models import DossierEvent, OutboxMessage
from tinhso.dossiers.tests.factories import PDF_BYTES
from tinhso.ioc import rollup
from tinhso.ioc.models import DailyStat, MonthlyProcedureStat, RollupState
from tinhso.testing.factories import submit_online as submit

pytestmark = [pytest.mark.django_db, pytest.mark.pg]


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def totals():
    rows = DailyStat.objects.all()
    return {
        name: sum(getattr(row, name) for row in rows)
        for name in ("received_online", "resolved_early", "resolved_on_time", "returned",
                     "returned_electronic", "synced", "digitised", "ratings")
    }  # fmt: skip


def test_first_refresh_rebuilds_then_refresh_follows_the_services(world):
    first = rollup.refresh()
    assert first.full_rebuild and totals()["received_online"] == 0
    d = submit(world)
    result = rollup.refresh()
    assert not result.full_rebuild and result.cells == 1
    assert totals()["received_online"] == 1 and totals()["digitised"] == 1
    assert MonthlyProcedureStat.objects.get().received_online == 1
    # Refreshing again counts nothing twice (the recent event is scanned again, recomputed).
    rollup.refresh()
    assert totals()["received_online"] == 1
    # Through to the result: receive, transfer, approve, attach an e-result, return, rate.
    s.dossier_receive(actor=world.desk, dossier=d)
    d.refresh_from_db()
    s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)
    s.dossier_approve(actor=world.leader, dossier=d)
    upload = SimpleUploadedFile("kq.pdf", PDF_BYTES, content_type="application/pdf")
    s.dossier_attach_result(actor=world.desk, dossier=d, upload=upload)
    s.dossier_return_result(actor=world.desk, dossier=d)
    s.dossier_rate(actor=world.citizen, dossier=d, score=3)
    rollup.refresh()
    t = totals()
    assert t["resolved_early"] + t["resolved_on_time"] == 1
    assert (t["returned"], t["returned_electronic"], t["ratings"]) == (1, 1, 1)
    assert t["synced"] == 0  # nothing delivered to the national portal yet


def test_national_portal_deliveries_update_the_synced_count(world):
    d = submit(world)
    rollup.refresh()
    assert totals()["synced"] == 0
    s.outbox_mark_delivered(message_ids=list(OutboxMessage.objects.values_list("pk", flat=True)))
    d.refresh_from_db()
    assert d.synced_version == d.portal_version == 1
    rollup.refresh()
    assert totals()["synced"] == 1


def test_the_watermark_never_passes_a_recent_event(world):
    rollup.refresh()
    d = submit(world)
    old = DossierEvent.objects.get(dossier=d)
    # A refresh long after the event trusts it; one right after does not move past it.
    rollup.refresh(now=timezone.now())
    assert RollupState.objects.get().last_event_id < old.pk
    rollup.refresh(now=timezone.now() + dt.timedelta(minutes=10))
    assert RollupState.objects.get().last_event_id == old.pk


def test_a_late_committed_event_below_the_watermark_is_not_lost(world):
    """An event whose transaction commits after a refresh saw a higher id is still counted,
    because the watermark only moves past events older than the safety margin."""
    rollup.refresh()
    d1 = submit(world)
    rollup.refresh()  # sees d1's event, recent: the watermark stays below it
    d2 = submit(world)
    # Pretend d1's event committed late: remove its cell, then refresh.
    DailyStat.objects.all().delete()
    rollup.refresh()
    assert totals()["received_online"] == 2
    assert {d1.pk, d2.pk} <= set(DossierEvent.objects.values_list("dossier_id", flat=True))
