"""Issue 19, point 2: the national portal adapter against the stand-in portal, a real process."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import pytest
from django.urls import reverse
from django.utils import timezone

from tinhso.core.models import AuditEvent
from tinhso.dossiers import outbox
from tinhso.dossiers import services as s
from tinhso.dossiers.models import Dossier, DossierEvent, OutboxMessage
from tinhso.dossiers.tests.test_state_machine import call
from tinhso.dossiers.transitions import TRANSITIONS
from tinhso.integrations import national_portal as np
from tinhso.integrations.models import NationalProcedureCode
from tinhso.integrations.services import national_codes_from_catalogue, release_held
from tinhso.standins.national_portal import validation_errors
from tinhso.testing.factories import VALID_FORM, make_procedure, pdf, standin_process

pytestmark = [pytest.mark.django_db]


# --- the stand-in, a real process on a free port -------------------------------------------------


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    db = tmp_path_factory.mktemp("portal") / "received.sqlite3"
    with standin_process("national_portal", "--db", str(db)) as url:
        yield url


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
        return json.loads(answer.read())


def _post(url: str, body: dict) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")  # noqa: S310
    urllib.request.urlopen(request, timeout=5).close()  # noqa: S310


@pytest.fixture
def portal(standin, settings, monkeypatch):
    """The adapter pointed at the stand-in, registered for the national-portal topic."""
    settings.TINHSO_NATIONAL_PORTAL_URL = standin
    _post(standin + "/_reset", {})  # dossier codes repeat from test to test
    monkeypatch.setattr(np, "_client", None)
    monkeypatch.setitem(outbox.HANDLERS, np.TOPIC, np.deliver)
    monkeypatch.setitem(outbox.HANDLERS, np.STEP_TOPIC, np.deliver)
    monkeypatch.setitem(outbox.HANDLERS, "other.topic", lambda m: None)  # not ours
    return standin


def received_records(url: str, code: str, service: str = np.SERVICE) -> list[dict]:
    return [
        r["record"]
        for r in _get(url + "/received")
        if r["record"]["MaHoSo"] == code and r["service"] == service
    ]


@pytest.fixture
def world(one_stop_world):
    NationalProcedureCode.objects.create(
        procedure=one_stop_world.procedure, national_code="1.001193"
    )
    return one_stop_world


def submitted(world) -> Dossier:
    return s.dossier_submit(
        actor=world.citizen,
        procedure=world.procedure,
        form_data=dict(VALID_FORM),
        uploads=[(world.procedure.components.first(), pdf())],
    )


def deliver_until_quiet(now=None, rounds: int = 20) -> list[outbox.DeliveryReport]:
    reports = []
    for _ in range(rounds):
        report = outbox.outbox_deliver(now=now)
        if not report.claimed:
            break
        reports.append(report)
    return reports


# --- the contract: every transition's message is accepted by the stand-in's schema ---------------

ROLE_OF = {
    "receive": "desk",
    "refuse": "desk",
    "transfer": "desk",
    "request_supplement": "specialist",
    "supplement": "citizen",
    "accept_supplement": "specialist",
    "pause": "leader",
    "resume": "leader",
    "request_fees": "specialist",
    "pay": "desk",
    "approve": "leader",
    "rework": "leader",
    "finish": "specialist",
    "extend": "specialist",
    "return_result": "desk",
    "withdraw": "citizen",
    "confirm_withdraw": "desk",
    "stop": "leader",
    "rate": "citizen",
}
PATHS = [
    [
        "receive",
        "transfer",
        "request_supplement",
        "supplement",
        "accept_supplement",
        "pause",
        "resume",
        "extend",
        "request_fees",
        "pay",
        ("transfer", "specialist"),  # to the leader's step, the last one
        ("finish", "leader"),
        "return_result",
        "rate",
    ],
    ["refuse"],
    ["receive", "withdraw", "confirm_withdraw"],
    ["receive", "transfer", "stop"],
    ["receive", "transfer", ("transfer", "specialist"), "rework"],
    ["receive", "transfer", ("transfer", "specialist"), "approve"],
]


def test_every_transition_produces_a_payload_the_standin_accepts(world, portal):
    for path in PATHS:
        d = submitted(world)
        for step in path:
            action, role = step if isinstance(step, tuple) else (step, ROLE_OF[step])
            d = call(action, getattr(world, role), d)
    exercised = set(DossierEvent.objects.values_list("action", flat=True))
    assert set(TRANSITIONS) <= exercised | {"submit"}, set(TRANSITIONS) - exercised
    messages = OutboxMessage.objects.filter(topic=np.TOPIC).order_by("pk")
    assert messages.count() >= sum(len(p) for p in PATHS)  # most actions are visible
    seen_statuses = set()
    for message in messages:
        record = np.national_record(message)
        errors = validation_errors({"service": np.SERVICE, "isUpdating": True, "data": [record]})
        assert errors == [], (message.key, message.payload["changes"], errors)
        seen_statuses.add(record["TrangThaiHoSo"])
    assert seen_statuses == {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
    # every processing step (each performed transition but the rating) is a progress record
    steps = OutboxMessage.objects.filter(topic=np.STEP_TOPIC)
    assert {m.payload["action"] for m in steps} == set(TRANSITIONS) - {"submit", "rate"}
    for message in steps:
        record = np.national_record(message)
        body = {"service": np.STEP_SERVICE, "isUpdating": True, "data": [record]}
        assert validation_errors(body) == [], message.key
    paid = next(m for m in messages if "fees_paid" in m.payload["changes"])
    assert np.national_record(paid)["DanhSachLePhi"][0]["Gia"] == 10000
    # and the stand-in process, over HTTP, accepts every one of them, in each dossier's order
    deliver_until_quiet(rounds=200)
    assert not OutboxMessage.objects.filter(outbox.undelivered()).exists()
    assert not OutboxMessage.objects.filter(dead_at__isnull=False).exists()
    stats = _get(portal + "/stats")
    assert stats["records"] == OutboxMessage.objects.count()
    assert (stats["duplicates"], stats["order_violations"]) == (0, 0)


def test_the_schema_refuses_what_the_portal_would():
    good = {
        "MaHoSo": "H1",
        "PhienBan": 1,
        "MaTTHC": "1.001193",
        "TenTTHC": "Đăng ký khai sinh",
        "ChuHoSo": "Nguyễn Văn A",
        "LoaiDoiTuong": 1,
        "TrangThaiHoSo": 1,
        "HinhThuc": "Trực tuyến",
    }
    assert validation_errors({"service": "DongBoHoSoMC", "data": [good]}) == []
    for field, bad in [
        ("TrangThaiHoSo", 11),
        ("NgayHenTra", "2026-12-07T09:00:00+07:00"),
        ("MaTTHC", "HCM-01"),
    ]:
        errors = validation_errors({"service": "DongBoHoSoMC", "data": [{**good, field: bad}]})
        assert errors and field in errors[0]


def test_portal_time_keeps_the_local_wall_clock():
    assert np.portal_time("2026-12-07T09:05:01+07:00") == "20261207090501"
    assert np.portal_time(None) is None


# --- delivery against the stand-in process ------------------------------------------------------


def test_delivers_in_order_marks_synced_and_a_resend_is_recognised(world, portal):
    d = submitted(world)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    d = s.dossier_transfer(actor=world.desk, dossier=d)
    reports = deliver_until_quiet()
    # one message of the dossier per claim: versions and steps go out one after the other
    assert [r.claimed for r in reports] == [1, 1, 1, 1, 1]
    records = received_records(portal, d.code)
    assert [r["PhienBan"] for r in records] == [1, 2, 3]
    assert [r["TrangThaiHoSo"] for r in records] == [1, 2, 4]
    steps = received_records(portal, d.code, np.STEP_SERVICE)
    assert [(r["BuocXuLyId"], r["NoiDungXuLy"]) for r in steps] == [
        ("2", "Tiếp nhận hồ sơ"),
        ("3", "Chuyển xử lý"),
    ]
    assert records[1]["MaTTHC"] == "1.001193" and len(records[1]["NgayHenTra"]) == 14
    d.refresh_from_db()
    assert d.synced_version == d.portal_version == 3
    # a resend (a worker killed after the portal stored it): acknowledged, not stored twice
    again = np.client().call(
        np.SERVICE,
        [np.national_record(OutboxMessage.objects.get(key=f"{d.code}:2"))],
        updating=True,
    )
    assert again["duplicates"] == [f"{d.code}:2"]
    assert len(received_records(portal, d.code)) == 3


@pytest.mark.pg  # the coalescing UPDATE's correlated subqueries, on both databases
def test_waiting_dossier_messages_are_coalesced_into_the_newest(world, portal, monkeypatch):
    """As the app registers it (``coalesce=True``): three DongBoHoSoMC versions waiting, the
    portal gets the first (it learns of the dossier) and the newest; both steps go, in order."""
    monkeypatch.setattr(outbox, "COALESCED", {np.TOPIC})
    d = submitted(world)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    d = s.dossier_transfer(actor=world.desk, dossier=d)
    reports = deliver_until_quiet()
    assert sum(r.coalesced for r in reports) == 1
    assert [r["PhienBan"] for r in received_records(portal, d.code)] == [1, 3]
    steps = received_records(portal, d.code, np.STEP_SERVICE)
    assert [r["BuocXuLyId"] for r in steps] == ["2", "3"]
    assert [r["key"] for r in _get(portal + "/received")] == [
        f"{d.code}:1",
        f"{d.code}:step:2",
        f"{d.code}:3",  # each change writes its full state, then its step
        f"{d.code}:step:3",
    ]
    d.refresh_from_db()
    assert d.synced_version == d.portal_version == 3
    assert OutboxMessage.objects.get(key=f"{d.code}:2").superseded_at is not None


def test_expired_session_is_renewed_once(world, portal):
    d = submitted(world)
    np.client().login()
    np.client().session = "expired-or-unknown"
    assert outbox.outbox_deliver().delivered == 1
    assert [r["PhienBan"] for r in received_records(portal, d.code)] == [1]


def test_a_500_is_retried_with_back_off(world, portal):
    d = submitted(world)
    _post(portal + "/_faults", {"status": 500, "count": 2})
    now = timezone.now()
    first = outbox.outbox_deliver(now=now)
    assert (first.failed, first.delivered) == (1, 0)
    message = OutboxMessage.objects.get(key=f"{d.code}:1")
    assert "HTTP 500" in message.last_error and message.dead_at is None
    delay = (message.next_attempt_at - now).total_seconds()
    assert 15 <= delay <= 30  # attempt 1: between half and all of TINHSO_RETRY_BASE_SECONDS
    assert outbox.outbox_deliver(now=now).claimed == 0  # not before its time
    later = message.next_attempt_at
    assert outbox.outbox_deliver(now=later).failed == 1
    message.refresh_from_db()
    assert (message.next_attempt_at - later).total_seconds() >= 30  # the ceiling doubled
    assert outbox.outbox_deliver(now=message.next_attempt_at).delivered == 1
    assert [r["PhienBan"] for r in received_records(portal, d.code)] == [1]


def test_a_lost_answer_is_resent_and_the_standin_recognises_the_duplicate(world, portal):
    """The portal applied the record but its answer never came back (a 500 after storing): the
    outbox retries, the resend carries the same MaHoSo + PhienBan, the stand-in answers it as a
    duplicate and keeps one copy; then the dossier's next version goes, in order."""
    d = s.dossier_receive(actor=world.desk, dossier=submitted(world))
    _post(portal + "/_faults", {"status": 500, "count": 1, "after_store": True})
    now = timezone.now()
    assert outbox.outbox_deliver(now=now).failed == 1
    assert [r["PhienBan"] for r in received_records(portal, d.code)] == [1]  # applied already
    message = OutboxMessage.objects.get(key=f"{d.code}:1")
    assert message.delivered_at is None and "HTTP 500" in message.last_error
    deliver_until_quiet(now=message.next_attempt_at)
    stats = _get(portal + "/stats")
    assert (stats["lost_answers"], stats["duplicates"], stats["order_violations"]) == (1, 1, 0)
    assert [r["PhienBan"] for r in received_records(portal, d.code)] == [1, 2]
    d.refresh_from_db()
    assert d.synced_version == d.portal_version == 2


