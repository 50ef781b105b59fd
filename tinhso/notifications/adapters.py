"""The channels' adapters: each sends one notification and returns the provider's message id,
raises :class:`PermanentError` when the provider refuses it for good, any other error to retry.

- e-mail: Django's e-mail backend (SMTP in production; ``EMAIL_*`` settings);
- SMS brand-name: the provider's HTTP API, ``POST {TINHSO_SMS_URL}/sms/send`` with the approved
  template id, its parameters and the text as registered;
- Zalo ZNS: ``POST {TINHSO_ZNS_URL}/message/template`` with an ``access_token`` header and
  ``{phone, template_id, template_data, tracking_id}``; success only when ``error == 0``. The
  access token (about 25 h) comes from the single-use refresh token, refreshed under the
  ``ProviderToken`` row's lock so that two workers never spend the same refresh token.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .models import Channel, Notification, ProviderToken
from .services import PermanentError

TIMEOUT = 10
ZALO = "zalo"


def _post(url: str, *, headers: dict[str, str], body: bytes, content_type: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - configured provider URL
        url, data=body, method="POST", headers={**headers, "Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code != 429:
            raise PermanentError(f"HTTP {exc.code}: {exc.read()[:500]!r}") from exc
        raise


def post_json(url: str, payload: dict, headers: dict[str, str]) -> dict[str, Any]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return _post(url, headers=headers, body=body, content_type="application/json")


def send_email(n: Notification) -> str:
    message_id = make_msgid(domain="tinhso")
    headers = {"Message-ID": message_id, "X-Tinhso-Notification": str(n.pk)}
    message = EmailMessage(
        n.subject, n.body, settings.DEFAULT_FROM_EMAIL, [n.address], headers=headers
    )
    message.send(fail_silently=False)
    return message_id


def send_sms(n: Notification) -> str:
    answer = post_json(
        settings.TINHSO_SMS_URL.rstrip("/") + "/sms/send",
        {
            "brandname": settings.TINHSO_SMS_BRANDNAME,
            "phone": n.address,
            "template_id": n.provider_template_id,
            "params": n.params,
            "text": n.body,
            "reference": str(n.pk),
        },
        {"Authorization": f"Bearer {settings.TINHSO_SMS_API_KEY}"},
    )
    if answer.get("error") != 0:
        raise RuntimeError(f"SMS provider: {answer}")
    return str(answer.get("message_id", ""))


def zns_access_token(
    *,
    force: bool = False,
    now: dt.datetime | None = None,
    margin: dt.timedelta = dt.timedelta(minutes=5),
) -> str:
    """A valid Zalo access token, refreshed under the token row's lock when it expires within
    ``margin`` or ``force`` (the provider refused it). The scheduler's ``refresh_zns_token``
    asks with a margin longer than its interval, so that a quiet platform (no ZNS sent for
    weeks) still spends each refresh token before it expires and keeps the next one."""
    now = now or timezone.now()
    with transaction.atomic():
        row, _ = ProviderToken.objects.select_for_update().get_or_create(
            provider=ZALO, defaults={"refresh_token": settings.TINHSO_ZNS_REFRESH_TOKEN}
        )
        fresh = row.expires_at is not None and row.expires_at > now + margin
        if row.access_token and fresh and not force:
            return row.access_token
        answer = _post(
            settings.TINHSO_ZNS_OAUTH_URL,
            headers={"secret_key": settings.TINHSO_ZNS_SECRET_KEY},
            body=urllib.parse.urlencode(
                {
                    "refresh_token": row.refresh_token,
                    "app_id": settings.TINHSO_ZNS_APP_ID,
                    "grant_type": "refresh_token",
                }
            ).encode(),
            content_type="application/x-www-form-urlencoded",
        )
        if not answer.get("access_token") or not answer.get("refresh_token"):
            raise RuntimeError(f"Zalo token refresh refused: {answer}")
        row.access_token = answer["access_token"]
        row.refresh_token = answer["refresh_token"]  # the old one is spent
        row.expires_at = now + dt.timedelta(seconds=int(answer.get("expires_in", 90000)))
        row.refreshed_at = now
        row.save()
        return row.access_token


ZNS_TOKEN_INVALID = {-124, -216}  # "access token invalid/expired"


def send_zns(n: Notification) -> str:
    payload = {
        "phone": n.address,
        "template_id": n.provider_template_id,
        "template_data": n.params,
        "tracking_id": str(n.pk),
    }
    url = settings.TINHSO_ZNS_URL.rstrip("/") + "/message/template"
    answer = post_json(url, payload, {"access_token": zns_access_token()})
    if answer.get("error") in ZNS_TOKEN_INVALID:  # revoked early: refresh once, send again
        answer = post_json(url, payload, {"access_token": zns_access_token(force=True)})
    if answer.get("error") != 0:
        raise RuntimeError(f"Zalo ZNS: {answer}")
    return str((answer.get("data") or {}).get("msg_id", ""))


SENDERS: dict[str, Callable[[Notification], str]] = {
    Channel.EMAIL: send_email,
    Channel.SMS: send_sms,
    Channel.ZNS: send_zns,
}


def configured_channels() -> list[str]:
    """The channels whose provider is configured; the others' notifications wait, visible."""
    found = [Channel.EMAIL]
    if settings.TINHSO_SMS_URL:
        found.append(Channel.SMS)
    if settings.TINHSO_ZNS_URL and settings.TINHSO_ZNS_OAUTH_URL:
        found.append(Channel.ZNS)
    return found
