"""Project-wide pytest configuration."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings

pytest_plugins = [
    "tinhso.testing.browser",
    "tinhso.testing.worlds",
    "tinhso.testing.database",
    "tinhso.testing.sso",
    "tinhso.testing.pki",
]


def _uses_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(item.get_closest_marker("django_db")) or bool(
        names & {"db", "transactional_db", "live_server"}
    )


def _run_order(item: pytest.Item) -> tuple[int, int]:
    """Tests without the database first (the slowest single tests are among them: the console
    script, the deploy checks, the translation catalogue), then the database tests, then those with
    committed data (after them, as pytest-django orders them: they flush the database and end the
    shared worlds), the browser journeys first among those. Browser tests cannot start the run:
    once Playwright's sync API has started, the worker's thread has a running asyncio loop for the
    rest of the session (asgiref's ``async_to_sync`` then refuses to run in it)."""
    from tinhso.testing.worlds import needs_committed_data

    # Among the tests of one kind, the ``long`` ones start first: a worker left alone with one
    # at the end of the run kept the other idle (the numbering processes, the make-run journey).
    first = 0 if item.get_closest_marker("long") else 1
    if needs_committed_data(item):
        return (2 if item.get_closest_marker("browser") else 3), first
    if item.get_closest_marker("browser"):  # a browser test on processes of its own
        return 2, first
    return (1 if _uses_database(item) else 0), first


def _apply_xdist_groups(items: list[pytest.Item]) -> None:
    """Give the tests marked ``xdist_group("name")`` the node id suffix ``@name`` by which
    ``--dist loadgroup`` sends a group to one worker. pytest-xdist 3.8.0 sets ``item._nodeid``,
    which pytest 9 no longer reads (the node id is ``item._id``): without this, no test was ever
    grouped and loadgroup was plain ``--dist load``."""
    from _pytest.nodeid import coerce_node_id

    for item in items:
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if names and "@" not in item.nodeid.rsplit("]", 1)[-1]:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(sorted(names))}")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long tests start early, so that no xdist worker is left alone with one at the end of the run
    (``--dist loadgroup`` hands the tests out in this order, the ``xdist_group`` groups first)."""
    items.sort(key=_run_order)
    if getattr(config.option, "loadgroup", False):  # an xdist worker of --dist loadgroup
        _apply_xdist_groups(items)


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"tinhso database backend: {engine}"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _vietnamese(settings):
    from django.utils import translation

    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings, request):
    """Argon2 is the production hasher; tests that create many accounts use a fast one."""
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_demo_history(settings):
    """The demo's synthetic history is for people trying tinhso; tests that need history ask for
    it (``load_demo_ioc --history N`` or ``generate``)."""
    settings.TINHSO_DEMO_HISTORY = 0
    settings.TINHSO_DEMO_DOCUMENTS = 0
    settings.TINHSO_DEMO_SIGNING = False  # its certificates: tinhso/demo/tests/test_signing.py


@pytest.fixture(autouse=True)
def _ioc_figures_not_kept(settings):
    """Tests change the data under the operations centre's pages and look again at once: the
    figures are computed on every request (``TINHSO_IOC_CACHE_SECONDS``); the cache's own tests
    turn it on."""
    settings.TINHSO_IOC_CACHE_SECONDS = 0
    settings.TINHSO_CATALOGUE_CACHE_SECONDS = 0  # the search page's sector filter, likewise


@pytest.fixture
def rate_clock(monkeypatch):
    """The rate limits' clock (``tinhso.core.ratelimit``) stopped 1530 s into an hour, 330 s into
    ten minutes, 30 s into a minute, so that no test straddles a window's end; a test moves it
    with ``rate_clock.now += seconds``."""
    from tinhso.core import ratelimit

    clock = SimpleNamespace(now=1_699_999_200.0 + 1530)
    monkeypatch.setattr(ratelimit, "clock", lambda: clock.now)
    return clock
