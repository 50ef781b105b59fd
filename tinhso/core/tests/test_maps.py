"""Issue 18 point 2: the maps' offline base layer (static/maps/basemap_44.geojson, built by
scripts/build_basemap.py), the communes' points and official boundaries (load_boundaries), and
the pages that draw them with their sources and licences."""

from __future__ import annotations

import json
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from tinhso.core.maps import basemap, basemap_file, label_point, units_layer
from tinhso.core.models import AdministrativeUnit
from tinhso.feedback.boundary import (
    _boundary,
    forget_official_boundary,
    load_boundary,
    province_boundary,
)

LAYER = basemap("44")


def features(kind: str) -> list[dict]:
    return [f for f in LAYER["features"] if f["properties"]["kind"] == kind]


def project_communes() -> dict[str, str]:
    from vietnam_provinces import Province, ProvinceCode, Ward

    province = Province.from_code(ProvinceCode(44))
    return {f"{int(w.code):05d}": w.name for w in Ward.iter_by_province(province.code)}


# --- the build's output ---------------------------------------------------------------------


def test_the_layer_has_the_78_named_communes_inside_the_province():
    communes = {f["properties"]["code"]: f for f in features("commune")}
    assert {code: f["properties"]["name"] for code, f in communes.items()} == project_communes()
    assert len(communes) == 78
    (outline,) = features("province")
    province = _boundary("44", outline, "layer")
    shipped = load_boundary("44")  # the outline that refuses reports outside the province
    for code, feature in communes.items():
        lng, lat = feature["geometry"]["coordinates"]
        assert province.contains(lat, lng), code
        assert shipped.contains(lat, lng), code
    # Phong Nha is 19165 in the project (19138 in vietnamadminunits): the project's code is kept.
    assert communes["19165"]["properties"]["name"] == "Xã Phong Nha"
    assert any("19138" in note for note in LAYER["metadata"]["code_notes"])


def test_the_layer_has_land_neighbours_and_its_sources_and_licences():
    countries = {f["properties"]["country"] for f in features("land")}
    assert {"VNM", "LAO"} <= countries
    neighbours = {f["properties"]["name"] for f in features("neighbour")}
    assert {"Hà Tĩnh", "Thành phố Huế", "Khammouan (Lào)", "Savannakhet (Lào)"} <= neighbours
    metadata = LAYER["metadata"]
    licences = " ".join(source["licence"] for source in metadata["sources"])
    assert "ODbL" in licences and "public domain" in licences and "MIT" in licences
    assert "OpenStreetMap" in metadata["attribution"] and "ODbL" in metadata["attribution"]
    # A static file, small enough for a phone: under 150 KB (about 33 KB gzipped).
    assert basemap_file("44").stat().st_size < 150_000
    assert finders.find("maps/basemap_44.geojson")


def test_the_province_outline_is_not_the_hand_drawn_one():
    boundary = load_boundary("44")
    assert boundary.approximate
    note = json.loads(
        (basemap_file("44").parents[2] / "feedback" / "data" / "boundary_44.geojson").read_text()
    )["properties"]["note"]
    assert "Natural Earth" in note and "OpenStreetMap" in note
    assert sum(len(rings[0]) for rings in boundary.polygons) > 500  # not a few dozen clicks
    assert len(boundary.polygons) == 2  # the mainland and Cồn Cỏ island


def test_a_label_point_lies_inside_a_concave_polygon():
    # A "C" shape: its box's centre is outside it.
    ring = [[0, 0], [3, 0], [3, 1], [1, 1], [1, 2], [3, 2], [3, 3], [0, 3], [0, 0]]
    lat, lng = label_point({"type": "Polygon", "coordinates": [ring]})
    assert _boundary("x", {"type": "Polygon", "coordinates": [ring]}, "t").contains(lat, lng)


# --- the communes' places in the database -----------------------------------------------------


@pytest.mark.django_db
def test_load_boundaries_sets_every_communes_point_once(province44):
    call_command("load_boundaries", province="44", verbosity=0)
    communes = AdministrativeUnit.objects.current().filter(parent=province44)
    assert communes.count() == 78
    assert not communes.filter(latitude__isnull=True).exists()
    dong_hoi = communes.get(code="18880")
    assert (dong_hoi.latitude, dong_hoi.longitude) == (Decimal("17.452200"), Decimal("106.632000"))
    assert "approximate" in dong_hoi.geometry_source and dong_hoi.outline is None
    # Idempotent: a second run changes nothing.
    from tinhso.core.services import units_load_basemap_points

    report = units_load_basemap_points(province_code="44")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 78)


def square(lng: float, lat: float, size: float = 0.02) -> list[list[list[float]]]:
    return [
        [
            [lng, lat],
            [lng + size, lat],
            [lng + size, lat + size],
            [lng, lat + size],
            [lng, lat],
        ]
    ]


@pytest.fixture
def official_file(tmp_path):
    """Official boundaries as a province might export them: its own property name for the code,
    numbers as numbers, one commune and the province's own outline."""
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"ma_xa": 18880, "ten": "Phường Đồng Hới"},
                "geometry": {"type": "Polygon", "coordinates": square(106.60, 17.44)},
            },
            {
                "type": "Feature",
                "properties": {"ma_xa": "44", "ten": "Tỉnh Quảng Trị"},
                "geometry": {"type": "MultiPolygon", "coordinates": [square(105.6, 16.3, 1.8)]},
            },
        ],
    }
    path = tmp_path / "ranh_gioi_44.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    yield path
    forget_official_boundary()


