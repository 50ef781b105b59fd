"""Catalogue search latency with a province-sized catalogue (2,000 procedures), on PostgreSQL or
SQLite, typos included.

    .venv/bin/python bench/search.py                       # 2000 procedures, 300 requests each
    .venv/bin/python bench/search.py --db sqlite
    .venv/bin/python bench/search.py --procedures 5000 --requests 500 --concurrency 8
    .venv/bin/python bench/search.py --concurrency 4,2,1   # one server, three concurrencies
    .venv/bin/python bench/search.py --versus /path/to/checkout --rounds 3   # A/B, alternating

A fresh database (PostgreSQL: ``BENCH_PG_DB``, default ``tinhso_bench_search``; SQLite: a file in
a temporary directory), migrations, the demo province (without its synthetic history), then the
demo catalogue cloned into ``--procedures`` procedures with varied names and codes (as a
province's catalogue reads: the same procedure for other cases, levels, subjects),
each with its accent-free ``search_text`` computed as ``Procedure.save()`` computes it. gunicorn
serves tinhso the way ``tinhso serve`` does (bench/submit.py), and ``--concurrency`` client threads
GET the search page ``/thu-tuc/?q=…`` and the API ``/api/procedures?query=…`` with Vietnamese
queries typed without diacritics, one in five with a typo ("khai sih") that the search replaces by
the nearest word of the catalogue. Prints p50/p95/p99 latency per endpoint (goal: p95 < 50 ms),
and the server's floor at the same concurrency (``/healthz``: one ``SELECT 1``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import submit as common

ROOT, PY = common.ROOT, common.PY

# What citizens type: no diacritics, one to four words, common and rare procedures.
QUERIES = [
    "dang ky khai sinh",
    "khai sinh",
    "khai tu",
    "ket hon",
    "dang ky ket hon co yeu to nuoc ngoai",
    "ho kinh doanh",
    "giay phep xay dung",
    "dat dai",
    "quyen su dung dat",
    "chung thuc",
    "ban sao",
    "thuong tru",
    "tam tru",
    "ly lich tu phap",
    "nguoi co cong",
    "tro cap xa hoi",
    "giay phep kinh doanh",
    "karaoke",
    "ocop",
    "huong dan vien du lich",
    "cap lai",
    "thay doi",
    "tinh trang hon nhan",
    "1.001193",
    "cai chinh ho tich",
    "giay xac nhan",
    "dang ky",
    "giay",
    "xay dung nha o rieng le",
    "moi truong",
]

# Typos the search corrects to the nearest word of the catalogue (one query in five).
TYPOS = [
    "khai sih",
    "dang ki ket hon",
    "giay phep xay dugn",
    "chung thucc ban sao",
    "ly lich tu phapp",
    "thuong truu",
    "ho kinh doanhh",
    "tro cap xa hoii",
]

# Variants a province's catalogue has of one national procedure.
QUALIFIERS = [
    "",
    " (cấp xã)",
    " (cấp tỉnh)",
    " cho người nước ngoài",
    " cho công dân Việt Nam ở nước ngoài",
    " trường hợp đăng ký lại",
    " trường hợp quá hạn",
    " trên địa bàn khu kinh tế",
    " đối với hộ gia đình, cá nhân",
    " đối với tổ chức",
    " lần đầu",
    " (cấp đổi)",
    " (cấp lại do bị mất)",
    " theo thủ tục rút gọn",
    " liên thông với bảo hiểm xã hội",
    " tại Trung tâm Phục vụ hành chính công",
    " có yếu tố nước ngoài",
    " cho doanh nghiệp nhỏ và vừa",
    " trong khu công nghiệp",
    " thuộc thẩm quyền của Ủy ban nhân dân cấp xã",
    " đối với người dân tộc thiểu số",
    " cho người khuyết tật",
    " ở vùng biên giới",
    " đối với trẻ em dưới 6 tuổi",
    " do Sở Tư pháp thực hiện",
    " điện tử",
    " bổ sung",
    " điều chỉnh",
    " gia hạn",
    " (trực tuyến toàn trình)",
]

CLONE = textwrap.dedent(
    """
    import itertools, django
    django.setup()
    from tinhso.core.text import normalize_search
    from tinhso.procedures.models import Procedure
    target = {target}
    qualifiers = {qualifiers!r}
    demo = list(Procedure.objects.order_by("code"))
    have = len(demo)
    clones = []
    for n, (qualifier, source) in enumerate(
        itertools.product(qualifiers[1:], demo), start=1
    ):
        if have + len(clones) >= target:
            break
        clone = Procedure.objects.get(pk=source.pk)
        clone.pk = None
        clone.code = f"{{source.code}}.{{n:04d}}"
        clone.name = (source.name + qualifier)[:500]
        clone.search_text = normalize_search(f"{{clone.name}} {{clone.code}}")[:800]
        clones.append(clone)
    Procedure.objects.bulk_create(clones, batch_size=500)
    print(Procedure.objects.count())
    """
)


def prepare(workdir: Path, procedures: int, db: str) -> dict:
    os.environ.setdefault("BENCH_PG_DB", "tinhso_bench_search")
    os.environ.setdefault("TINHSO_DEMO_HISTORY", "0")  # search reads no dossier
    common.PG_DATABASE = os.environ["BENCH_PG_DB"]
    env = common.prepare(db, workdir)
    common.manage(env, "collectstatic", "--noinput", "-v", "0")  # as ``tinhso serve`` does
    script = CLONE.format(target=procedures, qualifiers=QUALIFIERS)
    result = common.subprocess.run(
        [PY, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "tinhso.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"cloning the catalogue failed:\n{result.stdout}\n{result.stderr}")
    env["BENCH_PROCEDURES"] = result.stdout.strip().splitlines()[-1]
    if db == "postgres":
        import psycopg

        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("ANALYZE procedures_procedure")  # as autovacuum would, after an import
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--procedures", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--concurrency", default="4", help="client threads; several, comma-separated: 4,2,1"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--versus",
        type=Path,
        help="another checkout served beside this one on the same database, in alternating rounds",
    )
    parser.add_argument("--rounds", type=int, default=1, help="rounds per endpoint (alternating)")
    args = parser.parse_args()
    concurrencies = [int(n) for n in str(args.concurrency).split(",")]
    trees = {"this": ROOT, **({"versus": args.versus.resolve()} if args.versus else {})}
    with tempfile.TemporaryDirectory(prefix="tinhso-bench-search-") as tmp:
        env = prepare(Path(tmp), args.procedures, args.db)
        servers = {}
        try:
            for name, tree in trees.items():
                common.ROOT = tree  # start_server serves the checkout at common.ROOT
                port = common.free_port()
                servers[name] = (common.start_server(env, args.workers, port), port)
            common.ROOT = ROOT
            # Four correct queries, then a typo, in turn.
            mixed = [q for i in range(0, len(QUERIES), 4) for q in (*QUERIES[i : i + 4], None)]
            typos = itertools.cycle(TYPOS)
            cycle = itertools.cycle(mixed)
            queries = [next(cycle) or next(typos) for _ in range(args.requests)]

            def page(n: int):
                return "GET", f"/thu-tuc/?q={quote(queries[n % len(queries)])}", None, {}, 200

            def api(n: int):
                path = f"/api/procedures?query={quote(queries[n % len(queries)])}&limit=20"
                return "GET", path, None, {}, 200

            def floor(n: int):  # one SELECT 1: what any request costs on this server and load
                return "GET", "/healthz", None, {}, 200

            rounds: dict[tuple, list] = {}
            endpoints = (
                ("GET /healthz (floor)", floor),
                ("GET /thu-tuc/?q=", page),
                ("GET /api/procedures", api),
            )
            for clients in concurrencies:
                for label, make in endpoints:
                    for _server, port in servers.values():
                        common.run_load(port, min(50, args.requests), clients, make)  # warm
                    for _round in range(args.rounds):
                        for name, (server, port) in servers.items():
                            rounds.setdefault((name, clients, label), []).append(
                                common.measure(server.pid, env, port, args.requests, clients, make)
                            )
            results = {key: common.combine(found) for key, found in rounds.items()}
        finally:
            for server, _port in servers.values():
                server.terminate()
                server.wait(timeout=20)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.db}; procedures={env['BENCH_PROCEDURES']}, "
        f"requests={args.requests} per endpoint, client threads={args.concurrency}, "
        f"load average {os.getloadavg()[0]:.1f} at the end, "
        f"{len(QUERIES)} queries and {len(TYPOS)} typos; {time.strftime('%Y-%m-%d %H:%M')}"
    )
    print(f"{'tree':<6} {'clients':>7} {'endpoint':<22} {'ok':>5} {'req/s':>7} {'p50 ms':>7} "
          f"{'p95 ms':>7} {'p99 ms':>7} {'CPU ms/req: app':>16} {'db':>6}  errors")  # fmt: skip
    print(f"this: {ROOT}" + (f"; versus: {trees['versus']}" if args.versus else ""))
    for (name, clients, label), r in results.items():
        print(
            f"{name:<6} {clients:>7} {label:<22} {r['ok']:>5} {r['per_second']:>7.1f} "
            f"{r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} {r['p99_ms']:>7.1f} {r['app_cpu_ms']:>16.2f} "
            f"{r['db_cpu_ms']:>6.2f}  {r['errors'] or '-'}"
        )


if __name__ == "__main__":
    main()
