"""What an officer can do on the dossier page: one entry per action, with its form and service.

The action names are those of :mod:`tinhso.dossiers.transitions` (``data-action`` on each
button), plus two operations that change no state: ``attach_result`` (an electronic result
document) and ``add_files`` (scans added by the desk). Availability comes from
:func:`tinhso.dossiers.selectors.actions_for`, refined with what the services will accept, so no
button leads to an action the service would refuse anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import Role
from tinhso.core.selectors import user_roles
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, State
from tinhso.dossiers.selectors import actions_for

from . import forms as f
from .selectors import next_step, transfer_candidates

# Button labels of the actions (imperative).
ACTION_LABELS: dict[str, Promise] = {
    "receive": _("Receive"),
    "refuse": _("Refuse reception"),
    "transfer": _("Transfer to the next step"),
    "request_supplement": _("Request a supplement"),
    "supplement": _("Record the supplement"),
    "accept_supplement": _("Accept the supplement"),
    "pause": _("Pause processing"),
    "resume": _("Resume processing"),
    "request_fees": _("Request fees"),
    "pay": _("Record the payment"),
    "approve": _("Approve and sign"),
    "finish": _("Finish processing"),
    "extend": _("Extend with an apology letter"),
    "return_result": _("Return the result"),
    "confirm_withdraw": _("Confirm the withdrawal"),
    "stop": _("Stop processing"),
    "attach_result": _("Attach the result"),
    "add_files": _("Add scanned documents"),
}

# What each row of the process control slip (BM.05) records (the event's action).
EVENT_LABELS: dict[str, Promise] = {
    "submit": _("Dossier submitted"),
    "receive": _("Dossier received"),
    "refuse": _("Reception refused"),
    "transfer": _("Handed over to the next step"),
    "request_supplement": _("Supplement requested"),
    "supplement": _("Supplement submitted"),
    "accept_supplement": _("Supplement accepted"),
    "pause": _("Processing paused"),
    "resume": _("Processing resumed"),
    "request_fees": _("Fees requested"),
    "pay": _("Fees paid"),
    "approve": _("Approved and signed"),
    "finish": _("Processing finished"),
    "extend": _("Extended, apology letter issued"),
    "return_result": _("Result returned"),
    "withdraw": _("Applicant asked to withdraw"),
    "confirm_withdraw": _("Withdrawal confirmed"),
    "stop": _("Processing stopped"),
    "rate": _("Satisfaction rated"),
}

HELP: dict[str, Promise] = {
    "receive": _("The legal time starts counting (from the next working day after 15:00)."),
    "refuse": _("The applicant receives a refusal (BM.03) with the reason."),
    "request_supplement": _("The clock stops until the applicant supplies the documents."),
    "supplement": _("Documents the applicant brought to the desk."),
    "accept_supplement": _("Processing resumes; the due date moves by the time waited."),
    "pause": _("The clock stops until processing resumes."),
    "request_fees": _("The clock stops until the fees are paid."),
    "pay": _("Cash paid at the desk."),
    "extend": _("Required when the dossier will be late: at least one working day before."),
    "return_result": _("The result is handed to the applicant; the dossier closes."),
    "stop": _("Processing stops for good; the dossier closes."),
    "attach_result": _("The electronic result (PDF or image), kept with the dossier."),
}

# Stopping cannot be undone: the button asks first (``data-confirm``).
CONFIRM: dict[str, Promise] = {
    "stop": _("Stop processing this dossier for good?"),
}

# Applicant-only actions never appear in the workspace.
APPLICANT_ONLY = {"withdraw", "rate"}


@dataclass(frozen=True)
class ActionSpec:
    name: str
    form_class: type[f.ActionForm]
    run: Callable[[Any, Dossier, dict, f.ActionForm], Any]
    secondary: bool = False
    form_kwargs: Callable[[Dossier], dict] = field(default=lambda dossier: {})

    @property
    def label(self) -> Promise:
        return ACTION_LABELS[self.name]

    @property
    def help(self) -> Promise | str:
        return HELP.get(self.name, "")

    @property
    def confirm(self) -> Promise | str:
        return CONFIRM.get(self.name, "")

    @property
    def multipart(self) -> bool:
        return issubclass(self.form_class, f.FilesWithComponentForm | f.ResultForm)

    def form(self, dossier: Dossier, data: Any = None, files: Any = None) -> f.ActionForm:
        return self.form_class(
            data, files, dossier=dossier, prefix=self.name, **self.form_kwargs(dossier)
        )


def _note(name: str, service: Callable, **extra: Any) -> ActionSpec:
    return ActionSpec(
        name,
        f.NoteForm,
        lambda user, d, p, form: service(actor=user, dossier=d, note=p["note"]),
        **extra,
    )


def _reason(name: str, service: Callable, **extra: Any) -> ActionSpec:
    return ActionSpec(
        name,
        f.ReasonForm,
        lambda user, d, p, form: service(actor=user, dossier=d, reason=p["reason"]),
        **extra,
    )


SPECS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in [
        _note("receive", services.dossier_receive),
        _reason("refuse", services.dossier_refuse, secondary=True),
        ActionSpec(
            "transfer",
            f.TransferForm,
            lambda user, d, p, form: services.dossier_transfer(
                actor=user, dossier=d, to_user=p["to_user"], note=p["note"]
            ),
            form_kwargs=lambda d: {"candidates": transfer_candidates(d)},
        ),
        ActionSpec(
            "request_supplement",
            f.SupplementRequestForm,
            lambda user, d, p, form: services.dossier_request_supplement(
                actor=user, dossier=d, reason=p["reason"], items=p["items"]
            ),
            secondary=True,
        ),
        ActionSpec(
            "supplement",
            f.SupplementForm,
            lambda user, d, p, form: services.dossier_supplement(
                actor=user, dossier=d, uploads=form.uploads(), note=p["note"]
            ),
        ),
        _note("accept_supplement", services.dossier_accept_supplement),
        _reason("pause", services.dossier_pause, secondary=True),
        _note("resume", services.dossier_resume),
        ActionSpec(
            "request_fees",
            f.FeesForm,
            lambda user, d, p, form: services.dossier_request_fees(
                actor=user, dossier=d, amount_vnd=p["amount_vnd"], note=p["note"]
            ),
            secondary=True,
        ),
        ActionSpec(
            "pay",
            f.PayForm,
            lambda user, d, p, form: services.dossier_pay(
                actor=user,
                dossier=d,
                amount_vnd=p["amount_vnd"],
                online=False,
                reference=p["reference"],
            ),
        ),
        _note("approve", services.dossier_approve),
        _note("finish", services.dossier_finish),
        ActionSpec(
            "extend",
            f.ExtendForm,
            lambda user, d, p, form: services.dossier_extend(
                actor=user, dossier=d, reason=p["reason"], extra_days=p["extra_days"]
            ),
            secondary=True,
        ),
        ActionSpec(
            "attach_result",
            f.ResultForm,
            lambda user, d, p, form: services.dossier_attach_result(
                actor=user, dossier=d, upload=p["file"]
            ),
        ),
        _note("return_result", services.dossier_return_result),
        _note("confirm_withdraw", services.dossier_confirm_withdraw),
        _reason("stop", services.dossier_stop, secondary=True),
        ActionSpec(
            "add_files",
            f.FilesWithComponentForm,
            lambda user, d, p, form: services.dossier_add_files(
                actor=user, dossier=d, uploads=form.uploads()
            ),
            secondary=True,
        ),
    ]
}


def available_actions(*, user: Any, dossier: Dossier) -> list[str]:
    """The workspace actions this officer may take on the dossier now, in page order."""
    allowed = set(actions_for(user=user, dossier=dossier)) - APPLICANT_ONLY
    step_actions = allowed & {"transfer", "approve", "finish"}
    if step_actions:
        if next_step(dossier) is not None:
            allowed -= {"approve", "finish"}
        else:
            allowed.discard("transfer")
        if "approve" in allowed:
            allowed.discard("finish")
    desk = Role.DESK_OFFICER in user_roles(user, dossier.receiving_agency)
    # A result document can be attached while processing (by whoever holds the current step)
    # and once finished (by the desk that returns it).
    if (dossier.state == State.PROCESSING and step_actions) or (
        dossier.state == State.FINISHED and desk
    ):
        allowed.add("attach_result")
    if desk and not dossier.is_final:
        allowed.add("add_files")
    return [name for name in SPECS if name in allowed]
