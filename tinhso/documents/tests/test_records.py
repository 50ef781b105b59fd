"""Work records' history (Decree 30: a record is accountable): each step writes one event row in
its transaction, a refused one none; the record's page shows the labelled history to whoever may
see the record (``restrict``), and to nobody else."""

from __future__ import annotations

import pytest
from django.utils import translation

from tinhso.core.errors import DomainError, InvalidTransition, NotFound
from tinhso.core.models import AuditEvent
from tinhso.documents import records as r
from tinhso.documents.models import RecordEvent, WorkRecord
from tinhso.documents.selectors import history
from tinhso.testing.factories import client_for, make_registered

pytestmark = [pytest.mark.django_db, pytest.mark.pg]


def steps(record: WorkRecord) -> list[tuple[int, str, int | None, str]]:
    return [(e.seq, e.action, e.actor_id, e.note) for e in record.events.order_by("seq")]


def test_each_record_action_writes_one_event_with_its_actor(documents_world):
    w = documents_world
    incoming = make_registered(w, number_symbol="12/BTP-HTQTCT")
    record = r.record_open(actor=w.specialist, agency=w.justice, code="02.05", title="Hộ tịch")
    r.record_attach(actor=w.clerk, record=record, incoming=incoming)
    r.record_attach(actor=w.leader, record=record, incoming=incoming)  # already in: no step
    r.record_close(actor=w.leader, record=record)
    r.record_reopen(actor=w.specialist, record=record)
    r.record_close(actor=w.specialist, record=record)
    r.record_archive(actor=w.clerk, record=record)
    assert steps(record) == [
        (1, "open", w.specialist.pk, ""),
        (2, "attach", w.clerk.pk, "12/BTP-HTQTCT"),
        (3, "close", w.leader.pk, ""),
        (4, "reopen", w.specialist.pk, ""),
        (5, "close", w.specialist.pk, ""),
        (6, "archive", w.clerk.pk, ""),
    ]
    first = record.events.get(seq=1)
    assert first.actor_name == w.specialist.get_full_name() and first.data["code"] == "02.05"
    assert record.events.get(seq=2).data == {"incoming": incoming.pk}
    # One event per audited step, written in the same transaction.
    audited = AuditEvent.objects.filter(action__startswith="documents.record.").count()
    assert audited == record.events.count() == 6


def test_a_refused_record_action_writes_no_event(documents_world):
    w = documents_world
    record = r.record_open(actor=w.specialist, agency=w.justice, code="02.06", title="Hộ tịch")
    before = steps(record)
    with pytest.raises(DomainError):  # nothing attached: the state change is rolled back too
        r.record_close(actor=w.specialist, record=record)
    with pytest.raises(InvalidTransition):
        r.record_archive(actor=w.specialist, record=record)
    with pytest.raises(NotFound):  # an officer of another agency
        r.record_attach(
            actor=w.other_clerk, record=record, incoming=make_registered(w, number_symbol="1/A")
        )
    other = make_registered(w, agency=w.construction, actor=w.other_clerk, number_symbol="2/B")
    with pytest.raises(DomainError):  # a document of another agency
        r.record_attach(actor=w.specialist, record=record, outgoing=None, incoming=other)
    with pytest.raises(DomainError):  # the same code twice in a year
        r.record_open(actor=w.specialist, agency=w.justice, code="02.06", title="Lần hai")
    record.refresh_from_db()
    assert record.state == "open" and record.closed_at is None
    assert steps(record) == before == [(1, "open", w.specialist.pk, "")]
    assert RecordEvent.objects.count() == 1


def test_the_record_page_shows_its_labelled_history_to_whoever_sees_the_record(documents_world):
    w = documents_world
    incoming = make_registered(w, number_symbol="13/BTP-HTQTCT")
    record = r.record_open(actor=w.specialist, agency=w.justice, code="02.07", title="Hộ tịch")
    url = f"/can-bo/van-ban/ho-so/{record.pk}/"
    clerk = client_for(w.clerk)
    clerk.post(url, {"action": "attach", "number_symbol": incoming.number_symbol})
    clerk.post(url, {"action": "close"})
    assert client_for(w.leader).post(url, {"action": "archive"}).status_code == 302
    page = client_for(w.specialist).get(url).content.decode()
    for label in (
        "Đã mở hồ sơ",
        "Đã đưa văn bản vào hồ sơ: 13/BTP-HTQTCT",
        "Đã kết thúc hồ sơ",
        "Đã nộp lưu hồ sơ",
    ):
        assert label in page
    assert w.leader.get_full_name() in page and "· archive" not in page
    with translation.override("vi"):
        assert [e.label for e in history(record)][-1] == "Đã nộp lưu hồ sơ"
    # Whoever may not see the record sees neither it nor its history.
    assert client_for(w.other_clerk).get(url).status_code == 404
    assert client_for(w.nobody).get(url).status_code in (302, 403, 404)
    assert not WorkRecord.objects.restrict(w.other_clerk).filter(pk=record.pk).exists()
