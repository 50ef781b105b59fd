"""Field-feedback demo: the category tree, routing rules, handling times, demo reports.

The category tree is the product's own (:func:`tinhso.feedback.categories.load_categories`);
``data/feedback_<province>.json`` holds the demo routing rules, SLAs and reports. Loading is
idempotent: rows are brought to the file's content, and each demo report is created once (keyed
by its reporter and idempotency key) through the same services a citizen and an officer use.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.models import AdministrativeUnit, Agency, UnitLevel
from tinhso.core.services import LoadReport
from tinhso.core.sync import sync_row
from tinhso.demo.province import audit_demo_load
from tinhso.feedback import services
from tinhso.feedback.categories import load_categories
from tinhso.feedback.models import Category, Report, RoutingRule, SlaRule

DATA_DIR = Path(__file__).resolve().parent / "data"


def _read(name: str) -> dict[str, Any]:
    path = DATA_DIR / name
    if not path.exists():
        raise DomainError("no_demo", _("Missing data file %(name)s.") % {"name": name})
    return json.loads(path.read_text("utf-8"))


def _agency(key: str) -> Agency:
    agency = Agency.objects.filter(key=key).first()
    if agency is None:
        raise DomainError(
            "no_demo",
            _("Agency “%(key)s” is missing: load the demo province first (load_demo).")
            % {"key": key},
        )
    return agency


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    return Category.objects.get(code=code)


def _commune(code: str | None) -> AdministrativeUnit | None:
    if not code:
        return None
    unit = AdministrativeUnit.objects.filter(
        level=UnitLevel.COMMUNE, code=code, valid_to__isnull=True
    ).first()
    if unit is None:
        raise DomainError(
            "no_demo", _("Commune %(code)s is missing: load the units first.") % {"code": code}
        )
    return unit


def load_rules(report: LoadReport, data: dict[str, Any]) -> None:
    for item in data.get("sla", []):
        sync_row(
            SlaRule,
            {"category": _category(item.get("category")), "urgency": item["urgency"]},
            {
                "days": Decimal(str(item["days"])) if item.get("days") is not None else None,
                "hours": Decimal(str(item["hours"])) if item.get("hours") is not None else None,
            },
            report.tally,
        )
    for item in data.get("routing", []):
        sync_row(
            RoutingRule,
            {
                "category": _category(item.get("category")),
                "commune": _commune(item.get("commune")),
                "commune_kind": item.get("commune_kind", ""),
                "target": item["target"],
                "agency": _agency(item["agency"]) if item.get("agency") else None,
            },
            {
                "priority": item.get("priority", 100),
                "note": item.get("note", ""),
                "is_active": True,
            },
            report.tally,
        )


def load_demo_reports(report: LoadReport, data: dict[str, Any], now: dt.datetime) -> None:
    users = get_user_model().objects
    for item in data.get("reports", []):
        reporter = users.filter(username=item["reporter"]).first()
        if reporter is None:
            raise DomainError(
                "no_demo",
                _("Account %(name)s is missing: load the demo province first (load_demo).")
                % {"name": item["reporter"]},
            )
        if Report.objects.filter(reporter=reporter, idempotency_key=item["key"]).exists():
            report.tally["unchanged"] += 1
            continue
        submitted = now - dt.timedelta(days=item.get("days_ago", 0), hours=2)
        created = services.report_submit(
            actor=reporter,
            category=Category.objects.get(code=item["category"]),
            description=item["description"],
            urgency=item.get("urgency", "normal"),
            latitude=item.get("lat"),
            longitude=item.get("lng"),
            address=item.get("address", ""),
            commune=_commune(item.get("commune")),
            require_commune=True,
            attributes=item.get("attributes"),
            idempotency_key=item["key"],
            now=submitted,
        )
        report.tally["created"] += 1
        for index, step in enumerate(item.get("steps", []), start=1):
            at = min(
                now
                - dt.timedelta(days=step.get("days_ago", 0), hours=2)
                + dt.timedelta(minutes=30 * index),
                now,
            )
            actor = users.get(username=step["by"])
            _run_step(created, step, actor, at)


def _run_step(report: Report, step: dict[str, Any], actor, at: dt.datetime) -> None:
    kind = step["do"]
    if kind == "accept":
        services.report_accept(actor=actor, report=report, now=at)
    elif kind == "note":
        services.report_add_note(
            actor=actor, report=report, note=step["text"], public=step.get("public", False), now=at
        )
    elif kind == "answer":
        services.report_answer(actor=actor, report=report, answer=step["text"], now=at)
    elif kind == "rate":
        services.report_rate(
            actor=actor,
            report=report,
            score=step["score"],
            comment=step.get("comment", ""),
            reopen=step.get("reopen", False),
            now=at,
        )
    else:
        raise DomainError("no_demo", f"Unknown demo step {kind!r}")


def load_demo_feedback(province_code: str, *, now: dt.datetime | None = None) -> LoadReport:
    """Categories, routing rules, SLAs and demo reports of a demo province (all or nothing)."""
    data = _read(f"feedback_{province_code}.json")
    report = LoadReport()
    with transaction.atomic():
        load_categories(report)
        load_rules(report, data)
        load_demo_reports(report, data, now or timezone.now())
        if report.changed:
            audit_demo_load("feedback.demo_load", province_code, "feedback demo", report.tally)
    return report