@pytest.mark.pg  # JSON outlines and SQL NULL on both databases
@pytest.mark.django_db
def test_official_boundaries_replace_the_approximate_ones(province44, official_file, client):
    call_command("load_boundaries", verbosity=0)
    call_command("load_boundaries", file=official_file, code_property="ma_xa", verbosity=0)
    dong_hoi = AdministrativeUnit.objects.get(code="18880", valid_to__isnull=True)
    assert dong_hoi.outline["type"] == "Polygon" and dong_hoi.geometry_source == official_file.name
    assert (dong_hoi.latitude, dong_hoi.longitude) == (Decimal("17.450000"), Decimal("106.610000"))
    # Reloading the approximate points leaves the official ones alone.
    call_command("load_boundaries", verbosity=0)
    dong_hoi.refresh_from_db()
    assert dong_hoi.outline is not None and dong_hoi.latitude == Decimal("17.450000")
    # The maps get the outline; the feedback check uses the province's official outline.
    response = client.get(reverse("map_units"))
    assert response["Content-Type"] == "application/geo+json"
    assert "public" in response["Cache-Control"]
    layer = response.json()
    by_code = {f["properties"]["code"]: f for f in layer["features"]}
    assert len(by_code) == 79  # 78 communes and the province
    assert by_code["18880"]["geometry"]["type"] == "Polygon"
    assert by_code["18880"]["properties"]["official"] is True
    assert by_code["19165"]["geometry"]["type"] == "Point"
    assert by_code["44"]["properties"]["kind"] == "province"
    forget_official_boundary()
    boundary = province_boundary()
    assert not boundary.approximate
    assert boundary.bbox == pytest.approx((16.3, 105.6, 18.1, 107.4))


@pytest.mark.pg
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("feature", "problem"),
    [
        ({"properties": {"code": "99999"}, "geometry": None}, "99999"),
        (
            {
                "properties": {"code": "18880"},
                "geometry": {"type": "Polygon", "coordinates": square(600000, 1900000)},
            },
            "WGS 84",
        ),
        (
            {
                "properties": {"code": "18880"},
                "geometry": {"type": "LineString", "coordinates": [[106, 17], [106.1, 17]]},
            },
            "LineString",
        ),
        (
            {
                "properties": {"code": "18880"},
                "geometry": {"type": "Polygon", "coordinates": [[[106, 17], [106.1, 17]]]},
            },
            "ring",
        ),
    ],
)
def test_a_bad_official_file_loads_nothing(province44, tmp_path, feature, problem):
    good = {
        "type": "Feature",
        "properties": {"code": "18859"},
        "geometry": {"type": "Polygon", "coordinates": square(106.58, 17.48)},
    }
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [good, feature]}))
    with pytest.raises(CommandError) as caught:
        call_command("load_boundaries", file=path, verbosity=0)
    assert problem in str(caught.value)
    assert not AdministrativeUnit.objects.filter(outline__isnull=False).exists()
    assert not AdministrativeUnit.objects.filter(latitude__isnull=False).exists()


@pytest.mark.django_db
def test_the_communes_layer_lists_the_points(province44):
    call_command("load_boundaries", verbosity=0)
    layer = units_layer("44")
    assert len(layer["features"]) == 78
    assert all(f["geometry"]["type"] == "Point" for f in layer["features"])
    names = {f["properties"]["name"] for f in layer["features"]}
    assert "Đặc khu Cồn Cỏ" in names


# --- the pages --------------------------------------------------------------------------------


def map_element(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[html.rindex("<div", 0, start) : html.index(">", start)]


@pytest.mark.django_db
def test_the_public_feedback_map_serves_the_layer_and_its_licences(province44, settings):
    settings.TINHSO_MAP_TILE_URL = ""
    html = Client().get(reverse("feedback:list")).content.decode()
    element = unescape(map_element(html, "data-fb-map"))
    assert 'data-basemap="/static/maps/basemap_44.geojson"' in element
    assert f'data-units="{reverse("map_units")}"' in element
    assert 'data-tiles=""' in element
    assert "© OpenStreetMap contributors, ODbL 1.0" in element  # the map's corner
    sources = unescape(html[html.index('data-testid="map-sources"') :].split("</p>")[0])
    assert "ODbL 1.0" in sources and "public domain" in sources and "MIT" in sources


@pytest.mark.django_db
def test_street_tiles_come_from_the_provinces_server_with_its_credit(province44, settings):
    settings.TINHSO_MAP_TILE_URL = "https://tiles.example.gov.vn/{z}/{x}/{y}.png"
    settings.TINHSO_MAP_TILE_ATTRIBUTION = "© Sở Nông nghiệp và Môi trường"
    html = unescape(Client().get(reverse("feedback:list")).content.decode())
    element = map_element(html, "data-fb-map")
    assert 'data-tiles="https://tiles.example.gov.vn/{z}/{x}/{y}.png"' in element
    assert "vietnamadminunits (MIT) · © Sở Nông nghiệp và Môi trường" in element
    assert "© Sở Nông nghiệp và Môi trường" in html[html.index('data-testid="map-sources"') :]
