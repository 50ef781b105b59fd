"""The operations centre in a real browser: the demo's IOC account opens the province overview,
drills down to an agency and its commune, and every page shows the figures the JSON API gives
(fetched with the same browser session); the charts download as PNG, the overview as XLSX, the
figures block refreshes through htmx without breaking the charts, and the overview fits a phone.
Elements are found by test ids and data attributes, not by their text."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from tinhso.ioc import presentation as p
from tinhso.ioc.indicators import INDICATORS

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMPARED = ("received_total", "on_time_rate", "online_share", "overdue_now")


@pytest.fixture
def demo_ioc(demo_province, settings):
    """The demo province with a synthetic history of dossiers, rolled up."""
    from tinhso.ioc.models import DailyStat, ServiceIndexIndicator
    from tinhso.ioc.services import load_index_766

    if not ServiceIndexIndicator.objects.exists():  # data of a migration: gone after a flush
        load_index_766()
    if not DailyStat.objects.exists():
        call_command("load_demo_ioc", province="44", history=2000, verbosity=0)
    settings.TINHSO_MAP_TILE_URL = ""  # no tile server: nothing may be fetched from outside


def wait_for_charts(page) -> None:
    page.locator("#chart-channels canvas").first.wait_for()
    page.locator("#chart-rates canvas").first.wait_for()


def api(browsing, path: str) -> dict:
    response = browsing.page.request.get(browsing.url(path))
    assert response.ok, (path, response.status)
    return response.json()


def assert_tiles_match(page, data: dict) -> None:
    """The tiles show the API's figures: the raw value and the formatted text."""
    for key in COMPARED:
        expected = data["indicators"][key]["value"]
        tile = page.locator(f'[data-testid="tile-{key}"]')
        raw = tile.get_attribute("data-value")
        if expected is None:
            assert raw == "", key
        else:
            assert float(raw) == pytest.approx(expected), key
        shown = tile.locator('[data-testid="tile-value"]').inner_text().strip()
        assert shown == p.fmt(expected, INDICATORS[key].kind), key