def test_the_standin_counts_a_record_older_than_one_it_stored(world, portal):
    d = s.dossier_receive(actor=world.desk, dossier=submitted(world))
    first, second = (
        np.national_record(OutboxMessage.objects.get(key=f"{d.code}:{n}")) for n in (1, 2)
    )
    np.client().call(np.SERVICE, [second], updating=True)
    np.client().call(np.SERVICE, [first], updating=False)
    assert _get(portal + "/stats")["order_violations"] == 1


def test_a_refused_payload_is_a_dead_letter_blocking_its_dossier_until_resent(
    world, portal, admin_user, client
):
    d = submitted(world)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    other = submitted(world)
    first = OutboxMessage.objects.get(key=f"{d.code}:1")
    good_payload = first.payload
    OutboxMessage.objects.filter(pk=first.pk).update(payload={**good_payload, "status": 11})
    deliver_until_quiet()
    first.refresh_from_db()
    assert first.dead_at is not None and "HTTP 400" in first.last_error
    assert "TrangThaiHoSo" in first.last_error  # the portal's reason is kept
    # the dossier's version 2 waits behind the dead letter; the other dossier went through
    assert OutboxMessage.objects.get(key=f"{d.code}:2").delivered_at is None
    assert received_records(portal, d.code) == []
    assert [r["PhienBan"] for r in received_records(portal, other.code)] == [1]
    # the administrator fixes the cause and resends from the admin's outbox list
    OutboxMessage.objects.filter(pk=first.pk).update(payload=good_payload)
    client.force_login(admin_user)
    changelist = reverse("admin:dossiers_outboxmessage_changelist")
    page = client.get(changelist, {"delivery": "dead"}).content.decode()
    assert f"{d.code}:1" in page and f"{d.code}:2" not in page and "TrangThaiHoSo" in page
    client.post(changelist, {"action": "resend", "_selected_action": [first.pk]})
    assert AuditEvent.objects.filter(action="outbox.resend", actor=admin_user).exists()
    deliver_until_quiet()
    assert [r["PhienBan"] for r in received_records(portal, d.code)] == [1, 2]
    d.refresh_from_db()
    assert d.synced_version == 2


