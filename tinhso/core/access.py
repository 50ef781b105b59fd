"""Who may read what: the acting user's roles, loaded once per request, and the scoped querysets.

In NetBox's style (``RestrictedQuerySet``): each model with scoped rows has a queryset method
``restrict(who, action)`` with ``action`` "view" or "act", and the model's rule is written once,
in its app's ``access.py``. Every selector, page, API handler and statistic reads those models
through it::

    Dossier.objects.restrict(request_access(request), VIEW)

``who`` is a user or an :class:`Access`. A page builds the :class:`Access` once per request
(:func:`request_access`) and passes it on, so the officer's roles are read once, however many
lists and checks the page shows.

Roles count only while both the assignment and its agency are active: an officer of an agency
that was merged away or closed (the 2025 reform abolished the district level) keeps no access
through it, in any app. The agency's dossiers, reports and questions stay readable by the
officers of the agencies that hold them now and by the province administrator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.module_loading import import_string

from .models import Role

VIEW = "view"
ACT = "act"
ACTIONS = (VIEW, ACT)
# Roles that see the whole province's figures and reports (the operations centre).
PROVINCE_WIDE_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.IOC_VIEWER})

NOTHING = Q(pk__in=[])
EVERYTHING = Q()


@dataclass(frozen=True)
class Access:
    """The acting user and what they hold: agency ids per role (active assignments in active
    agencies only), their applicant profile's id, and whether they administer the province."""

    user: Any
    agencies_by_role: dict[str, frozenset[int]] = field(default_factory=dict)
    applicant_id: int | None = None
    is_superuser: bool = False

    @classmethod
    def of(cls, user: Any) -> Access:
        """Read the user's roles and applicant profile in one query (none when anonymous)."""
        if isinstance(user, Access):
            return user
        if not getattr(user, "is_authenticated", False):
            return cls(user=user)
        rows = get_user_model().objects.filter(pk=user.pk)
        by_role: dict[str, set[int]] = {}
        applicant_ids = set()
        for applicant_id, role, agency_id, active, agency_active in rows.values_list(
            "applicant__id",
            "assignments__role",
            "assignments__agency_id",
            "assignments__is_active",
            "assignments__agency__is_active",
        ):
            applicant_ids.add(applicant_id)
            if role is not None and active and agency_active:
                by_role.setdefault(role, set()).add(agency_id)
        return cls(
            user=user,
            agencies_by_role={role: frozenset(ids) for role, ids in by_role.items()},
            applicant_id=next(iter(applicant_ids), None),
            is_superuser=bool(getattr(user, "is_superuser", False)),
        )

    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.agencies_by_role)

    @property
    def is_officer(self) -> bool:
        """Holds a role somewhere (or is a superuser): officers act for agencies."""
        return self.is_superuser or bool(self.agencies_by_role)

    @property
    def is_province_admin(self) -> bool:
        return self.is_superuser or Role.PROVINCE_ADMIN in self.agencies_by_role

    @property
    def is_province_wide(self) -> bool:
        """Sees the whole province's figures: a superuser, a province administrator or an
        operations-centre viewer."""
        return self.is_superuser or bool(self.roles & PROVINCE_WIDE_ROLES)

    def agencies(self, roles: Iterable[str] | None = None) -> frozenset[int]:
        """The agencies where the user holds any of ``roles`` (any role when None)."""
        wanted = self.agencies_by_role if roles is None else set(roles)
        found: set[int] = set()
        for role in wanted:
            found |= self.agencies_by_role.get(role, frozenset())
        return frozenset(found)

    def roles_in(self, agency_id: int | None) -> frozenset[str]:
        return frozenset(
            role for role, agencies in self.agencies_by_role.items() if agency_id in agencies
        )


def as_access(who: Any) -> Access:
    """``who`` as an :class:`Access`: itself, or read for a user (one query)."""
    return Access.of(who)


def request_access(request: Any) -> Access:
    """The request's :class:`Access`, read once per request and per authenticated user.

    Kept on the request (never on the user object); read again only when authentication
    replaced ``request.user`` (an API token is checked after the middleware ran).
    """
    user = request.user
    found = request.__dict__.get("access")
    if found is None or found.user is not user:
        found = Access.of(user)
        request.access = found
    return found


def user_of(who: Any) -> Any:
    """The user behind ``who`` (a user or an :class:`Access`)."""
    return who.user if isinstance(who, Access) else who


def any_of(branches: list[Q] | None) -> Q:
    """The OR of a rule's branches; None means every row, an empty list none."""
    if branches is None:
        return EVERYTHING
    if not branches:
        return NOTHING
    found = branches[0]
    for branch in branches[1:]:
        found |= branch
    return found


def in_agencies(field_name: str, agencies: frozenset[int] | None) -> list[Q] | None:
    """Rows whose ``field_name`` is one of ``agencies``; None (every agency): every row."""
    if agencies is None:
        return None
    return [Q(**{f"{field_name}__in": sorted(agencies)})] if agencies else []


class RestrictedQuerySet(models.QuerySet):
    """A queryset with ``restrict(who, action)``; ``access_rule`` names the model's rule, a
    function ``(Access, action) -> Q`` in its app's ``access.py``."""

    access_rule: str = ""

    def restrict(self, who: Any, action: str = VIEW) -> RestrictedQuerySet:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
        rule = import_string(self.access_rule)
        return self.filter(rule(as_access(who), action))
