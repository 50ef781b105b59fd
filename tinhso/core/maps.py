"""The maps' data, with nothing fetched from the internet at run time.

Three layers, bottom to top (docs/maps.md):

* street tiles, only when ``TINHSO_MAP_TILE_URL`` names the province's tile server (with
  ``TINHSO_MAP_TILE_ATTRIBUTION``);
* the offline base layer: a static file built at build time by ``scripts/build_basemap.py``
  (``static/maps/basemap_<province>.geojson``: land, the province's and its neighbours' outlines,
  the communes' named points, and its sources and licences);
* the communes as the project knows them (``AdministrativeUnit.latitude/longitude/outline``),
  loaded by ``manage.py load_boundaries``: from the base layer's points by default, or from the
  province's official boundaries (a GeoJSON file).

No GIS library: GeoJSON is checked and a label point computed in plain Python.
"""

from __future__ import annotations

import itertools
import json
import math
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.templatetags.static import static

BASEMAP_DIR = Path(__file__).resolve().parent.parent / "static" / "maps"


def province_code() -> str:
    return str(getattr(settings, "TINHSO_PROVINCE", "") or settings.TINHSO_DEMO_PROVINCE)


def basemap_file(code: str) -> Path:
    return BASEMAP_DIR / f"basemap_{code}.geojson"


@cache
def basemap(code: str) -> dict[str, Any] | None:
    """The offline base layer of a province (None when none was built for it)."""
    path = basemap_file(code)
    if not path.exists():
        return None
    return json.loads(path.read_text("utf-8"))


def basemap_points(code: str) -> list[dict[str, Any]]:
    """The base layer's commune points as GeoJSON features (``properties.code``)."""
    data = basemap(code) or {"features": []}
    return [f for f in data["features"] if f["properties"].get("kind") == "commune"]


def basemap_sources(code: str) -> list[dict[str, str]]:
    return list(((basemap(code) or {}).get("metadata") or {}).get("sources", []))


def attribution(code: str | None = None) -> str:
    """The maps' attribution: the base layer's sources and licences, then the tiles' (if any)."""
    code = code or province_code()
    parts = []
    offline = ((basemap(code) or {}).get("metadata") or {}).get("attribution", "")
    if offline:
        parts.append(offline)
    tiles = getattr(settings, "TINHSO_MAP_TILE_URL", "")
    tile_credit = getattr(settings, "TINHSO_MAP_TILE_ATTRIBUTION", "")
    if tiles and tile_credit:
        parts.append(tile_credit)
    return " · ".join(parts)


def map_attributes() -> dict[str, Any]:
    """Template context shared by every map: where its layers come from, and their credits."""
    from django.urls import reverse

    code = province_code()
    return {
        "map_basemap": static(f"maps/basemap_{code}.geojson") if basemap(code) else "",
        "map_units_url": reverse("map_units"),
        "map_tiles": getattr(settings, "TINHSO_MAP_TILE_URL", ""),
        "map_attribution": attribution(code),
        "map_sources": basemap_sources(code),
        "map_tile_credit": getattr(settings, "TINHSO_MAP_TILE_ATTRIBUTION", "")
        if getattr(settings, "TINHSO_MAP_TILE_URL", "")
        else "",
    }


# --- GeoJSON checks and label points ------------------------------------------------------


class GeometryError(ValueError):
    pass


def _position(value: Any) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise GeometryError("a position is not [longitude, latitude]")
    try:
        lng, lat = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        raise GeometryError("a coordinate is not a number") from None
    if not (math.isfinite(lng) and math.isfinite(lat)) or abs(lng) > 180 or abs(lat) > 90:
        raise GeometryError(
            "coordinates outside longitude/latitude: the file must be in WGS 84 degrees "
            "(EPSG:4326), not a projected system such as VN-2000 in metres"
        )
    return lng, lat


