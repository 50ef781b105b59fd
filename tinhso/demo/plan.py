"""The operations centre's demo digital-transformation plan (``data/plan_<province>.json``)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from tinhso.core.errors import DomainError
from tinhso.core.models import Agency
from tinhso.core.sync import sync_row
from tinhso.ioc.models import Plan, PlanTarget, PlanTask

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_demo_plan(province: str) -> Counter:
    """The demo digital-transformation plan with targets from the provinces' plans (idempotent:
    matched by name; targets and tasks matched by title)."""
    path = DATA_DIR / f"plan_{province}.json"
    if not path.exists():
        raise DomainError("no_demo", f"No demo plan for province {province}")
    data = json.loads(path.read_text(encoding="utf-8"))
    tally: Counter = Counter()
    with transaction.atomic():
        info = data["plan"]
        plan = sync_row(
            Plan,
            {"name": info["name"]},
            {
                "year": info["year"],
                "legal_basis": info.get("legal_basis", ""),
                "description": info.get("description", ""),
            },
            tally,
        )
        for order, item in enumerate(data["targets"], start=1):
            sync_row(
                PlanTarget,
                {"plan": plan, "title": item["title"], "level": item["level"]},
                {
                    "order": order,
                    "indicator": item["indicator"],
                    "year": item.get("year", info["year"]),
                    "comparison": item["comparison"],
                    "value": Decimal(str(item["value"])),
                    "source": item.get("source", ""),
                },
                tally,
            )
        for order, item in enumerate(data["tasks"], start=1):
            completed = item.get("completed_on")
            sync_row(
                PlanTask,
                {"plan": plan, "title": item["title"]},
                {
                    "order": order,
                    "agency": Agency.objects.get(key=item["agency"]),
                    "due_on": dt.date.fromisoformat(item["due_on"]),
                    "progress": item["progress"],
                    "completed_on": dt.date.fromisoformat(completed) if completed else None,
                },
                tally,
            )
    return tally
