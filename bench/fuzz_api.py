"""Schemathesis over the whole API against a real server, as a citizen, an officer and the
operations centre: the acceptance run of issue 17 (0 server errors).

    .venv/bin/python bench/fuzz_api.py                       # SQLite, 100 examples per operation
    .venv/bin/python bench/fuzz_api.py --db postgres --examples 300

A fresh database (``bench/submit.py``'s ``prepare``: migrations, the demo province; PostgreSQL in
``BENCH_PG_DB``, default ``tinhso_fuzz``) with ``--history`` past dossiers for the operations
centre, the static files collected, one API token per demo account (``congdan1``,
``motcua.donghoi``, ``ioc``) and two dossiers the citizen submits; then gunicorn as
``tinhso serve`` runs it (``DEBUG=0``) on a free loopback port, and for each account::

    schemathesis --config-file var/fuzz-api/<db>-schemathesis.toml run \\
        http://127.0.0.1:PORT/api/openapi.json --checks all \\
        --exclude-checks positive_data_acceptance -H "Authorization: Bearer …" \\
        --max-examples N --seed S --generation-deterministic --report har,junit

The configuration is ``bench/fuzz_api.toml`` plus dictionaries of the database's real
identifiers for half of the path parameters (see :func:`write_config`). Every check but
``positive_data_acceptance`` runs: a schema-valid request may still break a business rule (an
end date before the start, an action not allowed now) and get a documented 400/409. Prints, per
account, the requests sent (counted from the HAR record), the server errors (5xx) among them,
and Schemathesis' verdict; exits non-zero on any server error or any failed check. The reports
(HAR, JUnit) stay in ``--report-dir``. The fuzz of the page forms and of Open311 (which has no
OpenAPI document) runs in ``make test``: ``tinhso/core/tests/test_invalid_text_fuzz.py``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("BENCH_PG_DB", "tinhso_fuzz")  # read by bench/submit.py on import
sys.path.insert(0, str(Path(__file__).resolve().parent))

from submit import (
    ROOT,
    fetch_example_form,
    free_port,
    manage,
    pick_procedure,
    prepare,
    start_server,
)

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


# Real identifiers of the fresh database, printed as JSON by ``manage.py shell``.
IDENTIFIERS = """
import json
from tinhso.core.models import AdministrativeUnit, Agency
from tinhso.dossiers.models import Dossier, DossierFile
from tinhso.documents.models import IncomingDocument, OutgoingDocument
print(json.dumps({
    "code": list(Dossier.objects.order_by("-pk").values_list("code", flat=True)[:6]),
    "file_id": list(DossierFile.objects.order_by("-pk").values_list("pk", flat=True)[:4]),
    "agency_id": list(Agency.objects.order_by("pk").values_list("pk", flat=True)[:4]),
    "unit_id": list(AdministrativeUnit.objects.filter(level="commune")
                    .order_by("pk").values_list("pk", flat=True)[:4]),
    "pk": list(IncomingDocument.objects.order_by("-pk").values_list("pk", flat=True)[:3])
          + list(OutgoingDocument.objects.order_by("-pk").values_list("pk", flat=True)[:3]),
}))
"""


def submit_dossiers(port: int, token: str, count: int = 2) -> None:
    """The citizen's own dossiers, submitted through the API, for the run to act on."""
    code = pick_procedure(port)
    body = json.dumps({"procedure_code": code, "form_data": fetch_example_form(port, code)})
    for _ in range(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        conn.request("POST", "/api/dossiers", body, headers)
        response = conn.getresponse()
        if response.status != 201:
            raise SystemExit(f"submission failed: {response.status} {response.read()[:300]!r}")
        response.read()


def write_config(env: dict, path: Path) -> None:
    """``bench/fuzz_api.toml`` plus dictionaries of real identifiers: half of the path
    parameters name an existing dossier, file, action, form, agency, commune or document (``pk``:
    incoming and outgoing documents of the demo), so requests get
    past the 404 into the operations' code; the other half stay generated."""
    found = json.loads(manage(env, "shell", "-v", "0", "-c", IDENTIFIERS).strip().splitlines()[-1])
    found["action"] = ["receive", "withdraw", "request_supplement", "pay", "rate", "approve"]
    # the dossiers' forms (bm01…) and the document registers (den, di) share the name "kind"
    found["kind"] = ["bm01", "bm02", "bm03", "bm04", "bm05", "bm06", "den", "di"]
    found = {name: values for name, values in found.items() if values}
    lines = [CONFIG.read_text(), ""]
    for name, values in found.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    for name in found:
        lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    path.write_text("\n".join(lines) + "\n")


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
        manage(env, "collectstatic", "--noinput", "-v", "0")  # as ``tinhso serve`` does
        tokens = {
            who: manage(env, "create_token", username, "--name", "fuzz").strip()
            for who, username in ACCOUNTS.items()
        }
        port = free_port()
        env["LOG_LEVEL"] = "ERROR"  # no access-log line per request (django.request still warns)
        server = start_server(env, args.workers, port)
        config = args.report_dir / f"{args.db}-schemathesis.toml"
        total_requests, total_errors, verdicts = 0, [], {}
        try:
            submit_dossiers(port, tokens["citizen"])
            write_config(env, config)
            for who, token in tokens.items():
                har = args.report_dir / f"{args.db}-{who}.har"
                command = [
                    SCHEMATHESIS, "--config-file", str(config), "run",
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
                har.unlink(missing_ok=True)
                # Schemathesis keeps a cache in its working directory: the reports folder.
                verdicts[who] = subprocess.call(command, cwd=args.report_dir, env=env)
                if not har.exists():
                    raise SystemExit(f"schemathesis wrote no record ({har}): see its output")
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
    sys.exit(1 if total_errors or any(verdicts.values()) else 0)


if __name__ == "__main__":
    main()
