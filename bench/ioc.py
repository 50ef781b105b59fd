"""The operations centre at scale: tinhso's province overview (from the daily roll-ups) next to
the plain GROUP BY a BI tool would run over the dossiers for the same figures, on PostgreSQL.

    .venv/bin/python bench/ioc.py                          # 1 M, then 10 M dossiers
    .venv/bin/python bench/ioc.py --sizes 100000 --runs 10

A fresh database ``tinhso_bench_ioc`` (server from BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/), migrations, the demo province; then for each size the
synthetic history is generated up to that size (incrementally: 1 M, then 9 M more), the roll-ups
rebuilt, and both reads timed in the same process: the first (cold) call, then ``--runs`` warm
calls (p50/p95/max). The GROUP BY runs fewer times when one run takes seconds (said in the
output). The two are cross-checked: the roll-up totals for the year must equal the GROUP BY's.
Nothing is written to the docs; the database is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/")
DB_NAME = "tinhso_bench_ioc"
# Measured: about 0.85 GB per million dossiers (table, 19 indexes, ratings, counters), and
# PostgreSQL needs room for WAL while loading.
GB_PER_MILLION = 0.95
SPARE_GB = 5.0

# The figures a BI tool would compute straight from the dossiers, per deciding agency.
GROUP_BY_SQL = """
WITH d AS (
    SELECT deciding_agency_id AS agency_id,
        count(*) FILTER (WHERE submitted_at >= %(start)s AND channel = 1) AS received_counter,
        count(*) FILTER (WHERE submitted_at >= %(start)s AND channel = 2) AS received_online,
        count(*) FILTER (WHERE submitted_at >= %(start)s AND channel = 3) AS received_post,
        count(*) FILTER (WHERE submitted_at >= %(start)s AND digitised) AS digitised,
        count(*) FILTER (WHERE submitted_at >= %(start)s AND fee_vnd > 0) AS fee_bearing,
        count(*) FILTER (WHERE submitted_at >= %(start)s AND fee_vnd > 0 AND paid_online)
            AS paid_online,
        count(*) FILTER (WHERE finished_at >= %(start)s AND finished_at < %(end)s
            AND received_at IS NOT NULL AND timeliness = 'early') AS resolved_early,
        count(*) FILTER (WHERE finished_at >= %(start)s AND finished_at < %(end)s
            AND received_at IS NOT NULL AND timeliness = 'on_time') AS resolved_on_time,
        count(*) FILTER (WHERE finished_at >= %(start)s AND finished_at < %(end)s
            AND received_at IS NOT NULL AND timeliness = 'late') AS resolved_late,
        avg(finished_at - received_at) FILTER (WHERE finished_at >= %(start)s
            AND finished_at < %(end)s) AS average_processing,
        count(*) FILTER (WHERE is_overdue AND finished_at IS NULL AND closed_at IS NULL)
            AS overdue_now
    FROM dossiers_dossier
    WHERE submitted_at < %(end)s
      AND (submitted_at >= %(start)s OR finished_at >= %(start)s OR is_overdue)
    GROUP BY deciding_agency_id
), r AS (
    SELECT d.deciding_agency_id AS agency_id, count(*) AS ratings,
        count(*) FILTER (WHERE r.score >= 2) AS ratings_satisfied
    FROM dossiers_rating r JOIN dossiers_dossier d ON d.id = r.dossier_id
    WHERE r.created_at >= %(start)s AND r.created_at < %(end)s
    GROUP BY d.deciding_agency_id
)
SELECT d.*,
    round(100.0 * d.received_online
        / nullif(d.received_counter + d.received_online + d.received_post, 0), 1) AS online_pct,
    coalesce(r.ratings, 0) AS ratings, coalesce(r.ratings_satisfied, 0) AS ratings_satisfied