def test_discarding_a_dead_letter_releases_the_later_messages(world, portal, admin_user, client):
    d = submitted(world)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    first = OutboxMessage.objects.get(key=f"{d.code}:1")
    OutboxMessage.objects.filter(pk=first.pk).update(
        payload={**first.payload, "received_at": "07/12/2026"}
    )
    deliver_until_quiet()
    assert OutboxMessage.objects.get(key=f"{d.code}:2").delivered_at is None  # blocked
    client.force_login(admin_user)  # the admin's outbox list, its "discard" action
    changelist = reverse("admin:dossiers_outboxmessage_changelist")
    client.post(changelist, {"action": "discard", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.discarded_at is not None
    assert AuditEvent.objects.filter(action="outbox.discard", actor=admin_user).exists()
    deliver_until_quiet()
    assert [r["PhienBan"] for r in received_records(portal, d.code)] == [2]
    d.refresh_from_db()
    assert d.synced_version == d.portal_version == 2


def test_a_procedure_without_national_code_is_held_with_its_reason(world, portal, settings):
    unmapped = make_procedure(code="LOCAL.01", name="Thủ tục chưa có mã quốc gia")
    d = submitted(world)
    message = OutboxMessage.objects.get(key=f"{d.code}:1")
    OutboxMessage.objects.filter(pk=message.pk).update(
        payload={**message.payload, "procedure": unmapped.code}
    )
    now = timezone.now()
    for _ in range(settings.TINHSO_OUTBOX_MAX_ATTEMPTS + 1):  # held never becomes dead
        report = outbox.outbox_deliver(now=now)
        now += dt.timedelta(seconds=settings.TINHSO_OUTBOX_HOLD_SECONDS)
    assert report.held == 1
    message.refresh_from_db()
    assert message.dead_at is None and message.delivered_at is None
    assert "LOCAL.01" in message.held_reason and message.attempts == 0
    # the administrator adds the code: the message goes at the next delivery, not after the hold
    NationalProcedureCode.objects.create(procedure=unmapped, national_code="2.002000")
    release_held()
    assert outbox.outbox_deliver(now=timezone.now()).delivered == 1
    assert received_records(portal, d.code)[0]["MaTTHC"] == "2.002000"


def test_catalogue_codes_fill_the_mapping_table(world):
    local = make_procedure(code="1.000656.H12", name="Biến thể địa phương")
    unverified = make_procedure(code="2.000001", name="Chưa xác minh", code_verified=False)
    mapped = national_codes_from_catalogue()
    assert local.code in mapped and unverified.code not in mapped
    assert NationalProcedureCode.objects.in_force(local.pk).national_code == "1.000656"
    assert national_codes_from_catalogue() == []  # once
    later = NationalProcedureCode.objects.create(
        procedure=local, national_code="1.000657", valid_from=timezone.now() + dt.timedelta(days=1)
    )
    assert NationalProcedureCode.objects.in_force(local.pk).national_code == "1.000656"
    assert NationalProcedureCode.objects.in_force(local.pk, at=later.valid_from) == later


def test_run_all_starts_the_standin_on_the_configured_port(settings):
    from tinhso.core.management.commands.run_all import programs

    settings.TINHSO_NATIONAL_PORTAL_URL = "http://127.0.0.1:8799"
    assert "national-portal" not in programs("127.0.0.1:8000")
    settings.TINHSO_NATIONAL_PORTAL_STANDIN = True
    argv = programs("127.0.0.1:8000")["national-portal"]
    assert argv[1:3] == ["-m", "tinhso.standins.national_portal"]
    assert argv[argv.index("--port") + 1] == "8799"


def test_the_mapping_admin_adds_rows_and_keeps_saved_ones(world, admin_user, client):
    client.force_login(admin_user)
    add = reverse("admin:integrations_nationalprocedurecode_add")
    answer = client.post(
        add,
        {
            "procedure": world.procedure.pk,
            "national_code": "1.001194",
            "valid_from_0": "07/12/2026",
            "valid_from_1": "09:00:00",
            "note": "Quyết định công bố mới",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    row = NationalProcedureCode.objects.get(national_code="1.001194")
    change = reverse("admin:integrations_nationalprocedurecode_change", args=[row.pk])
    page = client.get(change).content.decode()
    assert 'name="national_code"' not in page and 'name="note"' in page
