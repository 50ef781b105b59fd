"""Time to first byte and page weight of the pages people use every day, served as in production.

    .venv/bin/python bench/pages.py                        # SQLite (make run's database), 30 each
    .venv/bin/python bench/pages.py --db postgres --requests 50
    .venv/bin/python bench/pages.py --tree /path/to/other/checkout   # the same run on another tree
    TINHSO_DEMO_HISTORY=0 .venv/bin/python bench/pages.py --forms    # the PDF downloads only

A fresh database (SQLite in a temporary directory, or PostgreSQL ``BENCH_PG_DB``, default
``tinhso_bench_pages``, on the server of BENCH_PG_URL), migrations and the demo province with its
history (``load_demo``: 20,000 dossiers); then ``tinhso serve`` (gunicorn, WhiteNoise, the
production settings of ``--tree``, default this checkout) on a free loopback port and the task
worker (``db_worker``), as ``make run`` starts them. Through the HTTP API the demo citizen submits
a birth registration and the commune's desk officer receives it (a BM.01 receipt is issued), and
submits a second one left waiting for reception; the bench waits up to 60 s for the worker to
render the receipt (trees that keep it), then signs in through the login page as the citizen,
the desk officer and the operations centre.

For each page: the first request (cold: the first time this address is asked of this server),
then ``--requests`` more, one at a time on a keep-alive connection: time to first byte (the
request sent → the status line and headers received) p50/p95, and the full answer's p50. Page
weight: the HTML (as sent: the server does not compress HTML) plus every same-origin stylesheet,
script, image and icon the HTML references, fetched with ``Accept-Encoding: br, gzip`` as a
browser would (WhiteNoise serves them pre-compressed); files those load in turn (fonts, a CSS
``url()``, a module's imports, map data) are not counted. Prints one Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tinhso.standins._server import free_port  # noqa: E402  (stdlib only)

PY = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/")
PG_DATABASE = os.environ.get("BENCH_PG_DB", "tinhso_bench_pages")
PROCEDURE = "1.001193"  # birth registration: commune level, small form, no file at submission
PASSWORD = "tinhso-demo"  # noqa: S105 (the demo accounts' password)
ASSET = re.compile(
    r"<(?:link|script|img)\b[^>]*?\b(?:href|src)=\"(/[^\"/][^\"]*)\"[^>]*>", re.IGNORECASE
)
LINK_REL = re.compile(r"\brel=\"([^\"]+)\"", re.IGNORECASE)
COUNTED_RELS = {"stylesheet", "icon", "shortcut icon", "apple-touch-icon", "modulepreload"}


# --- the server -------------------------------------------------------------------------------


def manage(tree: Path, env: dict, *args: str) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(db: str, tree: Path, workdir: Path) -> dict:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-" + os.urandom(8).hex()}
    env |= {"TINHSO_HTTPS": "0", "LOG_LEVEL": "WARNING", "TINHSO_LOG_FORMAT": "text"}
    env |= {"TINHSO_VAR_DIR": str(workdir), "PYTHONPATH": str(tree)}
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL + "postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
        env["DATABASE_URL"] = PG_ADMIN_URL + PG_DATABASE
    else:
        env["TINHSO_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    collected_static(tree, env, workdir)
    manage(tree, env, "migrate", "-v", "0")
    manage(tree, env, "load_demo", "--quiet-accounts")
    for user in ("congdan1", "motcua.donghoi"):
        env[f"BENCH_TOKEN_{user}"] = manage(tree, env, "create_token", user, "--name", "bench")
    return env


def collected_static(tree: Path, env: dict, workdir: Path) -> None:
    """``VAR_DIR/static``: the tree's collected, compressed static files, collected once per
    version of the tree's static files and kept in the temporary directory (compressing every
    file takes minutes on a busy 2-core machine; ``tinhso serve`` then skips it)."""
    import hashlib

    state = subprocess.run(
        ["git", "-C", str(tree), "log", "-1", "--format=%H", "--", "tinhso"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    state += subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--", "tinhso"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    kept = (
        Path(tempfile.gettempdir())
        / "tinhso-bench-static"
        / hashlib.sha256(f"{tree}\n{state}".encode()).hexdigest()[:16]
    )
    (workdir / "static").symlink_to(kept, target_is_directory=True)
    if not (kept / "staticfiles.json").exists():
        kept.mkdir(parents=True, exist_ok=True)
        manage(tree, env, "collectstatic", "--noinput", "-v", "0")


def start(tree: Path, env: dict, port: int, workers: int) -> list[subprocess.Popen]:
    metrics = Path(env["TINHSO_VAR_DIR"]) / "prometheus"
    server_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    worker = subprocess.Popen(
        [PY, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        [
            *(PY, "manage.py", "serve", "--no-collectstatic"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
        ],
        cwd=tree,
        env=server_env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return [server, worker]
        except OSError:
            time.sleep(0.2)
    for process in (server, worker):
        process.kill()
    raise SystemExit("tinhso serve did not start")


# --- a browser-like client --------------------------------------------------------------------


class Client:
    """One keep-alive connection with a cookie jar (enough for Django's session and CSRF)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict, bytes, float, float]:
        """(status, headers, body, seconds to the first byte, seconds to the whole answer)."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            start = time.perf_counter()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        first_byte = time.perf_counter() - start
        content = response.read()
        total = time.perf_counter() - start
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), content, first_byte, total

    def login(self, username: str) -> None:
        status, _h, page, _f, _t = self.request("GET", "/dang-nhap/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise SystemExit(f"login page: {status}")
        form = {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": username,
            "password": PASSWORD,
        }
        status, _headers, _b, _f, _t = self.request(
            "POST",
            "/dang-nhap/",
            urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"cannot sign in as {username}: {status}")


def api(port: int, token: str, method: str, path: str, payload: dict | None = None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token.strip()}", "Content-Type": "application/json"}
    body = json.dumps(payload).encode() if payload is not None else None
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = json.loads(response.read() or b"{}")
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data}")
    return data


def example_form(schema: dict) -> dict:
    from submit import example_form as fill  # bench/submit.py: the one example filler

    return fill(schema)


def submitted_dossier(port: int, env: dict) -> str:
    """A dossier the demo citizen submits online (not received yet)."""
    schema = api(port, env["BENCH_TOKEN_congdan1"], "GET", f"/api/procedures/{PROCEDURE}")
    submitted = api(
        port,
        env["BENCH_TOKEN_congdan1"],
        "POST",
        "/api/dossiers",
        {"procedure_code": PROCEDURE, "form_data": example_form(schema.get("form_schema") or {})},
    )
    return submitted["code"]


def receipt_dossier(port: int, env: dict) -> str:
    """A dossier the demo citizen submitted and the desk officer received (BM.01 issued)."""
    code = submitted_dossier(port, env)
    api(
        port, env["BENCH_TOKEN_motcua.donghoi"], "POST", f"/api/dossiers/{code}/actions/receive", {}
    )
    return code


def acted_dossier(port: int, env: dict, action: str, payload: dict, *, received: bool) -> str:
    """A dossier the desk officer acted on (``request_supplement``: BM.02; ``refuse``: BM.03)."""
    code = receipt_dossier(port, env) if received else submitted_dossier(port, env)
    token = env["BENCH_TOKEN_motcua.donghoi"]
    api(port, token, "POST", f"/api/dossiers/{code}/actions/{action}", payload)
    return code


def wait_for_receipt(tree: Path, env: dict, code: str, seconds: float = 60) -> str:
    """'kept' once the worker stored the receipt's PDF; 'not kept' for a tree that keeps none."""
    return wait_for_kept(tree, env, "ReceiptVersion", f"dossier__code={code!r}", seconds)


def wait_for_kept(tree: Path, env: dict, model: str, where: str, seconds: float = 60) -> str:
    """'kept' once the worker stored the PDF of the ``model`` row (dossiers app) ``where``
    finds; 'not kept by this tree' for a tree whose ``model`` keeps none."""
    script = (
        f"from tinhso.dossiers.models import {model} as R\n"
        "f = [x.name for x in R._meta.get_fields()]\n"
        f"r = R.objects.filter({where}).first()\n"
        "print('none' if 'pdf' not in f else ('kept' if r and r.pdf else 'wait'))"
    )
    deadline = time.monotonic() + seconds
    while True:
        state = manage(tree, env, "shell", "-c", script).strip().splitlines()[-1]
        if state != "wait" or time.monotonic() > deadline:
            return {"none": "not kept by this tree", "kept": "kept", "wait": "not ready"}[state]
        time.sleep(1)


# --- measuring --------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered) + 0.5) - 1))] * 1000


def assets_of(html: bytes) -> list[str]:
    found = []
    for match in ASSET.finditer(html.decode("utf-8", "replace")):
        tag, path = match.group(0), match.group(1)
        if tag[:5].lower() == "<link":
            rel = LINK_REL.search(tag)
            if rel is None or rel.group(1).lower() not in COUNTED_RELS:
                continue
        if path not in found:
            found.append(path)
    return found


def weight(client: Client, html: bytes, content_type: str) -> dict:
    if "html" not in content_type:
        return {"html": len(html), "assets": 0, "asset_bytes": 0}
    total, paths = 0, assets_of(html)
    for path in paths:
        status, _headers, body, _f, _t = client.request(
            "GET", path, headers={"Accept-Encoding": "br, gzip"}
        )
        if status != 200:
            raise SystemExit(f"asset {path}: {status}")
        total += len(body)
    return {"html": len(html), "assets": len(paths), "asset_bytes": total}


def measure(client: Client, path: str, requests: int) -> dict:
    status, headers, body, first_ttfb, first_total = client.request("GET", path)
    if status != 200:
        raise SystemExit(f"GET {path}: {status}")
    ttfb, totals = [], []
    for _ in range(requests):
        status, _h, _b, first_byte, total = client.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path}: {status}")
        ttfb.append(first_byte)
        totals.append(total)
    return {
        "first_ttfb_ms": first_ttfb * 1000,
        "first_total_ms": first_total * 1000,
        "ttfb_p50_ms": percentile(ttfb, 0.50),
        "ttfb_p95_ms": percentile(ttfb, 0.95),
        "total_p50_ms": percentile(totals, 0.50),
        **weight(client, body, headers.get("Content-Type", "")),
    }


