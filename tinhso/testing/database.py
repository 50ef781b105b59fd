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
"""

from __future__ import annotations

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
