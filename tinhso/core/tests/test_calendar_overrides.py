"""Day swaps entered by an administrator: audited, and seen by the working calendar at once."""

from __future__ import annotations

import datetime as dt

import pytest

from tinhso.core.errors import DomainError
from tinhso.core.models import AuditEvent, CalendarOverride
from tinhso.core.selectors import work_calendar
from tinhso.core.services import calendar_override_set
from tinhso.testing.factories import make_superuser

pytestmark = pytest.mark.django_db

SATURDAY = dt.date(2026, 3, 7)
MONDAY = dt.date(2026, 3, 9)


def test_a_make_up_saturday_is_a_working_day_right_after_it_is_saved():
    assert SATURDAY.weekday() == 5
    assert not work_calendar().is_working_day(SATURDAY)  # cached from here on

    calendar_override_set(
        actor=make_superuser(),
        date=SATURDAY,
        is_working_day=True,
        name="Làm bù cho ngày nghỉ",
        legal_basis="Thông báo thử nghiệm",
    )

    assert work_calendar().is_working_day(SATURDAY)


def test_the_override_writes_an_audit_entry():
    actor = make_superuser()
    override = calendar_override_set(actor=actor, date=SATURDAY, is_working_day=True, name="Làm bù")
    event = AuditEvent.objects.get(action="calendar.override_set")
    assert event.actor_id == actor.pk
    assert event.object_id == str(override.pk)
    assert event.before is None
    assert event.after == {"is_working_day": True, "name": "Làm bù"}


def test_changing_an_override_records_before_and_after_and_refreshes_the_calendar():
    actor = make_superuser()
    calendar_override_set(actor=actor, date=MONDAY, is_working_day=False, name="Nghỉ bù")
    assert not work_calendar().is_working_day(MONDAY)

    calendar_override_set(actor=actor, date=MONDAY, is_working_day=True, name="Đi làm lại")

    assert work_calendar().is_working_day(MONDAY)
    assert CalendarOverride.objects.count() == 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.before == {"is_working_day": False, "name": "Nghỉ bù"}
    assert event.after == {"is_working_day": True, "name": "Đi làm lại"}


def test_an_extra_day_off_stops_a_working_day():
    assert work_calendar().is_working_day(MONDAY)
    calendar_override_set(actor=None, date=MONDAY, is_working_day=False, name="Nghỉ thêm")
    calendar = work_calendar()
    assert not calendar.is_working_day(MONDAY)
    assert calendar.next_working_day(dt.date(2026, 3, 6)) == dt.date(2026, 3, 10)


def test_deleting_an_override_refreshes_the_calendar():
    calendar_override_set(actor=None, date=SATURDAY, is_working_day=True, name="Làm bù")
    assert work_calendar().is_working_day(SATURDAY)
    CalendarOverride.objects.filter(date=SATURDAY).delete()
    assert not work_calendar().is_working_day(SATURDAY)


def test_an_override_needs_a_description():
    with pytest.raises(DomainError) as excinfo:
        calendar_override_set(actor=None, date=SATURDAY, is_working_day=True, name="  ")
    assert excinfo.value.code == "name_required"
    assert not CalendarOverride.objects.exists()
    assert not AuditEvent.objects.exists()
