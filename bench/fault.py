"""Durability under faults: dossier submissions while a worker is SIGKILLed and PostgreSQL restarts.

    .venv/bin/python bench/fault.py                     # 1000 submissions, 8 client threads
    .venv/bin/python bench/fault.py --requests 3000 --concurrency 16

A fresh PostgreSQL database with the demo province; gunicorn (2 sync workers) serves tinhso.
Client threads POST /api/dossiers, each submission with its own Idempotency-Key; a submission
that fails (connection reset, 5xx, timeout) is retried with the *same* key until it is
acknowledged with 201 (or 200, a replay) — what a real client of the API does. Meanwhile:

- at 25 % of the acknowledgements one gunicorn worker is killed with SIGKILL (requests in flight
  die with it; the master starts a new worker);
- at 50 % PostgreSQL is restarted (``pg_ctlcluster ... restart -m fast``: every connection and
  every open transaction is cut).

Then, from the database: every acknowledged submission exists exactly once and under the code
the client was given, no dossier code repeats, no dossier exists that nobody was told about
twice, ``tinhso audit verify`` passes, and no attempt got a 500 (the restart must answer 503).
Needs root (to restart PostgreSQL) and a local cluster. On a machine others share, give it a
cluster of its own, e.g. ``pg_createcluster 15 fault --port 5433 --start`` (trust
authentication), then ``BENCH_PG_CLUSTER=15/fault BENCH_PG_URL=postgres://postgres@127.0.0.1:5433/``.
"""

from __future__ import annotations

import argparse
import glob
import http.client
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import submit as common

ROOT = common.ROOT
PY = common.PY


def pg_cluster() -> tuple[str, str]:
    """The cluster to restart: ``BENCH_PG_CLUSTER`` (``<version>/<name>``, e.g. a cluster of
    its own that ``BENCH_PG_URL`` points at, so that nobody else's connections are cut), else
    the newest local version's ``main``."""
    if os.environ.get("BENCH_PG_CLUSTER"):
        version, _sep, name = os.environ["BENCH_PG_CLUSTER"].partition("/")
        return version, name
    versions = sorted(Path(p).name for p in glob.glob("/etc/postgresql/*"))
    if not versions:
        raise SystemExit("fault.py needs a local PostgreSQL cluster (/etc/postgresql/<version>)")
    return versions[-1], "main"


def restart_postgres() -> float:
    version, name = pg_cluster()
    began = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart", "-m", "fast"],
        check=True,
        capture_output=True,
    )
    return time.monotonic() - began


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["pgrep", "-P", str(master)],
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(pid) for pid in out.stdout.split()]


class Load:
    def __init__(self, port: int, token: str, payload: bytes, total: int):
        self.port, self.token, self.payload, self.total = port, token, payload, total
        self.lock = threading.Lock()
        self.next = iter(range(total))
        self.acked: dict[str, str] = {}  # idempotency key -> dossier code the client was given
        self.attempts = 0
        self.failures: dict[str, int] = {}
        self.gave_up: list[str] = []
        self.replays = 0

    def fail(self, kind: str) -> None:
        with self.lock:
            self.failures[kind] = self.failures.get(kind, 0) + 1

    def submit(self, key: str, deadline: float) -> None:
        conn = None
        delay = 0.05
        while time.monotonic() < deadline:
            with self.lock:
                self.attempts += 1
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                conn.request(
                    "POST",
                    "/api/dossiers",
                    body=self.payload,
                    headers={
                        "Authorization": f"Bearer {self.token}",
                        "Content-Type": "application/json",
                        "Idempotency-Key": key,
                    },
                )
                response = conn.getresponse()
                body = response.read()
                if response.status in (200, 201):
                    code = json.loads(body)["code"]
                    with self.lock:
                        self.acked[key] = code
                        self.replays += response.status == 200
                    conn.close()
                    return
                self.fail(f"HTTP {response.status}")
                if response.status < 500:  # a 4xx will not heal by retrying
                    break
            except (OSError, http.client.HTTPException) as exc:
                self.fail(type(exc).__name__)
                if conn is not None:
                    conn.close()
                conn = None
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        with self.lock:
            self.gave_up.append(key)

    def run(self, threads: int, prefix: str, retry_seconds: float) -> None:
        def worker() -> None:
            while True:
                with self.lock:
                    n = next(self.next, None)
                if n is None:
                    return
                self.submit(f"{prefix}-{n}", time.monotonic() + retry_seconds)

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()

    def done(self) -> int:
        with self.lock:
            return len(self.acked)