def _ring(value: Any) -> list[list[float]]:
    if not isinstance(value, list) or len(value) < 4:
        raise GeometryError("a ring has fewer than 4 positions")
    ring = [list(_position(p)) for p in value]
    if ring[0] != ring[-1]:
        raise GeometryError("a ring is not closed")
    return ring


def clean_geometry(geometry: Any) -> dict[str, Any]:
    """A Point, Polygon or MultiPolygon with its coordinates checked (floats, WGS 84)."""
    if not isinstance(geometry, dict):
        raise GeometryError("no geometry")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Point":
        return {"type": "Point", "coordinates": list(_position(coordinates))}
    if kind == "Polygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise GeometryError("an empty polygon")
        return {"type": "Polygon", "coordinates": [_ring(r) for r in coordinates]}
    if kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise GeometryError("an empty multipolygon")
        polygons = []
        for polygon in coordinates:
            if not isinstance(polygon, list) or not polygon:
                raise GeometryError("an empty polygon")
            polygons.append([_ring(r) for r in polygon])
        return {"type": "MultiPolygon", "coordinates": polygons}
    raise GeometryError(f"geometry type {kind!r} is not a Point, Polygon or MultiPolygon")


def _outer_rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def _area(ring: list[list[float]]) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))) / 2


def label_point(geometry: dict[str, Any]) -> tuple[float, float]:
    """(latitude, longitude) inside a polygon: on the horizontal line through the largest
    ring's vertex-mean latitude, the middle of the widest stretch inside that ring. For a Point,
    the point."""
    if geometry["type"] == "Point":
        lng, lat = geometry["coordinates"][:2]
        return lat, lng
    ring = max(_outer_rings(geometry), key=_area)
    lats = sorted(p[1] for p in ring)
    y = (lats[0] + lats[-1]) / 2
    # Nudge off any vertex latitude so every crossing is a proper one.
    while any(abs(p[1] - y) < 1e-12 for p in ring):
        y += 1e-9
    crossings = sorted(
        a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
        for a, b in itertools.pairwise(ring)
        if (a[1] > y) != (b[1] > y)
    )
    stretches = list(zip(crossings[::2], crossings[1::2], strict=False))
    west, east = max(stretches, key=lambda s: s[1] - s[0])
    return y, (west + east) / 2


def as_decimal(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


# --- the communes layer served to the maps -----------------------------------------------


def units_layer(code: str | None = None) -> dict[str, Any]:
    """The province's current communes as a GeoJSON FeatureCollection: the official outline
    when one is loaded, else the point; ``label`` is [lat, lng] for the name."""
    from .models import AdministrativeUnit, UnitLevel

    code = code or province_code()
    features = []
    units = AdministrativeUnit.objects.current().filter(
        level__in=[UnitLevel.COMMUNE, UnitLevel.PROVINCE]
    )
    units = units.filter(parent__code=code, parent__level=UnitLevel.PROVINCE) | units.filter(
        code=code, level=UnitLevel.PROVINCE
    )
    for unit in units.order_by("level", "code"):
        if unit.latitude is None and not unit.outline:
            continue
        label = (
            [float(unit.latitude), float(unit.longitude)]
            if unit.latitude is not None
            else list(label_point(unit.outline))
        )
        geometry = unit.outline or {"type": "Point", "coordinates": [label[1], label[0]]}
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "kind": "province" if unit.level == UnitLevel.PROVINCE else "commune",
                    "code": unit.code,
                    "name": unit.name,
                    "label": label,
                    "official": bool(unit.outline),
                },
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def unit_points(codes: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """(latitude, longitude) of the current communes that have a point, by code."""
    from .models import AdministrativeUnit, UnitLevel

    qs = AdministrativeUnit.objects.current().filter(
        level=UnitLevel.COMMUNE, latitude__isnull=False
    )
    if codes is not None:
        qs = qs.filter(code__in=codes)
    return {
        code: (float(lat), float(lng))
        for code, lat, lng in qs.values_list("code", "latitude", "longitude")
    }
