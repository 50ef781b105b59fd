"""CPU instructions per dossier submission and per floor request, counted by callgrind.

    .venv/bin/python bench/instructions.py                  # PostgreSQL, 200 requests of each
    .venv/bin/python bench/instructions.py --db sqlite --requests 100

Throughput on a shared 2-core machine swings by a third from one run to the next (whatever
else the host is running); an instruction count does not. This runs tinhso's WSGI application
in one process under ``valgrind --tool=callgrind``, with the same database set-up as
``bench/submit.py`` (fresh database, migrations, the demo province, a citizen's API token), and
counts the instructions of that process only (the application's share of a request: Django,
ninja, the services, psycopg; not gunicorn, not the database server, not the network):

1. a warm-up of both requests, with counting off;
2. ``--requests`` × ``POST /api/dossiers`` (procedure 1.001193, each with its own
   Idempotency-Key), counted;
3. ``--requests`` × ``GET /healthz`` (the floor: one ``SELECT 1``), counted separately.

Prints instructions per request and the ratio. Needs valgrind (Debian package ``valgrind``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submit import PY, ROOT, example_form, prepare  # the same database set-up and form

PROCEDURE = "1.001193"  # birth registration, as bench/submit.py


def child(workdir: Path, requests: int) -> None:
    """Runs under valgrind: the application in-process, synchronised with the parent by files."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from tinhso.procedures.models import Procedure
    from tinhso.wsgi import application

    token = os.environ["BENCH_TOKEN"]
    form = example_form(Procedure.objects.get(code=PROCEDURE).form_schema or {})
    body = json.dumps({"procedure_code": PROCEDURE, "form_data": form}).encode()
    statuses: list[str] = []

    def call(method: str, path: str, payload: bytes = b"", key: str = "") -> None:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(payload)),
            "wsgi.input": io.BytesIO(payload),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        if key:
            environ["HTTP_IDEMPOTENCY_KEY"] = key
        response = application(environ, lambda status, headers, exc=None: statuses.append(status))
        b"".join(response)
        response.close()

    def submit() -> None:
        call("POST", "/api/dossiers", body, uuid.uuid4().hex)

    def floor() -> None:
        call("GET", "/healthz")

    def step(name: str) -> None:  # tell the parent, wait for its answer
        (workdir / f"{name}.ready").touch()
        while not (workdir / f"{name}.go").exists():
            time.sleep(0.02)

    for _ in range(50):
        submit()
        floor()
    for name, run in (("submit", submit), ("floor", floor)):
        step(name)
        for _ in range(requests):
            run()
    step("end")
    wrong = [status for status in statuses if not status.startswith(("200", "201"))]
    if wrong:
        raise SystemExit(f"{len(wrong)} requests failed, e.g. {wrong[0]}")


def _wait(path: Path, process: subprocess.Popen) -> None:
    while not path.exists():
        if process.poll() is not None:
            raise SystemExit(f"the measured process stopped (exit {process.returncode})")
        time.sleep(0.05)


def _total(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise SystemExit(f"no totals in {path}")


def measure(db: str, requests: int) -> dict[str, float]:
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (apt install valgrind)")
    with tempfile.TemporaryDirectory(prefix=f"tinhso-instr-{db}-") as tmp:
        workdir = Path(tmp)
        env = prepare(db, workdir) | {"DJANGO_SETTINGS_MODULE": "tinhso.settings"}
        out = workdir / "callgrind.out"
        process = subprocess.Popen(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                PY,
                __file__,
                "--child",
                str(workdir),
                "--requests",
                str(requests),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / "valgrind.log", "w"),  # noqa: SIM115 - closed with the dir
        )

        def control(*args: str) -> None:
            subprocess.run(["callgrind_control", *args, str(process.pid)], check=True,
                           capture_output=True)  # fmt: skip

        counts = {}
        for name in ("submit", "floor"):
            _wait(workdir / f"{name}.ready", process)
            control("--zero")
            control("--instr=on")
            (workdir / f"{name}.go").touch()
            _wait(workdir / ("floor.ready" if name == "submit" else "end.ready"), process)
            control("--instr=off")
            control(f"--dump={name}")
            dumps = sorted(workdir.glob("callgrind.out.*"), key=lambda p: p.stat().st_mtime)
            counts[name] = _total(dumps[-1]) / requests
        (workdir / "end.go").touch()
        if process.wait(timeout=600) != 0:
            log = (workdir / "valgrind.log").read_text()[-2000:]
            raise SystemExit(f"the measured process failed:\n{log}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.requests)
        return
    counts = measure(args.db, args.requests)
    print(f"db={args.db}, {args.requests} requests of each, instructions of the app's process:")
    print(f"  POST /api/dossiers  {counts['submit'] / 1e6:8.2f} M per request")
    print(f"  GET /healthz        {counts['floor'] / 1e6:8.2f} M per request")
    print(f"  a submission costs {counts['submit'] / counts['floor']:.2f}× the floor")


if __name__ == "__main__":
    main()
