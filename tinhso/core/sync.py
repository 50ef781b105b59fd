"""Idempotent loading helpers: write a row only when something differs."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import models


def sync_row(
    model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], tally: Counter
) -> models.Model:
    """Create the row matching ``lookup`` or bring it to ``values``; count what happened."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        tally["created"] += 1
        return obj
    changed = [
        name
        for name, value in values.items()
        if getattr(obj, name if not isinstance(value, models.Model) else f"{name}_id")
        != (value.pk if isinstance(value, models.Model) else value)
    ]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        tally["updated"] += 1
    else:
        tally["unchanged"] += 1
    return obj