def chaos(load: Load, master: int, events: list[str]) -> None:
    """Kill a worker at 25 % and restart PostgreSQL at 50 % of the acknowledgements."""
    began = time.monotonic()
    while load.done() < load.total * 0.25:
        time.sleep(0.05)
    pids = worker_pids(master)
    if pids:
        os.kill(pids[0], signal.SIGKILL)
        events.append(
            f"{time.monotonic() - began:6.1f}s  SIGKILL worker {pids[0]} "
            f"after {load.done()} acknowledgements"
        )
    while load.done() < load.total * 0.5:
        time.sleep(0.05)
    at = load.done()
    took = restart_postgres()
    events.append(
        f"{time.monotonic() - began:6.1f}s  PostgreSQL restarted (fast) after {at} "
        f"acknowledgements; took {took:.1f}s"
    )


def verify(env: dict, prefix: str, load: Load) -> dict:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT idempotency_key, code FROM dossiers_dossier WHERE idempotency_key LIKE %s",
            (prefix + "-%",),
        ).fetchall()
        duplicate_codes = conn.execute(
            "SELECT code, count(*) FROM dossiers_dossier GROUP BY code HAVING count(*) > 1"
        ).fetchall()
    by_key: dict[str, list[str]] = {}
    for key, code in rows:
        by_key.setdefault(key, []).append(code)
    missing = [k for k in load.acked if k not in by_key]
    repeated = {k: v for k, v in by_key.items() if len(v) > 1}
    wrong_code = [k for k, code in load.acked.items() if k in by_key and by_key[k][0] != code]
    unacknowledged = [k for k in by_key if k not in load.acked]
    audit = subprocess.run(
        [PY, "manage.py", "audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "stored": len(rows),
        "missing": missing,
        "repeated_keys": repeated,
        "wrong_code": wrong_code,
        "duplicate_codes": duplicate_codes,
        "unacknowledged": unacknowledged,
        "audit_exit": audit.returncode,
        "audit_output": (audit.stdout + audit.stderr).strip().splitlines()[-1:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--retry-seconds", type=float, default=120)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("fault.py restarts PostgreSQL: run it as root")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, PostgreSQL {pg_cluster()[0]}; gunicorn workers="
        f"{args.workers}, client threads={args.concurrency}, submissions={args.requests}"
    )
    with tempfile.TemporaryDirectory(prefix="tinhso-fault-") as tmp:
        env = common.prepare("postgres", Path(tmp))
        port = common.free_port()
        server = common.start_server(env, args.workers, port)
        events: list[str] = []
        try:
            code = common.pick_procedure(port)
            payload = json.dumps(
                {"procedure_code": code, "form_data": common.fetch_example_form(port, code)}
            ).encode()
            load = Load(port, env["BENCH_TOKEN"], payload, args.requests)
            prefix = "fault-" + os.urandom(4).hex()
            monkey = threading.Thread(target=chaos, args=(load, server.pid, events), daemon=True)
            began = time.monotonic()
            monkey.start()
            load.run(args.concurrency, prefix, args.retry_seconds)
            wall = time.monotonic() - began
            monkey.join(timeout=60)
        finally:
            server.terminate()
            server.wait(timeout=30)
        result = verify(env, prefix, load)
    for line in events:
        print("  " + line)
    print(
        f"submissions: {args.requests}, acknowledged: {len(load.acked)} "
        f"({load.replays} as replays), gave up: {len(load.gave_up)}, attempts: {load.attempts}, "
        f"wall: {wall:.1f}s"
    )
    print(f"failed attempts (then retried): {load.failures or '-'}")
    print(
        f"stored: {result['stored']}; acknowledged but missing: {len(result['missing'])}; "
        f"stored twice: {len(result['repeated_keys'])}; code differs from the one acknowledged: "
        f"{len(result['wrong_code'])}; repeated dossier codes: {len(result['duplicate_codes'])}; "
        f"stored but never acknowledged: {len(result['unacknowledged'])}"
    )
    print(f"tinhso audit verify: exit {result['audit_exit']} {result['audit_output']}")
    ok = (
        not result["missing"]
        and not result["repeated_keys"]
        and not result["wrong_code"]
        and not result["duplicate_codes"]
        and not load.gave_up
        and result["audit_exit"] == 0
        and len(events) == 2
        # The database's restart is a 503 (retry later), never an unhandled 500.
        and not load.failures.get("HTTP 500")
    )
    print("RESULT:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
