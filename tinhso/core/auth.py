"""API authentication: Django session (with CSRF) or a bearer token."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from .models import ApiToken

# ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user, name: str) -> str:
    """Create a token and return its clear value (shown once)."""
    key = "tsk_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name[:100], prefix=key[4:12], key_hash=token_hash(key))
    return key


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        # get(), not first(): the key is unique, and first() adds an ORDER BY to compile.
        try:
            found = ApiToken.objects.select_related("user").get(
                key_hash=token_hash(token), is_active=True, user__is_active=True
            )
        except ApiToken.DoesNotExist:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


# Either a signed-in session (CSRF-checked by ninja) or a bearer token.
api_auth = [TokenAuth(), django_auth]
