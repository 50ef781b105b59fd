"""Fixtures of the core tests."""

from __future__ import annotations

import pytest

from tinhso.cli import main as tinhso_main
from tinhso.core.models import AdministrativeUnit, UnitLevel
from tinhso.core.services import units_load_province
from tinhso.demo.province import load_demo


@pytest.fixture
def province44(db) -> AdministrativeUnit:
    """Province 44 with its 78 communes and the pre-2025 history, as ``load-units`` loads it."""
    units_load_province(province_code="44")
    return AdministrativeUnit.objects.get(
        level=UnitLevel.PROVINCE, code="44", valid_to__isnull=True
    )


@pytest.fixture
def demo44(db):
    """The whole demo province 44: units, agencies, officers, applicants."""
    return load_demo("44")


@pytest.fixture
def tinhso_cli(monkeypatch):
    """``tinhso.cli.main`` run in-process, inside the test's transaction, with the process's
    logging left as it is.

    ``BaseCommand.run_from_argv`` closes every database connection when the command ends, which
    would close the test transaction's connection on PostgreSQL (an in-memory SQLite database is
    never closed); the command must see and leave the test database as it is.
    """
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)
    # ``execute_from_command_line`` runs ``django.setup()`` again, which would configure logging
    # anew: its console handler would then write to this test's captured stderr, closed when
    # the test ends, and every later test that logs would fail. Logging is configured already.
    monkeypatch.setattr("django.utils.log.configure_logging", lambda *args, **kwargs: None)
    return tinhso_main
