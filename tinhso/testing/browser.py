"""Browser-test fixtures: Playwright driving Debian's Chromium against a live Django server.

Used through the root ``conftest.py``. A browser test asks for ``phone`` (360×740, touch) or
``desktop`` (1366×900) and calls :meth:`Browsing.check` on every page it reaches. ``check``:

- runs axe-core (vendored from npm under ``tinhso/static/vendor/axe-core``) with the WCAG 2.0/2.1
  A and AA rules and fails on any *serious* or *critical* violation;
- fails on any console error, uncaught page error or failed (4xx/5xx) sub-resource seen since the
  last check;
- on a phone, fails when the page is wider than the viewport (horizontal scrolling at 360 px);
- saves a full-page screenshot to ``test-artifacts/screenshots/<test>/<nn>-<name>.jpg`` (JPEG:
  encoding a full page as PNG took about twice the CPU, for a picture only people look at).

Chromium comes from ``scripts/system-deps.sh test`` (Debian's ``chromium`` package), because
``playwright install`` cannot download here; ``TINHSO_CHROMIUM`` overrides the path.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
AXE_URL = "/static/vendor/axe-core/axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}


def chromium_path() -> str:
    path = os.environ.get("TINHSO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            f"Chromium is not installed at {path}: run `scripts/system-deps.sh test` "
            "(make test does) or set TINHSO_CHROMIUM.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
    # thread with a running loop unless told that the caller knows (the test does setup and
    # assertions between browser steps, never concurrently with them).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@dataclass
class Browsing:
    """One browser context (a person on a device) with the page checks every test applies."""

    context: Any
    page: Any
    base_url: str
    test_name: str
    is_phone: bool
    errors: list[str] = field(default_factory=list)
    shots: int = 0

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, *, check: str | None = None):
        response = self.page.goto(self.url(path))
        if check:
            self.check(check)
        return response

    def login(
        self,
        username: str,
        password: str = "tinhso-demo",  # noqa: S107
        *,
        then: str | None = None,
    ) -> None:
        """Log in through the real login page; with ``then`` (a path), land there (the login
        page's ``?next=``) instead of the account's start page: one page load less."""
        self.goto("/dang-nhap/" + (f"?{urlencode({'next': then})}" if then else ""))
        self.page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
        self.page.get_by_label(re.compile("Mật khẩu|Password")).fill(password)
        self.page.get_by_role("button", name=re.compile("^(Đăng nhập|Log in)$")).click()
        if then:
            self.page.wait_for_url(lambda url: url == self.url(then))
        self.page.wait_for_load_state()

    def screenshot(self, name: str) -> Path:
        self.shots += 1
        folder = ARTIFACTS / self.test_name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.shots:02d}-{re.sub(r'[^A-Za-z0-9_-]+', '-', name)}.jpg"
        self.page.screenshot(path=str(path), full_page=True, type="jpeg", quality=80)
        return path

    def axe_violations(self) -> list[dict]:
        # Loaded by URL from the same origin, so the page's CSP (script-src 'self') allows it.
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(url=self.url(AXE_URL))
        result = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {
                    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                    resultTypes: ['violations'],
                });
                return r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
                }));
            }"""
        )
        return [v for v in result if v["impact"] in BLOCKING_IMPACTS]

    def check(self, name: str) -> None:
        """Screenshot the page, then fail on axe violations, console errors or overflow."""
        self.page.wait_for_load_state()
        self.screenshot(name)
        problems = [
            f"axe {v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}"
            for v in self.axe_violations()
        ]
        problems += [f"console: {e}" for e in self.errors]
        self.errors.clear()
        if self.is_phone:
            overflow = self.page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            if overflow > 0:
                problems.append(f"page is {overflow}px wider than the 360px viewport")
        assert not problems, f"page {name!r} ({self.page.url}):\n" + "\n".join(problems)


def _open(browser, live_server, request, *, phone: bool) -> Browsing:
    options: dict[str, Any] = {"locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}
    if phone:
        options |= {"viewport": PHONE, "is_mobile": True, "has_touch": True}
    else:
        options |= {"viewport": DESKTOP}
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name) + ("-phone" if phone else "")
    shutil.rmtree(ARTIFACTS / name, ignore_errors=True)
    browsing = Browsing(context, page, live_server.url, name, phone)

    def on_console(message) -> None:
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            browsing.errors.append(f"{message.text} [{where}]")

    def on_response(response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            browsing.errors.append(f"HTTP {response.status} for {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: browsing.errors.append(f"uncaught: {error}"))
    return browsing


@pytest.fixture
def phone(browser, live_server, request):
    browsing = _open(browser, live_server, request, phone=True)
    yield browsing
    browsing.context.close()


@pytest.fixture
def desktop(browser, live_server, request):
    browsing = _open(browser, live_server, request, phone=False)
    yield browsing
    browsing.context.close()


@pytest.fixture
def desktop2(browser, live_server, request):
    """A second desktop person (another officer) in the same test."""
    browsing = _open(browser, live_server, request, phone=False)
    browsing.test_name += "-2"
    shutil.rmtree(ARTIFACTS / browsing.test_name, ignore_errors=True)
    yield browsing
    browsing.context.close()


_demo_snapshots: dict[tuple, tuple[Any, Path]] = {}  # settings → (database copy, media copy)


@pytest.fixture
def demo_province(transactional_db, settings, tmp_path_factory):
    """The demo province (units, agencies, catalogue, accounts) in the live server's database.

    On SQLite (the test database in memory), the worker loads it once: the database right after
    the first load (SQLite's backup API) and the files it wrote (the blank forms) are kept, and
    each later test gets them back, byte for byte, in place of loading again (~4 s of CPU each).
    Every test still starts from the same state (its database is emptied after it, as before).
    """
    import sqlite3

    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    key = (
        tuple(settings.PASSWORD_HASHERS),
        settings.TINHSO_DEMO_HISTORY,
        settings.TINHSO_DEMO_DOCUMENTS,
        tuple(getattr(settings, "TINHSO_DEMO_LOADERS", ()) or ()),
    )
    media = Path(settings.MEDIA_ROOT)
    if in_memory and key in _demo_snapshots:
        database, files = _demo_snapshots[key]
        connection.ensure_connection()
        database.backup(connection.connection)
        ContentType.objects.clear_cache()  # the flush before made them again, with other ids
        shutil.copytree(files, media, dirs_exist_ok=True)
        return
    call_command("load_demo", "--quiet-accounts", verbosity=0)
    if in_memory:
        database = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(database)
        files = tmp_path_factory.mktemp("demo-media")
        if media.exists():
            shutil.copytree(media, files, dirs_exist_ok=True)
        _demo_snapshots[key] = (database, files)
