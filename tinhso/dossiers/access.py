"""Who may see and act on a dossier: the one rule, used through ``Dossier.objects.restrict``.

- **view**: a province administrator sees every dossier; an applicant the dossiers they submitted
  online or that name them as applicant; an officer (any role) the dossiers received or decided
  by an agency they serve. The agency handling a dossier is always its receiving or its deciding
  agency (each process step belongs to one of the two), so these two columns cover it.
- **act**: the applicant of the dossier (their actions: supplement, withdraw, rate), and an
  officer holding a role of the transition table in its receiving agency (the one-stop desk) or
  in the agency handling it now. Which action exactly is the transition table's business
  (``tinhso.dossiers.services``); this rule decides which rows a work page may offer.

Roles count in active agencies only (see :mod:`tinhso.core.access`).
"""

from __future__ import annotations

from django.db.models import Q

from tinhso.core.access import ACT, VIEW, Access, any_of

from .models import Channel, Dossier
from .transitions import APPLICANT, TRANSITIONS

# The officer roles the transition table names.
ACTING_ROLES = frozenset(
    role for transition in TRANSITIONS.values() for role in transition.actors if role != APPLICANT
)
# The agency columns through which an officer reaches a dossier, per action.
OFFICER_COLUMNS = {
    VIEW: ("receiving_agency_id", "deciding_agency_id"),
    ACT: ("receiving_agency_id", "current_agency_id"),
}


def officer_agencies(access: Access, action: str) -> frozenset[int] | None:
    """The agencies through which the user reaches dossiers as an officer; None: every one."""
    if action == VIEW:
        return None if access.is_province_admin else access.agencies()
    return access.agencies(ACTING_ROLES)


def applicant_branches(access: Access) -> list[Q]:
    """The applicant's own dossiers: submitted online by them, or naming their profile.

    The profile is named by its id (read with the roles), not joined: a join would hide the
    (applicant, submitted_at) index from PostgreSQL, which then walks every dossier."""
    if not access.is_authenticated:
        return []
    found = [Q(submitted_by=access.user, channel=Channel.ONLINE)]
    if access.applicant_id is not None:
        found.append(Q(applicant_id=access.applicant_id))
    return found


def dossier_branches(access: Access, action: str) -> list[Q] | None:
    """The rule as a list of conditions to OR (None: every dossier).

    Each branch is served by one index ((submitted_by), (applicant, submitted_at),
    (receiving_agency, submitted_at), (deciding_agency, submitted_at)), which is how
    :func:`tinhso.dossiers.selectors.dossiers_newest` reads a page newest-first.
    """
    if not access.is_authenticated:
        return []
    agencies = officer_agencies(access, action)
    if agencies is None:
        return None
    branches = applicant_branches(access)
    if agencies:
        ids = sorted(agencies)
        branches += [Q(**{f"{column}__in": ids}) for column in OFFICER_COLUMNS[action]]
    return branches


def dossier_rule(access: Access, action: str) -> Q:
    return any_of(dossier_branches(access, action))


def is_applicant(access: Access, dossier: Dossier) -> bool:
    """The object form of :func:`applicant_branches` (no query)."""
    if not access.is_authenticated:
        return False
    if dossier.channel == Channel.ONLINE and dossier.submitted_by_id == access.user.pk:
        return True
    return access.applicant_id is not None and dossier.applicant_id == access.applicant_id


def reaches_as_officer(access: Access, dossier: Dossier, action: str) -> bool:
    """The object form of the officer branches of :func:`dossier_branches` (no query)."""
    agencies = officer_agencies(access, action)
    if agencies is None:
        return True
    return any(getattr(dossier, column) in agencies for column in OFFICER_COLUMNS[action])
