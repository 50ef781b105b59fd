"""Forms of the officer workspace: inbox search, counter reception, dossier actions, statistics.

The application form of a procedure is :class:`tinhso.procedures.forms.ApplicationForm`, the
same form the citizen portal shows.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import DomainError
from tinhso.core.models import ApplicantKind
from tinhso.core.periods import Period, period_choices, resolve_range
from tinhso.core.uploads import ALLOWED_TYPES, CheckedUpload, check_upload, max_upload_bytes
from tinhso.core.validators import clean_id_number
from tinhso.dossiers.models import Channel
from tinhso.procedures.forms import PREFIX
from tinhso.procedures.forms_schema import form_fields

ACCEPT = ",".join([*ALLOWED_TYPES, *(f".{ext}" for exts in ALLOWED_TYPES.values() for ext in exts)])
PHONE_RE = re.compile(r"^(\+84|0)[0-9]{8,10}$")
KEY_RE = re.compile(r"^[A-Za-z0-9-]{8,100}$")
MAX_PERIOD_DAYS = 3660


def set_file_attrs(form: forms.Form) -> None:
    """Give every file input of ``form`` its accepted types and size limit, at request time (the
    message in the active language, the limit from the current settings). ``workspace.js`` uses
    them to refuse an oversized file before it is uploaded; the server checks again."""
    limit = max_upload_bytes()
    for field in form.fields.values():
        if isinstance(field, forms.FileField):
            field.widget.attrs.update(
                {
                    "accept": ACCEPT,
                    "data-max-bytes": limit,
                    "data-too-large": gettext("The file is larger than the %(mb)d MB limit.")
                    % {"mb": limit // (1024 * 1024)},
                }
            )


def checked_upload(upload: Any) -> CheckedUpload:
    """Run the upload checks of the services (size, type by content, readable image) so that a
    bad file is reported next to its own field; the services take the checked file as it is."""
    try:
        return check_upload(upload)
    except DomainError as exc:
        raise ValidationError(str(exc), code=exc.code) from None


class CheckedFileField(forms.FileField):
    """A file checked like the services check it (PDF, JPEG or PNG by content, size limit)."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        return checked_upload(upload) if upload else upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files from one ``<input type=file multiple>``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return [checked_upload(upload) for upload in files]


# --- inbox and statistics -----------------------------------------------------------------


def _optional_choice(label: Any, *, empty_label: Any) -> forms.ModelChoiceField:
    """An optional choice of a row; the form's ``__init__`` gives the rows (its queryset)."""
    return forms.ModelChoiceField(
        label=label, queryset=None, required=False, empty_label=empty_label
    )


