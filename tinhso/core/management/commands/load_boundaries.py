import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.maps import basemap, province_code
from tinhso.core.services import units_load_basemap_points, units_load_geometry


class Command(BaseCommand):
    help = (
        "Set where the province's communes lie on the maps: by default their approximate points "
        "from the offline base layer (static/maps/basemap_<province>.geojson); with --file, the "
        "province's official boundaries (a GeoJSON FeatureCollection in WGS 84 whose features "
        "carry the commune code, and optionally the province's own outline). Idempotent; an "
        "unknown code or a bad geometry loads nothing. See docs/maps.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", default="", help="2-digit code (default: this site's)")
        parser.add_argument("--file", type=Path, help="official boundaries, GeoJSON (WGS 84)")
        parser.add_argument(
            "--code-property",
            default="code",
            help="the feature property that holds the unit code (default: code)",
        )
        parser.add_argument("--source", default="", help="what the file is, kept with the data")

    def handle(self, *args, province: str, file: Path | None, code_property: str, source: str, **o):
        code = (province or province_code()).strip().zfill(2)
        if file is None:
            if basemap(code) is None:
                raise CommandError(
                    _("No offline base layer for province %(code)s: give --file.") % {"code": code}
                )
            features = None
        else:
            try:
                data = json.loads(file.read_text("utf-8-sig"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise CommandError(
                    _("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc}
                ) from None
            if data.get("type") == "Feature":
                data = {"type": "FeatureCollection", "features": [data]}
            if data.get("type") != "FeatureCollection":
                raise CommandError(
                    _("%(file)s is not a GeoJSON FeatureCollection.") % {"file": file}
                )
            features = data.get("features") or []
            source = source or file.name
        try:
            if features is None:
                report = units_load_basemap_points(province_code=code)
            else:
                report = units_load_geometry(
                    province_code=code,
                    features=features,
                    source=source,
                    code_property=code_property,
                )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("Province %(code)s: %(report)s; %(missing)d communes without a place.")
            % {"code": code, "report": report, "missing": report.tally["missing"]}
        )
