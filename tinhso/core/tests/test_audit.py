"""The audit log: a hash chain that services append to and ``tinhso audit verify`` checks."""

from __future__ import annotations

import datetime as dt
import itertools
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from tinhso.core.audit import GENESIS_HASH, audit_record, audit_verify
from tinhso.core.models import AuditChainHead, AuditEvent
from tinhso.core.services import calendar_override_set
from tinhso.testing.factories import make_superuser

pytestmark = [pytest.mark.django_db, pytest.mark.pg]


@pytest.fixture
def chain() -> list[AuditEvent]:
    """Four entries written by a business operation (the calendar service)."""
    actor = make_superuser()
    for day in (3, 10, 17, 24):
        calendar_override_set(
            actor=actor,
            date=dt.date(2026, 1, day),
            is_working_day=True,
            name=f"Thử {day}",
        )
    events = list(AuditEvent.objects.order_by("seq"))
    assert len(events) == 4
    return events


def _verify() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _verify_fails() -> str:
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    return err.getvalue()


def _execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_services_write_linked_entries(chain):
    assert [event.seq for event in chain] == list(range(chain[0].seq, chain[0].seq + 4))
    assert chain[0].action == "calendar.override_set"
    assert chain[0].actor_repr == "quantri"
    assert chain[0].after == {"is_working_day": True, "name": "Thử 3"}
    for previous, event in itertools.pairwise(chain):
        assert event.prev_hash == previous.hash
    head = AuditChainHead.objects.get(id=1)
    assert (head.last_seq, head.last_hash) == (chain[-1].seq, chain[-1].hash)


def test_the_chain_starts_at_one_from_the_genesis_hash(chain):
    assert chain[0].seq == 1
    assert chain[0].prev_hash == GENESIS_HASH


def test_verify_succeeds_on_an_intact_chain(chain):
    out, err = _verify()
    assert err == ""
    assert "4" in out
    assert list(audit_verify()) == []


def test_verify_succeeds_on_an_empty_log(db):
    _out, err = _verify()
    assert err == ""


def test_verify_names_the_entry_altered_with_raw_sql(chain):
    assert chain[1].seq == 2
    _execute(
        'UPDATE core_auditevent SET "after" = %s WHERE seq = 2',
        ['{"is_working_day": false, "name": "Sửa lén"}'],
    )
    assert AuditEvent.objects.get(seq=2).after["name"] == "Sửa lén"

    err = _verify_fails()

    assert "#2" in err
    assert {problem.seq for problem in audit_verify()} == {2}


def test_verify_detects_an_altered_actor_name(chain):
    _execute("UPDATE core_auditevent SET actor_repr = %s WHERE seq = %s", ["ai-do", chain[2].seq])
    assert f"#{chain[2].seq}" in _verify_fails()


def test_verify_detects_a_rewritten_entry_with_a_recomputed_hash(chain):
    """Fixing up the edited row's own hash breaks the link from the next entry."""
    from tinhso.core.audit import _hash_of

    target = AuditEvent.objects.get(seq=chain[1].seq)
    target.after = {"is_working_day": False, "name": "Sửa lén"}
    new_hash = _hash_of(target)
    _execute(
        'UPDATE core_auditevent SET "after" = %s, hash = %s WHERE seq = %s',
        ['{"is_working_day": false, "name": "Sửa lén"}', new_hash, target.seq],
    )
    err = _verify_fails()
    assert f"#{chain[2].seq}" in err


def test_verify_detects_the_last_entry_deleted(chain):
    _execute("DELETE FROM core_auditevent WHERE seq = %s", [chain[-1].seq])
    err = _verify_fails()
    assert f"#{chain[-1].seq}" in err


def test_verify_detects_a_middle_entry_deleted(chain):
    _execute("DELETE FROM core_auditevent WHERE seq = %s", [chain[1].seq])
    err = _verify_fails()
    assert f"#{chain[2].seq}" in err
    assert any(problem.seq == chain[2].seq for problem in audit_verify())


def test_verify_through_the_console_entry_point_exits_non_zero(chain, tinhso_cli, capsys):
    _execute('UPDATE core_auditevent SET "after" = %s WHERE seq = %s', ['{"x": 1}', chain[1].seq])
    with pytest.raises(SystemExit) as excinfo:
        tinhso_cli(["tinhso", "audit", "verify"])
    assert excinfo.value.code not in (0, None)
    assert f"#{chain[1].seq}" in capsys.readouterr().err


def test_verify_through_the_console_entry_point_intact(chain, tinhso_cli, capsys):
    tinhso_cli(["tinhso", "audit", "verify"])
    assert "4" in capsys.readouterr().out


def test_saving_an_existing_entry_is_refused(chain):
    event = AuditEvent.objects.get(seq=chain[0].seq)
    event.action = "changed"
    with pytest.raises(PermissionError):
        event.save()
    assert AuditEvent.objects.get(seq=chain[0].seq).action == "calendar.override_set"


def test_deleting_an_entry_is_refused(chain):
    event = AuditEvent.objects.get(seq=chain[0].seq)
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.filter(seq=chain[0].seq).exists()


@pytest.mark.django_db(transaction=True)
def test_audit_record_needs_a_transaction():
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="test.outside")
    assert not AuditEvent.objects.exists()


def test_json_values_round_trip_through_the_database(db):
    """Dates, decimals and Vietnamese text hash the same once stored and read back."""
    from decimal import Decimal

    with transaction.atomic():
        audit_record(
            actor=None,
            action="test.values",
            object_type="x",
            object_id="1",
            object_repr="Đơn vị thử",
            before={"ngày": dt.date(2025, 7, 1), "amount": Decimal("12.50")},
            after={"time": dt.datetime(2025, 7, 1, 8, 30, tzinfo=dt.UTC), "list": [1, "hai"]},
        )
    assert list(audit_verify()) == []
