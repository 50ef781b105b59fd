"""The province's outline, to refuse reports located outside it.

The official outline when the province has loaded it (``manage.py load_boundaries --file``, a
feature with the province's own code: ``AdministrativeUnit.outline``), else the shipped file
``data/boundary_<province>.geojson`` (a GeoJSON Feature with a Polygon or MultiPolygon). The file
shipped for province 44 is APPROXIMATE (about a kilometre; see its ``note``): it is built by
``scripts/build_basemap.py`` from Natural Earth and OpenStreetMap-derived land. No GIS library is
needed: a ray-casting point-in-polygon test over a few thousand vertices takes well under a
millisecond.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from tinhso.core.maps import province_code

DATA_DIR = Path(__file__).resolve().parent / "data"

Ring = tuple[tuple[float, float], ...]  # (longitude, latitude) pairs, closed


@dataclass(frozen=True)
class Boundary:
    province: str
    name: str
    approximate: bool
    polygons: tuple[tuple[Ring, ...], ...]  # each polygon: outer ring, then holes

    def contains(self, latitude: float | Decimal, longitude: float | Decimal) -> bool:
        lat, lng = float(latitude), float(longitude)
        for rings in self.polygons:
            if _in_ring(lng, lat, rings[0]) and not any(
                _in_ring(lng, lat, hole) for hole in rings[1:]
            ):
                return True
        return False

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(south, west, north, east)."""
        points = [point for rings in self.polygons for point in rings[0]]
        lngs = [p[0] for p in points]
        lats = [p[1] for p in points]
        return min(lats), min(lngs), max(lats), max(lngs)

    @property
    def centre(self) -> tuple[float, float]:
        south, west, north, east = self.bbox
        return (south + north) / 2, (west + east) / 2

    def outer_rings_latlng(self) -> list[list[list[float]]]:
        """Outer rings as [[lat, lng], …] for Leaflet."""
        return [[[p[1], p[0]] for p in rings[0]] for rings in self.polygons]


def _in_ring(x: float, y: float, ring: Ring) -> bool:
    """Ray casting (even–odd rule); points exactly on an edge may fall either way."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


@cache
def load_boundary(code: str) -> Boundary | None:
    path = DATA_DIR / f"boundary_{code}.geojson"
    if not path.exists():
        return None
    return _boundary(code, json.loads(path.read_text("utf-8")), path.name)


def _boundary(code: str, data: dict, origin: str) -> Boundary:
    geometry = data["geometry"] if data.get("type") == "Feature" else data
    if geometry["type"] == "Polygon":
        raw = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        raw = geometry["coordinates"]
    else:
        raise ValueError(f"Unsupported boundary geometry {geometry['type']!r} in {origin}")
    polygons = tuple(
        tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in polygon)
        for polygon in raw
    )
    properties = data.get("properties", {})
    return Boundary(
        province=code,
        name=properties.get("name", code),
        approximate=bool(properties.get("approximate")),
        polygons=polygons,
    )


OFFICIAL_SECONDS = 300  # how long a process keeps the official outline before looking again
_official: dict[str, tuple[float, Boundary | None]] = {}


def official_boundary(code: str) -> Boundary | None:
    """The official outline loaded into the database, re-read every few minutes."""
    kept = _official.get(code)
    if kept is not None and time.monotonic() - kept[0] < OFFICIAL_SECONDS:
        return kept[1]
    from tinhso.core.models import AdministrativeUnit, UnitLevel

    outline = (
        AdministrativeUnit.objects.current()
        .filter(level=UnitLevel.PROVINCE, code=code, outline__isnull=False)
        .values_list("name", "outline")
        .first()
    )
    boundary = (
        _boundary(
            code,
            {"type": "Feature", "properties": {"name": outline[0]}, "geometry": outline[1]},
            "database",
        )
        if outline
        else None
    )
    _official[code] = (time.monotonic(), boundary)
    return boundary


def forget_official_boundary() -> None:
    _official.clear()


def province_boundary() -> Boundary | None:
    """The outline of the province this installation serves (None when none is installed)."""
    code = province_code()
    return official_boundary(code) or load_boundary(code)
