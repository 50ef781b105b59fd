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
- On PostgreSQL likewise one template database migrated per migrations' content
  (:func:`build_pg_template`, kept on the server across sessions); each worker's test database
  is created from it by Django (``CREATE DATABASE … TEMPLATE``: the ``TEST["TEMPLATE"]``
  setting), and Django's ``migrate`` then finds every migration applied.
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
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import django
import pytest
from django.conf import settings
from django.db import connection
from pytest_django.plugin import blocking_manager_key

from tinhso.testing.worlds import needs_committed_data

if TYPE_CHECKING:
    import psycopg

NO_DURABILITY = "-c synchronous_commit=off"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, django_db_use_migrations
):
    """pytest-django's hook to change the database settings before the test databases exist:
    on PostgreSQL, no durability, and each worker's test database a copy of the session's
    migrated template (Django's ``TEST["TEMPLATE"]`` setting: ``CREATE DATABASE … TEMPLATE``)."""
    for alias, database in settings.DATABASES.items():
        if database["ENGINE"].endswith("postgresql"):
            options = database.setdefault("OPTIONS", {})
            given = options.get("options", "")
            if NO_DURABILITY not in given:
                options["options"] = f"{given} {NO_DURABILITY}".strip()
            test = database.setdefault("TEST", {})
            if alias == "default" and django_db_use_migrations and not test.get("TEMPLATE"):
                template = build_pg_template(database)
                if template:
                    test["TEMPLATE"] = template


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


def child_env(**values: str) -> dict[str, str]:
    """The environment of a child process importing this checkout's code (``PYTHONPATH``: an
    editable install may point to another), with ``values`` on top; ``DATABASE_URL`` only if
    given."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="tinhso.settings",
        PYTHONIOENCODING="utf-8",
        PYTHONPATH=os.pathsep.join(filter(None, [str(settings.BASE_DIR), env.get("PYTHONPATH")])),
        **values,
    )
    return env


def scratch_env(var_dir: Path, sqlite_path: Path) -> dict[str, str]:
    """The environment of a child process on its own SQLite file, whatever ``DATABASE_URL``
    says."""
    return child_env(TINHSO_SQLITE_PATH=str(sqlite_path), TINHSO_VAR_DIR=str(var_dir))


def migrate_in_a_child(env: dict[str, str]) -> tuple[list[str], subprocess.CompletedProcess]:
    """``tinhso migrate`` run by the console script in its own process."""
    command = [*console_script(), "migrate", "--noinput", "-v", "0"]
    result = subprocess.run(  # noqa: S603 - fixed arguments
        command,
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    return command, result


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
            command, result = migrate_in_a_child(scratch_env(folder / f"var-{key}", building))
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


# --- one migrated PostgreSQL template per migrations' content -------------------------------


def pg_template_names(database: dict) -> tuple[str, str]:
    """The template's name (after the migrations' content) and the prefix of every template of
    this database name (the older ones are dropped when a new one is built)."""
    prefix = f"test_{database['NAME']}"[:36] + "_tmpl_"  # PostgreSQL names: 63 bytes at most
    return prefix + migrations_key(), prefix


@contextmanager
def pg_maintenance(database: dict) -> Iterator[psycopg.Cursor]:
    """A cursor on the server's ``postgres`` database, in autocommit (``CREATE DATABASE``)."""
    import psycopg

    with psycopg.connect(
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=10,
    ) as maintenance:
        yield maintenance.cursor()


def pg_database_url(name: str) -> str:
    """``DATABASE_URL`` (how the settings read the server) with another database name."""
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{quote(name)}").geturl()


def build_pg_template(database: dict) -> str | None:
    """The name of a database that ``tinhso migrate`` migrated, built once per migrations'
    content (kept on the server: a later session with the same migrations reuses it) by the
    first xdist worker, under a file lock; the others wait for it. It accepts no connections
    (``ALLOW_CONNECTIONS false``): PostgreSQL copies a template only when no one is connected to
    it. ``None`` if it cannot be built (the test databases are then migrated as before, and
    show the error)."""
    import psycopg
    from psycopg import sql

    if "DATABASE_URL" not in os.environ:
        return None
    template, prefix = pg_template_names(database)
    building = prefix + "building"
    # One lock per database name, shared by every session on this machine.
    lock = Path(tempfile.gettempdir()) / f"tinhso-{prefix}lock"
    try:
        with file_lock(lock), pg_maintenance(database) as cursor:
            cursor.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix]
            )
            found = {name for (name,) in cursor.fetchall()}
            if template in found:
                return template
            for stale in sorted(found):  # older migrations' templates, a build interrupted
                cursor.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(stale)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
            cursor.execute(
                sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(
                    sql.Identifier(building)
                )
            )
            command, result = migrate_in_a_child(child_env(DATABASE_URL=pg_database_url(building)))
            if result.returncode != 0:
                cursor.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(building)))
                warnings.warn(f"{' '.join(command)}: {result.stderr}", stacklevel=1)
                return None
            # The migrating process has ended; renaming waits for its server process to go.
            cursor.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(building), sql.Identifier(template)
                )
            )
            cursor.execute(
                sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(
                    sql.Identifier(template)
                )
            )
            return template
    except (psycopg.Error, subprocess.TimeoutExpired) as exc:
        warnings.warn(f"no PostgreSQL template database: {exc}", stacklevel=1)
        return None
