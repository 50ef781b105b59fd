"""The field-feedback category tree (``data/categories.json``, any province), loaded idempotently:
rows are brought to the file's content."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tinhso.core.services import LoadReport
from tinhso.core.sync import sync_row

from .models import Category, CategoryAttribute

CATEGORIES_FILE = Path(__file__).resolve().parent / "data" / "categories.json"


def load_categories(report: LoadReport, data: dict[str, Any] | None = None) -> None:
    """Create or update the category tree and its attributes (tallied in ``report``)."""
    data = data or json.loads(CATEGORIES_FILE.read_text("utf-8"))

    def walk(items: list[dict], parent: Category | None) -> None:
        for order, item in enumerate(items, start=1):
            category = sync_row(
                Category,
                {"code": item["code"]},
                {
                    "name": item["name"],
                    "parent": parent,
                    "description": item.get("description", ""),
                    "keywords": item.get("keywords", ""),
                    "order": order,
                    "is_active": item.get("active", True),
                },
                report.tally,
            )
            for attribute in item.get("attributes", []):
                sync_row(
                    CategoryAttribute,
                    {"category": category, "code": attribute["code"]},
                    {
                        "description": attribute["description"],
                        "datatype": attribute["datatype"],
                        "datatype_description": attribute.get("datatype_description", ""),
                        "required": bool(attribute.get("required")),
                        "order": attribute.get("order", 0),
                        "values": attribute.get("values", []),
                    },
                    report.tally,
                )
            walk(item.get("children", []), category)

    walk(data["categories"], None)
