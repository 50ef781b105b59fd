"""Forms of the question pages. They check presence and size; the services check the rest.

Choices are codes (procedure code, commune code, agency code), never database ids, so that a link
such as ``?procedure=1.001193`` preselects a procedure.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import DomainError
from tinhso.core.models import AdministrativeUnit, Agency, AgencyLevel
from tinhso.procedures.models import AgencySlot, Procedure

from .models import ANSWER_MAX_LENGTH, BODY_MAX_LENGTH, REASON_MAX_LENGTH, TITLE_MAX_LENGTH
from .selectors import agencies_for_questions, communes_for_questions, procedures_for_questions

LENGTH_MESSAGES = {
    "max_length": _("Write at most %(limit_value)d characters (now %(show_value)d)."),
}


class QnaForm(forms.Form):
    required_css_class = "required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, exc: DomainError) -> None:
        """Put a service's error next to the fields it names (or above the form)."""
        errors = exc.details.get("errors") or {}
        placed = False
        for field, message in errors.items():
            if field in self.fields:
                self.add_error(field, message)
                placed = True
        if not placed:
            self.add_error(None, str(exc))


class ProcedureSelect(forms.Select):
    """Marks the options of commune-level procedures (``data-commune``) for qna.js."""

    commune_codes: frozenset[str] = frozenset()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.commune_codes:
            option["attrs"]["data-commune"] = "1"
        return option


def _procedure_choices(procedures: list[Procedure]) -> list[Any]:
    by_sector: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for procedure in procedures:
        by_sector[procedure.sector.name].append((procedure.code, procedure.name))
    return [("", _("General question (no particular procedure)")), *by_sector.items()]


def _agency_groups(agencies: list[Agency]) -> list[Any]:
    provincial = [(a.code, a.name) for a in agencies if a.level != AgencyLevel.COMMUNE_COMMITTEE]
    communal = [(a.code, a.name) for a in agencies if a.level == AgencyLevel.COMMUNE_COMMITTEE]
    groups: list[Any] = []
    if provincial:
        groups.append((_("Provincial agencies"), provincial))
    if communal:
        groups.append((_("Commune and ward People's Committees"), communal))
    return groups


class AskForm(QnaForm):
    procedure = forms.ChoiceField(
        label=_("Procedure"),
        required=False,
        widget=ProcedureSelect(attrs={"data-qna-procedure": ""}),
        help_text=_("Choose the procedure your question is about, if any."),
    )
    commune = forms.ChoiceField(
        label=_("Your commune or ward"),
        required=False,
        help_text=_("Needed when the commune or ward handles the procedure: it will answer."),
    )
    agency = forms.ChoiceField(
        label=_("Agency to ask"),
        required=False,
        help_text=_("For a general question only; the agency of a procedure is found for you."),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": _("Write the title."), **LENGTH_MESSAGES},
        help_text=_("A short summary, e.g. “Registering the birth of a child born abroad”."),
    )
    body = forms.CharField(
        label=_("Your question"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write your question."), **LENGTH_MESSAGES},
        help_text=_(
            "Do not write your ID number, phone number or other personal data: "
            "the question may be published."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._procedures = {p.code: p for p in procedures_for_questions()}
        self._communes = {u.code: u for u in communes_for_questions()}
        self._agencies = {a.code: a for a in agencies_for_questions()}
        procedure_field = self.fields["procedure"]
        procedure_field.choices = _procedure_choices(list(self._procedures.values()))
        procedure_field.widget.commune_codes = frozenset(
            code
            for code, p in self._procedures.items()
            if p.receiving_slot == AgencySlot.COMMUNE_COMMITTEE
        )
        self.fields["commune"].choices = [("", _("– choose –"))] + [
            (code, unit.name) for code, unit in self._communes.items()
        ]
        self.fields["agency"].choices = [
            ("", _("The provincial public administration service centre")),
            *_agency_groups(list(self._agencies.values())),
        ]

    def knows_procedure(self, code: str) -> bool:
        return code in self._procedures

    def clean_procedure(self) -> Procedure | None:
        code = self.cleaned_data.get("procedure")
        return self._procedures.get(code) if code else None

    def clean_commune(self) -> AdministrativeUnit | None:
        code = self.cleaned_data.get("commune")
        return self._communes.get(code) if code else None

    def clean_agency(self) -> Agency | None:
        code = self.cleaned_data.get("agency")
        return self._agencies.get(code) if code else None


class PublishForm(QnaForm):
    """The text the portal will show, proposed with ID numbers, phone numbers and e-mail
    addresses masked (``services.question_public_text``); the service masks it again. Left
    empty, it is that proposal."""

    public_title = forms.CharField(
        label=_("Public title"),
        required=False,
        max_length=TITLE_MAX_LENGTH,
        error_messages=LENGTH_MESSAGES,
    )
    public_body = forms.CharField(
        label=_("Public question"),
        required=False,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=LENGTH_MESSAGES,
        help_text=_(
            "What the portal shows. ID numbers, phone numbers and e-mail addresses are always "
            "hidden (****); remove any other personal detail, such as names or addresses."
        ),
    )


class AnswerForm(PublishForm):
    field_order = ["answer", "publish", "public_title", "public_body"]

    answer = forms.CharField(
        label=_("Answer"),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": _("Write the answer."), **LENGTH_MESSAGES},
        help_text=_("Cite the legal basis and the steps to follow; the asker sees the answer."),
    )
    publish = forms.BooleanField(
        label=_("Publish the question and the answer on the portal"),
        required=False,
        initial=True,
        help_text=_("The asker's name is never published."),
    )


class RejectForm(QnaForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Give the reason for rejecting the question."),
            **LENGTH_MESSAGES,
        },
        help_text=_("E.g. spam, offensive words, not about a public service. The asker sees it."),
    )


class TransferForm(QnaForm):
    agency = forms.ChoiceField(
        label=_("Agency that should answer"),
        error_messages={"required": _("Choose an active agency.")},
    )

    def __init__(self, *args: Any, exclude: Agency | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._agencies = {
            a.code: a for a in agencies_for_questions() if exclude is None or a.pk != exclude.pk
        }
        self.fields["agency"].choices = [
            ("", _("– choose –")),
            *_agency_groups(list(self._agencies.values())),
        ]

    def clean_agency(self) -> Agency | None:
        return self._agencies.get(self.cleaned_data.get("agency") or "")


class PublicSearchForm(QnaForm):
    """The public search (GET): free text, sector, procedure code."""

    q = forms.CharField(label=_("Search the answers"), required=False, max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    procedure = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)

    def __init__(self, *args: Any, sectors: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [("", _("All sectors"))] + [
            (sector.code, sector.name) for sector in sectors
        ]


class OfficerFilterForm(QnaForm):
    """The officer list's filters (GET); the status is a tab, kept in a hidden field."""

    status = forms.CharField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    agency = forms.ChoiceField(label=_("Agency"), required=False)

    def __init__(self, *args: Any, agencies: list[Agency] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("All my agencies"))] + [
            (str(agency.pk), agency.name) for agency in agencies
        ]
