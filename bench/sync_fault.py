"""National portal sync under faults: a worker SIGKILLed mid-delivery, the portal answering 500.

    .venv/bin/python bench/sync_fault.py                         # 200 dossiers, 1,000 messages
    .venv/bin/python bench/sync_fault.py --dossiers 400 --fault-seconds 60
    .venv/bin/python bench/sync_fault.py --db postgres
    .venv/bin/python bench/sync_fault.py --coalesce              # as the product runs it

A fresh database with a test world: SQLite (a temporary file) or, with ``--db postgres``, the
PostgreSQL database ``BENCH_PG_DB`` (default ``tinhso_sync_fault``, dropped and created again on
``BENCH_PG_URL``); ``--dossiers`` dossiers are
submitted, received and transferred through the services, which writes five national-portal
messages each (three ``DongBoHoSoMC`` versions, two ``CapNhatTienDoHoSoMC`` steps). The stand-in
portal runs as its own process; a worker process (``--worker``: ``outbox_deliver`` in a loop)
delivers them. Meanwhile:

- at 25 % of the records received the worker is killed with SIGKILL and a new one started (the
  killed worker's claims come back when their lease ends, ``TINHSO_OUTBOX_LEASE_SECONDS`` = 5);
- at 50 % the stand-in answers 500 to every call for ``--fault-seconds`` (default 60), the
  worker backing off (``TINHSO_RETRY_BASE_SECONDS`` 1, cap 8);
- at 75 % the stand-in stores the next ``--lost-answers`` (default 20) calls' records and then
  answers 500 (the answer lost after the portal applied it): their resends must be recognised
  as duplicates.

Then: every message was received exactly once by the portal (a resend is recognised as a
duplicate, never stored twice), each dossier's records arrived in the order they were written,
every dossier is synced (``synced_version = portal_version``), no message is dead or left over.
Prints the figures — resends (calls that carried a record sent before), duplicates recognised,
duplicates applied (records stored more than once: 0), order violations (records stored after a
later one of their dossier: 0, as counted by this script and by the stand-in) — and exits 1 when
a check fails.

The worker delivers every message written (the acceptance's 1,000): the coalescing of waiting
full-state messages (``outbox.register_handler(..., coalesce=True)``) is turned off unless
``--coalesce`` is given; then the superseded messages are left out of "every message" (each
dossier's second version, superseded by its third) and the rest must still arrive once, in order.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's tinhso
from tinhso.standins._server import free_port  # noqa: E402  (the one helper; stdlib only)

PY = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/")
PG_DATABASE = os.environ.get("BENCH_PG_DB", "tinhso_sync_fault")


def _fresh_postgres() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL + "postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    return PG_ADMIN_URL + PG_DATABASE


def _setup(db: str, url: str) -> None:
    """``db``: a SQLite file, or a ``postgres://`` URL."""
    os.environ.pop("DATABASE_URL", None)
    if db.startswith("postgres://"):
        os.environ["DATABASE_URL"] = db
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tinhso.settings",
            "TINHSO_SQLITE_PATH": db,
            "TINHSO_NATIONAL_PORTAL_URL": url,
            "TINHSO_RETRY_BASE_SECONDS": "1",
            "TINHSO_RETRY_CAP_SECONDS": "8",
            "TINHSO_OUTBOX_LEASE_SECONDS": "5",
            "TINHSO_OUTBOX_BATCH": "100",
            "TINHSO_RATE_SUBMISSIONS": "100000/h",  # one applicant submits them all
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def worker(db: str, url: str, coalesce: bool) -> None:
    """Deliver the outbox until killed."""
    _setup(db, url)
    from tinhso.dossiers.outbox import COALESCED, outbox_deliver

    if not coalesce:
        COALESCED.clear()

    while True:
        if not outbox_deliver().claimed:
            time.sleep(0.05)


