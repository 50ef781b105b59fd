"""Dossier submissions per second through the HTTP API, on SQLite and on PostgreSQL.

    .venv/bin/python bench/submit.py                 # both databases, 2000 submissions each
    .venv/bin/python bench/submit.py --db postgres --requests 3000 --reference

For each database: a fresh database, migrations, the demo province, a citizen's API token (the
per-applicant limit on online submissions off: ``TINHSO_RATE_SUBMISSIONS=0``); then
gunicorn serves tinhso on a free loopback port the way ``tinhso serve`` runs it in production
(``tinhso/gunicorn_conf.py``: gthread workers, ``--workers`` of them, default 2, each with
``--threads``, default that of ``tinhso serve``; Prometheus multi-process metrics; JSON logs),
except that workers are not recycled during the run (``max_requests`` off: a replacement stalls
a worker for about a second, which would land on whichever endpoint is being measured).
``--concurrency`` client threads with keep-alive connections POST /api/dossiers (each with its
own Idempotency-Key) until ``--requests`` are done. The same run measures the server's floor:
GET /healthz (one ``SELECT 1``). Prints throughput, p50/p95/p99 latency and the CPU each request
cost the application, the database and the load generator; errors are counted, never hidden.
``--worker-class sync`` measures the older configuration (one request per worker).

The machine is shared and its speed drifts within minutes, so the endpoints are measured in
``--rounds`` alternating rounds (floor, references, submissions; ``--requests`` ÷ rounds each).
The share of the floor is given overall, per round (median and range), and as the ratio of CPU
per request (application + database + load generator: on a saturated machine throughput follows
it, and it moves much less with the machine's speed).

``--reference`` adds two endpoints served by the same server (``bench/reference``): a plain
one-row insert, and the same insert behind the API's token authentication and the submission's
request schema. They show how much of a submission's cost is the framework's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's tinhso
from tinhso.standins._server import free_port  # noqa: E402  (the one helper; stdlib only)

PY = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/")
# Several people may benchmark on one machine: each can name their own database.
PG_DATABASE = os.environ.get("BENCH_PG_DB", "tinhso_bench")


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
    # One applicant submits thousands of dossiers: the hourly per-applicant limit is off.
    env["TINHSO_RATE_SUBMISSIONS"] = "0"
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
    env: dict,
    workers: int,
    port: int,
    *,
    threads: int | None = None,
    worker_class: str = "",
    reference: bool = False,
    recycle: bool = True,
) -> subprocess.Popen:
    """gunicorn configured as ``tinhso serve`` configures it (tinhso/gunicorn_conf.py); with
    ``reference``, tinhso's URLconf plus the reference endpoints of ``bench/reference``; without
    ``recycle``, workers are not replaced every few thousand requests (a replacement stalls a
    worker for a second, which lands on whichever endpoint is being measured)."""
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
    if reference:
        server_env["DJANGO_SETTINGS_MODULE"] = "reference.settings"
        server_env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(ROOT / "bench"), str(ROOT), env.get("PYTHONPATH")])
        )
    if threads:
        server_env["TINHSO_THREADS"] = str(threads)
    extra = ["--worker-class", worker_class] if worker_class else []
    if not recycle:
        extra += ["--max-requests", "0"]
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
    return {
        "ok": len(latencies),
        "errors": errors,
        "seconds": wall,
        "per_second": len(latencies) / wall if wall else 0,
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0,
        "latencies": latencies,
    }


def percentile(latencies: list[float], p: float) -> float:
    """The ``p`` quantile of sorted latencies in seconds, in milliseconds."""
    return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0


def combine(rounds: list[dict]) -> dict:
    """One endpoint's results over several rounds: totals, merged latencies, CPU per request."""
    ok = sum(r["ok"] for r in rounds)
    seconds = sum(r["seconds"] for r in rounds)
    latencies = sorted(x for r in rounds for x in r["latencies"])
    errors: dict[str, int] = {}
    for r in rounds:
        for status, n in r["errors"].items():
            errors[status] = errors.get(status, 0) + n
    combined = {
        "ok": ok,
        "errors": errors,
        "seconds": seconds,
        "per_second": ok / seconds if seconds else 0,
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "rounds_per_second": [r["per_second"] for r in rounds],
    }
    for key in ("app_cpu_ms", "db_cpu_ms", "client_cpu_ms"):  # weighted by requests answered
        combined[key] = sum(r[key] * r["ok"] for r in rounds) / ok if ok else 0.0
    return combined


