"""Scoped reads: public visibility, officer inboxes, possible duplicates, statistics."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from tinhso.core.errors import NotFound, PermissionDenied
from tinhso.feedback import selectors, services
from tinhso.feedback.models import Report, State
from tinhso.testing.factories import DONG_THUAN, MONDAY_9, VN, category

pytestmark = pytest.mark.django_db


def test_only_published_reports_are_public(world, submit):
    new = submit()
    accepted = submit()
    services.report_accept(actor=world.officer_dh, report=accepted)
    rejected = submit()
    services.report_reject(actor=world.officer_dh, report=rejected, kind="spam", reason="Quảng cáo")
    assert list(selectors.reports_public()) == [accepted]
    anonymous = AnonymousUser()
    with pytest.raises(NotFound):
        selectors.report_for_viewer(user=anonymous, pk=new.pk)
    with pytest.raises(NotFound):
        selectors.report_for_viewer(user=world.citizen2, pk=rejected.pk)
    access = selectors.report_for_viewer(user=world.citizen, pk=rejected.pk)
    assert access.is_reporter and not access.is_officer
    assert selectors.report_for_viewer(user=world.officer_dh, pk=new.pk).is_officer
    assert selectors.report_for_viewer(user=world.ioc, pk=new.pk).is_officer
    with pytest.raises(NotFound):
        selectors.report_for_viewer(user=world.officer_dt, pk=new.pk)  # another ward's officer
    assert selectors.report_for_viewer(user=anonymous, pk=accepted.pk).report == accepted


def test_public_filters(world, submit):
    light = submit()
    flood = submit(
        category=category("ngap-ung"), commune=world.dong_thuan, attributes={"do-sau": "20-50"},
        latitude=DONG_THUAN[0], longitude=DONG_THUAN[1],
    )  # fmt: skip
    services.report_accept(actor=world.officer_dh, report=light)
    services.report_accept(actor=world.officer_dt, report=flood)
    services.report_answer(actor=world.officer_dt, report=flood, answer="Đã nạo vét cống.")
    assert list(selectors.reports_public_filtered(status="open")) == [light]
    assert list(selectors.reports_public_filtered(status="closed")) == [flood]
    assert list(selectors.reports_public_filtered(commune=world.dong_thuan)) == [flood]
    # A group covers its categories.
    assert list(selectors.reports_public_filtered(category=category("chieu-sang"))) == [light]


def test_inboxes_per_agency_and_deadline(world, submit):
    new = submit()
    handling = submit(urgency="urgent")
    services.report_accept(actor=world.officer_dh, report=handling, now=MONDAY_9)
    other = submit(
        category=category("ngap-ung"), commune=world.dong_thuan, attributes={"do-sau": "duoi-20"},
        latitude=DONG_THUAN[0], longitude=DONG_THUAN[1],
    )  # fmt: skip
    # Monday 10:00: the urgent one (due Wednesday 09:30) is not due soon yet.
    monday_10 = MONDAY_9 + dt.timedelta(hours=1)
    inbox = selectors.officer_inbox
    assert list(inbox(user=world.officer_dh, box="moderate", now=monday_10)) == [new]
    assert list(inbox(user=world.officer_dh, box="handling", now=monday_10)) == [handling]
    assert list(inbox(user=world.officer_dh, box="due_soon", now=monday_10)) == []
    assert list(inbox(user=world.officer_dt, box="moderate", now=monday_10)) == [other]
    # Wednesday 08:00: within two working hours of the urgent deadline.
    wednesday_8 = dt.datetime(2026, 11, 25, 8, 0, tzinfo=VN)
    assert list(inbox(user=world.officer_dh, box="due_soon", now=wednesday_8)) == [handling]
    assert selectors.deadline_status(handling, wednesday_8) == "due_soon"
    # Wednesday 10:00: overdue; the normal report (due 1 December) is on track.
    wednesday_10 = wednesday_8 + dt.timedelta(hours=2)
    assert list(inbox(user=world.officer_dh, box="overdue", now=wednesday_10)) == [handling]
    assert selectors.deadline_status(new, wednesday_10) == "on_track"
    # The operations centre sees every agency; a citizen sees none.
    assert set(inbox(user=world.ioc, box="moderate", now=monday_10)) == {new, other}
    assert list(inbox(user=world.citizen, box="moderate", now=monday_10)) == []


def test_possible_duplicates_nearby(world, submit):
    first = submit(latitude="17.468700", longitude="106.622300")
    near = submit(latitude="17.469500", longitude="106.622300")  # ~89 m north
    far = submit(latitude="17.490000", longitude="106.622300")  # ~2.4 km
    other_kind = submit(category=category("rac-thai"), latitude="17.468800", longitude="106.622300")
    rejected = submit(latitude="17.468700", longitude="106.622400")
    services.report_reject(actor=world.officer_dh, report=rejected, kind="spam", reason="Sai")
    found = selectors.nearby_reports(first)
    assert [(report, distance) for report, distance in found] == [(near, 89)]
    assert far not in dict(found) and other_kind not in dict(found)


def _at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=VN)


def test_statistics_per_agency_and_commune(world, submit):
    # Đồng Hới: one answered on time and rated 3, one answered late and rated 1, one pending
    # and overdue at the end of the period, one rejected.
    on_time = submit(now=_at(2))
    services.report_accept(actor=world.officer_dh, report=on_time, now=_at(2, 10))
    services.report_answer(actor=world.officer_dh, report=on_time, answer="Xong", now=_at(3))
    services.report_rate(actor=world.citizen, report=on_time, score=3, now=_at(4))
    late = submit(now=_at(2))
    services.report_accept(actor=world.officer_dh, report=late, now=_at(2, 10))
    services.report_answer(actor=world.officer_dh, report=late, answer="Xong", now=_at(16))
    services.report_rate(actor=world.citizen, report=late, score=1, now=_at(17))
    submit(now=_at(5))  # pending, overdue at the end of the period
    spam = submit(now=_at(6))
    services.report_reject(
        actor=world.officer_dh, report=spam, kind="spam", reason="Quảng cáo", now=_at(6, 10)
    )
    # Đồng Thuận: one received, pending, not yet due at the end of the period.
    submit(
        category=category("ngap-ung"), commune=world.dong_thuan, attributes={"do-sau": "duoi-20"},
        latitude=DONG_THUAN[0], longitude=DONG_THUAN[1], now=_at(20),
    )  # fmt: skip
    # Before the period: does not count as received.
    submit(now=dt.datetime(2026, 10, 20, 9, 0, tzinfo=VN))
    period = {"start": dt.date(2026, 11, 1), "end": dt.date(2026, 11, 20)}
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=VN)

    rows = selectors.feedback_stats(user=world.ioc, by="agency", now=now, **period)
    by_agency = {row.key: row for row in rows}
    dh = by_agency[world.committee_dh.code]
    assert (dh.received, dh.rejected, dh.handled, dh.handled_on_time, dh.handled_late) == (
        4, 1, 2, 1, 1,
    )  # fmt: skip
    assert dh.pending == 2  # the one of 5 November and the October one
    assert dh.overdue == 2
    assert (dh.ratings, dh.satisfied, dh.average_rating) == (2, 1, 2.0)
    assert dh.on_time_rate == 0.5
    dt_row = by_agency[world.committee_dt.code]
    assert (dt_row.received, dt_row.pending, dt_row.overdue) == (1, 1, 0)
    total = rows[-1]
    assert total.key == "total" and total.received == 5 and total.pending == 3

    communes = selectors.feedback_stats(user=world.ioc, by="commune", now=now, **period)
    assert [row.key for row in communes] == ["18880", "18859", "total"]
    assert communes[0].label == "Phường Đồng Hới" and communes[0].received == 4

    # An officer sees their own agency only; a citizen nothing.
    mine = selectors.feedback_stats(user=world.officer_dt, by="agency", now=now, **period)
    assert [row.key for row in mine] == [world.committee_dt.code, "total"]
    with pytest.raises(PermissionDenied):
        selectors.feedback_stats(user=world.citizen, by="agency", now=now, **period)

    indicators = selectors.feedback_indicators(user=world.admin, now=now, **period)
    assert indicators["total"]["received"] == 5
    assert {row["key"] for row in indicators["communes"]} == {"18880", "18859"}
    assert Report.objects.filter(state=State.CLOSED).count() == 2
