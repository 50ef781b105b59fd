"""Reads of citizen accounts: the account a sign-in name (a verified phone or an ID number)
names."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model

from tinhso.core.models import ApplicantProfile
from tinhso.notifications.services import sms_phone


def phone_normal(value: str) -> str:
    """A Vietnamese phone number as stored: digits with a leading 0 (``+84 912…`` → ``0912…``)."""
    return sms_phone(value or "")


def citizen_by_login(login: str) -> Any | None:
    """The account signed in as ``login``: a 12-digit ID number (the SSO-proven owner first,
    else the one active self-registered account declaring it) or a verified phone number."""
    login = re.sub(r"[\s.]", "", login or "")
    users = get_user_model().objects
    if re.fullmatch(r"[0-9]{12}", login):
        profiles = ApplicantProfile.objects.filter(personal_id=login, user__is_active=True)
        proven = profiles.filter(personal_id_declared=False).values_list("user_id", flat=True)
        found = list(proven[:1]) or list(profiles.values_list("user_id", flat=True)[:2])
        return users.get(pk=found[0]) if len(found) == 1 else None
    if re.fullmatch(r"\+?[0-9]{9,12}", login):
        profile = ApplicantProfile.objects.filter(phone=phone_normal(login), phone_verified=True)
        found = list(profile.values_list("user_id", flat=True)[:1])
        return users.get(pk=found[0]) if found else None
    return None


def contact_changes_waiting(user: Any) -> list[Any]:
    """The new phone and e-mail of ``user`` waiting for their code: the latest live code of each
    (``Purpose.PHONE``, ``Purpose.EMAIL``), whose ``address`` is the new value."""
    from django.utils import timezone

    from .models import OneTimeCode, Purpose

    waiting = []
    for purpose in (Purpose.PHONE, Purpose.EMAIL):
        row = (
            OneTimeCode.objects.filter(user=user, purpose=purpose)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is not None and row.used_at is None and row.expires_at > timezone.now():
            waiting.append(row)
    return waiting


SESSION_LEVEL = "sso_level"  # the level of assurance of this session's VNeID sign-in


def session_assurance_level(request: Any) -> int:
    """The level of assurance of the request's sign-in: the VNeID level kept on the session at
    the SSO callback, 0 after any other sign-in."""
    session = getattr(request, "session", None)
    try:
        return int(session.get(SESSION_LEVEL, 0)) if session is not None else 0
    except (TypeError, ValueError):
        return 0
