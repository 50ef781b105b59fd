"""Writes of the operations centre: the 766 index as data, plans and their tasks."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.access import as_access
from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, PermissionDenied
from tinhso.core.sync import sync_row

from .indicators import INDICATORS
from .models import DisplayToken, PlanTask, ServiceIndexIndicator

INDEX_766_FILE = Path(__file__).parent / "data" / "index766.json"


def load_index_766(*, path: Path = INDEX_766_FILE, model=ServiceIndexIndicator) -> Counter:
    """Create or update the 766 indicators from the data file (idempotent)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    tally: Counter = Counter()
    for order, item in enumerate(data["indicators"], start=1):
        measure = item.get("measure", "")
        if measure and measure not in INDICATORS:
            raise DomainError("unknown_indicator", f"Unknown indicator {measure!r} in {path.name}")
        threshold = item.get("threshold")
        sync_row(
            model,
            {"code": item["code"]},
            {
                "group": item["group"],
                "order": order,
                "name": item["name"],
                "max_points": Decimal(str(item["max_points"])),
                "scoring": item.get("scoring", "rate"),
                "threshold": None if threshold is None else Decimal(str(threshold)),
                "measure": measure,
                "note": item.get("note", ""),
            },
            tally,
        )
    return tally


def plan_task_update(
    *,
    actor: Any,
    task: PlanTask | int,
    progress: int,
    completed_on: dt.date | None = None,
) -> PlanTask:
    """Report a task's progress (its lead unit's officers, or a province administrator)."""
    if not 0 <= progress <= 100:
        raise DomainError("invalid_progress", _("Progress must be between 0 and 100%."))
    with transaction.atomic():
        pk = task.pk if isinstance(task, PlanTask) else task
        locked = PlanTask.objects.select_for_update().filter(pk=pk).first()
        if locked is None:
            raise DomainError("not_found", _("No such task."))
        access = as_access(actor)
        if not (access.is_province_admin or locked.agency_id in access.agencies()):
            raise PermissionDenied("forbidden", _("You may not report on this task."))
        before = {"progress": locked.progress, "completed_on": str(locked.completed_on or "")}
        locked.progress = progress
        if progress == 100:
            locked.completed_on = completed_on or timezone.localdate()
        else:
            locked.completed_on = None
        locked.save(update_fields=["progress", "completed_on", "updated_at"])
        audit_record(
            actor=actor,
            action="ioc.plan_task_update",
            obj=locked,
            before=before,
            after={"progress": locked.progress, "completed_on": str(locked.completed_on or "")},
        )
    return locked


# --- wall display tokens (kiosk) ----------------------------------------------------------------

DISPLAY_TOKEN_PREFIX = "tsw_"  # noqa: S105  (a prefix, not a secret)


def display_token_create(*, name: str, actor: Any = None) -> str:
    """Create a wall display token and return its clear value (shown once; only its hash is
    kept). It has no expiry: a wall runs for months; revoke it with :func:`display_token_revoke`."""
    from tinhso.core.auth import token_hash

    name = (name or "").strip()
    if not name:
        raise DomainError("name_required", _("Give the display a name."))
    key = DISPLAY_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = DisplayToken.objects.create(
            name=name[:100], prefix=key[4:12], key_hash=token_hash(key)
        )
        audit_record(
            actor=actor, action="ioc.display_token_create", obj=token, after={"name": name}
        )
    return key


def display_token_revoke(*, prefix: str, actor: Any = None) -> int:
    """Revoke the active display tokens whose prefix is ``prefix``; returns how many."""
    now = timezone.now()
    with transaction.atomic():
        tokens = list(
            DisplayToken.objects.select_for_update().filter(prefix=prefix, revoked_at__isnull=True)
        )
        for token in tokens:
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action="ioc.display_token_revoke",
                obj=token,
                after={"revoked_at": now.isoformat()},
            )
    return len(tokens)


def display_token_check(key: str | None) -> DisplayToken | None:
    """The active token ``key`` is, or None; its use is noted at most every five minutes."""
    from tinhso.core.auth import LAST_USED_RESOLUTION, token_hash

    if not key or not key.startswith(DISPLAY_TOKEN_PREFIX):
        return None
    token = DisplayToken.objects.filter(key_hash=token_hash(key), revoked_at__isnull=True).first()
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            DisplayToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
