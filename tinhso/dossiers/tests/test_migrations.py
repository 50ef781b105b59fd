"""The data step of the legal-due-date migration (issue 16), run on rows shaped as before it."""

from __future__ import annotations

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps

from tinhso.dossiers.models import STATE_TO_STATUS, Dossier, DossierEvent, State

pytestmark = [pytest.mark.django_db, pytest.mark.pg]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MIGRATION = importlib.import_module("tinhso.dossiers.migrations.0007_legal_due_and_appointment")


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=VN)


def old_dossier(world, code: str, state: str, **fields) -> Dossier:
    """A row as the previous code left it: ``legal_due_at`` holds the former ``due_at``."""
    return Dossier.objects.create(
        code=code, procedure=world.procedure, receiving_agency=world.committee,
        deciding_agency=world.committee, current_agency=world.committee,
        applicant_name="Nguyễn Văn Đức", applicant_id_number="044090001234",
        submitted_by=world.desk, channel=1, state=state, status=STATE_TO_STATUS[state],
        submitted_at=at(7, 9), received_at=at(7, 9), counting_from=at(7, 9), **fields,
    )  # fmt: skip


def event(dossier, seq: int, action: str, when: dt.datetime, **data) -> None:
    DossierEvent.objects.create(
        dossier=dossier, seq=seq, action=action, to_state=dossier.state, at=when, data=data
    )


def test_extended_dossiers_get_their_legal_due_date_back(one_stop_world):
    """Received Mon 7 Dec 09:00, due Thu 10 Dec 09:00; a letter on Tue 8 moved ``due_at`` to Mon
    14 Dec 09:00; a supplement wait of 8 working hours after it moved it to Tue 15 Dec 09:00;
    finished Fri 11 Dec 10:00, judged "early" then. The legal due date is Thu 10 + 8h = Fri 11
    09:00: the finish is late; the appointment stays Tue 15 09:00."""
    d = old_dossier(
        one_stop_world, "T-1", State.FINISHED, legal_due_at=at(15, 9), extension_count=1,
        finished_at=at(11, 10), timeliness="early", stopped_seconds=8 * 3600,
    )  # fmt: skip
    event(
        d,
        1,
        "extend",
        at(8, 10),
        old_due_at=at(10, 9).isoformat(),
        new_due_at=at(14, 9).isoformat(),
    )
    plain = old_dossier(one_stop_world, "T-2", State.PROCESSING, legal_due_at=at(10, 9))
    broken = old_dossier(
        one_stop_world, "T-3", State.PROCESSING, legal_due_at=at(14, 9), extension_count=1
    )
    event(broken, 1, "extend", at(8, 10), extra_days="2")  # no dates recorded: kept as it is
    MIGRATION.forwards(apps, None)
    d.refresh_from_db()
    assert (d.legal_due_at, d.appointment_at) == (at(11, 9), at(15, 9))
    assert d.timeliness == "late"
    plain.refresh_from_db()
    assert plain.legal_due_at == plain.appointment_at == at(10, 9)
    broken.refresh_from_db()
    assert broken.legal_due_at == broken.appointment_at == at(14, 9)
    MIGRATION.backwards(apps, None)
    d.refresh_from_db()
    assert d.legal_due_at == at(15, 9)  # the former due_at: the appointment


def test_supplements_waiting_for_the_check_restart_the_clock_at_arrival(one_stop_world):
    """Supplement requested Mon 7 Dec 10:00, arrived Tue 8 Dec 10:00 (8 working hours later),
    not yet accepted: the clock restarts at the arrival, the status becomes 4."""
    d = old_dossier(
        one_stop_world, "T-4", State.SUPPLEMENT_SUBMITTED, legal_due_at=at(10, 9),
        clock_stopped_at=at(7, 10), step_due_at=at(9, 9),
    )  # fmt: skip
    Dossier.objects.filter(pk=d.pk).update(status=5, appointment_at=at(10, 9))
    event(d, 1, "request_supplement", at(7, 10))
    event(d, 2, "supplement", at(8, 10))
    MIGRATION.restart_supplied(apps, None)
    d.refresh_from_db()
    assert (d.status, d.clock_stopped_at, d.stopped_seconds) == (4, None, 8 * 3600)
    assert d.legal_due_at == d.appointment_at == at(11, 9)
    assert d.step_due_at == at(10, 9)
