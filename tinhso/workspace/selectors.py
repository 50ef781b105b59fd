"""Reads for the officer workspace, always scoped to the acting officer.

The dossier lists and the dossier itself come from :mod:`tinhso.dossiers.selectors`; this module
adds what only the workspace pages need: who counts as an officer, which procedures a desk officer
can receive at the counter and for which communes, and who can take the next step.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from tinhso.core.access import as_access
from tinhso.core.collation import vi_order
from tinhso.core.models import AdministrativeUnit, Agency, Role, UnitLevel
from tinhso.dossiers.models import Dossier
from tinhso.procedures.models import AgencySlot, Procedure, ProcessStep, StepAgency
from tinhso.procedures.selectors import procedure_search

COMMUNE_KEY_PREFIX = "commune_"


def is_officer(user: Any) -> bool:
    """An authenticated user holding at least one active officer role (or a superuser)."""
    access = as_access(user)
    return access.is_authenticated and access.is_officer


def default_box(user: Any) -> str:
    """The list an officer sees first: the desk receives, specialists process, leaders sign."""
    roles = as_access(user).roles
    if Role.DESK_OFFICER in roles:
        return "to_receive"
    if Role.LEADER in roles and Role.SPECIALIST not in roles:
        return "to_sign"
    return "to_process"


def search_dossiers(qs: QuerySet[Dossier], query: str) -> QuerySet[Dossier]:
    """Narrow an inbox by dossier code, applicant name or applicant ID number."""
    query = (query or "").strip()[:100]
    if not query:
        return qs
    return qs.filter(
        Q(code__icontains=query) | Q(applicant_name__icontains=query) | Q(applicant_id_number=query)
    )


def desk_agencies(user: Any) -> QuerySet[Agency]:
    """Active agencies where the user is an active one-stop desk officer."""
    return Agency.objects.filter(
        pk__in=sorted(as_access(user).agencies([Role.DESK_OFFICER]))
    ).order_by(vi_order("name"), "code")


def _receivable_filter(user: Any) -> Q | None:
    agencies = list(desk_agencies(user))
    if not agencies:
        return None
    keys = {agency.key for agency in agencies}
    found = Q(receiving_slot=AgencySlot.DEPARTMENT, receiving_department__in=agencies)
    if "service_centre" in keys:
        found |= Q(receiving_slot=AgencySlot.SERVICE_CENTRE)
    if any(key.startswith(COMMUNE_KEY_PREFIX) for key in keys):
        found |= Q(receiving_slot=AgencySlot.COMMUNE_COMMITTEE)
    return found


def receivable_procedures(*, user: Any, query: str = "") -> QuerySet[Procedure]:
    """Procedures in force that this desk officer's agencies receive, searched like the
    catalogue (accent-insensitive, exact code first)."""
    found = _receivable_filter(user)
    if found is None:
        return Procedure.objects.none()
    return procedure_search(user=None, query=query).filter(found, is_active=True)


def receivable_procedure(*, user: Any, code: str) -> Procedure | None:
    """One procedure this desk officer can receive, or None."""
    found = _receivable_filter(user)
    if found is None or not code:
        return None
    return Procedure.objects.filter(found, is_active=True, code=code).first()


def needs_commune(procedure: Procedure) -> bool:
    """Whether the commune decides which agency receives or decides the dossier."""
    return AgencySlot.COMMUNE_COMMITTEE in (procedure.receiving_slot, procedure.deciding_slot)


def reception_communes(*, user: Any, procedure: Procedure) -> QuerySet[AdministrativeUnit]:
    """The communes a walk-in dossier of ``procedure`` can belong to when this officer receives
    it: the communes whose committee desk they serve when the commune receives, every current
    commune when only the decision is the commune's. Empty when no commune is needed."""
    if not needs_commune(procedure):
        return AdministrativeUnit.objects.none()
    communes = AdministrativeUnit.objects.current().filter(level=UnitLevel.COMMUNE)
    if procedure.receiving_slot == AgencySlot.COMMUNE_COMMITTEE:
        codes = [
            key.removeprefix(COMMUNE_KEY_PREFIX)
            for key in desk_agencies(user).values_list("key", flat=True)
            if key.startswith(COMMUNE_KEY_PREFIX)
        ]
        communes = communes.filter(code__in=codes)
    return communes.order_by(vi_order("name"), "code")


def next_step(dossier: Dossier) -> ProcessStep | None:
    """The process step after the dossier's current one, if any."""
    if dossier.current_step is None:
        return None
    return (
        dossier.procedure.steps.filter(order__gt=dossier.current_step.order)
        .order_by("order")
        .first()
    )


def step_agency(dossier: Dossier, step: ProcessStep) -> Agency:
    if step.agency == StepAgency.RECEIVING:
        return dossier.receiving_agency
    return dossier.deciding_agency


def transfer_candidates(dossier: Dossier) -> QuerySet:
    """Officers who hold the role of the dossier's next step in the agency of that step."""
    step = next_step(dossier)
    user_model = get_user_model()
    if step is None:
        return user_model.objects.none()
    return (
        user_model.objects.filter(
            is_active=True,
            assignments__agency=step_agency(dossier, step),
            assignments__role=step.role,
            assignments__is_active=True,
        )
        .distinct()
        .order_by(vi_order("first_name"), vi_order("last_name"), "username")
    )


def entered_with(*, user: Any, idempotency_key: str) -> Dossier | None:
    """The dossier this officer entered with ``idempotency_key`` (marked ``replayed``), or
    None: a repeated counter form whose kept scans that dossier took already."""
    from tinhso.core.lifecycle import replayed

    return replayed(Dossier.objects.filter(submitted_by=user), idempotency_key)
