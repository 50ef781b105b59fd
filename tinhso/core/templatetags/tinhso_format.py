"""Display filters shared by every page: money in VND, dates dd/mm/yyyy.

``{% load tinhso_format %}`` then ``{{ amount|vnd }}`` → ``1.250.000 ₫``,
``{{ when|vndate }}`` → ``03/02/2027``, ``{{ when|vndatetime }}`` → ``10:00 03/02/2027``.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext

from tinhso.core.selectors import counting_terms

register = template.Library()


def group_thousands(value: int) -> str:
    """``1234567`` → ``"1.234.567"`` (Vietnamese groups thousands with dots)."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(int(value)):,}".replace(",", ".")


@register.filter
def vnd(value) -> str:
    """An amount of đồng: ``1.250.000 ₫``; empty for ``None``."""
    if value is None or value == "":
        return ""
    return f"{group_thousands(int(value))} ₫"


@register.filter
def thousands(value) -> str:
    if value is None or value == "":
        return ""
    return group_thousands(int(value))


def _local(value):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def vndate(value) -> str:
    if not value:
        return ""
    return _local(value).strftime("%d/%m/%Y")


@register.filter
def vndatetime(value) -> str:
    if not value:
        return ""
    value = _local(value)
    if not isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    return value.strftime("%H:%M %d/%m/%Y")


@register.simple_tag
def counting_rule() -> str:
    """The province's way of counting time limits, in one sentence (working hours, cut-off)."""
    return (
        gettext(
            "Time limits count working days of %(hours)s hours (%(periods)s); a dossier "
            "received after %(cutoff)s or on a day off counts as received at the start of the "
            "next working day."
        )
        % counting_terms()
    )
