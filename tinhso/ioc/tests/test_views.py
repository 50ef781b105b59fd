"""The operations-centre pages through Django's test client, on the hand-built province of
``test_indicators`` (figures computed by hand there): access, the figures each page shows, a
wrong period, the htmx refresh, the XLSX export."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tinhso.core.periods import Period
from tinhso.core.templatetags.tinhso_format import vndatetime
from tinhso.dossiers.models import Channel, State
from tinhso.ioc import presentation as p
from tinhso.ioc.indicators import HEADLINE, INDICATORS, NOT_MEASURED
from tinhso.ioc.selectors.overviews import agency_overview, commune_overview, province_overview
from tinhso.testing.factories import client_for

from .test_indicators import Q1, province  # noqa: F401  (the hand-built province fixture)

pytestmark = pytest.mark.django_db

QUERY = "?period=2026-Q1"


def pages(province) -> list[str]:  # noqa: F811
    return [
        reverse("ioc:province"),
        reverse("ioc:agency", args=[province.a.pk]),
        reverse("ioc:commune", args=[province.commune_a.pk]),
        reverse("ioc:export_xlsx"),
    ]


def text_of(response) -> str:
    return response.content.decode()


def tile(html: str, key: str) -> tuple[str, str]:
    """(data-value, shown text) of a headline tile."""
    match = re.search(
        rf'data-testid="tile-{key}" data-value="([^"]*)">.*?data-testid="tile-value">([^<]*)<',
        html,
        re.S,
    )
    assert match, f"no tile {key}"
    return match.group(1), match.group(2)


# --- access -------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(province):  # noqa: F811
    for url in pages(province):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("portal:login")), url


def test_anonymous_htmx_refresh_reloads_the_page(province):  # noqa: F811
    response = Client().get(reverse("ioc:province"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"


def test_only_province_wide_roles_get_in(province):  # noqa: F811
    world = province.world
    for user in (world.citizen, world.desk, world.leader, world.outsider):
        client = client_for(user)
        for url in pages(province):
            assert client.get(url).status_code == 404, (user.username, url)
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    for user in (province.viewer, admin):
        client = client_for(user)
        for url in pages(province):
            assert client.get(url + QUERY).status_code == 200, (user.username, url)


def test_navigation_link_only_for_the_operations_centre(province):  # noqa: F811
    link = f'href="{reverse("ioc:province")}"'
    assert link in text_of(client_for(province.viewer).get(reverse("portal:procedures")))
    assert link not in text_of(client_for(province.world.desk).get(reverse("portal:procedures")))
    assert link not in text_of(client_for(province.world.citizen).get(reverse("portal:procedures")))
    assert link not in text_of(Client().get(reverse("portal:procedures")))


def test_unknown_agency_or_commune_is_404(province):  # noqa: F811
    client = client_for(province.viewer)
    assert client.get(reverse("ioc:agency", args=[10**9])).status_code == 404
    assert client.get(reverse("ioc:commune", args=[10**9])).status_code == 404
    # The province is not a commune.
    assert client.get(reverse("ioc:commune", args=[province.world.province.pk])).status_code == 404


# --- the figures ----------------------------------------------------------------------------------


def test_province_page_shows_the_selectors_figures(province):  # noqa: F811
    response = client_for(province.viewer).get(reverse("ioc:province") + QUERY)
    assert response.status_code == 200
    html = text_of(response)
    data = province_overview(user=province.viewer, period=Q1)
    assert Q1.label in html
    for key in HEADLINE:
        value = data["indicators"][key]["value"]
        shown_value, shown = tile(html, key)
        assert shown == p.fmt(value, INDICATORS[key].kind), key
        assert (float(shown_value) if shown_value else None) == (
            pytest.approx(value) if value is not None else None
        ), key
    # Figures computed by hand in test_indicators: 7 received, 2 of 3 on time, 10/3 days.
    assert tile(html, "received_total")[1] == "7"
    assert tile(html, "on_time_rate")[1] == "66,7%"
    assert tile(html, "avg_processing_days")[1] == "3,3"
    assert tile(html, "overdue_now")[1] == "1"
    # The 766 ranking links every agency with dossiers to its page, with the period.
    for row in data["ranking"]:
        assert f'href="{reverse("ioc:agency", args=[row["id"]])}{QUERY}"' in html
        assert p.fmt_points(row["index_766"]) in html
    # Communes: each links to its page; both have an approximate point on the map.
    for row in data["communes"]:
        assert f'href="{reverse("ioc:commune", args=[row["id"]])}{QUERY}"' in html
    markers = json.loads(unescape(re.search(r'data-markers="([^"]*)"', html).group(1)))
    assert 'data-basemap="/static/maps/basemap_44.geojson"' in html  # the offline base layer
    sources = unescape(html[html.index('data-testid="map-sources"') :].split("</p>")[0])
    assert "ODbL 1.0" in sources and "public domain" in sources
    by_id = {m["id"]: m for m in markers}
    assert by_id[province.commune_a.pk]["received"] == 4
    assert by_id[province.commune_a.pk]["overdue"] == 1
    assert by_id[province.commune_b.pk]["received"] == 1
    # Not measured: the indicators the platform has no source for.
    for label in NOT_MEASURED.values():
        assert str(label) in html
    assert 'data-tiles=""' in html  # no tile server configured: nothing fetched
    refreshed = re.search(r'data-testid="refreshed">([^<]*)<', html).group(1)
    assert vndatetime(data["refreshed_at"]) in refreshed


def test_the_map_uses_the_configured_tile_server(province, settings):  # noqa: F811
    settings.TINHSO_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = text_of(client_for(province.viewer).get(reverse("ioc:province") + QUERY))
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in html


def test_plan_targets_show_a_text_label_with_the_light(province):  # noqa: F811
    from decimal import Decimal

    from tinhso.ioc.models import Plan, PlanTarget

    plan = Plan.objects.create(name="Kế hoạch thử", year=2026)
    PlanTarget.objects.create(
        plan=plan, title="Hài lòng", indicator="satisfaction_rate", year=2026, value=Decimal("0.5")
    )
    PlanTarget.objects.create(
        plan=plan, title="Xác thực", indicator="e_authenticated_share", year=2026, value=1
    )
    html = text_of(client_for(province.viewer).get(reverse("ioc:province") + QUERY))
    met = re.search(r'data-light="green">.*?Hài lòng.*?ioc-light-green">([^<]+)<', html, re.S)
    assert met and met.group(1) == p.light_label("green")
    grey = re.search(r'data-light="grey">.*?Xác thực.*?ioc-light-grey">([^<]+)<', html, re.S)
    assert grey and grey.group(1) == p.light_label("grey")
    assert "≥ 50,0%" in html


def test_agency_page(province):  # noqa: F811
    url = reverse("ioc:agency", args=[province.a.pk]) + QUERY
    html = text_of(client_for(province.viewer).get(url))
    data = agency_overview(user=province.viewer, agency_id=province.a.pk, period=Q1)
    assert tile(html, "received_total")[1] == "4"
    assert tile(html, "on_time_rate")[1] == "50,0%"
    # Every 766 indicator, measured or not (with the reason).
    for row in p.index_rows(data["index_766"]):
        assert f'data-testid="index-{row["code"]}"' in html
        if not row["measured"]:
            assert row["note"].replace("'", "&#x27;") in html
    # The busiest procedures, the way back and the commune of this committee.
    assert province.p1.name in html
    assert f'href="{reverse("ioc:province")}{QUERY}"' in html
    assert f'href="{reverse("ioc:commune", args=[province.commune_a.pk])}{QUERY}"' in html


def test_department_page_has_no_commune_link(province):  # noqa: F811
    url = reverse("ioc:agency", args=[province.d.pk]) + QUERY
    html = text_of(client_for(province.viewer).get(url))
    assert tile(html, "received_total")[1] == "2"
    assert 'data-testid="commune-link"' not in html


def test_commune_page_lists_former_agencies_with_dates(province):  # noqa: F811
    url = reverse("ioc:commune", args=[province.commune_a.pk]) + "?period=2025"
    html = text_of(client_for(province.viewer).get(url))
    data = commune_overview(
        user=province.viewer, unit_id=province.commune_a.pk, period=Period.year(2025)
    )
    assert tile(html, "received_total")[1] == "1"
    assert tile(html, "on_time_rate")[1] == "100,0%"
    assert {row["id"] for row in data["agencies"]} == {province.a.pk, province.f.pk}
    assert province.f.name in html and province.a.name in html
    assert "01/01/2008 – 30/06/2025" in html  # the former commune's validity
    assert "Xã Cũ" in html
    assert f'href="{reverse("ioc:agency", args=[province.f.pk])}?period=2025"' in html


def test_trend_has_twelve_months_as_chart_data_and_as_a_table(province):  # noqa: F811
    html = text_of(client_for(province.viewer).get(reverse("ioc:province") + QUERY))
    trend = json.loads(unescape(re.search(r'data-trend="([^"]*)"', html).group(1)))
    assert len(trend["months"]) == 12 and trend["months"][-1] == "03/2026"
    assert trend["online"][-1] == 3 and trend["counter"][-1] == 3 and trend["post"][-1] == 1
    assert 'data-ioc-chart="channels"' in html and 'data-ioc-chart="rates"' in html
    assert html.count("data-ioc-png=") == 2
    assert '<th scope="row">03/2026</th>' in html


# --- periods, refresh, export ------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["2026-13", "abc", "1999"])
def test_a_wrong_period_is_explained_and_this_year_shown(province, bad):  # noqa: F811
    client = client_for(province.viewer)
    for url in (
        reverse("ioc:province"),
        reverse("ioc:agency", args=[province.a.pk]),
        reverse("ioc:commune", args=[province.commune_a.pk]),
        reverse("ioc:export_xlsx"),
    ):
        response = client.get(url, {"period": bad})
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html"), url
        html = text_of(response)
        assert 'data-testid="period-error"' in html, url
        assert Period.parse(None).label in html, url


def test_htmx_refresh_returns_the_figures_block_alone(province):  # noqa: F811
    client = client_for(province.viewer)
    for url in (
        reverse("ioc:province"),
        reverse("ioc:agency", args=[province.a.pk]),
        reverse("ioc:commune", args=[province.commune_a.pk]),
    ):
        response = client.get(url + QUERY, headers={"HX-Request": "true"})
        html = text_of(response)
        assert response.status_code == 200
        assert "HX-Request" in response["Vary"]
        assert html.lstrip().startswith('<div id="ioc-live"'), url
        assert "<html" not in html and "<form" not in html
        assert f'hx-get="{url}{QUERY}"' in html and 'hx-trigger="every 60s"' in html
        assert tile(html, "received_total")[0] != ""
    full = text_of(client.get(reverse("ioc:province") + QUERY))
    assert 'id="ioc-live"' in full and 'hx-preserve="true"' in full


def test_xlsx_export_holds_the_indicators(province):  # noqa: F811
    response = client_for(province.viewer).get(reverse("ioc:export_xlsx") + QUERY)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="dieu-hanh-2026-Q1.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    rows = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[str(INDICATORS["received_total"].label)] == 7
    assert rows[str(INDICATORS["on_time_rate"].label)] == pytest.approx(2 / 3)
    assert len(workbook.worksheets) >= 4  # indicators, 766 index, agencies, communes, plans


# --- presentation -------------------------------------------------------------------------------


def test_figures_are_shown_the_vietnamese_way():
    assert p.fmt(12345, "count") == "12.345"
    assert p.fmt(2 / 3, "percent") == "66,7%"
    assert p.fmt(1, "percent") == "100,0%"
    assert p.fmt(7.26, "days") == "7,3"
    assert p.fmt(None, "percent") == p.no_data() == p.fmt(None, "count")
    assert len({p.light_label(light) for light in ("green", "amber", "red", "grey")}) == 4


def test_ranking_share_of_the_points_measured():
    row = {"id": 1, "code": "X", "name": "A", "values": {}, "received": 3, "index_766": 45.0}
    data = {"ranking": [{**row, "index_766_measured_max": 60.0}, {**row, "id": 2}]}
    first, second = p.ranking(data)
    assert (first["rank"], first["points_display"], first["share_display"]) == (1, "45,0", "75,0%")
    assert second["share_display"] == "–"  # the selector did not say what was measurable


# --- speed: a bounded number of queries, figures kept per roll-up version ------------------------

# The province page's queries, whatever the size of the province: the session, the user and their
# roles, the navigation's counts, the working calendar's version, then the figures (structure,
# roll-ups, live counts, catalogue, 766 indicators, trend, plans, the document system's roll-up).
# Measured: 22 here (23 when the document shares were two live scans of the documents); a query
# per agency or commune would pass the bound.
PROVINCE_PAGE_MAX_QUERIES = 24
# With the figures kept: the session, the user, roles, the navigation and the roll-ups' version
# (measured: 8).
KEPT_PAGE_MAX_QUERIES = 9


def test_province_page_runs_a_bounded_number_of_queries(
    province,  # noqa: F811
    django_assert_max_num_queries,
):
    client = client_for(province.viewer)
    client.get(reverse("ioc:province") + QUERY)  # the process's first page (calendar, …)
    with django_assert_max_num_queries(PROVINCE_PAGE_MAX_QUERIES):
        assert client.get(reverse("ioc:province") + QUERY).status_code == 200


def test_figures_are_kept_per_rollup_version(
    province,  # noqa: F811
    settings,
    django_assert_max_num_queries,
):
    from django.core.cache import cache

    from tinhso.ioc import rollup

    from .test_indicators import at

    settings.TINHSO_IOC_CACHE_SECONDS = 60
    cache.clear()
    client = client_for(province.viewer)
    url = reverse("ioc:province") + QUERY
    first = text_of(client.get(url))
    assert tile(first, "received_total")[1] == "7"
    with django_assert_max_num_queries(KEPT_PAGE_MAX_QUERIES):
        again = text_of(client.get(url))
    strip = lambda html: re.sub(r'(X-CSRFToken": |csrfmiddlewaretoken" value=)"[^"]*"', "", html)  # noqa: E731
    assert strip(again) == strip(first)
    live = client.get(url, headers={"HX-Request": "true"})
    assert text_of(live).strip().startswith('<div id="ioc-live"')
    assert text_of(live) in again
    # Another period is kept apart.
    assert (
        tile(text_of(client.get(reverse("ioc:province") + "?period=2025")), "received_total")[1]
        == "1"
    )
    # A new dossier counts once the roll-ups are refreshed: a new version, computed again.
    province.dossier(province.a, Channel.COUNTER, submitted_at=at(3, 12), state=State.SUBMITTED)
    assert tile(text_of(client.get(url)), "received_total")[1] == "7"  # kept: not refreshed yet
    rollup.rebuild()
    assert tile(text_of(client.get(url)), "received_total")[1] == "8"
    cache.clear()
