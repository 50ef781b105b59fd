"""The operations centre's document figures: electronic arrivals, incoming documents processed
on time, work records online; per agency and level, from the roll-up (docs/ioc.md)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tinhso.core.models import AgencyLevel, Role
from tinhso.core.periods import Period
from tinhso.documents import services as s
from tinhso.documents.models import AssignmentRole
from tinhso.documents.records import record_open
from tinhso.documents.selectors import ioc_document_counts
from tinhso.ioc import rollup
from tinhso.ioc.indicators import INDICATORS
from tinhso.ioc.models import MonthlyDocumentStat
from tinhso.ioc.selectors.overviews import province_overview
from tinhso.testing.factories import (
    make_agency,
    make_approved,
    make_draft,
    make_officer,
    make_registered,
)

pytestmark = [pytest.mark.django_db, pytest.mark.pg]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def assigned(w, **overrides):
    """An incoming document of justice, assigned to its specialist with today as deadline."""
    doc = make_registered(w, **overrides)
    s.incoming_distribute(actor=w.clerk, document=doc, leader=w.leader)
    return s.incoming_assign(
        actor=w.leader,
        document=doc,
        assignees=[(w.specialist, AssignmentRole.LEAD)],
        deadline=timezone.localdate(),
    )


def test_processed_on_time_counts_lead_assignments_by_their_deadline_local_day(documents_world):
    w = documents_world
    today = timezone.localdate()
    month = today.replace(day=1)
    early = assigned(w)
    s.incoming_finish(actor=w.specialist, document=early)
    open_one = assigned(w)
    late_evening = assigned(w)
    after_midnight = assigned(w)
    s.incoming_finish(actor=w.specialist, document=late_evening)
    s.incoming_finish(actor=w.specialist, document=after_midnight)
    # 23:30 on the deadline day in Vietnam is 16:30 UTC that day: on time; 00:30 the next
    # day is 17:30 UTC of the deadline day: late, though the UTC date is the same.
    evening = dt.datetime.combine(today, dt.time(23, 30), tzinfo=VN)
    late_evening.assignments.update(done_at=evening)
    after_midnight.assignments.update(done_at=evening + dt.timedelta(hours=1))

    # Today: the open document is not due yet (its deadline has not passed).
    counts = ioc_document_counts(today=today)[(month, w.justice.pk)]
    assert (counts["documents_due"], counts["documents_due_on_time"]) == (3, 2)
    # Tomorrow it is due and late.
    counts = ioc_document_counts(today=today + dt.timedelta(days=1))[(month, w.justice.pk)]
    assert (counts["documents_due"], counts["documents_due_on_time"]) == (4, 2)
    assert INDICATORS["documents_on_time_share"].compute(counts).value == 0.5
    # A document the sender revoked is not measured.
    open_one.state = "revoked"
    open_one.save(update_fields=["state"])
    counts = ioc_document_counts(today=today + dt.timedelta(days=1))[(month, w.justice.pk)]
    assert (counts["documents_due"], counts["documents_due_on_time"]) == (3, 2)
    # Only the months asked are read.
    other = (month - dt.timedelta(days=1)).replace(day=1)
    assert ioc_document_counts(cells={other: {w.justice.pk}}, today=today) == {}


def test_rollup_follows_the_document_services_per_agency_and_level(documents_world):
    w = documents_world
    commune = make_agency(
        "H44.60.01", "xa_thu", name="UBND xã Thử", level=AgencyLevel.COMMUNE_COMMITTEE
    )
    commune_clerk = make_officer("vtxa_ioc", "Đỗ Văn Xã", commune, Role.DESK_OFFICER)
    rollup.refresh()  # the first refresh rebuilds
    assert not MonthlyDocumentStat.objects.exists()

    make_registered(w)  # on paper
    s.outgoing_issue(actor=w.clerk, document=make_approved(w, recipient_agencies=[w.construction]))
    make_registered(w, actor=w.other_clerk, agency=w.construction, channel="electronic")
    done = assigned(w)
    s.incoming_finish(actor=w.specialist, document=done)
    record_open(actor=w.specialist, agency=w.justice, code="01.01", title="Hồ sơ hộ tịch")
    record_open(actor=commune_clerk, agency=commune, code="01.01", title="Hồ sơ đất đai")
    record_open(
        actor=commune_clerk, agency=commune, code="01.02", title="Hồ sơ giấy", is_electronic=False
    )
    result = rollup.refresh()
    assert result.document_cells == 3
    rows = {row.agency_id: row for row in MonthlyDocumentStat.objects.all()}
    justice = rows[w.justice.pk]
    assert (justice.documents_received, justice.documents_received_electronic) == (2, 0)
    assert (justice.documents_due, justice.documents_due_on_time) == (1, 1)
    assert (justice.work_records, justice.work_records_online) == (1, 1)
    construction = rows[w.construction.pk]
    assert (construction.documents_received, construction.documents_received_electronic) == (2, 2)
    assert (rows[commune.pk].work_records, rows[commune.pk].work_records_online) == (2, 1)
    # Refreshing again counts nothing twice; a rebuild gives the same rows (a draft, never
    # issued, counts nowhere).
    make_draft(w)
    rollup.refresh()
    rollup.rebuild()
    assert {r.agency_id: r.documents_received for r in MonthlyDocumentStat.objects.all()} == {
        w.justice.pk: 2,
        w.construction.pk: 2,
        commune.pk: 0,
    }

    data = province_overview(user=w.admin, period=Period.parse(str(timezone.localdate().year)))
    levels = {row["level"]: row for row in data["documents"]["levels"]}
    assert levels["province"]["values"] == {
        "documents_electronic_share": 0.5,
        "documents_on_time_share": 1.0,
        "work_records_online_share": 1.0,
        "signed_document_share": 0.0,  # one issued, approved on paper
    }
    assert (justice.documents_issued, justice.documents_issued_signed) == (1, 0)
    assert levels["commune"]["values"]["work_records_online_share"] == 0.5
    assert levels["commune"]["values"]["documents_electronic_share"] is None  # nothing arrived
    assert levels["all"]["counts"]["work_records"] == 3
    agencies = {row["id"]: row for row in data["documents"]["agencies"]}
    assert set(agencies) == {w.justice.pk, w.construction.pk, commune.pk}
    assert agencies[w.justice.pk]["counts"]["documents_due_on_time"] == 1
    assert data["indicators"]["documents_on_time_share"]["value"] == 1.0


def test_a_deadline_passing_without_an_event_is_counted_by_the_next_days_refresh(
    documents_world,
):
    w = documents_world
    now = timezone.now()
    rollup.refresh(now=now)
    assigned(w)  # due today, not finished
    rollup.refresh(now=now)
    row = MonthlyDocumentStat.objects.get(agency=w.justice)
    assert row.documents_due == 0
    # Two days on, no event was written: the refresh still recomputes the deadline's month.
    later = now + dt.timedelta(days=2)
    rollup.refresh(now=later)
    row = MonthlyDocumentStat.objects.get(agency=w.justice)
    assert (row.documents_due, row.documents_due_on_time) == (1, 0)
