"""Dossier submissions per second through the HTTP API, on SQLite and on PostgreSQL.

    .venv/bin/python bench/submit.py                 # both databases, 2000 submissions each
    .venv/bin/python bench/submit.py --db postgres --requests 5000 --concurrency 32

For each database: a fresh database, migrations, the demo province, a citizen's API token; then
gunicorn serves tinhso on a free loopback port the way ``tinhso serve`` runs it in production
(``tinhso/gunicorn_conf.py``: gthread workers, ``--workers`` of them, default 2, each with
``--threads``, default that of ``tinhso serve``; Prometheus multi-process metrics; JSON logs), and
``--concurrency`` client threads with keep-alive connections POST /api/dossiers (each with its own
Idempotency-Key) until ``--requests`` are done. The same run measures the server's floor: GET
/healthz (one ``SELECT 1``). Prints throughput and p50/p95/p99 latency; errors are counted, never
hidden. ``--worker-class sync`` measures the older configuration (one request per worker).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/")
# Several people may benchmark on one machine: each can name their own database.
PG_DATABASE = os.environ.get("BENCH_PG_DB", "tinhso_bench")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(db: str, workdir: Path) -> dict:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-" + os.urandom(8).hex()}
    # Plain HTTP on loopback (production sits behind a TLS proxy); warnings only in the log.
    env |= {"TINHSO_HTTPS": "0", "LOG_LEVEL": "WARNING", "TINHSO_LOG_FORMAT": "text"}
    env["TINHSO_VAR_DIR"] = str(workdir)
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL + "postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
        env["DATABASE_URL"] = PG_ADMIN_URL + PG_DATABASE
    else:
        env["TINHSO_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    manage(env, "migrate", "-v", "0")
    manage(env, "load_demo", "--quiet-accounts")
    env["BENCH_TOKEN"] = manage(env, "create_token", "congdan1", "--name", "bench").strip()
    return env


def start_server(
    env: dict, workers: int, port: int, *, threads: int | None = None, worker_class: str = ""
) -> subprocess.Popen:
    """gunicorn configured as ``tinhso serve`` configures it (tinhso/gunicorn_conf.py)."""
    metrics = Path(env["TINHSO_VAR_DIR"]) / "prometheus"
    metrics.mkdir(parents=True, exist_ok=True)
    server_env = {
        **env,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "TINHSO_BIND": f"127.0.0.1:{port}",
        "TINHSO_WORKERS": str(workers),
        "TINHSO_LOG_FORMAT": "json",
        "DJANGO_SETTINGS_MODULE": "tinhso.settings",
    }
    if threads:
        server_env["TINHSO_THREADS"] = str(threads)
    extra = ["--worker-class", worker_class] if worker_class else []
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "--config", "python:tinhso.gunicorn_conf", *extra],
        cwd=ROOT,
        env=server_env,
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


def pick_procedure(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/procedures?online_mode=full&level=commune&limit=50")
    items = json.loads(conn.getresponse().read())["items"]
    # The birth registration form is small and has no file requirement at submission.
    for item in items:
        if item["code"] == "1.001193":
            return item["code"]
    return items[0]["code"]


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used so far; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_pid: int, env: dict) -> dict[str, dict[int, float]]:
    """CPU used so far by the gunicorn workers and by the database server's backends.

    The machine is shared, so throughput alone is noisy; CPU per request is not (much).
    SQLite runs inside the workers; for PostgreSQL the backends serving the bench database are
    found in ``pg_stat_activity`` (their /proc entries are readable on a local cluster).
    """
    snapshot: dict[str, dict[int, float]] = {"app": {}, "db": {}}
    try:
        with open(f"/proc/{server_pid}/task/{server_pid}/children") as children:
            workers = [int(pid) for pid in children.read().split()]
    except OSError:
        workers = []
    for pid in workers:
        snapshot["app"][pid] = _process_cpu(pid)
    if env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            ).fetchall()
        for (pid,) in rows:
            snapshot["db"][pid] = _process_cpu(pid)
    return snapshot


def cpu_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request, by side (processes new since ``before`` count fully)."""
    result = {}
    for side in ("app", "db"):
        used = sum(cpu - before[side].get(pid, 0.0) for pid, cpu in after[side].items())
        result[side] = used * 1000 / requests if requests else 0.0
    return result