SUBMIT = "POST /api/dossiers"
FLOOR = "GET /healthz"
PLAIN_WRITE = "POST /reference/write"
API_WRITE = "POST /reference/api/write"


def bench(db: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"tinhso-bench-{db}-") as tmp:
        env = prepare(db, Path(tmp))
        port = free_port()
        server = start_server(
            env,
            args.workers,
            port,
            threads=args.threads,
            worker_class=args.worker_class,
            reference=args.reference,
            recycle=False,
        )
        try:
            code = pick_procedure(port)
            token = env["BENCH_TOKEN"]
            payload = json.dumps(
                {"procedure_code": code, "form_data": fetch_example_form(port, code)}
            ).encode()
            auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

            def submit_request(n):
                headers = {**auth, "Idempotency-Key": f"bench-{db}-{n}"}
                return "POST", "/api/dossiers", payload, headers, 201

            endpoints = {FLOOR: lambda n: ("GET", "/healthz", None, {}, 200)}
            if args.reference:
                plain = ("POST", "/reference/write", payload, {}, 201)
                api_write = ("POST", "/reference/api/write", payload, auth, 201)
                endpoints[PLAIN_WRITE] = lambda n: plain
                endpoints[API_WRITE] = lambda n: api_write
            endpoints[SUBMIT] = submit_request

            for label, make in endpoints.items():  # warm-up: connections, caches, tables
                warm = (lambda n, make=make: make(f"warm-{n}")) if label == SUBMIT else make
                run_load(port, min(100, args.requests), args.concurrency, warm)
            per_round = max(1, args.requests // args.rounds)
            rounds: dict[str, list[dict]] = {label: [] for label in endpoints}
            for r in range(args.rounds):
                for label, make in endpoints.items():
                    offset = r * per_round
                    result = measure(
                        server.pid, env, port, per_round, args.concurrency,
                        lambda n, make=make, offset=offset: make(n + offset),
                    )  # fmt: skip
                    rounds[label].append(result)
        finally:
            server.terminate()
            server.wait(timeout=20)
    results = {label: combine(measured) for label, measured in rounds.items()}
    return {"db": db, "procedure": code, "results": results}


def share_of_floor(results: dict, label: str) -> tuple[float, float, float, float]:
    """Overall share of the floor's throughput, and its median, lowest and highest per round."""
    floor = results[FLOOR]
    per_round = [
        own / base if base else 0.0
        for own, base in zip(
            results[label]["rounds_per_second"], floor["rounds_per_second"], strict=True
        )
    ]
    overall = results[label]["per_second"] / (floor["per_second"] or 1)
    return overall, statistics.median(per_round), min(per_round), max(per_round)


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
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternating rounds over which --requests is split"
    )
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also measure a plain one-row insert and an authenticated API write (bench/reference)",
    )
    args = parser.parse_args()
    args.rounds = max(1, min(args.rounds, args.requests))
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f"; gunicorn workers={args.workers} ({args.worker_class or 'gthread'}, threads="
        f"{args.threads or os.environ.get('TINHSO_THREADS', 'default')}), "
        f"client threads={args.concurrency}, "
        f"requests={args.requests} per endpoint in {args.rounds} rounds"
    )
    print(f"{'db':<9} {'endpoint':<26} {'ok':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'CPU ms/request: app':>20} {'db':>6} {'client':>7}  errors")  # fmt: skip
    for db in dbs:
        results = bench(db, args)["results"]
        for label, r in results.items():
            print(
                f"{db:<9} {label:<26} {r['ok']:>6} {r['per_second']:>8.1f} {r['p50_ms']:>8.1f} "
                f"{r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['app_cpu_ms']:>20.2f} "
                f"{r['db_cpu_ms']:>6.2f} {r['client_cpu_ms']:>7.2f}  {r['errors'] or '-'}"
            )
        for label in results:
            if label == FLOOR:
                continue
            overall, median, low, high = share_of_floor(results, label)
            by_cpu = total_cpu_ms(results[FLOOR]) / (total_cpu_ms(results[label]) or 1)
            print(
                f"{db:<9} {label}: {overall:.0%} of the floor's throughput (per round: median "
                f"{median:.0%}, {low:.0%}–{high:.0%}); by CPU per request {by_cpu:.0%}"
            )


def total_cpu_ms(result: dict) -> float:
    """CPU per request on the whole machine: application, database and load generator."""
    return result["app_cpu_ms"] + result["db_cpu_ms"] + result["client_cpu_ms"]


if __name__ == "__main__":
    main()
