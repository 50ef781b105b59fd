"""Open311 API keys: created by an administrator, shown once, stored as a hash."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError

from .models import Open311Client


def open311_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open311_client_create(*, actor: Any, name: str, contact: str = "") -> tuple[Open311Client, str]:
    """Create an Open311 API key; returns the record and the clear key (shown once)."""
    name = (name or "").strip()[:100]
    if not name:
        raise DomainError("name_required", _("Name the application that will use the key."))
    key = "o311_" + secrets.token_urlsafe(24)
    with transaction.atomic():
        client = Open311Client.objects.create(
            name=name,
            contact=(contact or "").strip()[:200],
            prefix=key[5:13],
            key_hash=open311_key_hash(key),
        )
        audit_record(
            actor=actor, action="feedback.open311_key_create", obj=client, after={"name": name}
        )
    return client, key


def open311_client_for_key(key: str) -> Open311Client | None:
    key = (key or "").strip()
    if not key:
        return None
    client = Open311Client.objects.filter(key_hash=open311_key_hash(key), is_active=True).first()
    if client is not None:
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 300:
            Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return client
