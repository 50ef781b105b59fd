"""The dossier actions a user may take now, and the one table that runs each of them.

The API, the officer's workspace and the applicant's portal all offer what
:func:`available_actions` returns and run an action through :data:`ACTIONS`; each only turns its
own input (a JSON body, a form, a posted page) into the service's keyword arguments.
Availability is the transition table (:mod:`.transitions`) filtered by the guard the services
enforce (:func:`.services.refusal`), so nothing is offered that the service would refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, check_length
from tinhso.core.models import Role

from . import services
from .models import Dossier
from .services import Lookups
from .transitions import TRANSITIONS


@dataclass(frozen=True)
class Action:
    """A service and the keyword arguments it takes besides ``actor`` and ``dossier``."""

    service: Callable[..., Any]
    inputs: tuple[str, ...] = ()

    @property
    def takes_files(self) -> bool:
        return bool({"uploads", "upload"} & set(self.inputs))

    def run(self, *, actor: Any, dossier: Dossier, values: Mapping[str, Any]) -> Any:
        """Call the service with the inputs found in ``values``; missing optional ones keep
        the service's default. Free text over its cap is refused (:func:`check_sizes`)."""
        kwargs = {name: values[name] for name in self.inputs if name in values}
        check_sizes(kwargs)
        return self.service(actor=actor, dossier=dossier, **kwargs)


# The caps of the free-text inputs of the actions, whatever the channel (API, portal, workspace).
TEXT_LIMITS = {"note": 2000, "reason": 2000, "comment": 2000, "reference": 100}
ITEMS_MAX = 30  # documents asked for in one supplement request
ITEM_MAX_LENGTH = 500


def check_sizes(values: Mapping[str, Any]) -> None:
    """Refuse (``DomainError`` naming the field) a note, reason, comment or reference longer
    than its cap, and a list of requested documents too long or with an over-long item."""
    for name, limit in TEXT_LIMITS.items():
        value = values.get(name)
        if isinstance(value, str):
            check_length(value.strip(), field=name, limit=limit)
    items = values.get("items") or []
    if len(items) > ITEMS_MAX:
        raise DomainError(
            "too_many_items",
            _("List at most %(limit)d documents (now %(count)d).")
            % {"limit": ITEMS_MAX, "count": len(items)},
            field="items",
            limit=ITEMS_MAX,
        )
    for index, item in enumerate(items):
        check_length(str(item).strip(), field=f"items.{index}", limit=ITEM_MAX_LENGTH)


# Action name → service. The transitions of the table, then two operations that change no
# state: ``attach_result`` (an electronic result document) and ``add_files`` (scans, or the
# applicant's files before reception).
ACTIONS: dict[str, Action] = {
    "receive": Action(services.dossier_receive, ("note",)),
    "refuse": Action(services.dossier_refuse, ("reason",)),
    "transfer": Action(services.dossier_transfer, ("to_user", "note")),
    "request_supplement": Action(services.dossier_request_supplement, ("reason", "items")),
    "supplement": Action(services.dossier_supplement, ("uploads", "note")),
    "accept_supplement": Action(services.dossier_accept_supplement, ("note",)),
    "pause": Action(services.dossier_pause, ("reason",)),
    "resume": Action(services.dossier_resume, ("note",)),
    "request_fees": Action(services.dossier_request_fees, ("amount_vnd", "note")),
    "pay": Action(services.dossier_record_counter_payment, ("reference", "amount_vnd")),
    "approve": Action(services.dossier_approve, ("note",)),
    "rework": Action(services.dossier_rework, ("reason",)),
    "finish": Action(services.dossier_finish, ("note",)),
    "extend": Action(services.dossier_extend, ("reason", "extra_days")),
    "return_result": Action(services.dossier_return_result, ("note",)),
    "withdraw": Action(services.dossier_withdraw, ("reason",)),
    "confirm_withdraw": Action(services.dossier_confirm_withdraw, ("note",)),
    "stop": Action(services.dossier_stop, ("reason",)),
    "rate": Action(services.dossier_rate, ("score", "comment")),
    "attach_result": Action(services.dossier_attach_result, ("upload",)),
    "add_files": Action(services.dossier_add_files, ("uploads",)),
}

# The operations of ACTIONS that are no transition, each with the guard its service enforces.
OPERATIONS: dict[str, Callable[[Any, Dossier, Lookups], Any]] = {
    "attach_result": services.attach_result_refusal,
    "add_files": services.add_files_refusal,
}


def available_actions(
    *, user: Any, dossier: Dossier, lookups: Lookups | None = None, operations: bool = False
) -> list[str]:
    """The transitions ``user`` may take on the dossier now, in the table's order (with
    ``operations``, the operations of :data:`OPERATIONS` they may take too).

    ``lookups`` may be shared by the dossiers of one page, so that it costs one role look-up per
    agency. Where the guard allows both, signing is the leader's way to close a leader's step:
    ``approve`` is offered at a leader's step only, and ``finish`` is not offered beside it.
    """
    lookups = lookups or Lookups(user)
    found = [
        action
        for action, transition in TRANSITIONS.items()
        if action != "submit"
        and dossier.state in transition.sources
        and services.refusal(user, dossier, transition, lookups) is None
    ]
    step = dossier.current_step
    if "approve" in found and step is not None and step.role != Role.LEADER:
        found.remove("approve")
    if "approve" in found and "finish" in found:
        found.remove("finish")
    if operations:
        found += [
            name for name, guard in OPERATIONS.items() if guard(user, dossier, lookups) is None
        ]
    return found
