"""The demo's year of documents: numbered by the domain's rules, consecutive, fast, idempotent."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

from tinhso.demo.documents import load_demo_documents
from tinhso.demo.province import load_demo
from tinhso.documents.models import IncomingDocument, OutgoingDocument, Recipient, WorkRecord
from tinhso.documents.selectors import records_online_share

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
