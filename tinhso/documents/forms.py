"""Forms of the document pages: they check the shape of the input; the services check the rules."""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import DomainError

from .kinds import TYPE_CHOICES
from .models import NUMBER_SYMBOL_MAX_LENGTH, SUMMARY_MAX_LENGTH, AssignmentRole, Secrecy, Urgency

# An organ's electronic code on the exchange axis (Decision 20/2020: 000.00.00.H44).
ORGAN_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]{1,39}")


class DomainErrorsMixin:
    def add_domain_error(self, exc: DomainError) -> None:
        errors = exc.details.get("errors") or {}
        placed = False
        for name, message in errors.items():
            if name in self.fields:
                self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, str(exc))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Number, symbol or summary"), required=False, max_length=200)
    sender = forms.CharField(label=_("Sender or recipient"), required=False, max_length=200)
    date_from = forms.DateField(label=_("Document date from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("to"), required=False, widget=DateInput())
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("All my agencies"))] + [
            (a.pk, a.name) for a in agencies
        ]


class IncomingForm(DomainErrorsMixin, forms.Form):
    agency = forms.TypedChoiceField(label=_("Receiving agency"), coerce=int)
    sender_name = forms.CharField(label=_("Sender (issuing body)"), max_length=255)
    number_symbol = forms.CharField(
        label=_("Number and symbol"), max_length=NUMBER_SYMBOL_MAX_LENGTH, help_text="125/UBND-NC"
    )
    doc_date = forms.DateField(label=_("Document date"), widget=DateInput())
    doc_type = forms.ChoiceField(label=_("Type"), choices=TYPE_CHOICES, initial="CV")
    summary = forms.CharField(
        label=_("Summary"), max_length=SUMMARY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    secrecy = forms.ChoiceField(label=_("Secrecy"), choices=Secrecy.choices)
    pages = forms.IntegerField(label=_("Pages"), min_value=1, max_value=10000, initial=1)
    scan = forms.FileField(label=_("Scan or electronic file (PDF)"), required=False)
    acknowledge = forms.BooleanField(
        label=_("Tell the sender it arrived (same-day acknowledgement)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.pk, a.name) for a in agencies]
        self.fields["doc_date"].widget.attrs["max"] = timezone.localdate().isoformat()


class OutgoingForm(DomainErrorsMixin, forms.Form):
    agency = forms.TypedChoiceField(label=_("Issuing agency"), coerce=int)
    doc_type = forms.ChoiceField(label=_("Type"), choices=TYPE_CHOICES, initial="CV")
    is_normative = forms.BooleanField(label=_("Legal normative document"), required=False)
    drafting_unit = forms.CharField(
        label=_("Drafting unit's symbol"), max_length=20, required=False, help_text="VP, VX, KT"
    )
    summary = forms.CharField(
        label=_("Summary"), max_length=SUMMARY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    body = forms.CharField(
        label=_("Content"), max_length=50000, widget=forms.Textarea(attrs={"rows": 10})
    )
    recipients_text = forms.CharField(
        label=_("Recipients (Nơi nhận), one a line"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    recipient_agencies = forms.TypedMultipleChoiceField(
        label=_("Send on the platform to"), coerce=int, required=False
    )
    external_recipients = forms.CharField(
        label=_("Send through the exchange axis to (outside the platform)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One a line: the organ's name; its electronic code, e.g. Bộ Y tế; 000.00.00.G12"
        ),
    )
    signer = forms.TypedChoiceField(label=_("Signer"), coerce=int)
    signer_position = forms.CharField(
        label=_("Signer's position"), max_length=120, help_text="KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    secrecy = forms.ChoiceField(label=_("Secrecy"), choices=Secrecy.choices)
    copies = forms.IntegerField(label=_("Copies"), min_value=1, max_value=1000, initial=1)

    def __init__(self, *args, agencies=(), signers=(), recipients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.pk, a.name) for a in agencies]
        self.fields["signer"].choices = [(u.pk, u.get_full_name() or u.username) for u in signers]
        self.fields["recipient_agencies"].choices = [(a.pk, a.name) for a in recipients]
        self.fields["recipient_agencies"].widget.attrs["size"] = 6

    def clean_external_recipients(self) -> list[tuple[str, str]]:
        """``name; code`` lines → (name, code) pairs (edXML's OrganId: letters, digits, dots);
        a line without a code is a recipient reached on paper."""
        pairs = []
        for line in self.cleaned_data["external_recipients"].splitlines():
            if not line.strip():
                continue
            name, sep, code = line.rpartition(";")
            name, code = " ".join((name if sep else code).split()), code.strip() if sep else ""
            if not name or (code and not ORGAN_CODE.fullmatch(code)):
                raise forms.ValidationError(
                    _("Write each organ as its name; its electronic code (line: %(line)s).")
                    % {"line": line.strip()[:80]}
                )
            pairs.append((name[:255], code))
        return pairs


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, min_length=5)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class OpinionForm(forms.Form):
    text = forms.CharField(
        label=_("Processing opinion"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DistributeForm(forms.Form):
    leader = forms.TypedChoiceField(label=_("Leader"), coerce=int)

    def __init__(self, *args, leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = [(u.pk, u.get_full_name() or u.username) for u in leaders]


class AssignForm(forms.Form):
    lead = forms.TypedChoiceField(label=_("Lead (chủ trì)"), coerce=int)
    coordinate = forms.TypedMultipleChoiceField(
        label=_("Coordinate (phối hợp)"), coerce=int, required=False
    )
    inform = forms.TypedMultipleChoiceField(
        label=_("For information (để biết)"), coerce=int, required=False
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput())
    direction = forms.CharField(
        label=_("Direction"), max_length=2000, required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, officers=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(u.pk, u.get_full_name() or u.username) for u in officers]
        for name in ("lead", "coordinate", "inform"):
            self.fields[name].choices = choices
        self.fields["deadline"].widget.attrs["min"] = timezone.localdate().isoformat()

    def assignees(self, users: dict[int, object]) -> list[tuple[object, str]]:
        data = self.cleaned_data
        found = [(users[data["lead"]], AssignmentRole.LEAD)]
        found += [(users[pk], AssignmentRole.COORDINATE) for pk in data["coordinate"]]
        found += [(users[pk], AssignmentRole.INFORM) for pk in data["inform"]]
        return found


class RecordForm(DomainErrorsMixin, forms.Form):
    """A work record to open (also the shape of a file list entry: :class:`FileListEntryForm`)."""

    agency = forms.TypedChoiceField(label=_("Agency"), coerce=int)
    code = forms.CharField(label=_("Record code"), max_length=30)
    title = forms.CharField(label=_("Title"), max_length=300)
    retention_years = forms.IntegerField(
        label=_("Retention (years, 0: permanent)"), min_value=0, max_value=100, initial=10
    )

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.pk, a.name) for a in agencies]


class AttachForm(forms.Form):
    number_symbol = forms.CharField(label=_("Number and symbol of the document"), max_length=60)


class FileListEntryForm(RecordForm):
    """A heading of the yearly file list: the same fields as a work record."""


class CopyForm(DomainErrorsMixin, forms.Form):
    """Make a copy (sao y, sao lục, trích sao) of a document."""

    kind = forms.ChoiceField(label=_("Form of copy"), choices=())
    recipients_text = forms.CharField(
        label=_("Recipients (Nơi nhận)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One recipient a line."),
    )
    excerpt = forms.CharField(
        label=_("Extract"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Only for an extract (trích sao): the part of the document to copy."),
    )

    def __init__(self, *args, **kwargs):
        from .models import CopyKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = CopyKind.choices
