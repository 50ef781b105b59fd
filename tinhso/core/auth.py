"""API authentication: Django session (with CSRF) or a bearer token."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import cache

from django.contrib.auth import get_user_model
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from . import prepared
from .models import AdministrativeUnit, ApiToken, ApplicantProfile, OfficerAssignment
from .selectors import applicant_columns

# ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
LAST_USED_FIELD = ApiToken._meta.get_field("last_used_at")


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user, name: str) -> str:
    """Create a token and return its clear value (shown once)."""
    key = "tsk_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name[:100], prefix=key[4:12], key_hash=token_hash(key))
    return key


@cache
def _lookup_sql(vendor: str) -> str:
    """The token lookup as one SQL statement: the token, the user, whether the user holds any
    officer role, and the user's applicant profile with its commune (NULLs when there is none).

    Every API request runs it, so it is written once here (prepared once per connection on
    PostgreSQL) instead of being compiled by the ORM each time, which costs ten times the CPU.
    The profile rides along because a citizen's submission needs it, and a second round trip
    costs more than the two index look-ups; it is turned into objects only when asked for
    (:func:`tinhso.core.selectors.applicant_of`). Table and column names come from the models'
    metadata.
    """
    user_meta, token_meta, assignment_meta = (
        get_user_model()._meta,
        ApiToken._meta,
        OfficerAssignment._meta,
    )
    profile_meta, unit_meta = ApplicantProfile._meta, AdministrativeUnit._meta
    qn = prepared.database().ops.quote_name
    user_pk = f"u.{qn(user_meta.pk.column)}"
    return (
        f"SELECT t.{qn(token_meta.pk.column)}, t.{qn('last_used_at')}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {qn(assignment_meta.db_table)} a "
        f"WHERE a.{qn(assignment_meta.get_field('user').column)} = {user_pk} "
        f"AND a.{qn('is_active')} = %s), {prepared.columns(get_user_model(), 'u')}, "
        f"{applicant_columns()} "
        f"FROM {qn(token_meta.db_table)} t JOIN {qn(user_meta.db_table)} u "
        f"ON {user_pk} = t.{qn(token_meta.get_field('user').column)} "
        f"LEFT JOIN {qn(profile_meta.db_table)} p "
        f"ON p.{qn(profile_meta.get_field('user').column)} = {user_pk} "
        f"LEFT JOIN {qn(unit_meta.db_table)} pu "
        f"ON pu.{qn(unit_meta.pk.column)} = p.{qn(profile_meta.get_field('unit').column)} "
        f"WHERE t.{qn('key_hash')} = %s AND t.{qn('is_active')} = %s "
        f"AND u.{qn(user_meta.get_field('is_active').column)} = %s"
    )


@cache
def _user_columns() -> int:
    return len(get_user_model()._meta.concrete_fields)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        db = prepared.database()
        row = prepared.fetchone(db, _lookup_sql(db.vendor), [True, token_hash(token), True, True])
        if row is None:
            return None
        token_id, last_used_at, has_roles = row[:3]
        end = 3 + _user_columns()
        user = prepared.from_row(get_user_model(), row[3:end], db)
        # The profile's columns, converted only if a submission asks (applicant_of).
        user._tinhso_applicant_row = row[end:]
        last_used_at = prepared.from_db_value(LAST_USED_FIELD, last_used_at, db)
        now = timezone.now()
        if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        if not has_roles:
            # Read by the same statement: this request's user holds no officer role anywhere,
            # so tinhso.dossiers.services._roles_in answers without a query.
            user._tinhso_no_officer_roles = True
        request.user = user
        return user


# Either a signed-in session (CSRF-checked by ninja) or a bearer token.
api_auth = [TokenAuth(), django_auth]
