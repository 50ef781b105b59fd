"""The numbering property (issue 21's acceptance): 8 processes issuing 500 documents each in one
agency get 4,000 consecutive numbers, no gap and no duplicate; numbering restarts on 1 January;
separate series stay separate.

Real processes on PostgreSQL (each its own interpreter and connection, as gunicorn workers are),
calling the one issue service :func:`tinhso.documents.services.outgoing_issue`.

``make test`` runs 8 processes of 150 documents (1,200 numbers) to stay within the suite's time
budget; the acceptance's size is one setting away and recorded in docs/benchmarks.md:
``TINHSO_NUMBERING_PER_PROCESS=500 DATABASE_URL=postgres://… pytest`` on this file.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

from tinhso.core.models import Role
from tinhso.documents.models import OutgoingDocument, OutgoingState
from tinhso.testing.factories import make_agency, make_officer

PROCESSES = int(os.environ.get("TINHSO_NUMBERING_PROCESSES", "8"))
PER_PROCESS = int(os.environ.get("TINHSO_NUMBERING_PER_PROCESS", "150"))
NEXT_YEAR = 10  # per process, issued on 1 January of the next year
NORMATIVE = 10  # per process, legal normative decisions (their own series)
VN = ZoneInfo("Asia/Ho_Chi_Minh")
LAST_DAY = dt.datetime(2026, 12, 31, 16, 0, tzinfo=VN)
NEW_YEAR = dt.datetime(2027, 1, 1, 8, 0, tzinfo=VN)

WORKER = """
import datetime as dt, sys, time
import django
django.setup()
from tinhso.documents.services import outgoing_issue
from django.contrib.auth import get_user_model
clerk = get_user_model().objects.get(pk=int(sys.argv[1]))
items = sys.stdin.read().split()
started = time.monotonic()
for item in items:
    pk, when = item.split("@")
    outgoing_issue(actor=clerk, document=int(pk), now=dt.datetime.fromisoformat(when))
print("done", len(items), round(time.monotonic() - started, 1))
"""


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _documents(agency, clerk, leader, count: int, **fields) -> list[int]:
    rows = [
        OutgoingDocument(
            agency=agency,
            doc_type=fields.get("doc_type", "CV"),
            is_normative=fields.get("is_normative", False),
            summary=f"Văn bản thử số {i}",
            body="Nội dung.",
            recipients_text="Lưu: VT",
            signer=leader,
            signer_position="GIÁM ĐỐC",
            signer_name="Lê Quang Huy",
            state=OutgoingState.APPROVED,
            drafted_by=clerk,
        )
        for i in range(count)
    ]
    return [row.pk for row in OutgoingDocument.objects.bulk_create(rows)]


@pytest.mark.long
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_eight_processes_get_consecutive_numbers_per_series_and_year():
    if connection.vendor != "postgresql":
        pytest.skip("8 processes issuing at once need PostgreSQL (SQLite has one writer)")
    agency = make_agency("H44.03", "so_tu_phap", name="Sở Tư pháp")
    clerk = make_officer("vanthu", "Văn thư", agency, Role.DESK_OFFICER)
    leader = make_officer("giamdoc", "Giám đốc", agency, Role.LEADER)
    plain = _documents(agency, clerk, leader, PROCESSES * PER_PROCESS)
    next_year = _documents(agency, clerk, leader, PROCESSES * NEXT_YEAR)
    normative = _documents(
        agency, clerk, leader, PROCESSES * NORMATIVE, doc_type="QD", is_normative=True
    )

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "tinhso.settings",
        "PGOPTIONS": "-c synchronous_commit=off",  # tests need no durability
    }
    processes, work = [], []
    for i in range(PROCESSES):
        mine = [f"{pk}@{LAST_DAY.isoformat()}" for pk in plain[i::PROCESSES]]
        # Interleaved: the next year's and the normative series are taken while the others run.
        mine[5:5] = [f"{pk}@{NEW_YEAR.isoformat()}" for pk in next_year[i::PROCESSES]]
        mine[50:50] = [f"{pk}@{LAST_DAY.isoformat()}" for pk in normative[i::PROCESSES]]
        work.append(mine)
        processes.append(
            subprocess.Popen(  # noqa: S603
                [sys.executable, "-c", WORKER, str(clerk.pk)],
                stdin=subprocess.PIPE,
                cwd=Path(settings.BASE_DIR),
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for process, mine in zip(processes, work, strict=True):
        process.stdin.write(" ".join(mine))
        process.stdin.close()
    outputs = [(process.stdout.read(), process.stderr.read()) for process in processes]
    for process in processes:
        process.wait(timeout=900)
    print([out.strip() for out, _err in outputs])
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err[-2000:]
        assert out.startswith("done")

    def numbers(series: str, year: int) -> list[int]:
        return sorted(
            OutgoingDocument.objects.filter(
                agency=agency, series=series, number_year=year, state=OutgoingState.ISSUED
            ).values_list("number", flat=True)
        )

    assert numbers("doc:all", 2026) == list(range(1, PROCESSES * PER_PROCESS + 1))
    assert numbers("doc:all", 2027) == list(range(1, PROCESSES * NEXT_YEAR + 1))
    assert numbers("doc:qppl:QD", 2026) == list(range(1, PROCESSES * NORMATIVE + 1))
    assert not OutgoingDocument.objects.exclude(state=OutgoingState.ISSUED).exists()
    symbols = OutgoingDocument.objects.filter(series="doc:qppl:QD").values_list(
        "number_symbol", flat=True
    )
    assert all("/2026/QĐ-" in symbol for symbol in symbols)
