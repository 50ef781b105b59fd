"""Routing and handling-time rules: which agency answers a report, and by when.

Both are data (``RoutingRule``, ``SlaRule``), edited in the admin and loaded by
``load_demo_feedback``; this module only applies them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.models import AdministrativeUnit, Agency, AgencyLevel
from tinhso.core.workcalendar import WorkCalendar

from .models import Category, RoutingRule, RoutingTarget, SlaRule, Urgency

# Used only when no rule at all is configured: Decision 766/QĐ-TTg expects feedback to be
# handled within 15 working days; an urgent report within one working day.
FALLBACK_SLA = {Urgency.NORMAL: (Decimal(15), None), Urgency.URGENT: (None, Decimal(8))}


def commune_committee(commune: AdministrativeUnit) -> Agency | None:
    return (
        Agency.objects.filter(unit=commune, level=AgencyLevel.COMMUNE_COMMITTEE, is_active=True)
        .order_by("code")
        .first()
    )


def _specificity(rule: RoutingRule, depth: dict[int, int]) -> tuple[int, int, int, int]:
    where = 2 if rule.commune_id else (1 if rule.commune_kind else 0)
    what = depth.get(rule.category_id, 0) if rule.category_id else 0
    # Sorted ascending: negate what should come first.
    return (-what, -where, rule.priority, rule.pk)


def route(*, category: Category, commune: AdministrativeUnit | None) -> tuple[Agency, RoutingRule]:
    """The agency responsible for a report of ``category`` in ``commune`` (which may be unknown).

    A rule naming "the commune's committee" is skipped when the commune is unknown or has no
    active committee, so that a broader rule (e.g. a provincial department) takes over.
    """
    chain = category.ancestors_and_self()
    # The category itself is the most specific: depth = distance from the root + 1.
    depth = {node.pk: len(chain) - index for index, node in enumerate(chain)}
    where = Q(commune__isnull=True, commune_kind="")
    if commune is not None:
        where |= Q(commune=commune) | Q(commune__isnull=True, commune_kind=commune.kind)
    rules = list(
        RoutingRule.objects.filter(is_active=True)
        .filter(Q(category__isnull=True) | Q(category_id__in=list(depth)))
        .filter(where)
        .select_related("agency")
    )
    rules.sort(key=lambda rule: _specificity(rule, depth))
    for rule in rules:
        if rule.target == RoutingTarget.AGENCY:
            if rule.agency is not None and rule.agency.is_active:
                return rule.agency, rule
            continue
        if commune is not None:
            agency = commune_committee(commune)
            if agency is not None:
                return agency, rule
    raise DomainError(
        "no_route",
        _(
            "No agency is set to handle “%(category)s” reports here yet; "
            "please tell the province's operations centre."
        )
        % {"category": category.name},
    )


@dataclass(frozen=True)
class Sla:
    days: Decimal | None
    hours: Decimal | None

    def due_at(self, calendar: WorkCalendar, received_at: dt.datetime) -> dt.datetime:
        return calendar.due_at(received_at, days=self.days, hours=self.hours)

    def label(self) -> str:
        parts = []
        if self.days:
            parts.append(_("%(n)s working days") % {"n": _number(self.days)})
        if self.hours:
            parts.append(_("%(n)s working hours") % {"n": _number(self.hours)})
        return " + ".join(parts)


def _number(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def sla_for(*, category: Category, urgency: str) -> Sla:
    """The nearest rule up the category tree, then the default rule, then the fallback."""
    chain = category.ancestors_and_self()
    rules = {
        rule.category_id: rule
        for rule in SlaRule.objects.filter(urgency=urgency).filter(
            Q(category__isnull=True) | Q(category_id__in=[node.pk for node in chain])
        )
    }
    for node in [*chain, None]:
        rule = rules.get(node.pk if node else None)
        if rule is not None:
            return Sla(days=rule.days, hours=rule.hours)
    days, hours = FALLBACK_SLA[Urgency(urgency)]
    return Sla(days=days, hours=hours)
