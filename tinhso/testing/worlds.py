"""Test data built once per test module instead of once per test (pytest plugin).

A module's world (``built_once``) is built inside a transaction opened before the module's first
test and rolled back after its last. Each test still runs in its own transaction, which Django
nests as a savepoint inside the world's and rolls back: a test that writes (changes a world's
row, adds dossiers) leaves the world as it was built for the next test, and gets its own copy of
the world's Python objects (``copy.deepcopy``, as Django's ``setUpTestData`` does). Tests that
need committed data (``transactional_db``, ``live_server``, ``django_db(transaction=True)``)
build their own: an open world is rolled back before such a test starts (pytest-django runs them
after the others).

Fixtures: ``one_stop_world`` (:func:`tinhso.testing.factories.make_world`),
``feedback_world`` and ``qna_world``; a module with a world of its own makes its fixtures with
:func:`module_world`.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TypeVar

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import translation

T = TypeVar("T")
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_open: list[ExitStack] = []  # the worlds whose transaction is open, innermost last


@contextmanager
def built_once(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    """``build()`` in a transaction held open while the context runs, then rolled back."""
    stack = ExitStack()
    stack.enter_context(django_db_blocker.unblock())
    # The root conftest's function-scoped settings (fast hashers, no demo history or documents)
    # are not in force yet when a module's world is built: the world sets them itself. Without this,
    # a world loading the demo (``load_demo``) generated the demo's synthetic history (20000
    # dossiers) and its year of documents.
    stack.enter_context(
        override_settings(
            PASSWORD_HASHERS=FAST_HASHERS, TINHSO_DEMO_HISTORY=0, TINHSO_DEMO_DOCUMENTS=0
        )
    )
    stack.enter_context(translation.override("vi"))
    name = str(connection.settings_dict["NAME"])
    assert name.startswith("test_") or "memory" in name, f"not a test database: {name}"
    stack.enter_context(transaction.atomic())
    stack.callback(transaction.set_rollback, True)  # runs before the atomic block ends
    _open.append(stack)
    try:
        world = build()
        # PostgreSQL checks deferred foreign keys at commit, or when told to: tell it now. Each
        # test ends in a savepoint rollback after which Django checks the constraints again; the
        # world's own checks, still pending, would be made again at the end of every test.
        connection.check_constraints()
        yield world
    finally:
        if stack in _open:
            _open.remove(stack)
            stack.close()


def copy_of(world: T) -> T:
    """The test's own copy of a shared world's objects (its rows are shared, in the database)."""
    return copy.deepcopy(world)


def needs_committed_data(item: pytest.Item) -> bool:
    """Whether the test runs with committed data (pytest-django flushes the database after it)."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _open and needs_committed_data(item):
        while _open:
            _open.pop().close()


def module_world(build: Callable[[], object], name: str = "world"):
    """Two fixtures: ``_<name>_built`` builds the world once per module, ``<name>`` is the
    test's copy (a test asking for it gets the database too). In a test module:
    ``_world_built, world = module_world(build_world)``."""

    # Module-scoped fixtures are set up before the function-scoped ``db``: the world's
    # transaction is open before the test's.
    @pytest.fixture(scope="module", name=f"_{name}_built")
    def built(django_db_setup, django_db_blocker):
        with built_once(django_db_blocker, build) as world:
            yield world

    def copy_for_test(db, **built_world):
        return copy_of(built_world[f"_{name}_built"])

    # The module's world is an argument of the test's fixture (pytest reads the signature), so
    # pytest sets it up first.
    copy_for_test.__signature__ = inspect.Signature(
        [
            inspect.Parameter("db", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter(f"_{name}_built", inspect.Parameter.KEYWORD_ONLY),
        ]
    )
    return built, pytest.fixture(name=name)(copy_for_test)


def _factory(name: str) -> Callable[[], object]:
    def build():
        from tinhso.testing import factories

        return getattr(factories, name)()

    return build


_one_stop_world_built, one_stop_world = module_world(_factory("make_world"), "one_stop_world")
_feedback_world_built, feedback_world = module_world(
    _factory("make_feedback_world"), "feedback_world"
)
_qna_world_built, qna_world = module_world(_factory("make_qna_world"), "qna_world")
_documents_world_built, documents_world = module_world(
    _factory("make_documents_world"), "documents_world"
)