def test_drill_down_from_the_province_to_a_commune(desktop, demo_ioc):
    page = desktop.page
    desktop.login("ioc")
    page.wait_for_url("**/dieu-hanh/")  # the account lands on the operations centre
    # The navigation offers the operations centre to this account.
    page.locator('header a[href="/dieu-hanh/"]').click()
    page.wait_for_url("**/dieu-hanh/")
    wait_for_charts(page)
    page.locator("#ioc-map path.leaflet-interactive").first.wait_for()  # commune markers
    desktop.check("province")

    overview = api(desktop, "/api/ioc/overview")
    assert overview["indicators"]["received_total"]["value"] > 0
    assert_tiles_match(page, overview)
    assert page.locator('[data-testid="ranking"] tbody tr').count() == len(overview["ranking"])
    assert page.locator('[data-testid="communes"] tbody tr').count() == len(overview["communes"])
    # The map draws no tiles (none configured) but one marker per commune with a point.
    assert page.locator("#ioc-map img.leaflet-tile").count() == 0
    with_point = page.locator('[data-testid="communes"] tbody tr:not(:has(.badge))').count()
    assert page.locator("#ioc-map path.leaflet-interactive").count() == with_point > 0
    # Every commune has its point, on the offline base layer (issue 18 point 2).
    assert with_point == len(overview["communes"]) == 78
    page.locator("#ioc-map[data-basemap-ready][data-units-ready='78']").wait_for()
    assert page.locator("#ioc-map path.ts-land").count() >= 2

    # The refresh swaps the figures block; the charts are drawn again, the map is kept.
    map_before = page.locator("#ioc-map").evaluate("el => el.iocMap !== undefined")
    with page.expect_response(
        lambda r: "/dieu-hanh/" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.locator('[data-testid="refresh-now"]').click()
    page.wait_for_function(
        "() => document.querySelector('#chart-channels').iocChart"
        " && document.querySelector('#chart-channels canvas')"
    )
    wait_for_charts(page)
    assert map_before and page.locator("#ioc-map").evaluate("el => el.iocMap !== undefined")
    assert page.locator("#ioc-map path.leaflet-interactive").count() == with_point
    assert_tiles_match(page, overview)
    assert page.locator('[data-testid="map-sources"]').is_visible()  # the licences stay shown
    desktop.check("province-refreshed")

    # The automatic refresh can be paused (and skips while the focus is inside the block).
    poll_cancelled = """() => {
        const live = document.getElementById('ioc-live');
        const event = new CustomEvent('htmx:beforeRequest',
            {bubbles: true, cancelable: true, detail: {elt: live}});
        live.dispatchEvent(event);
        return event.defaultPrevented;
    }"""
    pause = page.locator('[data-testid="pause-refresh"]')
    assert pause.get_attribute("aria-pressed") == "false"
    assert page.evaluate(poll_cancelled) is False
    pause.click()
    assert pause.get_attribute("aria-pressed") == "true"
    assert page.evaluate(poll_cancelled) is True
    pause.click()
    page.locator('[data-testid="communes"] a').first.focus()
    assert page.evaluate(poll_cancelled) is True
    pause.focus()
    assert page.evaluate(poll_cancelled) is False

    # A chart as a PNG image.
    with page.expect_download() as download:
        page.locator('[data-testid="png-channels"]').click()
    assert download.value.suggested_filename.endswith(".png")
    with open(download.value.path(), "rb") as image:
        assert image.read(8) == PNG_SIGNATURE
    with page.expect_download() as download:
        page.locator('[data-testid="png-rates"]').click()
    with open(download.value.path(), "rb") as image:
        assert image.read(8) == PNG_SIGNATURE

    # The overview as a workbook: the indicators with the API's values.
    href = page.locator('[data-testid="export-xlsx"]').get_attribute("href")
    response = page.request.get(desktop.url(href))
    assert response.ok
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.body())).worksheets[0]
    cells = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    for key in COMPARED:
        label = overview["indicators"][key]["label"]
        assert cells[label] == pytest.approx(overview["indicators"][key]["value"]), key

    # Drill down: a commune's committee from the ranking …
    row = next(r for r in overview["ranking"] if r["commune_id"])
    page.locator(f'tr[data-agency="{row["id"]}"] a[data-testid="agency-link"]').click()
    page.wait_for_url(re.compile(rf"/dieu-hanh/co-quan/{row['id']}/\?period="))
    wait_for_charts(page)
    desktop.check("agency")
    agency = api(desktop, f"/api/ioc/agencies/{row['id']}")
    assert agency["indicators"]["received_total"]["value"] == row["received"]
    assert_tiles_match(page, agency)
    assert page.locator('tr[data-testid^="index-"]').count() == len(
        agency["index_766"]["indicators"]
    )

    # … then its commune.
    page.locator('[data-testid="commune-link"]').click()
    page.wait_for_url(re.compile(rf"/dieu-hanh/xa/{row['commune_id']}/\?period="))
    wait_for_charts(page)
    desktop.check("commune")
    commune = api(desktop, f"/api/ioc/communes/{row['commune_id']}")
    assert_tiles_match(page, commune)
    assert page.locator(f'[data-testid="agencies"] tr[data-agency="{row["id"]}"]').count() == 1

    # And back to the province, for the same period.
    page.locator('[data-testid="back-to-province"]').click()
    page.wait_for_url(re.compile(r"/dieu-hanh/\?period="))
    wait_for_charts(page)
    assert_tiles_match(page, overview)

    # The wall screen, on a display token with no login session, fills 1920×1080 exactly.
    from tinhso.ioc.services import display_token_create

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.locator('[data-testid="wall-link"]').click()
    page.wait_for_url("**/dieu-hanh/man-hinh/")
    desktop.context.clear_cookies()
    desktop.goto(f"/dieu-hanh/man-hinh/?kiosk={display_token_create(name='Màn hình IOC')}")
    page.locator("#ioc-map path.leaflet-interactive").first.wait_for()
    assert_tiles_match(page, overview)
    assert page.evaluate("() => document.documentElement.scrollHeight <= window.innerHeight")
    sizes = page.evaluate("""() => [
        '[data-testid="tile-received_total"] [data-testid="tile-value"]', '.ioc-wall-label',
    ].map(s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))""")
    assert sizes[0] >= 48 and sizes[1] >= 20, sizes
    assert page.locator("nav, header.site-header").count() == 0  # kiosk: no navigation
    desktop.check("wall")


def test_a_wrong_period_and_another_period(desktop, demo_ioc):
    page = desktop.page
    desktop.login("ioc")
    desktop.goto("/dieu-hanh/?period=2026-13")
    assert page.locator('[data-testid="period-error"]').is_visible()
    wait_for_charts(page)
    desktop.check("wrong-period")
    # The picker (a plain form) chooses a quarter; the figures follow the API's for it.
    key = page.locator("#ioc-period optgroup:nth-of-type(2) option").first.get_attribute("value")
    page.select_option("#ioc-period", key)
    page.locator("form.ioc-period button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/dieu-hanh/\?period={key}$"))
    wait_for_charts(page)
    assert_tiles_match(page, api(desktop, f"/api/ioc/overview?period={key}"))


def test_overview_on_a_phone(phone, demo_ioc):
    page = phone.page
    phone.login("ioc")
    phone.goto("/dieu-hanh/")
    wait_for_charts(page)
    page.locator("#ioc-map path.leaflet-interactive").first.wait_for()
    phone.check("province-phone")
