"""Schemathesis over the whole API against a real server, as a citizen, an officer and the
operations centre: the acceptance run of issue 17 (0 server errors).

    .venv/bin/python bench/fuzz_api.py                       # SQLite, 100 examples per operation
    .venv/bin/python bench/fuzz_api.py --db postgres --examples 300

A fresh database (``bench/submit.py``'s ``prepare``: migrations, the demo province; PostgreSQL in
``BENCH_PG_DB``, default ``tinhso_fuzz``), demo history of ``--history`` dossiers for the
operations centre, one API token per demo account (``congdan1``, ``motcua.donghoi``, ``ioc``),
then gunicorn as ``tinhso serve`` runs it (``DEBUG=0``) on a free loopback port, and for each
account::

    schemathesis --config-file bench/fuzz_api.toml run http://127.0.0.1:PORT/api/openapi.json \\
        --checks all --exclude-checks positive_data_acceptance -H "Authorization: Bearer …" \\
        --max-examples N --seed S --generation-deterministic --report har

Every check but ``positive_data_acceptance`` runs: a schema-valid request may still break a
business rule (an end date before the start, an action not allowed now) and get a documented
400/409. Prints, per account, the requests sent (counted from the HAR record), the server errors
(5xx) among them, and Schemathesis' verdict; exits non-zero on any server error. The reports
(HAR and JUnit) stay in ``--report-dir``. The fuzz of the page forms and of Open311 (which has
no OpenAPI document) runs in ``make test``: ``tinhso/core/tests/test_invalid_text_fuzz.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("BENCH_PG_DB", "tinhso_fuzz")  # read by bench/submit.py on import
sys.path.insert(0, str(Path(__file__).resolve().parent))

from submit import ROOT, free_port, manage, prepare, start_server

ACCOUNTS = {"citizen": "congdan1", "officer": "motcua.donghoi", "ioc": "ioc"}
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
CONFIG = Path(__file__).with_suffix(".toml")  # statuses that refuse a schema-violating request


def count_responses(har: Path) -> tuple[int, list[str]]:
    """The requests a HAR record holds, and ``METHOD URL -> status`` of each 5xx."""
    entries = json.loads(har.read_text())["log"]["entries"]
    errors = [
        f"{e['request']['method']} {e['request']['url']} -> {e['response']['status']}"
        for e in entries
        if e["response"]["status"] >= 500
    ]
    return len(entries), errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--examples", type=int, default=100, help="per operation and account")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--history", type=int, default=300, help="demo dossiers in the past")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--report-dir", type=Path, default=ROOT / "var" / "fuzz-api")
    args = parser.parse_args()
    args.report_dir.mkdir(parents=True, exist_ok=True)
    os.environ["TINHSO_DEMO_HISTORY"] = str(args.history)
    with tempfile.TemporaryDirectory(prefix="tinhso-fuzz-") as workdir:
        env = prepare(args.db, Path(workdir))
        tokens = {
            who: manage(env, "create_token", username, "--name", "fuzz").strip()
            for who, username in ACCOUNTS.items()
        }
        port = free_port()
        server = start_server(env, args.workers, port)
        total_requests, total_errors, verdicts = 0, [], {}
        try:
            for who, token in tokens.items():
                har = args.report_dir / f"{args.db}-{who}.har"
                command = [
                    SCHEMATHESIS, "--config-file", str(CONFIG), "run",
                    f"http://127.0.0.1:{port}/api/openapi.json",
                    "--checks", "all", "--exclude-checks", "positive_data_acceptance",
                    "-H", f"Authorization: Bearer {token}",
                    "--max-examples", str(args.examples), "--seed", str(args.seed),
                    "--generation-deterministic", "--workers", "2",
                    "--report", "har,junit", "--report-dir", str(args.report_dir),
                    "--report-har-path", str(har),
                    "--report-junit-path", str(args.report_dir / f"{args.db}-{who}.xml"),
                ]  # fmt: skip
                printable = " ".join(c if not c.startswith("Authorization") else
                                     '"Authorization: Bearer …"' for c in command)  # fmt: skip
                print(f"\n### {args.db}, {who}: {printable}", flush=True)
                verdicts[who] = subprocess.call(command, cwd=ROOT, env=env)
                requests, errors = count_responses(har)
                total_requests += requests
                total_errors += errors
                print(f"### {who}: {requests} requests, {len(errors)} server errors", flush=True)
                for line in errors[:20]:
                    print("    " + line)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"\n{args.db}: {total_requests} requests, {len(total_errors)} server errors; "
          f"schemathesis exit codes {verdicts}")  # fmt: skip
    sys.exit(1 if total_errors else 0)


if __name__ == "__main__":
    main()