FROM d LEFT JOIN r USING (agency_id)
ORDER BY d.agency_id
"""
COMPARED = (
    "received_counter", "received_online", "received_post", "digitised", "fee_bearing",
    "paid_online", "resolved_early", "resolved_on_time", "resolved_late", "ratings",
    "ratings_satisfied",
)  # fmt: skip


def setup_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL + "postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = PG_ADMIN_URL + DB_NAME
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(8).hex())
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["TINHSO_DEMO_HISTORY"] = "0"  # the demo's own synthetic history: none here
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", "--quiet-accounts", verbosity=0, stdout=StringIO())


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(PG_ADMIN_URL + "postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def free_gb() -> float:
    return shutil.disk_usage("/").free / 1e9


def timed(fn, runs: int) -> dict:
    """The first call (cold), then ``runs`` more: p50, p95, max in milliseconds."""
    began = time.perf_counter()
    fn()
    cold = (time.perf_counter() - began) * 1000
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return {
        "cold": cold,
        "runs": runs,
        "p50": statistics.median(samples) if samples else cold,
        "p95": samples[min(len(samples) - 1, int(0.95 * len(samples)))] if samples else cold,
        "max": samples[-1] if samples else cold,
    }


def progress_printer(label: str):
    state = {"next": 0.1}

    def report(done: int, total: int) -> None:
        if total and done / total >= state["next"]:
            print(f"  {label}: {done:,}/{total:,}", file=sys.stderr, flush=True)
            while done / total >= state["next"]:
                state["next"] += 0.1

    return report


def generate(add: int, seed: int) -> dict:
    from tinhso.demo.history import analyze, generate_history, rebuild_rollups

    result = generate_history(dossiers=add, seed=seed, progress=progress_printer("generate"))
    began = time.perf_counter()
    analyze()
    analyzed = time.perf_counter() - began
    rollup = rebuild_rollups()
    analyze()
    return {
        "added": result.dossiers,
        "ratings": result.ratings,
        "seconds": result.seconds,
        "rate": result.rows_per_second,
        "analyze": analyzed,
        "rollup": rollup,
        "online_by_year": result.online_share_by_year,
    }


def sizes_now() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_database_size(current_database()), "
            "pg_total_relation_size('dossiers_dossier'), pg_relation_size('dossiers_dossier'), "
            "(SELECT count(*) FROM dossiers_dossier), "
            "(SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            " WHERE c.relname IN ('ioc_dailystat', 'ioc_monthlyprocedurestat'))"
        )
        db, table, heap, count, rollups = cursor.fetchone()
    return {"db": db, "table": table, "heap": heap, "count": count, "rollups": int(rollups)}


def measure(runs: int, year: int) -> dict:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model
    from django.db import connection

    local = ZoneInfo("Asia/Ho_Chi_Minh")
    start = dt.datetime(year, 1, 1, tzinfo=local)
    end = dt.datetime(year + 1, 1, 1, tzinfo=local)
    user = get_user_model().objects.get(username="ioc")
    out: dict = {}
    try:
        from tinhso.core.periods import Period
        from tinhso.ioc.selectors.overviews import province_overview
    except ImportError as exc:
        out["overview_error"] = f"tinhso.ioc.selectors not importable: {exc}"
    else:
        period = Period.year(year)
        holder: dict = {}

        def overview():
            holder["result"] = province_overview(user=user, period=period)

        out["overview"] = timed(overview, runs)

    rows_holder: dict = {}

    def group_by():
        with connection.cursor() as cursor:
            cursor.execute(GROUP_BY_SQL, {"start": start, "end": end})
            columns = [c.name for c in cursor.description]
            rows_holder["rows"] = [dict(zip(columns, row, strict=True)) for row in cursor]

    probe = timed(group_by, 0)
    sql_runs = runs if probe["cold"] < 2000 else max(3, min(runs, 5))
    out["sql"] = timed(group_by, sql_runs)
    out["sql"]["cold"] = probe["cold"]
    out["sql_agencies"] = len(rows_holder["rows"])
    out["check"] = cross_check(rows_holder["rows"], year)
    return out


def cross_check(rows: list[dict], year: int) -> str:
    """The roll-up's totals for the year against the GROUP BY's."""
    import datetime as dt

    from django.db.models import Sum

    try:
        from tinhso.ioc.models import DailyStat
    except ImportError:
        return "no roll-up model"
    sql = {name: sum(row[name] or 0 for row in rows) for name in COMPARED}
    stats = DailyStat.objects.filter(day__gte=dt.date(year, 1, 1), day__lte=dt.date(year, 12, 31))
    fields = {f.name for f in DailyStat._meta.get_fields()}
    wanted = [name for name in COMPARED if name in fields]
    rolled = stats.aggregate(**{name: Sum(name) for name in wanted})
    diffs = {n: (rolled[n] or 0, sql[n]) for n in wanted if (rolled[n] or 0) != sql[n]}
    if diffs:
        return "MISMATCH " + ", ".join(
            f"{n}: roll-up {a} vs SQL {b}" for n, (a, b) in diffs.items()
        )
    total = sql["received_counter"] + sql["received_online"] + sql["received_post"]
    return f"roll-up = GROUP BY on {len(wanted)} counters ({total:,} received in {year})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; free disk {free_gb():.0f} GB",
        flush=True,
    )
    setup_database()
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    print(f"PostgreSQL {version}, shared_buffers {buffers}", flush=True)
    year = timezone.localdate().year
    results = []
    current = 0
    try:
        for index, size in enumerate(sizes):
            need = (size - current) / 1e6 * GB_PER_MILLION + SPARE_GB
            if free_gb() < need:
                print(
                    f"Not enough disk for {size:,} dossiers: {free_gb():.1f} GB free, about "
                    f"{need:.1f} GB needed; stopping here.",
                    flush=True,
                )
                break
            print(f"\n== {size:,} dossiers: generating {size - current:,} more ==", flush=True)
            gen = generate(size - current, args.seed + index)
            current += gen["added"]
            print(
                f"generated {gen['added']:,} dossiers + {gen['ratings']:,} ratings in "
                f"{gen['seconds']:.1f} s ({gen['rate']:,.0f} dossiers/s); ANALYZE "
                f"{gen['analyze']:.1f} s; roll-up rebuild "
                + (f"{gen['rollup']:.1f} s" if gen["rollup"] is not None else "n/a"),
                flush=True,
            )
            print(f"online share by year: {gen['online_by_year']}", flush=True)
            disk = sizes_now()
            print(
                f"database {disk['db'] / 1e9:.2f} GB (dossiers table with indexes "
                f"{disk['table'] / 1e9:.2f} GB, heap {disk['heap'] / 1e9:.2f} GB; roll-ups "
                f"{disk['rollups'] / 1e6:.1f} MB), {disk['count']:,} dossiers",
                flush=True,
            )
            timing = measure(args.runs, year)
            results.append((size, gen, disk, timing))
            report(size, year, timing)
    finally:
        if not args.keep:
            drop_database()
    if len(results) > 1:
        print("\nsummary (ms)")
        print(f"{'dossiers':>12} {'overview p50':>13} {'GROUP BY p50':>13} {'ratio':>8}")
        for size, _gen, _disk, timing in results:
            ov, sql = timing.get("overview"), timing["sql"]
            ratio = f"{sql['p50'] / ov['p50']:.0f}x" if ov else "n/a"
            print(
                f"{size:>12,} {ov['p50'] if ov else float('nan'):>13.1f} {sql['p50']:>13.1f} "
                f"{ratio:>8}"
            )


def report(size: int, year: int, timing: dict) -> None:
    print(f"\nperiod: year {year}; times in ms")
    print(f"{'read':<44} {'cold':>9} {'p50':>9} {'p95':>9} {'max':>9} {'runs':>5}")
    rows = []
    if "overview" in timing:
        rows.append(("province_overview (roll-ups)", timing["overview"]))
    else:
        print(timing["overview_error"])
    rows.append(("GROUP BY over dossiers + ratings", timing["sql"]))
    for label, t in rows:
        print(
            f"{label:<44} {t['cold']:>9.1f} {t['p50']:>9.1f} {t['p95']:>9.1f} {t['max']:>9.1f} "
            f"{t['runs']:>5}"
        )
    if "overview" in timing:
        ratio = timing["sql"]["p50"] / timing["overview"]["p50"]
        print(f"GROUP BY p50 / overview p50 = {ratio:.1f}x at {size:,} dossiers")
    print(f"cross-check: {timing['check']}", flush=True)


if __name__ == "__main__":
    main()