def _search(label: Any, *, max_length: int) -> forms.CharField:
    """The optional search box of a list."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class InboxSearchForm(forms.Form):
    q = _search(_("Code, applicant name or ID number"), max_length=100)


class PeriodForm(forms.Form):
    """A statistics period: a report period of Decree 09/2019 (the current report month by
    default) or a calendar month, or explicit days from and to (local days, both included)."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    start = forms.DateField(
        label=_("From"),
        required=False,
        help_text=_("Optional: days from and to replace the ends of the period."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        values = {
            name: (data.get(name) or "") if data is not None else "" for name in self.base_fields
        }
        super().__init__(values, **kwargs)
        today = timezone.localdate()
        key = values["period"]
        try:
            choices = period_choices(key, today, report=True)
        except DomainError:
            choices = period_choices("", today, report=True)
        self.fields["period"].choices = [(group, options) for group, options in choices]
        if not key:
            self.data = {**self.data, "period": Period.current_report_month(today).key}

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            period, start, end = resolve_range(
                cleaned.get("period"), cleaned.get("start"), cleaned.get("end")
            )
        except DomainError as exc:
            self.add_error("end", str(exc))
            return cleaned
        if (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("end", _("Choose a period of at most ten years."))
        cleaned.update(period_obj=period, start=start, end=end)
        return cleaned


class TrackingBookForm(PeriodForm):
    """The tracking book (BM.06) of one receiving agency for a period."""

    agency = forms.ModelChoiceField(label=_("Receiving agency"), queryset=None, required=False)

    field_order = ("agency", "period", "start", "end")

    def __init__(self, data: Any = None, *, agencies: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["agency"].empty_label = None
        self.fields["agency"].label_from_instance = lambda agency: agency.name  # no code shown
        self.order_fields(self.field_order)
        if not self.data.get("agency"):
            first = agencies.first()
            self.data = {**self.data, "agency": first.pk if first else ""}

    def clean_agency(self) -> Any:
        agency = self.cleaned_data.get("agency")
        if agency is None:
            raise ValidationError(_("You serve no agency whose tracking book you may read."))
        return agency


# --- counter reception ----------------------------------------------------------------------


class ProcedureSearchForm(forms.Form):
    q = _search(_("Procedure name or code"), max_length=200)


# The applicant's typed details that stand for the requester's fields of the application form
# (the field names of the portal's prefill from a profile: ``PROFILE_FIELDS``).
_APPLICANT_AS_PROFILE = {
    "full_name": "applicant_name",
    "personal_id": "applicant_id_number",
    "phone": "applicant_phone",
    "address": "applicant_address",
}


def requester_defaults(schema: dict, data: Any, applicant: dict[str, Any]) -> Any:
    """The posted data with the application form's requester fields that were left empty filled
    from the applicant typed above (``applicant``: the cleaned ``ApplicantForm``): the requester
    is the applicant unless the desk types someone else, so nothing is typed twice."""
    from tinhso.portal.selectors import PROFILE_FIELDS

    names = dict(form_fields(schema or {}))
    data = data.copy()
    for name, attribute in PROFILE_FIELDS[ApplicantKind.CITIZEN].items():
        value = applicant.get(_APPLICANT_AS_PROFILE.get(attribute, ""))
        if attribute == "personal_id" and not (value or "").isdigit():
            continue  # a tax code is no personal ID number
        if name in names and value and not (data.get(PREFIX + name) or "").strip():
            data[PREFIX + name] = value
    return data


class ApplicantForm(forms.Form):
    """The walk-in applicant as on their ID card, the commune when it matters, and the
    idempotency key that makes a double submission harmless."""

    channel = forms.TypedChoiceField(
        label=_("How the dossier arrived"),
        choices=[
            (Channel.COUNTER, Channel.COUNTER.label),
            (Channel.POST, Channel.POST.label),
        ],
        coerce=int,
        initial=Channel.COUNTER,
    )
    commune = _optional_choice(
        _("Commune or ward of the dossier"), empty_label=_("— Choose the commune —")
    )
    applicant_name = forms.CharField(
        label=_("Applicant's full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    applicant_id_number = forms.CharField(
        label=_("ID number (CCCD) or tax code"),
        max_length=20,
        help_text=_("12-digit personal ID number, or the 10-digit tax code of an organisation."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    applicant_phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    applicant_address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("Reception note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, communes: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        if communes is None or not communes.exists():
            del self.fields["commune"]
            return
        field = self.fields["commune"]
        field.queryset = communes
        field.label_from_instance = lambda unit: unit.name  # no internal unit code shown
        field.required = True
        if communes.count() == 1:
            field.initial = communes.first().pk
            field.empty_label = None

    def clean_applicant_name(self) -> str:
        name = " ".join(self.cleaned_data["applicant_name"].split())
        if len(name) < 2:
            raise ValidationError(_("Enter the applicant's full name."))
        return name

    def clean_applicant_id_number(self) -> str:
        return clean_id_number(self.cleaned_data["applicant_id_number"])

    def clean_applicant_phone(self) -> str:
        value = re.sub(r"[\s.\-()]", "", self.cleaned_data.get("applicant_phone") or "")
        if value and not PHONE_RE.match(value):
            raise ValidationError(
                _("Enter a Vietnamese phone number, e.g. 0912345678 or +84912345678.")
            )
        return value

    def clean_applicant_address(self) -> str:
        return " ".join((self.cleaned_data.get("applicant_address") or "").split())

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"].strip()
        if not KEY_RE.match(key):
            raise ValidationError(_("The form has expired: reload the page."))
        return key


EXPIRED_MESSAGE = _(
    "A file kept from the previous attempt is no longer available: attach it again."
)


class ComponentFilesForm(forms.Form):
    """One scan upload per dossier component; the required components must be scanned.

    Files that passed their checks survive a failed attempt (:meth:`keep`): they are stored as
    the officer's pending uploads and the re-rendered form lists them under their fields (a
    hidden ``<field>_kept`` key each, with a remove button), so nothing is chosen twice; the
    successful submission takes them over (:meth:`kept_keys`)."""

    def __init__(
        self,
        *args: Any,
        components: list,
        owner: Any = None,
        discarded: Any = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.components = list(components)
        self.owner = owner
        self.required_names: set[str] = set()
        for component in self.components:
            field = MultipleFileField(
                label=component.name,
                required=False,  # a kept file counts too: checked in clean()
                help_text=_("Required.") if component.required else _("Optional."),
            )
            name = f"component_{component.pk}"
            if component.required:
                field.widget.attrs["required"] = True
                self.required_names.add(name)
            self.fields[name] = field
        self.fields["other_files"] = MultipleFileField(label=_("Other documents"), required=False)
        set_file_attrs(self)
        self.kept: dict[str, list] = {name: [] for name in self.fields}
        self.expired: set[str] = set()
        self._new: dict[str, list] = {}
        if self.is_bound:
            self._find_kept(set(discarded or ()))

    def _find_kept(self, discarded: set[str]) -> None:
        from tinhso.core.selectors import pending_uploads_of

        wanted = {
            name: [k for k in self.data.getlist(f"{name}_kept") if k and k not in discarded]
            for name in self.fields
        }
        found = pending_uploads_of(
            owner=self.owner, keys=[key for keys in wanted.values() for key in keys]
        )
        seen: set[str] = set()  # a key counts once, under the first field that names it
        for name, keys in wanted.items():
            fresh = [key for key in dict.fromkeys(keys) if key not in seen]
            seen.update(fresh)
            self.kept[name] = [found[key] for key in fresh if key in found]
            if any(key not in found for key in fresh):
                self.expired.add(name)

    def clean(self) -> dict:
        cleaned = super().clean()
        self._new = {name: list(cleaned.get(name) or []) for name in self.fields}
        for name in self.fields:
            if name in self.expired:
                self.add_error(name, EXPIRED_MESSAGE)
            elif name in self.required_names and not self._new[name] and not self.kept[name]:
                self.add_error(name, _("Attach the scan of this document."))
        return cleaned

    def rows(self) -> list[tuple[Any, list]]:
        """(bound field, its kept files, required) in the form's order, for the template; a
        field with kept files needs no new file."""
        for name, records in self.kept.items():
            if records:
                self.fields[name].widget.attrs.pop("required", None)
        return [(self[name], self.kept[name], name in self.required_names) for name in self.fields]

    def _component(self, name: str) -> Any:
        return next((c for c in self.components if f"component_{c.pk}" == name), None)

    def uploads(self) -> list[tuple[Any, Any]]:
        """(component or None, checked file): the files chosen now, then the kept ones."""
        found = []
        for name in self.fields:
            component = self._component(name)
            found += [(component, upload) for upload in self.cleaned_data.get(name, [])]
            found += [(component, record.as_checked()) for record in self.kept[name]]
        return found

    def kept_keys(self) -> list[str]:
        return [record.key for records in self.kept.values() for record in records]

    def keep(self) -> None:
        """Store the files of this attempt that passed their checks as pending uploads, listed
        under their fields when the form is shown again."""
        from tinhso.core.services import pending_upload_keep

        if self.owner is None:
            return
        for name, uploads in self._new.items():
            for upload in uploads:
                if isinstance(upload, CheckedUpload) and not upload.stored_name:
                    self.kept[name].append(pending_upload_keep(owner=self.owner, checked=upload))
        self._new = {}


# --- dossier actions --------------------------------------------------------------------------


def _amount(label: Any) -> forms.IntegerField:
    """A sum of money in whole đồng."""
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=10**13,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _text(label: Any, *, required: bool, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ActionForm(forms.Form):
    """Base of the action forms: carries the dossier version the officer saw, so that an action
    taken on a page that has meanwhile gone stale is refused instead of applied blindly."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, dossier: Any = None, **kwargs: Any) -> None:
        self.dossier = dossier
        kwargs.setdefault("initial", {})
        if dossier is not None:
            kwargs["initial"].setdefault("version", dossier.version)
        super().__init__(*args, **kwargs)

    def params(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class NoteForm(ActionForm):
    note = _text(_("Note"), required=False, rows=2)


class ReasonForm(ActionForm):
    reason = _text(_("Reason"), required=True)


class TransferForm(ActionForm):
    to_user = _optional_choice(
        _("Hand over to"), empty_label=_("Anyone holding the role of the next step")
    )
    note = _text(_("Note"), required=False, rows=2)

    def __init__(self, *args: Any, candidates: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_user"]
        field.queryset = candidates
        field.label_from_instance = lambda user: user.get_full_name() or user.get_username()


class SupplementRequestForm(ActionForm):
    reason = _text(_("Reason for the supplement"), required=True)
    items = _text(
        _("Documents to supply"),
        required=False,
        help_text=_("One document per line; printed on the request (BM.02)."),
    )

    def params(self) -> dict:
        params = super().params()
        params["items"] = [line.strip() for line in params["items"].splitlines() if line.strip()]
        return params


class FilesWithComponentForm(ActionForm):
    component = _optional_choice(
        _("Dossier component"), empty_label=_("— Not a listed component —")
    )
    files = MultipleFileField(label=_("Scanned files"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["component"].queryset = self.dossier.procedure.components.order_by("order")
        self.fields["files"].error_messages["required"] = _("Attach at least one document.")
        set_file_attrs(self)

    def uploads(self) -> list[tuple[Any, Any]]:
        component = self.cleaned_data.get("component")
        return [(component, upload) for upload in self.cleaned_data["files"]]


class SupplementForm(FilesWithComponentForm):
    note = _text(_("Note"), required=False, rows=2)


class FeesForm(ActionForm):
    amount_vnd = _amount(_("Amount (VND)"))
    note = _text(_("Note"), required=False, rows=2)


class PayForm(ActionForm):
    amount_vnd = _amount(_("Amount paid (VND)"))
    reference = forms.CharField(label=_("Receipt number"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.dossier is not None and self.dossier.fee_vnd:
            self.fields["amount_vnd"].initial = self.dossier.fee_vnd


class ExtendForm(ActionForm):
    extra_days = forms.DecimalField(
        label=_("Extra working days"),
        min_value=Decimal("0.5"),
        max_value=Decimal(365),
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    reason = _text(
        _("Apology and reason for the extension"),
        required=True,
        help_text=_("Printed on the apology letter (BM.04) given to the applicant."),
    )


class ResultForm(ActionForm):
    file = CheckedFileField(
        label=_("Result document"),
        widget=forms.ClearableFileInput(attrs={"data-testid": "result-file"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_file_attrs(self)
