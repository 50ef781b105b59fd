"""Sign-in by a verified phone number or by an ID number (after Django's user-name backend)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .selectors import citizen_by_login


class CitizenBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        user = citizen_by_login(username)
        if user is None or not user.check_password(password):
            return None
        return user if self.user_can_authenticate(user) else None
