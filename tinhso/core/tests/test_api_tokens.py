"""Issue 17, point 10: API tokens expire (``TINHSO_API_TOKEN_TTL_DAYS``) and can be revoked from
the admin and with ``tinhso revoke-token``; every refusal is the API's structured 401.

The attack replayed: a token taken from a leaked script keeps working forever.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from tinhso.core.auth import token_create
from tinhso.core.models import ApiToken, AuditEvent
from tinhso.testing.factories import make_superuser, make_user

pytestmark = pytest.mark.django_db


def call(key: str):
    return Client(headers={"Authorization": f"Bearer {key}"}).get("/api/dossiers")


def test_a_token_expires_after_the_configured_days(settings):
    settings.TINHSO_API_TOKEN_TTL_DAYS = 30
    key = token_create(user=make_user(), name="script")
    token = ApiToken.objects.get()
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(
        minutes=1
    )
    assert call(key).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = call(key)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "token_expired"
    assert error["message"] == "Mã truy cập API đã hết hạn: hãy xin mã mới."
    assert AuditEvent.objects.filter(action="core.token_create").count() == 1


def test_the_command_revokes_by_prefix_or_account_and_audits():
    user = make_user("script")
    first, second = token_create(user=user, name="a"), token_create(user=user, name="b")
    # As the admin shows it, "tsk_" and 8 characters (a bare prefix may begin with "-").
    call_command("revoke_token", first[:12])
    response = call(first)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"
    assert call(second).status_code == 200
    call_command("revoke_token", "--user", "script")
    assert call(second).status_code == 401
    revocations = AuditEvent.objects.filter(action="core.token_revoke")
    assert revocations.count() == 2
    assert set(revocations.values_list("actor_repr", flat=True)) == {"manage.py revoke_token"}
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 2
    with pytest.raises(CommandError):
        call_command("revoke_token", first[:12])  # already revoked: nothing matches
    with pytest.raises(CommandError):
        call_command("revoke_token")


def test_the_admin_action_revokes_and_audits(client):
    admin = make_superuser()
    key = token_create(user=make_user(), name="script")
    token = ApiToken.objects.get()
    client.force_login(admin)
    page = client.get("/admin/core/apitoken/")
    assert page.status_code == 200
    assert token.prefix in page.content.decode()
    response = client.post(
        "/admin/core/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert not token.is_active and token.revoked_at is not None
    event = AuditEvent.objects.get(action="core.token_revoke")
    assert event.actor_id == admin.pk
    assert call(key).status_code == 401