def run(db: str, tree: Path, args) -> list[tuple[str, str, dict]]:
    with tempfile.TemporaryDirectory(prefix=f"tinhso-pages-{db}-") as tmp:
        env = prepare(db, tree, Path(tmp))
        port = free_port()
        processes = start(tree, env, port, args.workers)
        try:
            code = receipt_dossier(port, env)
            waiting = submitted_dossier(port, env)
            reason = {"reason": "Thiếu bản sao giấy chứng sinh", "items": ["Giấy chứng sinh"]}
            supplement = acted_dossier(port, env, "request_supplement", reason, received=True)
            refused = acted_dossier(
                port, env, "refuse", {"reason": "Sai thẩm quyền"}, received=False
            )
            print(f"receipt of {code}: {wait_for_receipt(tree, env, code)}", file=sys.stderr)
            for form, where in (
                ("BM.02", f"dossier__code={supplement!r}, action='request_supplement'"),
                ("BM.03", f"dossier__code={refused!r}, action='refuse'"),
            ):
                state = wait_for_kept(tree, env, "DossierEvent", where)
                print(f"{form}: {state}", file=sys.stderr)
            anonymous, citizen, officer, ioc = (Client(port) for _ in range(4))
            citizen.login("congdan1")
            officer.login("motcua.donghoi")
            ioc.login("ioc")
            pages = [
                ("home", anonymous, "/"),
                ("search", anonymous, "/thu-tuc/?" + urlencode({"q": "khai sinh"})),
                ("procedure", anonymous, f"/thu-tuc/{PROCEDURE}/"),
                ("citizen dossier", citizen, f"/ho-so-cua-toi/{code}/"),
                ("officer inbox", officer, "/can-bo/"),
                ("officer dossier", officer, f"/can-bo/ho-so/{code}/"),
                ("IOC", ioc, "/dieu-hanh/"),
                ("receipt BM.01 (PDF)", citizen, f"/ho-so-cua-toi/{code}/phieu/bm01.pdf"),
                # Kept for their event after the operation (trees that keep them).
                (
                    "BM.02 supplement request",
                    citizen,
                    f"/ho-so-cua-toi/{supplement}/phieu/bm02.pdf",
                ),
                ("BM.03 refusal (officer)", officer, f"/can-bo/ho-so/{refused}/bieu-mau/bm03.pdf"),
                # Forms drawn on request: BM.01 before reception, the BM.05 control slip.
                ("BM.01 not yet received", citizen, f"/ho-so-cua-toi/{waiting}/phieu/bm01.pdf"),
                ("BM.05 (officer)", officer, f"/can-bo/ho-so/{code}/bieu-mau/bm05.pdf"),
            ]
            if args.forms:
                pages = [page for page in pages if page[2].endswith(".pdf")]
            return [
                (name, path, measure(client, path, args.requests)) for name, client, path in pages
            ]
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def table(results: list[tuple[str, str, dict]]) -> str:
    lines = [
        "| page | first: TTFB / total (ms) | TTFB p50 / p95 (ms) | total p50 (ms) "
        "| HTML (KB) | assets (n, KB transferred) | weight (KB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, _path, r in results:
        weight_kb = (r["html"] + r["asset_bytes"]) / 1024
        lines.append(
            f"| {name} | {r['first_ttfb_ms']:.0f} / {r['first_total_ms']:.0f} "
            f"| {r['ttfb_p50_ms']:.0f} / {r['ttfb_p95_ms']:.0f} | {r['total_p50_ms']:.0f} "
            f"| {r['html'] / 1024:.1f} | {r['assets']}, {r['asset_bytes'] / 1024:.1f} "
            f"| {weight_kb:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--requests", type=int, default=30, help="requests per page after the first"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (tinhso serve)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--forms", action="store_true", help="only the PDF downloads (BM.01–BM.05)")
    args = parser.parse_args()
    tree = args.tree.resolve()
    load = os.getloadavg()[0]
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {load:.1f} at the start; Python "
        f"{platform.python_version()}; {args.db}; tree {tree}; {args.workers} workers; "
        f"{args.requests} requests per page after the first"
    )
    results = run(args.db, tree, args)
    print(table(results))
    if args.json:
        print(json.dumps([{"page": n, "path": p, **r} for n, p, r in results], indent=1))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
