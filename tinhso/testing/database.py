"""The test database (pytest plugin, used through the root ``conftest.py``).

- On PostgreSQL the test connections run with ``synchronous_commit=off``: a test database needs
  no durability, and a commit then does not wait for the WAL to reach the disk (creating the test
  database runs every migration, each in a transaction; tests with committed data commit often).
  Only the test session's settings change: the product's connections keep the server's default.
- A test with committed data (``transactional_db``, ``live_server``,
  ``django_db(transaction=True)``) ends with a flush that empties every table; Django's
  ``post_migrate`` brings back the content types and permissions, not the rows the data
  migrations wrote. :func:`restore_migrated_rows` writes them again after such a test, so the
  tests that read them (the Decision 766 indicators) pass whatever ran before them on the worker.
- One SQLite file migrated once per test session (``migrated_sqlite``: the ``tinhso migrate``
  console script on an empty file, built by the first xdist worker that needs it under a file
  lock, named after the migrations' content; the others wait for it). Migrating costs ~9 s of
  CPU, a copy milliseconds. Each worker's in-memory SQLite test database starts as a copy of it
  (SQLite's backup API; Django's ``migrate`` then finds every migration applied), and so does
  the file of a test whose processes need a migrated database of their own (the console script,
  ``make run``'s journey).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.db import connection
from pytest_django.plugin import blocking_manager_key

from tinhso.testing.worlds import needs_committed_data

NO_DURABILITY = "-c synchronous_commit=off"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """pytest-django's hook to change the database settings before the test databases exist."""
    for database in settings.DATABASES.values():
        if database["ENGINE"].endswith("postgresql"):
            options = database.setdefault("OPTIONS", {})
            given = options.get("options", "")
            if NO_DURABILITY not in given:
                options["options"] = f"{given} {NO_DURABILITY}".strip()


def is_test_database() -> bool:
    name = str(connection.settings_dict["NAME"])
    return name.startswith("test_") or "memory" in name


def restore_migrated_rows() -> None:
    """Write again what the data migrations wrote (each loader is idempotent), if a flush took it.

    One entry per data migration (``RunPython`` that stores rows): ``ioc/0002_index_766``; the
    notification templates of ``notifications/0002``, ``0003`` and ``0004``.
    """
    import importlib

    from django.apps import apps

    from tinhso.ioc.models import ServiceIndexIndicator
    from tinhso.ioc.services import load_index_766
    from tinhso.notifications.models import Template

    if not ServiceIndexIndicator.objects.exists():
        load_index_766()
    if not Template.objects.exists():
        for name in ("0002_default_templates", "0003_one_time_code", "0004_dossier_submitted"):
            importlib.import_module(f"tinhso.notifications.migrations.{name}").add(apps, None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    yield  # the test's fixtures are torn down: a transactional test's flush is done
    if needs_committed_data(item):
        with item.config.stash[blocking_manager_key].unblock():
            if is_test_database():  # never the real database (a test skipped before setup)
                restore_migrated_rows()


# --- one migrated SQLite file per session ---------------------------------------------------


def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory that every xdist worker of this test session shares (the parent of the
    workers' own base directories; the base directory itself without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock held by one process of the session at a time (the xdist workers)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrations_key() -> str:
    """What the migrated schema depends on: every migration file's content, Django's version."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted(root.glob("tinhso/*/migrations/*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def console_script() -> list[str]:
    """The installed ``tinhso`` console script (``python -m tinhso.cli`` where it is not)."""
    candidate = Path(sys.executable).with_name("tinhso")
    found = str(candidate) if candidate.exists() else shutil.which("tinhso")
    return [found] if found else [sys.executable, "-m", "tinhso.cli"]


def scratch_env(var_dir: Path, sqlite_path: Path) -> dict[str, str]:
    """The environment of a child process on its own SQLite file, whatever ``DATABASE_URL``
    says, importing this checkout's code (``PYTHONPATH``: an editable install may point to
    another)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        TINHSO_SQLITE_PATH=str(sqlite_path),
        TINHSO_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="tinhso.settings",
        PYTHONIOENCODING="utf-8",
        PYTHONPATH=os.pathsep.join(filter(None, [str(settings.BASE_DIR), env.get("PYTHONPATH")])),
    )
    return env


@dataclass(frozen=True)
class MigratedSqlite:
    """The session's migrated SQLite file and how the console script made it."""

    path: Path
    command: list[str]
    returncode: int
    stdout: str
    stderr: str

    def copy_to(self, target: Path) -> Path:
        """A fresh migrated database at ``target`` (the file is never used in place)."""
        assert self.returncode == 0, f"{' '.join(self.command)}: {self.stderr}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, target)
        return target


def build_migrated_sqlite(folder: Path) -> MigratedSqlite:
    """``tinhso migrate`` on an empty SQLite file in ``folder``, once per migrations' content;
    the other callers (xdist workers) wait for the first and read what it recorded."""
    key = migrations_key()
    path, record = folder / f"migrated-{key}.sqlite3", folder / f"migrated-{key}.json"
    with file_lock(folder / f"migrated-{key}.lock"):
        if not record.exists():
            building = folder / f"migrating-{key}.sqlite3"
            command = [*console_script(), "migrate", "--noinput", "-v", "0"]
            result = subprocess.run(  # noqa: S603 - fixed arguments
                command,
                env=scratch_env(folder / f"var-{key}", building),
                cwd=settings.BASE_DIR,
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=300,
                check=False,
            )
            if result.returncode == 0:
                # One self-contained file: the write-ahead log folded in, no -wal to copy.
                with sqlite3.connect(building) as db:
                    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    db.execute("PRAGMA journal_mode=DELETE")
                db.close()
                building.replace(path)
            done = {"command": command, "returncode": result.returncode}
            done |= {"stdout": result.stdout, "stderr": result.stderr}
            record.write_text(json.dumps(done))
    return MigratedSqlite(path=path, **json.loads(record.read_text()))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> MigratedSqlite:
    """The session's migrated SQLite file (``MigratedSqlite.copy_to``: a test's own copy)."""
    return build_migrated_sqlite(session_dir(tmp_path_factory))


_session: dict[str, object] = {}  # "dir": the session's shared directory; "held": connections


@pytest.fixture(scope="session", autouse=True)
def _test_database_from_the_migrated_file(tmp_path_factory):
    """Each worker's in-memory SQLite test database starts as a copy of ``migrated_sqlite``
    (built when the first worker creates its test database, not before)."""
    from django.db.backends.sqlite3.creation import DatabaseCreation

    original = DatabaseCreation._create_test_db

    def create(self, verbosity, autoclobber, keepdb=False):
        name = original(self, verbosity, autoclobber, keepdb)
        if self.is_in_memory_db(name) and self.connection.alias == "default":
            template = build_migrated_sqlite(_session["dir"])
            if template.returncode == 0:
                # Held open for the session: a shared-cache in-memory database lives as long as
                # one connection to it (Django's own opens when ``migrate`` runs).
                held = sqlite3.connect(name, uri=True, check_same_thread=False)
                source = sqlite3.connect(template.path)
                source.backup(held)
                source.close()
                _session.setdefault("held", []).append(held)
        return name

    _session["dir"] = session_dir(tmp_path_factory)
    DatabaseCreation._create_test_db = create
    yield
    DatabaseCreation._create_test_db = original
