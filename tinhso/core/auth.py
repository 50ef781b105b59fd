"""Authentication: the API's bearer tokens (or a Django session with CSRF), and the login
throttle (django-axes extended with a limit of failures per address across user names).

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

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, django_auth

from .audit import audit_record
from .errors import Unauthenticated
from .models import ApiToken
from .ratelimit import Limit, Verdict, client_address

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


# --- login throttle --------------------------------------------------------------------------

# Failed logins per address, whatever the user name (password spraying); failures only, since
# many people share a mobile carrier's address. The page and the admin both authenticate through
# ``django.contrib.auth.authenticate``, so both are covered (the API has no password endpoint).
LOGIN_FAILURES = Limit("login-failures", "TINHSO_RATE_LOGIN_FAILURES")


class LoginThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler (``AXES_HANDLER``): its lockout per user name and address,
    plus :data:`LOGIN_FAILURES` per address."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        verdict = LOGIN_FAILURES.peek(client_address(request))
        if not verdict.allowed:
            request.login_throttled = verdict
            return True
        return False

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or self.is_whitelisted(request, credentials):
            return
        if getattr(request, "login_throttled", None) is not None:
            # Refused by the address's limit, no password tried: the lockout page, uncounted.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            return
        LOGIN_FAILURES.hit(client_address(request))


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (``AXES_LOCKOUT_CALLABLE``): 429 with ``Retry-After``,
    saying whether the user name or the whole address is locked, in Vietnamese."""
    verdict = getattr(request, "login_throttled", None)
    address_locked = verdict is not None
    if verdict is None:  # the user name is locked for this address: axes' cool-off
        cool_off = get_cool_off(request)
        verdict = Verdict(False, 0, int(cool_off.total_seconds()) if cool_off else 0)
    context = {"address_locked": address_locked, "minutes": verdict.retry_minutes}
    response = render(request, "locked_out.html", context, status=429)
    if verdict.retry_after:
        response["Retry-After"] = str(verdict.retry_after)
    return response