def _get(url: str) -> dict | list:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def _post(url: str, body: dict) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(request, timeout=10).close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--fault-seconds", type=float, default=60.0)
    parser.add_argument("--lost-answers", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--coalesce", action="store_true", help="coalesce full-state messages")
    parser.add_argument("--worker", nargs=2, metavar=("DB", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker, args.coalesce)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="sync-fault-"))
    db = _fresh_postgres() if args.db == "postgres" else str(tmp / "tinhso.sqlite3")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    _setup(db, url)
    from django.core.management import call_command

    from tinhso.dossiers import services as s
    from tinhso.dossiers.models import Dossier, OutboxMessage
    from tinhso.dossiers.outbox import undelivered
    from tinhso.integrations.models import NationalProcedureCode
    from tinhso.testing.factories import VALID_FORM, make_world, pdf

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    world = make_world()
    NationalProcedureCode.objects.create(procedure=world.procedure, national_code="1.001193")
    component = world.procedure.components.first()
    for _ in range(args.dossiers):
        d = s.dossier_submit(
            actor=world.citizen,
            procedure=world.procedure,
            form_data=dict(VALID_FORM),
            uploads=[(component, pdf())],
        )
        d = s.dossier_receive(actor=world.desk, dossier=d)
        s.dossier_transfer(actor=world.desk, dossier=d)
    total = OutboxMessage.objects.count()
    print(
        f"{args.dossiers} dossiers, {total} messages written in {time.monotonic() - started:.1f}s"
    )

    standin = subprocess.Popen(
        [
            PY,
            "-m",
            "tinhso.standins.national_portal",
            "--port",
            str(port),
            "--db",
            str(tmp / "p.db"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            _get(url + "/healthz")
            break
        except OSError:
            time.sleep(0.05)
    worker_argv = [PY, str(Path(__file__).resolve()), "--worker", db, url]
    if args.coalesce:
        worker_argv.append("--coalesce")
    log = open(tmp / "worker.log", "w")  # noqa: SIM115 - closed at the end

    def start_worker() -> subprocess.Popen:
        return subprocess.Popen(worker_argv, cwd=ROOT, stdout=log, stderr=log)

    proc = start_worker()
    t0 = time.monotonic()
    killed_at = fault_at = fault_end = lost_at = None
    records = 0
    try:
        while time.monotonic() - t0 < args.timeout:
            records = _get(url + "/stats")["records"]
            if killed_at is None and records >= total // 4:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed_at = time.monotonic() - t0
                print(f"{killed_at:6.1f}s worker SIGKILLed at {records} records; a new one starts")
                proc = start_worker()
            if fault_at is None and records >= total // 2:
                _post(url + "/_faults", {"status": 500, "seconds": args.fault_seconds})
                fault_at = time.monotonic() - t0
                fault_end = fault_at + args.fault_seconds
                print(f"{fault_at:6.1f}s the portal answers 500 for {args.fault_seconds:.0f}s")
            if lost_at is None and args.lost_answers and records >= total * 3 // 4:
                _post(
                    url + "/_faults", {"status": 500, "count": args.lost_answers, "after_store": 1}
                )
                lost_at = time.monotonic() - t0
                print(f"{lost_at:6.1f}s the portal loses its next {args.lost_answers} answers")
            pending = OutboxMessage.objects.filter(undelivered()).count()
            owed = OutboxMessage.objects.filter(superseded_at__isnull=True).count()
            if records >= owed and not pending:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - t0
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stats = _get(url + "/stats")
        received = _get(url + "/received")
        standin.terminate()
        standin.wait(5)
        log.close()

    print(f"{elapsed:6.1f}s done; {records} records; portal stats {stats}")
    if fault_end is not None:
        print(f"drained {elapsed - fault_end:.1f}s after the 500s ended")
    written: dict[str, list[str]] = {}
    sent = OutboxMessage.objects.filter(superseded_at__isnull=True)
    superseded = total - sent.count()
    for stream, key in sent.order_by("pk").values_list("stream", "key"):
        written.setdefault(stream, []).append(key)
    arrived: dict[str, list[str]] = {}
    for r in received:
        arrived.setdefault(r["record"]["MaHoSo"], []).append(r["key"])
    # a record stored after one written later in its dossier's stream
    order_violations = 0
    for stream, keys in arrived.items():
        rank = {key: n for n, key in enumerate(written.get(stream, []))}
        newest = -1
        for key in keys:
            if rank.get(key, newest) < newest:
                order_violations += 1
            newest = max(newest, rank.get(key, newest))
    applied_twice = len(received) - len({r["key"] for r in received})
    resends = stats["calls"] - len({r["key"] for r in received})  # one record a call
    dossiers = Dossier.objects.count()
    synced = sum(
        1
        for d in Dossier.objects.only("synced_version", "portal_version")
        if d.synced_version == d.portal_version
    )
    checks = {
        "every message received exactly once": len(received) == total - superseded
        and len({r["key"] for r in received}) == total - superseded,
        "each dossier in the order written": arrived == written
        and order_violations == 0
        and stats["order_violations"] == 0,
        "every lost answer's resend recognised as a duplicate": stats["duplicates"]
        >= stats["lost_answers"],
        "every dossier synced": synced == dossiers,
        "nothing dead or left over": not OutboxMessage.objects.filter(undelivered()).exists(),
    }
    attempts = max(OutboxMessage.objects.values_list("attempts", flat=True))
    print(
        f"synced {synced}/{dossiers}; duplicates recognised {stats['duplicates']}; "
        f"500s answered {stats['faults']}; most attempts of one message {attempts}; "
        f"superseded (coalesced, not sent) {superseded}"
    )
    print(
        f"resends {resends}; answers lost after storing {stats['lost_answers']}; "
        f"duplicates recognised {stats['duplicates']}; duplicates applied {applied_twice}; "
        f"order violations {order_violations} (stand-in: {stats['order_violations']})"
    )
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
