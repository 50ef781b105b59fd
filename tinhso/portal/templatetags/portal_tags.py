"""Display helpers of the portal pages: processing time, levels, online mode, file sizes.

``{% load portal_tags %}`` then ``{{ procedure|duration }}`` → "5 ngày làm việc",
``{{ procedure|levels_label }}`` → "Cấp xã", ``{{ record.size|filesize }}`` → "1,2 MB".
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tinhso.procedures.models import OnlineMode

register = template.Library()


def _number(value: Decimal | int | float) -> str:
    """``3``, ``0,5``: Vietnamese decimal comma, no trailing zeros."""
    return format(Decimal(str(value)).normalize(), "f").replace(".", ",")


@register.filter
def duration(procedure) -> str:
    """The legal processing time of a procedure, in working days or working hours."""
    if procedure.processing_hours is not None:
        value = procedure.processing_hours
        return ngettext(
            "%(count)s working hour", "%(count)s working hours", 1 if value == 1 else 2
        ) % {"count": _number(value)}
    if procedure.processing_days is not None:
        value = procedure.processing_days
        return ngettext(
            "%(count)s working day", "%(count)s working days", 1 if value == 1 else 2
        ) % {"count": _number(value)}
    return ""


def _working_time(hours: Decimal) -> str:
    if hours >= 8:
        days = max(Decimal("0.5"), (hours / 8 * 2).quantize(Decimal(1)) / 2)
        return ngettext(
            "%(count)s working day", "%(count)s working days", 1 if days == 1 else 2
        ) % {"count": _number(days)}
    hours = max(Decimal("0.5"), (hours * 2).quantize(Decimal(1)) / 2)
    return ngettext("%(count)s working hour", "%(count)s working hours", 1 if hours == 1 else 2) % {
        "count": _number(hours)
    }


@register.filter
def step_time(step, procedure) -> str:
    """About how long a step of the procedure takes: its share of the legal time, to the half
    day (or the half hour below a day): "khoảng 1,5 ngày làm việc"."""
    if procedure.processing_hours is not None:
        total = Decimal(procedure.processing_hours)
    elif procedure.processing_days is not None:
        total = Decimal(procedure.processing_days) * 8
    else:
        return ""
    return _("about %(time)s") % {"time": _working_time(total * Decimal(step.share) / 100)}


@register.filter
def levels_label(procedure) -> str:
    labels = []
    if procedure.at_province:
        labels.append(_("Province level"))
    if procedure.at_commune:
        labels.append(_("Commune level"))
    return ", ".join(labels)


@register.filter
def online_help(procedure) -> str:
    if procedure.online_mode == OnlineMode.FULL:
        return _("Submit, follow the processing and receive the result online.")
    if procedure.online_mode == OnlineMode.PARTIAL:
        return _(
            "Submit and follow the dossier online; the result is handed over at the "
            "one-stop desk (or sent by post)."
        )
    return _("This procedure is carried out at the one-stop desk only.")


@register.filter
def filesize(size) -> str:
    if size is None:
        return ""
    size = int(size)
    if size < 1024:
        return _("%(n)s bytes") % {"n": size}
    if size < 1024 * 1024:
        return _("%(n)s KB") % {"n": _number(round(size / 1024, 1))}
    return _("%(n)s MB") % {"n": _number(round(size / (1024 * 1024), 1))}


@register.filter
def get_item(mapping, key):
    """``{{ errors|get_item:field.path }}``: a dictionary lookup with a variable key."""
    if not mapping:
        return None
    return mapping.get(key)
