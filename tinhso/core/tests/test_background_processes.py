"""Background work as real processes: ``tinhso run-all`` (``make run``) and a killed worker.

The processes share a SQLite file copied from the test database (its schema, in milliseconds);
the module runs on SQLite only (the PostgreSQL claim is checked in dossiers/tests/test_outbox.py).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tinhso.testing.factories import free_port

ROOT = Path(settings.BASE_DIR)
TASK_TABLE = "django_tasks_database_dbtaskresult"


@pytest.fixture
def db_file(tmp_path, db):
    """A file holding the test database's schema, for processes of their own (a backup of the
    in-memory test database would wait for the test's transaction)."""
    if connection.vendor != "sqlite":
        pytest.skip("the processes share a SQLite file")
    path = tmp_path / "tinhso.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "ORDER BY type = 'table' DESC"  # tables before their indexes
        )
        schema = [sql for (sql,) in cursor.fetchall()]
    target = sqlite3.connect(path)
    target.executescript("BEGIN;\n" + ";\n".join(schema) + ";\nCOMMIT;")
    target.close()
    return path


def _env(db_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "tinhso.settings",
        "TINHSO_SQLITE_PATH": str(db_file),
        "TINHSO_TASKS_BACKEND": "database",
        "PYTHONUNBUFFERED": "1",
    }
    return env


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


class Output:
    """Collects a process's output lines in a thread (the pipe never fills)."""

    def __init__(self, stream):
        self.lines: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def find(self, needle: str) -> list[str]:
        return [line for line in self.lines if needle in line]


