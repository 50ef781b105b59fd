"""Who may see and act on a field report: the one rule, used through ``Report.objects.restrict``.

- **view**: everyone sees the published reports (never who sent them); a reporter their own in
  every state; an officer (any role) the reports of the agencies they serve; a province
  administrator or an operations-centre viewer every report.
- **act**: the reporter their own report (rate, reopen); an officer in a handling role the
  reports of their agencies (accept, reject, reassign, note, answer); a province administrator
  every report. Which action exactly is the transition table's business
  (``tinhso.feedback.services``).

Roles count in active agencies only (see :mod:`tinhso.core.access`).
"""

from __future__ import annotations

from django.db.models import Q

from tinhso.core.access import VIEW, Access, any_of, in_agencies
from tinhso.core.models import Role

from .models import PUBLIC_STATES, Report

# Roles that handle the reports of their agency.
HANDLER_ROLES = frozenset(
    {Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER, Role.AGENCY_ADMIN, Role.PROVINCE_ADMIN}
)


def officer_agencies(access: Access, action: str) -> frozenset[int] | None:
    """The agencies whose reports the user reaches as an officer; None: every agency."""
    if not access.is_authenticated:
        return frozenset()
    if action == VIEW:
        return None if access.is_province_wide else access.agencies()
    return None if access.is_province_admin else access.agencies(HANDLER_ROLES)


def officer_rule(access: Access, action: str) -> Q:
    """The reports the user reaches as an officer (the officer's lists)."""
    return any_of(in_agencies("agency_id", officer_agencies(access, action)))


def report_rule(access: Access, action: str) -> Q:
    branches = in_agencies("agency_id", officer_agencies(access, action))
    if branches is None:
        return any_of(None)
    if access.is_authenticated:
        branches.append(Q(reporter=access.user))
    if action == VIEW:
        branches.append(Q(state__in=sorted(PUBLIC_STATES)))
    return any_of(branches)


def reaches_as_officer(access: Access, report: Report, action: str) -> bool:
    """The object form of :func:`officer_rule` (no query)."""
    agencies = officer_agencies(access, action)
    return agencies is None or report.agency_id in agencies


def is_reporter(access: Access, report: Report) -> bool:
    return access.is_authenticated and report.reporter_id == access.user.pk
