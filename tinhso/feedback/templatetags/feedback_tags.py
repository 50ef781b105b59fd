"""Display helpers of the feedback pages: status badge classes, answers to category questions."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from tinhso.feedback.models import State

register = template.Library()

STATE_CLASSES = {
    State.NEW: "info",
    State.ASSIGNED: "info",
    State.IN_PROGRESS: "warn",
    State.REOPENED: "warn",
    State.ANSWERED: "ok",
    State.CLOSED: "ok",
    State.REJECTED: "bad",
}
DEADLINE_CLASSES = {"overdue": "bad", "due_soon": "warn", "on_track": ""}


@register.filter
def state_class(state: str) -> str:
    return STATE_CLASSES.get(state, "")


@register.filter
def deadline_class(status: str) -> str:
    return DEADLINE_CLASSES.get(status, "")


@register.filter
def deadline_label(status: str) -> str:
    return {"overdue": _("Overdue"), "due_soon": _("Due soon"), "on_track": _("On track")}.get(
        status, ""
    )


@register.simple_tag
def attribute_answers(report) -> list[tuple[str, str]]:
    """(question, answer) pairs, with list keys shown by their names."""
    answers = []
    for attribute in report.category.attributes.all():
        value = report.attributes.get(attribute.code)
        if value in (None, "", []):
            continue
        names = attribute.value_names()
        values = value if isinstance(value, list) else [value]
        answers.append(
            (attribute.description, ", ".join(names.get(str(v), str(v)) for v in values))
        )
    return answers
