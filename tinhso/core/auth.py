"""API authentication: Django session (with CSRF) or a bearer token."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from .models import ApiToken


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user, name: str) -> str:
    """Create a token and return its clear value (shown once)."""
    key = "tsk_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name[:100], prefix=key[4:12], key_hash=token_hash(key))
    return key


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        record = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=token_hash(token), is_active=True, user__is_active=True)
            .first()
        )
        if record is None:
            return None
        now = timezone.now()
        if record.last_used_at is None or (now - record.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
        request.user = record.user
        return record.user


# Either a signed-in session (CSRF-checked by ninja) or a bearer token.
api_auth = [TokenAuth(), django_auth]
