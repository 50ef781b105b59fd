"""The OpenID Connect client of the national portal's SSO (VNeID accounts), on authlib.

Authorization-code flow with state, nonce and PKCE (S256); ``acr_values`` asks for a level of
assurance. authlib checks the id_token's signature (the provider's JWKS, RS256 only), issuer
(the configured one, which the discovery document must repeat), audience (our client id),
expiry and nonce; the state is single use (kept in the session, cleared before the code is
exchanged), so a replayed authorization response is refused. The provider's discovery document
and keys are cached for ``TINHSO_SSO_METADATA_TTL`` seconds.

Only this module knows the national claim names; ``identity_from_claims`` keeps what the
platform uses.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from typing import Any
from urllib.parse import urlencode

import joserfc.errors
import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError

from .selectors import SESSION_LEVEL as SESSION_LEVEL
from .selectors import phone_normal
from .services import SsoIdentity

log = logging.getLogger(__name__)

NAME = "vneid"
SESSION_ID_TOKEN = "sso_id_token"  # noqa: S105 - a session key; for the RP-initiated logout's id_token_hint
SESSION_NEXT = "sso_next"

_cache_lock = threading.Lock()
_metadata: dict[str, dict[str, Any]] = {}  # issuer → discovery document (+ "jwks")


class SsoError(DomainError):
    """The VNeID sign-in did not complete; ``code`` says why (a page shows the message)."""


class SsoUnavailable(SsoError):
    status = 503


def enabled() -> bool:
    return bool(settings.TINHSO_SSO_ISSUER and settings.TINHSO_SSO_CLIENT_ID)


def sign_in_url(level: int = 0, next_url: str = "") -> str:
    """The page that starts a VNeID sign-in asking for ``level`` (then goes to ``next_url``)."""
    query = {k: v for k, v in (("muc", level or ""), ("next", next_url)) if v}
    return reverse("accounts:sso_start") + (f"?{urlencode(query)}" if query else "")


def _down(exc: Exception) -> SsoUnavailable:
    log.warning("VNeID SSO unavailable: %s", exc)
    return SsoUnavailable(
        "sso_unavailable",
        _(
            "The VNeID sign-in service cannot be reached right now. Try again in a few "
            "minutes, or sign in with your account of this portal."
        ),
    )


def _client() -> Any:
    """A client of the configured provider, its metadata from the cache (loaded when stale)."""
    issuer = settings.TINHSO_SSO_ISSUER
    oauth = OAuth()
    oauth.register(
        NAME,
        client_id=settings.TINHSO_SSO_CLIENT_ID,
        client_secret=settings.TINHSO_SSO_CLIENT_SECRET,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_post",
            "default_timeout": settings.TINHSO_SSO_TIMEOUT,
        },
    )
    client = oauth.create_client(NAME)
    with _cache_lock:
        cached = _metadata.get(issuer)
    fresh = cached and time.time() - cached["_loaded_at"] < settings.TINHSO_SSO_METADATA_TTL
    if fresh:
        client.server_metadata = dict(cached)
        return client
    try:
        metadata = client.load_server_metadata()
        client.fetch_jwk_set(force=True)
    except (requests.RequestException, ValueError) as exc:
        raise _down(exc) from exc
    if metadata.get("issuer", "").rstrip("/") != issuer:
        log.error(
            "VNeID SSO: discovery names issuer %r, configured %r", metadata.get("issuer"), issuer
        )
        raise _down(ValueError("issuer mismatch"))
    # RS256 only, whatever else the provider lists (no HS256 keyed with a public key).
    metadata["id_token_signing_alg_values_supported"] = ["RS256"]
    with _cache_lock:
        _metadata[issuer] = dict(client.server_metadata)
    return client


def forget_metadata() -> None:
    """Drop the cached discovery documents and keys (tests; a provider's key rotation is
    handled by authlib refetching the keys on an unknown ``kid``)."""
    with _cache_lock:
        _metadata.clear()


def start(request, *, level: int, next_url: str) -> Any:
    """Redirect to the provider's sign-in page (state, nonce and the PKCE verifier are kept in
    the session)."""
    client = _client()
    request.session[SESSION_NEXT] = next_url
    redirect_uri = request.build_absolute_uri(reverse("accounts:sso_callback"))
    try:
        return client.authorize_redirect(
            request, redirect_uri, acr_values=f"LoA{max(level, 1)}", ui_locales="vi"
        )
    except (requests.RequestException, ValueError) as exc:
        raise _down(exc) from exc


def _invalid(code: str, detail: str) -> SsoError:
    log.warning("VNeID SSO: refused sign-in answer (%s: %s)", code, detail)
    if code == "expired":
        message = _("The sign-in answer from VNeID has expired. Please sign in again.")
    else:
        message = _(
            "The sign-in answer from VNeID could not be verified, so you have not been "
            "signed in. Please sign in again; if this keeps happening, contact the one-stop desk."
        )
    return SsoError(f"sso_{code}", message, reason=detail)


def finish(request) -> tuple[SsoIdentity, str]:
    """Check the provider's answer at the callback: the identity and the raw id_token."""
    client = _client()
    issuer = settings.TINHSO_SSO_ISSUER
    try:
        token = client.authorize_access_token(
            request,
            claims_options={
                "iss": {"essential": True, "values": [issuer]},
                "aud": {"essential": True, "values": [settings.TINHSO_SSO_CLIENT_ID]},
                "exp": {"essential": True},
                "nonce": {"essential": True},
            },
            leeway=30,
        )
    except MismatchingStateError as exc:
        log.warning("VNeID SSO: unknown or reused state")
        raise SsoError(
            "sso_state",
            _(
                "This VNeID sign-in has already been used or has expired. Please sign in again "
                "from the start."
            ),
        ) from exc
    except OAuthError as exc:
        if exc.error in {"access_denied", "login_required", "consent_required"}:
            raise SsoError(
                "sso_cancelled", _("The VNeID sign-in was cancelled. You are not signed in.")
            ) from exc
        if exc.error == "temporarily_unavailable":
            raise _down(exc) from exc
        raise _invalid(exc.error or "oauth", str(exc.description or exc)) from exc
    except requests.HTTPError as exc:
        if exc.response is not None and exc.response.status_code >= 500:
            raise _down(exc) from exc
        raise _invalid("token_endpoint", str(exc)) from exc
    except requests.RequestException as exc:
        raise _down(exc) from exc
    except joserfc.errors.JoseError as exc:
        error = getattr(exc, "error", "") or type(exc).__name__
        code = "expired" if "expired" in error else "invalid_token"
        raise _invalid(code, f"{error}: {exc}") from exc
    claims = token.get("userinfo")
    if not claims:  # no id_token: nothing proves who signed in
        raise _invalid("no_id_token", "the token answer had no id_token")
    return identity_from_claims(dict(claims)), token.get("id_token", "")


