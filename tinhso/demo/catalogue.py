"""The demo procedure catalogue (``data/catalogue.json``), loaded through the import service.

The file is nested (lists and objects); it is flattened into catalogue rows so that the demo goes
through exactly the validation and writing a real catalogue file goes through. Idempotent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.procedures.services import ImportReport, catalogue_import

from .blank_forms import load_demo_blank_forms

DATA_DIR = Path(__file__).resolve().parent / "data"


def demo_catalogue_path(province_code: str) -> Path:
    """``data/catalogue_<province>.json`` if present, else ``data/catalogue.json``."""
    specific = DATA_DIR / f"catalogue_{province_code}.json"
    return specific if specific.exists() else DATA_DIR / "catalogue.json"


def _number(value: Any) -> str:
    return "" if value is None else str(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if value else ""


def demo_rows(data: dict[str, Any]) -> list[dict[str, str]]:
    """The nested demo file as flat catalogue rows."""
    sector_names = {sector["code"]: sector["name"] for sector in data.get("sectors", [])}
    rows = []
    for item in data.get("procedures", []):
        rows.append(
            {
                "code": item.get("code", ""),
                "name": item.get("name", ""),
                "sector_code": item.get("sector", ""),
                "sector_name": sector_names.get(item.get("sector", ""), ""),
                "levels": ";".join(item.get("levels") or []),
                "receiving_agency": item.get("receiving_agency", ""),
                "deciding_agency": item.get("deciding_agency", ""),
                "processing_days": _number(item.get("processing_days")),
                "processing_hours": _number(item.get("processing_hours")),
                "fee_vnd": _number(item.get("fee_vnd")),
                "fee_note": item.get("fee_note") or "",
                "online_mode": item.get("online_mode", ""),
                "legal_basis": item.get("legal_basis") or "",
                "results": "|".join(item.get("results") or []),
                "delivery": ";".join(item.get("delivery") or []),
                "components": _json(item.get("components")),
                "form": _json(item.get("form")),
                "process": _json(item.get("process")),
                "code_verified": "1" if item.get("code_verified", True) else "0",
            }
        )
    return rows


def load_demo_catalogue(province_code: str, *, actor: Any = None) -> ImportReport:
    """Load the demo catalogue (all or nothing), then a few demo blank forms
    (:mod:`tinhso.demo.blank_forms`). Needs the demo agencies (``load_demo``)."""
    path = demo_catalogue_path(province_code)
    if not path.exists():
        raise DomainError(
            "no_demo",
            _("No demo procedure catalogue for province %(code)s.") % {"code": province_code},
        )
    data = json.loads(path.read_text("utf-8"))
    declared = data.get("province")
    if declared and str(declared) != str(province_code):
        raise DomainError(
            "no_demo",
            _("The demo procedure catalogue is for province %(declared)s, not %(code)s.")
            % {"declared": declared, "code": province_code},
        )
    report = catalogue_import(
        actor=actor,
        rows=demo_rows(data),
        mode="all_or_nothing",
        first_row_number=1,
        source=f"demo:{path.name}",
    )
    if report.ok:
        load_demo_blank_forms(actor=actor)
    return report
