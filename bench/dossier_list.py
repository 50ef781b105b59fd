"""Dossier list pages with millions of dossiers: the officer's inboxes and the dossier list API.

    .venv/bin/python bench/dossier_list.py                       # 10,000,000 dossiers
    .venv/bin/python bench/dossier_list.py --dossiers 1000000 --runs 300

Uses the PostgreSQL database ``tinhso_bench_ioc`` (``--database``) that ``bench/ioc.py`` fills,
topping it up with ``tinhso generate`` to ``--dossiers`` if it holds fewer (a fresh database is
migrated and gets the demo province first). Then gunicorn serves tinhso with the production
configuration (``tinhso/gunicorn_conf.py``, 2 workers) and one client, signed in as the desk
officer of the agency with the most dossiers, requests each list page ``--runs`` times in turn
(after a warm-up) and reports p50/p95/max latency. Goal (#7): p95 < 50 ms at 10 M dossiers.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's tinhso
from tinhso.standins._server import free_port  # noqa: E402  (the one helper; stdlib only)

PY = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/")

PREPARE = r"""
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count
from tinhso.core.models import OfficerAssignment, Role
from tinhso.dossiers.models import Dossier

busiest = (
    Dossier.objects.values("current_agency_id").annotate(n=Count("id")).order_by("-n").first()
)
desk = (
    OfficerAssignment.objects.filter(
        agency_id=busiest["current_agency_id"], role=Role.DESK_OFFICER, is_active=True
    )
    .select_related("user", "agency")
    .first()
)
if desk is None:  # the busiest agency has no demo desk officer: use Đồng Hới's
    desk = OfficerAssignment.objects.select_related("user", "agency").get(
        user__username="motcua.donghoi", role=Role.DESK_OFFICER
    )
user = desk.user
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
at_desk = Dossier.objects.filter(current_agency=desk.agency)
name = at_desk.values_list("applicant_name", flat=True).first() or "Nguyen"
print(session.session_key, desk.agency.code, at_desk.count(), user.username, name.split()[-1],
      sep="|")
"""


def manage(env: dict, *args: str, capture: bool = True) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=capture, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout or ""


def database_env(name: str) -> dict:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-" + os.urandom(8).hex()}
    env |= {"TINHSO_HTTPS": "0", "LOG_LEVEL": "WARNING", "TINHSO_LOG_FORMAT": "text"}
    env |= {"TINHSO_DEMO_HISTORY": "0", "DATABASE_URL": PG_ADMIN_URL + name}
    return env


def prepare(name: str, dossiers: int) -> dict:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL + "postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = database_env(name)
    manage(env, "migrate", "-v", "0")
    with psycopg.connect(PG_ADMIN_URL + name, autocommit=True) as conn:
        has_demo = conn.execute("SELECT count(*) FROM core_agency").fetchone()[0] > 0
        count = conn.execute("SELECT count(*) FROM dossiers_dossier").fetchone()[0]
    if not has_demo:
        manage(env, "load_demo", "--quiet-accounts")
    if count < dossiers:
        print(f"generating {dossiers - count:,} dossiers (this takes a while)…", flush=True)
        started = time.monotonic()
        manage(env, "generate", "--dossiers", str(dossiers - count), capture=False)
        print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
        count = dossiers
    print(f"database {name}: {count:,} dossiers", flush=True)
    return env


def start_server(env: dict, port: int, workdir: Path) -> subprocess.Popen:
    metrics = workdir / "metrics"
    metrics.mkdir()
    server_env = {
        **env,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "TINHSO_BIND": f"127.0.0.1:{port}",
        "TINHSO_WORKERS": "2",
        "DJANGO_SETTINGS_MODULE": "tinhso.settings",
    }
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "--config", "python:tinhso.gunicorn_conf"], cwd=ROOT, env=server_env
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def timed(port: int, path: str, cookie: str, runs: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": f"sessionid={cookie}", "Accept-Language": "vi"}
    latencies, statuses = [], set()
    for i in range(runs + 10):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        statuses.add(response.status)
        if response.status != 200:
            raise SystemExit(f"GET {path} → {response.status}: {body[:300]!r}")
        if i >= 10:  # warm-up
            latencies.append(elapsed)
    latencies.sort()
    return {
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "max": latencies[-1],
        "bytes": len(body),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=10_000_000)
    parser.add_argument("--database", default="tinhso_bench_ioc")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    env = prepare(args.database, args.dossiers)
    session, agency, agency_count, username, name = (
        manage(env, "shell", "-c", PREPARE).strip().splitlines()[-1].split("|")
    )
    print(f"officer {username} at {agency}: {int(agency_count):,} dossiers at this agency")
    pages = [
        ("inbox: to receive", "/can-bo/?box=to_receive"),
        ("inbox: to process", "/can-bo/?box=to_process"),
        ("inbox: overdue", "/can-bo/?box=overdue"),
        ("inbox: due soon", "/can-bo/?box=due_soon"),
        ("inbox: search by name", f"/can-bo/?box=to_process&q={quote(name)}"),
        ("API list, newest 20", "/api/dossiers?limit=20"),
        ("API list, page 100", "/api/dossiers?limit=20&offset=2000"),
        ("API inbox to process", "/api/dossiers?box=to_process&limit=20"),
    ]
    with tempfile.TemporaryDirectory(prefix="tinhso-bench-list-") as tmp:
        env["TINHSO_VAR_DIR"] = tmp
        manage(env, "collectstatic", "--noinput", "-v", "0")
        port = free_port()
        server = start_server(env, port, Path(tmp))
        try:
            print(f"\n{'page':<28}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'bytes':>9}")
            worst = 0.0
            for label, path in pages:
                result = timed(port, path, session, args.runs)
                worst = max(worst, result["p95"])
                print(
                    f"{label:<28}{result['p50']:>9.1f}{result['p95']:>9.1f}"
                    f"{result['max']:>9.1f}{result['bytes']:>9,}"
                )
            verdict = "PASS" if worst < 50 else "FAIL"
            print(f"\nworst p95 {worst:.1f} ms (goal < 50 ms): {verdict}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