def measure(server_pid: int, env: dict, port: int, requests: int, concurrency: int, make_request):
    """``run_load`` plus the CPU used per request by the server (``app_cpu_ms``, ``db_cpu_ms``)."""
    before = cpu_snapshot(server_pid, env)
    client_before = time.process_time()
    result = run_load(port, requests, concurrency, make_request)
    client_cpu = time.process_time() - client_before
    cpu = cpu_per_request(before, cpu_snapshot(server_pid, env), result["ok"] or requests)
    result["app_cpu_ms"], result["db_cpu_ms"] = cpu["app"], cpu["db"]
    result["client_cpu_ms"] = client_cpu * 1000 / (result["ok"] or requests)
    return result


def run_load(port: int, requests: int, concurrency: int, make_request) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: list[float] = []
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            method, path, body, headers, expected = make_request(n)
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - start
            if status == expected:
                local.append(elapsed)
            else:
                with lock:
                    errors[str(status)] = errors.get(str(status), 0) + 1
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0
        )

    return {
        "ok": len(latencies),
        "errors": errors,
        "seconds": wall,
        "per_second": len(latencies) / wall if wall else 0,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0,
    }


def bench(db: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"tinhso-bench-{db}-") as tmp:
        env = prepare(db, Path(tmp))
        port = free_port()
        server = start_server(
            env, args.workers, port, threads=args.threads, worker_class=args.worker_class
        )
        try:
            code = pick_procedure(port)
            token = env["BENCH_TOKEN"]
            payload = json.dumps(
                {"procedure_code": code, "form_data": fetch_example_form(port, code)}
            ).encode()

            def submit_request(n: int):
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"bench-{db}-{n}",
                }
                return "POST", "/api/dossiers", payload, headers, 201

            def floor_request(n: int):
                return "GET", "/healthz", None, {}, 200

            warm = lambda n: submit_request(f"warm-{n}")  # noqa: E731
            run_load(port, min(100, args.requests), args.concurrency, warm)
            floor = measure(server.pid, env, port, args.requests, args.concurrency, floor_request)
            submit = measure(server.pid, env, port, args.requests, args.concurrency, submit_request)
        finally:
            server.terminate()
            server.wait(timeout=20)
    return {"db": db, "procedure": code, "submit": submit, "floor": floor}


def fetch_example_form(port: int, code: str) -> dict:
    """Fill the procedure's JSON Schema form with valid example values."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", f"/api/procedures/{code}")
    return example_form(json.loads(conn.getresponse().read()).get("form_schema") or {})


def example_form(schema: dict) -> dict:
    """Valid example values for a JSON Schema form."""
    data = {}
    for name, spec in (schema.get("properties") or {}).items():
        if "enum" in spec:
            data[name] = spec["enum"][0]
        elif spec.get("format") == "date":
            data[name] = "2026-03-01"
        elif spec.get("pattern") == "^[0-9]{12}$":
            data[name] = "044090001234"
        elif spec.get("type") in ("integer", "number"):
            data[name] = max(1, spec.get("minimum", 1))
        elif spec.get("type") == "boolean":
            data[name] = True
        else:
            data[name] = "Nguyễn Thị Bảo Ngọc"[: spec.get("maxLength", 100)]
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (default: tinhso serve's)"
    )
    parser.add_argument(
        "--worker-class", default="", help="gunicorn worker class (default: tinhso serve's)"
    )
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f"; gunicorn workers={args.workers} ({args.worker_class or 'gthread'}, threads="
        f"{args.threads or os.environ.get('TINHSO_THREADS', 'default')}), "
        f"client threads={args.concurrency}, "
        f"requests={args.requests}"
    )
    print(f"{'db':<9} {'endpoint':<18} {'ok':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'CPU ms/request: app':>20} {'db':>6} {'client':>7}  errors")  # fmt: skip
    for db in dbs:
        result = bench(db, args)
        for label, r in (
            ("POST /api/dossiers", result["submit"]),
            ("GET /healthz", result["floor"]),
        ):
            print(
                f"{db:<9} {label:<18} {r['ok']:>6} {r['per_second']:>8.1f} {r['p50_ms']:>8.1f} "
                f"{r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['app_cpu_ms']:>20.2f} "
                f"{r['db_cpu_ms']:>6.2f} {r['client_cpu_ms']:>7.2f}  {r['errors'] or '-'}"
            )
        ratio = result["submit"]["per_second"] / (result["floor"]["per_second"] or 1)
        print(f"{db:<9} submissions at {ratio:.0%} of the floor's throughput")


if __name__ == "__main__":
    main()
