"""API authentication: Django session (with CSRF) or a bearer token.

A token is refused once it has expired (``TINHSO_API_TOKEN_TTL_DAYS`` after its creation) or
been revoked (the admin's action or ``tinhso revoke-token``): the API answers its structured 401
(``token_expired`` / ``token_revoked``), never the data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, django_auth

from .audit import audit_record
from .errors import Unauthenticated
from .models import ApiToken

# ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_lifetime() -> dt.timedelta:
    days = int(settings.TINHSO_API_TOKEN_TTL_DAYS)
    if days < 1:
        raise ImproperlyConfigured("TINHSO_API_TOKEN_TTL_DAYS must be 1 or more")
    return dt.timedelta(days=days)


def token_create(*, user, name: str, actor: Any = None) -> str:
    """Create a token valid for ``TINHSO_API_TOKEN_TTL_DAYS`` and return its clear value
    (shown once); the creation is audited."""
    key = "tsk_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=key[4:12],
            key_hash=token_hash(key),
            expires_at=timezone.now() + token_lifetime(),
        )
        audit_record(
            actor=actor,
            action="core.token_create",
            obj=token,
            after={"user": user.get_username(), "expires_at": token.expires_at.isoformat()},
        )
    return key


def token_revoke(*, actor: Any, tokens: Iterable[ApiToken]) -> list[ApiToken]:
    """Revoke tokens (those still active); each revocation is audited. Returns those revoked."""
    revoked = []
    with transaction.atomic():
        pks = [token.pk for token in tokens]
        now = timezone.now()
        for token in ApiToken.objects.select_for_update().filter(pk__in=pks, is_active=True):
            token.is_active = False
            token.revoked_at = now
            token.save(update_fields=["is_active", "revoked_at"])
            revoked.append(token)
        for token in revoked:
            audit_record(
                actor=actor,
                action="core.token_revoke",
                obj=token,
                before={"is_active": True},
                after={"is_active": False, "revoked_at": now.isoformat()},
            )
    return revoked


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        # get(), not first(): the key is unique, and first() adds an ORDER BY to compile.
        try:
            found = ApiToken.objects.select_related("user").get(
                key_hash=token_hash(token), user__is_active=True
            )
        except ApiToken.DoesNotExist:
            return None
        now = timezone.now()
        if not found.is_active:
            raise Unauthenticated("token_revoked", _("This API token has been revoked."))
        if found.expires_at <= now:
            raise Unauthenticated(
                "token_expired", _("This API token has expired: ask for a new one.")
            )
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


# Either a signed-in session (CSRF-checked by ninja) or a bearer token.
api_auth = [TokenAuth(), django_auth]
