"""Who may see and act on documents and work records: the rules, used through ``restrict``.

- **Incoming documents** (``incoming_rule``): the officers of the receiving agency (any handling
  role) see and act on its documents; a classified document (secrecy above "not classified") only
  its agency's leaders and administrators and the officers it was assigned to; a province
  administrator everything. Which action exactly is the transition table's business
  (``tinhso.documents.services``): the clerk registers and distributes, a leader assigns,
  the assignees give opinions.
- **Outgoing documents** (``outgoing_rule``): the officers of the issuing agency; a classified one
  only its leaders and administrators, its drafter and its signer.
- **File lists and work records** (``agency_rule``): the officers of the agency.

Roles count in active agencies only (see :mod:`tinhso.core.access`).
"""

from __future__ import annotations

from django.db.models import Q

from tinhso.core.access import Access, any_of, in_agencies
from tinhso.core.models import Role

from .models import Secrecy

# Officers who work with their agency's documents.
STAFF_ROLES = frozenset({Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER, Role.AGENCY_ADMIN})
# The clerk's work (văn thư: register, distribute, number, issue, return).
CLERK_ROLES = frozenset({Role.DESK_OFFICER, Role.SPECIALIST, Role.AGENCY_ADMIN})
# Leaders direct incoming documents and sign outgoing ones.
LEADER_ROLES = frozenset({Role.LEADER})
# Who sees classified documents of their agency.
SECRET_ROLES = frozenset({Role.LEADER, Role.AGENCY_ADMIN})


def staff_agencies(access: Access) -> frozenset[int] | None:
    """The agencies whose documents the user works with; None: every agency."""
    if not access.is_authenticated:
        return frozenset()
    if access.is_province_admin:
        return None
    return access.agencies(STAFF_ROLES)


def may_work_for(access: Access, agency_id: int) -> bool:
    agencies = staff_agencies(access)
    return agencies is None or agency_id in agencies


def holds(access: Access, agency_id: int, roles: frozenset[str]) -> bool:
    """The user holds one of ``roles`` in the agency (a province administrator: always)."""
    return access.is_province_admin or bool(access.roles_in(agency_id) & roles)


def _documents_rule(access: Access, own: list[Q]) -> Q:
    branches = in_agencies("agency_id", staff_agencies(access))
    if branches is None:
        return any_of(None)
    if not branches:
        return any_of([])
    agencies = sorted(access.agencies(STAFF_ROLES))
    secret_agencies = sorted(access.agencies(SECRET_ROLES))
    found = [
        Q(agency_id__in=agencies, secrecy=Secrecy.NORMAL),
        Q(agency_id__in=secret_agencies),
        *[Q(agency_id__in=agencies) & q for q in own],
    ]
    return any_of(found)


def incoming_rule(access: Access, action: str) -> Q:
    from .models import Assignment

    user_id = getattr(access.user, "pk", None)
    assigned = Q(pk__in=Assignment.objects.filter(user_id=user_id).values("document_id"))
    return _documents_rule(access, [assigned, Q(registered_by_id=user_id)])


# A classified outgoing document reaches the clerks once its signer approved it (they number,
# issue and register it).
CLERK_STATES = ("approved", "numbered", "issued", "cancelled", "revoked")


def outgoing_rule(access: Access, action: str) -> Q:
    user_id = getattr(access.user, "pk", None)
    clerked = Q(agency_id__in=sorted(access.agencies(CLERK_ROLES)), state__in=CLERK_STATES)
    return _documents_rule(access, [Q(drafted_by_id=user_id), Q(signer_id=user_id), clerked])


def agency_rule(access: Access, action: str) -> Q:
    return any_of(in_agencies("agency_id", staff_agencies(access)))


def sees_document(access: Access, document) -> bool:
    """The object form of the document rules (no query but the assignment check)."""
    if access.is_province_admin:
        return True
    if not may_work_for(access, document.agency_id):
        return False
    if document.secrecy == Secrecy.NORMAL or holds(access, document.agency_id, SECRET_ROLES):
        return True
    user_id = getattr(access.user, "pk", None)
    if hasattr(document, "assignments"):
        return (
            document.registered_by_id == user_id
            or document.assignments.filter(user_id=user_id).exists()
        )
    if document.state in CLERK_STATES and holds(access, document.agency_id, CLERK_ROLES):
        return True
    return user_id in (document.drafted_by_id, document.signer_id)


def copy_rule(access: Access, action: str) -> Q:
    """A copy (sao y, sao lục, trích sao) is seen by whoever sees the document it copies."""
    from .models import IncomingDocument, OutgoingDocument

    incoming = IncomingDocument.objects.restrict(access, action).values("pk")
    outgoing = OutgoingDocument.objects.restrict(access, action).values("pk")
    return Q(incoming_id__in=incoming) | Q(outgoing_id__in=outgoing)
