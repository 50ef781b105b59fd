"""What an officer can do on the dossier page: one entry per action, with its form.

The action names are those of :data:`tinhso.dossiers.actions.ACTIONS` (``data-action`` on each
button): the transitions plus two operations that change no state, ``attach_result`` and
``add_files``. Which are offered, and the service each runs, come from
:mod:`tinhso.dossiers.actions`, so no button leads to an action the service would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.actions import ACTIONS
from tinhso.dossiers.actions import available_actions as dossier_actions
from tinhso.dossiers.models import Dossier

from . import forms as f
from .selectors import transfer_candidates

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
    "pay": _("Record a counter payment"),
    "approve": _("Approve and sign"),
    "rework": _("Send back for rework"),
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
    "rework": _("Sent back to the specialist for rework"),
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
    "supplement": _("Documents the applicant brought to the desk; the clock restarts now."),
    "accept_supplement": _(
        "The clock restarted when the supplement arrived. If it is still insufficient, request a "
        "new supplement instead."
    ),
    "pause": _("The clock stops until processing resumes."),
    "request_fees": _("The clock stops until the fees are paid."),
    "pay": _("Fees paid at the desk, with the number of the receipt issued."),
    "extend": _(
        "Gives the applicant a new appointment, only before the lead time preceding the legal due "
        "date; the dossier is still judged against the legal due date."
    ),
    "return_result": _("The result is handed to the applicant; the dossier closes."),
    "stop": _("Processing stops for good; the dossier closes."),
    "attach_result": _("The electronic result (PDF or image), kept with the dossier."),
    "rework": _(
        "The dossier goes back to the specialist's step with your reason; the legal clock keeps "
        "running."
    ),
}

# Stopping cannot be undone: the button asks first (``data-confirm``).
CONFIRM: dict[str, Promise] = {
    "stop": _("Stop processing this dossier for good?"),
}

# Applicant-only actions never appear in the workspace.
APPLICANT_ONLY = {"withdraw", "rate"}


def _dispatch(user: Any, dossier: Dossier, params: dict, form: f.ActionForm) -> Any:
    """Run the form's action (its prefix) through the one dispatch table."""
    values = dict(params)
    if "file" in params:
        values["upload"] = params["file"]
    if hasattr(form, "uploads"):
        values["uploads"] = form.uploads()
    return ACTIONS[form.prefix].run(actor=user, dossier=dossier, values=values)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    form_class: type[f.ActionForm]
    run: Callable[[Any, Dossier, dict, f.ActionForm], Any] = _dispatch
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


SPECS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in [
        ActionSpec("receive", f.NoteForm),
        ActionSpec("refuse", f.ReasonForm, secondary=True),
        ActionSpec(
            "transfer",
            f.TransferForm,
            form_kwargs=lambda d: {"candidates": transfer_candidates(d)},
        ),
        ActionSpec("request_supplement", f.SupplementRequestForm, secondary=True),
        ActionSpec("supplement", f.SupplementForm),
        ActionSpec("accept_supplement", f.NoteForm),
        ActionSpec("pause", f.ReasonForm, secondary=True),
        ActionSpec("resume", f.NoteForm),
        ActionSpec("request_fees", f.FeesForm, secondary=True),
        ActionSpec("pay", f.PayForm),
        ActionSpec("approve", f.NoteForm),
        ActionSpec("rework", f.ReasonForm, secondary=True),
        ActionSpec("finish", f.NoteForm),
        ActionSpec("extend", f.ExtendForm, secondary=True),
        ActionSpec("attach_result", f.ResultForm),
        ActionSpec("return_result", f.NoteForm),
        ActionSpec("confirm_withdraw", f.NoteForm),
        ActionSpec("stop", f.ReasonForm, secondary=True),
        ActionSpec("add_files", f.FilesWithComponentForm, secondary=True),
    ]
}


def available_actions(*, user: Any, dossier: Dossier) -> list[str]:
    """The workspace actions this officer may take on the dossier now, in page order."""
    allowed = set(dossier_actions(user=user, dossier=dossier, operations=True)) - APPLICANT_ONLY
    return [name for name in SPECS if name in allowed]
