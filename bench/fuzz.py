"""A long Schemathesis run against the API (the suite runs a short one in ``make test``).

    .venv/bin/python bench/fuzz.py        # 200 generated requests per operation and role
    .venv/bin/python bench/fuzz.py --examples 1000 --db postgres

Runs ``tinhso/core/tests/test_api_fuzz.py`` with ``TINHSO_FUZZ_EXAMPLES`` raised, on SQLite or on
PostgreSQL (``--db postgres`` uses ``PG_TEST_URL``, default the local server), and prints
pytest's summary: any 5xx, undocumented status, wrong content type or body that breaks the
schema fails the run, with a curl command to reproduce it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    env = {**os.environ, "TINHSO_FUZZ_EXAMPLES": str(args.examples)}
    if args.db == "postgres":
        env["DATABASE_URL"] = os.environ.get(
            "PG_TEST_URL", "postgres://postgres@127.0.0.1:5432/tinhso_fuzz"
        )
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
        "tinhso/core/tests/test_api_fuzz.py",
    ]  # fmt: skip
    sys.exit(subprocess.call(command, cwd=ROOT, env=env))


if __name__ == "__main__":
    main()
