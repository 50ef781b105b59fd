"""Who may see and act on a question: the one rule, used through ``Question.objects.restrict``.

- **view**: everyone sees the published answers; an asker their own questions in any state; an
  officer in a handling role the questions of the agencies they serve; a province administrator
  every question.
- **act** (answer, reject, publish, transfer): an officer in a handling role the questions of
  their agencies; a province administrator every question. The asker takes no action after
  asking.

Roles count in active agencies only (see :mod:`tinhso.core.access`).
"""

from __future__ import annotations

from django.db.models import Q

from tinhso.core.access import VIEW, Access, any_of, in_agencies
from tinhso.core.models import Role

from .models import QuestionStatus

# Roles that may answer, reject, publish and transfer the questions of their agency.
HANDLING_ROLES = (Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER, Role.AGENCY_ADMIN)
PUBLISHED = Q(is_published=True, status=QuestionStatus.ANSWERED)


def officer_agencies(access: Access) -> frozenset[int] | None:
    """The agencies whose questions the user handles (and sees as an officer); None: all."""
    if not access.is_authenticated:
        return frozenset()
    if access.is_province_admin:
        return None
    return access.agencies(HANDLING_ROLES)


def officer_rule(access: Access) -> Q:
    """The questions the user reaches as an officer (the officer's list)."""
    return any_of(in_agencies("agency_id", officer_agencies(access)))


def question_rule(access: Access, action: str) -> Q:
    branches = in_agencies("agency_id", officer_agencies(access))
    if branches is None or action != VIEW:
        return any_of(branches)
    if access.is_authenticated:
        branches.append(Q(asker=access.user))
    return any_of([*branches, PUBLISHED])