def _date(value: str) -> dt.date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%Y%m%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def assurance_level(claims: dict) -> int:
    """The level of assurance an id_token states (``acr``, else the national ``loAs``:
    "LoA2", "2" or a list of them; the highest counts)."""
    value = claims.get("acr") or claims.get("loAs") or ""
    values = value if isinstance(value, list) else [value]
    levels = [int(m.group(1)) for v in values if (m := re.search(r"([0-9]+)", str(v)))]
    return max(levels, default=0)


def identity_from_claims(claims: dict) -> SsoIdentity:
    """What the platform keeps of the national claim set."""

    def text(name: str, limit: int) -> str:
        return str(claims.get(name) or "").strip()[:limit]

    address = text("NoiOHienNay", 255) or text("DiaChi", 255) or text("ThuongTru", 255)
    return SsoIdentity(
        personal_id=re.sub(r"\s", "", str(claims.get("SoDinhDanh") or "")),
        full_name=text("HoVaTen", 200),
        date_of_birth=_date(text("NgayThangNamSinh", 20)),
        phone=phone_normal(text("SoDienThoai", 20))[:20],
        email=text("ThuDienTu", 254).lower(),
        address=address,
        level=assurance_level(claims),
    )


def logout_redirect(request, id_token: str) -> Any | None:
    """The redirect to the provider's end-session endpoint (RP-initiated logout), back to
    ``accounts:sso_logged_out``; None when the provider has none or cannot be reached."""
    try:
        client = _client()
    except SsoError:
        return None
    if not client.server_metadata.get("end_session_endpoint"):
        return None
    back = request.build_absolute_uri(reverse("accounts:sso_logged_out"))
    return client.logout_redirect(
        request, post_logout_redirect_uri=back, id_token_hint=id_token or None
    )


def logged_out(request) -> bool:
    """Whether the provider's return from the logout carries the state we sent."""
    try:
        _client().validate_logout_response(request)
    except (SsoError, OAuthError):
        return False
    return True
