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


# --- removing a document attached by mistake (rút văn bản khỏi hồ sơ) ------------------------


def audited(action: str) -> int:
    return AuditEvent.objects.filter(action=f"documents.record.{action}").count()


def test_removing_a_document_writes_one_event_and_its_audit_with_the_actor(documents_world):
    w = documents_world
    incoming = make_registered(w, number_symbol="14/BTP-HTQTCT")
    record = r.record_open(actor=w.specialist, agency=w.justice, code="02.08", title="Hộ tịch")
    r.record_attach(actor=w.clerk, record=record, incoming=incoming)
    item = record.items.get()
    r.record_detach(actor=w.leader, record=record, item=item, reason="  Đưa nhầm   hồ sơ ")
    assert not record.items.exists()
    assert steps(record)[-1] == (3, "detach", w.leader.pk, "14/BTP-HTQTCT – Đưa nhầm hồ sơ")
    event = record.events.get(seq=3)
    assert event.data == {"incoming": incoming.pk, "reason": "Đưa nhầm hồ sơ"}
    assert event.actor_name == w.leader.get_full_name()
    assert audited("detach") == 1
    audit = AuditEvent.objects.get(action="documents.record.detach")
    assert audit.actor_id == w.leader.pk and audit.after["reason"] == "Đưa nhầm hồ sơ"
    with translation.override("vi"):
        assert [e.label for e in history(record)][-1] == "Đã rút văn bản khỏi hồ sơ"
    # Removed, it may be attached again (a new step).
    r.record_attach(actor=w.clerk, record=record, incoming=incoming)
    assert [s[1] for s in steps(record)] == ["open", "attach", "detach", "attach"]


def test_a_refused_removal_changes_nothing(documents_world):
    w = documents_world
    incoming = make_registered(w, number_symbol="15/BTP-HTQTCT")
    record = r.record_open(actor=w.specialist, agency=w.justice, code="02.09", title="Hộ tịch")
    r.record_attach(actor=w.clerk, record=record, incoming=incoming)
    item = record.items.get()
    other = r.record_open(actor=w.specialist, agency=w.justice, code="02.10", title="Khác")
    r.record_attach(actor=w.clerk, record=other, incoming=make_registered(w, number_symbol="3/C"))
    before = (steps(record), steps(other), AuditEvent.objects.count())
    reason = "Đưa nhầm hồ sơ"
    for refused, actor, kwargs in (
        (DomainError, w.specialist, {"item": item, "reason": ""}),  # no reason
        (DomainError, w.specialist, {"item": item, "reason": "x" * 501}),
        (DomainError, w.specialist, {"item": other.items.get(), "reason": reason}),  # not in it
        (DomainError, w.specialist, {"item": 10**9, "reason": reason}),
        (NotFound, w.other_clerk, {"item": item, "reason": reason}),  # may not attach
        (NotFound, w.nobody, {"item": item, "reason": reason}),
    ):
        with pytest.raises(refused):
            r.record_detach(actor=actor, record=record, **kwargs)
    assert (steps(record), steps(other), AuditEvent.objects.count()) == before
    for action in ("close", "archive"):  # a closed, then an archived record
        getattr(r, f"record_{action}")(actor=w.specialist, record=record)
        before = (steps(record), steps(other), AuditEvent.objects.count())
        with pytest.raises(InvalidTransition):
            r.record_detach(actor=w.specialist, record=record, item=item, reason=reason)
    assert (steps(record), steps(other), AuditEvent.objects.count()) == before
    assert record.items.get() == item and other.items.count() == 1
    assert audited("detach") == 0


def test_a_classified_document_is_removed_only_by_whoever_may_read_it(documents_world):
    w = documents_world
    secret = make_registered(w, number_symbol="16/BTP-M", secrecy="confidential")
    record = r.record_open(actor=w.specialist, agency=w.justice, code="02.11", title="Mật")
    r.record_attach(actor=w.leader, record=record, incoming=secret)
    item = record.items.get()
    with pytest.raises(DomainError):  # the specialist may not read it: not theirs to remove
        r.record_detach(actor=w.specialist, record=record, item=item, reason="Đưa nhầm hồ sơ")
    r.record_detach(actor=w.leader, record=record, item=item, reason="Đưa nhầm hồ sơ")
    assert not record.items.exists()


def test_the_record_page_offers_removal_to_whoever_may_and_shows_refusals(documents_world):
    w = documents_world
    incoming = make_registered(w, number_symbol="17/BTP-HTQTCT")
    secret = make_registered(w, number_symbol="18/BTP-M", secrecy="confidential")
    record = r.record_open(actor=w.specialist, agency=w.justice, code="02.12", title="Hộ tịch")
    r.record_attach(actor=w.clerk, record=record, incoming=incoming)
    r.record_attach(actor=w.leader, record=record, incoming=secret)
    item, secret_item = record.items.get(incoming=incoming), record.items.get(incoming=secret)
    url = f"/can-bo/van-ban/ho-so/{record.pk}/"
    detach = f"{url}rut/{item.pk}/"
    specialist = client_for(w.specialist)
    page = specialist.get(url).content.decode()
    assert f'action="{detach}"' in page and "Rút khỏi hồ sơ" in page and "Lý do rút" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert f'data-testid="detach-{secret_item.pk}"' not in page  # a document they may not read
    assert (
        f'data-testid="detach-{secret_item.pk}"' in client_for(w.leader).get(url).content.decode()
    )
    # Bad input: the Vietnamese message in the page, nothing removed.
    answer = specialist.post(detach, {"reason": " "})
    assert answer.status_code == 200
    assert "Ghi lý do rút văn bản khỏi hồ sơ (từ 5 đến 500 ký tự)." in answer.content.decode()
    answer = specialist.post(f"{url}rut/{10**9}/", {"reason": "Đưa nhầm hồ sơ"})
    assert "Văn bản không có trong hồ sơ này." in answer.content.decode()
    assert record.items.count() == 2 and record.events.count() == 3
    # Others: 404, nothing removed; GET is refused.
    assert client_for(w.other_clerk).post(detach, {"reason": "Đưa nhầm"}).status_code == 404
    assert specialist.get(detach).status_code == 405
    # The removal: back to the page with its confirmation and the history line.
    answer = specialist.post(detach, {"reason": "Đưa nhầm hồ sơ"}, follow=True)
    assert answer.redirect_chain[-1][0] == f"{url}?done=detached"
    page = answer.content.decode()
    assert "Đã rút văn bản khỏi hồ sơ." in page
    assert "Đã rút văn bản khỏi hồ sơ: 17/BTP-HTQTCT – Đưa nhầm hồ sơ" in page
    assert not record.items.filter(pk=item.pk).exists()
    # A closed record offers no removal, and refuses one in Vietnamese.
    client_for(w.leader).post(url, {"action": "close"})
    page = client_for(w.leader).get(url).content.decode()
    assert "Rút khỏi hồ sơ" not in page
    answer = client_for(w.leader).post(f"{url}rut/{secret_item.pk}/", {"reason": "Đưa nhầm"})
    assert "Hồ sơ đang ở trạng thái" in answer.content.decode()
    assert record.items.filter(pk=secret_item.pk).exists()