def _healthz(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.loads(response.read())
    except OSError:
        return None


def _task_statuses(db_file: Path, path: str) -> list[str]:
    with sqlite3.connect(db_file, timeout=10) as db:
        rows = db.execute(f"SELECT status FROM {TASK_TABLE} WHERE task_path = ?", (path,))  # noqa: S608
        return [status for (status,) in rows]


@pytest.mark.long
def test_run_all_serves_runs_scheduled_tasks_and_one_ctrl_c_stops_everything(db_file):
    port, standin_port, pki_port, vnpay_port = free_port(), free_port(), free_port(), free_port()
    axis_port, agent_port = free_port(), free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tinhso.cli", "run_all", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=_env(db_file)
        | {
            "TINHSO_STANDIN_PORT": str(standin_port),
            "TINHSO_PKI_PORT": str(pki_port),
            "TINHSO_PKI_DIR": str(db_file.parent / "pki"),
            "TINHSO_VNPAY_STANDIN_PORT": str(vnpay_port),
            # make run's stand-in exchange axis, one demo agency connected (docs/exchange.md)
            "TINHSO_EXCHANGE_AXIS_URL": f"http://127.0.0.1:{axis_port}",
            "TINHSO_EXCHANGE_AXIS_STANDIN": "1",
            "TINHSO_EXCHANGE_AGENCIES": "H44=demo-axis-h44",
            "TINHSO_EXCHANGE_STANDIN_DB": str(db_file.parent / "axis.sqlite3"),
            # make run's stand-in signing agent, the demo officers' tokens (docs/signatures.md)
            "TINHSO_SIGNING_AGENT_URL": f"http://127.0.0.1:{agent_port}/{{user}}",
            "TINHSO_SIGNING_AGENT_STANDIN": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        process_group=0,  # as a terminal's foreground job: Ctrl-C signals this whole group
    )
    output = Output(process.stdout)
    try:
        started = _wait(lambda: len(output.find("started, pid")) == 8 and output.lines, 20, "start")
        pids = {
            line.split()[1]: int(line.rsplit(" ", 1)[1])
            for line in started
            if "started, pid" in line
        }
        assert set(pids) == {
            "web",
            "worker",
            "scheduler",
            "sms-zns",
            "pki",
            "vnpay",
            "exchange-axis",
            "signing-agent",
        }
        assert _wait(lambda: _healthz(port), 30, "the web server")["status"] == "ok"
        # the stand-in gateway of the demo merchant answers its query API (a wrong checksum)
        query = urllib.request.Request(
            f"http://127.0.0.1:{vnpay_port}/merchant_webapi/api/transaction",
            data=json.dumps({"vnp_Command": "querydr", "vnp_TxnRef": "x"}).encode(),
        )
        with urllib.request.urlopen(query, timeout=5) as response:  # noqa: S310
            assert json.loads(response.read())["vnp_ResponseCode"] == "97"
        # the stand-in exchange axis answers, the connected agency's secret known to it
        axis = _wait(lambda: _healthz(axis_port), 20, "the stand-in exchange axis")
        assert axis["status"] == "OK"
        assert _wait(lambda: _healthz(agent_port), 20, "the signing agent")["status"] == "ok"
        # The scheduler enqueued the outbox delivery; the worker ran it.
        _wait(
            lambda: "SUCCESSFUL" in _task_statuses(db_file, "tinhso.dossiers.tasks.deliver_outbox"),
            30,
            "the worker to run the scheduled task",
        )
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
        assert process.wait(timeout=20) == 0, "\n".join(output.lines)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert output.find("run-all: stopped")
    for name, pid in pids.items():
        assert _wait(lambda pid=pid: _group_gone(pid), 5, f"{name} to stop")


DELIVER_SLOWLY = """
import django, sys, time
django.setup()
from tinhso.dossiers import outbox
from tinhso.dossiers.models import OutboxMessage
OutboxMessage.objects.create(topic="test.slow", key="k:1", payload={})
def hang(message):
    print("delivering", flush=True)
    time.sleep(60)
outbox.register_handler("test.slow", hang)
outbox.outbox_deliver()
"""

DELIVER_AGAIN = """
import datetime as dt, json, django
django.setup()
from django.conf import settings
from django.utils import timezone
from tinhso.dossiers import outbox
from tinhso.dossiers.models import OutboxMessage
outbox.register_handler("test.slow", lambda message: None)
now = timezone.now()
during = outbox.outbox_deliver(now=now)
after = outbox.outbox_deliver(
    now=now + dt.timedelta(seconds=settings.TINHSO_OUTBOX_LEASE_SECONDS + 1)
)
message = OutboxMessage.objects.get(key="k:1")
print(json.dumps({"during": during.claimed, "after": after.delivered,
                  "attempts": message.attempts, "delivered": message.delivered_at is not None}))
"""


def test_a_killed_workers_message_is_claimed_again_after_its_lease(db_file):
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", DELIVER_SLOWLY],
        cwd=ROOT,
        env=_env(db_file),
        stdout=subprocess.PIPE,
        text=True,
    )
    output = Output(worker.stdout)
    try:
        _wait(lambda: output.find("delivering"), 20, "the delivery to start")
    finally:
        worker.kill()  # SIGKILL: no chance to clean up
        worker.wait()
    second = subprocess.run(  # noqa: S603
        [sys.executable, "-c", DELIVER_AGAIN],
        cwd=ROOT,
        env=_env(db_file),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    result = json.loads(second.stdout.strip().splitlines()[-1])
    assert result == {"during": 0, "after": 1, "attempts": 2, "delivered": True}


@pytest.mark.long
def test_the_redis_queue_is_a_setting_away(db_file):
    """TINHSO_TASKS_BACKEND=rq: the same scheduler enqueues into Redis, rqworker runs the tasks.
    Runs where the ``rq`` extra is installed and a Redis server answers."""
    pytest.importorskip("django_tasks_rq")
    redis = pytest.importorskip("redis")
    url = os.environ.get("TINHSO_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        client = redis.Redis.from_url(url)
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url}")
    client.flushdb()
    env = _env(db_file) | {"TINHSO_TASKS_BACKEND": "rq", "REDIS_URL": url}
    tinhso = [sys.executable, "-m", "tinhso.cli"]

    def run(*argv):
        return subprocess.run(  # noqa: S603
            [*tinhso, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )

    assert "enqueued outbox-delivery" in run("scheduler", "--once").stdout
    # /healthz's and /metrics' figure, read from the Redis queue: a job waits, then none
    age = "from tinhso.core.background import oldest_pending_task_age as a; print(a())"
    waiting = run("shell", "-c", age)
    assert float(waiting.stdout.strip().splitlines()[-1]) >= 0, waiting.stdout + waiting.stderr
    worker = run("rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default")
    log = worker.stdout + worker.stderr
    assert "path=tinhso.dossiers.tasks.deliver_outbox state=SUCCESSFUL" in log, log
    assert "state=FAILED" not in log, log
    assert run("shell", "-c", age).stdout.strip().splitlines()[-1] == "None"
    client.flushdb()
