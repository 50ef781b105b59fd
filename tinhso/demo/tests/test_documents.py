"""The demo's year of documents: numbered by the domain's rules, consecutive, fast, idempotent,
each with the history its state implies."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

from tinhso.demo.documents import load_demo_documents
from tinhso.demo.province import load_demo
from tinhso.documents.models import (
    Assignment,
    IncomingDocument,
    IncomingEvent,
    IncomingState,
    OutgoingDocument,
    OutgoingEvent,
    Recipient,
    RecordEvent,
    WorkRecord,
)
from tinhso.documents.records import RECORDS
from tinhso.documents.selectors import records_online_share
from tinhso.documents.services import INCOMING, OUTGOING
from tinhso.testing.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.pg]


def test_a_year_of_documents_numbered_without_gaps_and_loaded_once():
    load_demo("44")
    started = time.monotonic()
    report = load_demo_documents("44", count=800)
    elapsed = time.monotonic() - started
    assert report.outgoing + report.incoming == 800
    assert elapsed < 60
    series: dict[tuple, list[int]] = defaultdict(list)
    for agency, key, year, number in OutgoingDocument.objects.values_list(
        "agency_id", "series", "number_year", "number"
    ):
        series[(agency, key, year)].append(number)
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in series.values())
    arrivals: dict[tuple, list[int]] = defaultdict(list)
    for agency, year, number in IncomingDocument.objects.values_list(
        "agency_id", "arrival_year", "arrival_number"
    ):
        arrivals[(agency, year)].append(number)
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in arrivals.values())
    copies = IncomingDocument.objects.filter(recipient__isnull=False)
    assert copies.count() == Recipient.objects.filter(agency__isnull=False).count() > 0
    assert WorkRecord.objects.exists()
    _every_document_and_record_has_its_history()
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    assert {
        share.level
        for share in records_online_share(user=admin, year=WorkRecord.objects.first().year)
    }
    # The operations centre measures the three document shares from the demo's year.
    from django.db.models import Sum

    from tinhso.ioc.models import MonthlyDocumentStat
    from tinhso.ioc.rollup import rebuild_documents

    assert rebuild_documents() > 0
    totals = MonthlyDocumentStat.objects.aggregate(
        due=Sum("documents_due"),
        on_time=Sum("documents_due_on_time"),
        received=Sum("documents_received"),
        electronic=Sum("documents_received_electronic"),
        issued=Sum("documents_issued"),
        signed=Sum("documents_issued_signed"),
    )
    assert 0 < totals["on_time"] < totals["due"]
    # signed digitally at a rate rising towards the plan's 100%: most of the year, not all
    assert 0.8 * totals["issued"] < totals["signed"] < totals["issued"]
    assert 0 < totals["electronic"] <= totals["received"] == IncomingDocument.objects.count()
    assert load_demo_documents("44", count=800) == (0, 0, 0)  # idempotent


def _every_document_and_record_has_its_history():
    from django.utils import translation

    histories = (
        (IncomingDocument, IncomingEvent, "document_id", INCOMING),
        (OutgoingDocument, OutgoingEvent, "document_id", OUTGOING),
        (WorkRecord, RecordEvent, "record_id", RECORDS),
    )
    for model, event_model, parent, lifecycle in histories:
        events: dict[int, list[tuple]] = defaultdict(list)
        for row in event_model.objects.order_by(parent, "seq").values_list(
            parent, "seq", "at", "action", "actor_name"
        ):
            events[row[0]].append(row[1:])
        assert set(events) == set(model.objects.values_list("pk", flat=True)), model.__name__
        for steps in events.values():
            assert [seq for seq, *_rest in steps] == list(range(1, len(steps) + 1))
            times = [at for _seq, at, *_rest in steps]
            assert times == sorted(times)
            assert all(name for *_rest, name in steps)  # an officer, or the sending agency
        for action in {step[2] for steps in events.values() for step in steps}:
            with translation.override("en"):
                english = lifecycle.label(action)
            assert lifecycle.label(action) not in ("", action, english), action
    # An incoming document's page shows its agency's officer the labelled history.
    done = Assignment.objects.filter(document__state=IncomingState.DONE).select_related("user")
    assignment = done.order_by("pk").first()
    page = client_for(assignment.user).get(f"/can-bo/van-ban/den/{assignment.document_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="history"' in text
    for label in ("Đã vào sổ văn bản đến", "Đã giao xử lý", "Đã hoàn thành xử lý"):
        assert label in text
