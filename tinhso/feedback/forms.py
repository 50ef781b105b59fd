"""Forms of the feedback pages. They parse input; the rules live in ``services``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core.collation import vi_order
from tinhso.core.models import Agency

from . import selectors
from .models import AttributeType, Category, RejectionKind, Score, Urgency
from .photos import MAX_PHOTOS


class BaseForm(forms.Form):
    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, exc: Exception, *, fallback: str | None = None) -> None:
        """Show a service error next to its field (``DomainError.details["field"]``)."""
        field = getattr(exc, "details", {}).get("field")
        if field in self.fields:
            self.add_error(field, str(exc))
        elif fallback in self.fields:
            self.add_error(fallback, str(exc))
        else:
            self.add_error(None, str(exc))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class CommuneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class CategoryChoiceField(forms.ModelChoiceField):
    """Leaf categories, shown as option groups by top-level category."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Category.objects.filter(is_active=True).exclude(children__is_active=True),
            to_field_name="code",
            **kwargs,
        )

    def grouped_choices(self) -> list:
        groups: list = [("", _("– choose –"))]
        for root, children in selectors.categories_tree():
            if children:
                groups.append((root.name, [(c.code, c.name) for c in children]))
            else:
                groups.append((root.code, root.name))
        return groups


def _coordinate(label: str) -> forms.CharField:
    """A latitude or longitude as typed (or filled in by the map); services parse it."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class ReportForm(BaseForm):
    """Gửi phản ánh, on a phone first."""

    category = CategoryChoiceField(label=_("What is the problem?"))
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you see, since when, any danger. Do not write personal data."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    latitude = _coordinate(_("Latitude"))
    longitude = _coordinate(_("Longitude"))
    commune = CommuneChoiceField(
        label=_("Commune or ward"),
        queryset=selectors.communes(),
        to_field_name="code",
        empty_label=_("– choose –"),
    )
    address = forms.CharField(
        label=_("Address or landmark"),
        required=False,
        max_length=255,
        help_text=_("E.g. in front of 12 Quang Trung street, near the market."),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        category_widget = self.fields["category"].widget
        category_widget.choices = self.fields["category"].grouped_choices()
        # htmx: choosing a category loads its questions (the form works without it too).
        category_widget.attrs.update(
            {
                "hx-get": reverse("feedback:submit_attributes"),
                "hx-target": "#fb-attributes",
                "hx-trigger": "change",
            }
        )
        self.fields["photos"].help_text = _(
            "Up to %(n)d photos (JPEG or PNG). If you do not pick the place, the position "
            "stored in the photo is used; photos are published without that data."
        ) % {"n": MAX_PHOTOS}
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4().hex)
        self.location_error = ""
        self.category_obj = self._chosen_category()
        self.attribute_fields = []
        if self.category_obj is not None:
            for attribute in self.category_obj.attributes.all():
                name = f"attr_{attribute.code}"
                self.fields[name] = attribute_field(attribute)
                self.attribute_fields.append(name)

    def _chosen_category(self) -> Category | None:
        code = (self.data.get("category") if self.is_bound else self.initial.get("category")) or ""
        if not code:
            return None
        return Category.objects.filter(code=code, is_active=True).first()

    def attribute_values(self) -> dict[str, Any]:
        values = {}
        for name in self.attribute_fields:
            value = self.cleaned_data.get(name)
            if value not in (None, "", []):
                values[name.removeprefix("attr_")] = value
        return values

    def set_location_error(self, message: str) -> None:
        self.location_error = message
        for name in ("latitude", "longitude", "address"):
            attrs = self.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = "location_error"

    def add_domain_error(self, exc: Exception, *, fallback: str | None = None) -> None:
        if getattr(exc, "details", {}).get("field") == "location":
            self.set_location_error(str(exc))
        else:
            super().add_domain_error(exc, fallback=fallback)

    def attribute_bound_fields(self) -> list:
        return [self[name] for name in self.attribute_fields]


def attribute_field(attribute) -> forms.Field:
    """The form field asking one category question (required-ness is checked by the service)."""
    common = {"label": attribute.description, "required": False}
    if attribute.datatype_description:
        common["help_text"] = attribute.datatype_description
    choices = [(str(v.get("key")), str(v.get("name"))) for v in attribute.values or []]
    if attribute.required:
        common["label"] = f"{attribute.description} *"
    if attribute.datatype == AttributeType.SINGLE:
        return forms.ChoiceField(choices=[("", _("– choose –")), *choices], **common)
    if attribute.datatype == AttributeType.MULTI:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if attribute.datatype == AttributeType.TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, **common)
    if attribute.datatype == AttributeType.NUMBER:
        return forms.CharField(
            widget=forms.TextInput(attrs={"inputmode": "decimal"}), max_length=30, **common
        )
    if attribute.datatype == AttributeType.DATETIME:
        return forms.CharField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), max_length=30, **common
        )
    return forms.CharField(max_length=255, **common)


class PublicFilterForm(BaseForm):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        empty_label=_("All categories"),
    )
    commune = CommuneChoiceField(
        label=_("Commune or ward"),
        queryset=selectors.communes(),
        to_field_name="code",
        required=False,
        empty_label=_("All communes"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("open", _("Being handled")), ("closed", _("Answered"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups: list = [("", _("All categories"))]
        for root, children in selectors.categories_tree():
            groups.append(
                (
                    root.name,
                    [(root.code, _("All of this group")), *[(c.code, c.name) for c in children]],
                )
                if children
                else (root.code, root.name)
            )
        self.fields["category"].widget.choices = groups


class AcceptForm(BaseForm):
    public_description = forms.CharField(
        label=_("Text to publish"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Remove names, phone numbers and other personal data before publishing."),
    )


class RejectForm(BaseForm):
    kind = forms.ChoiceField(
        label=_("Reason"), choices=[("", _("– choose –")), *RejectionKind.choices]
    )
    duplicate_of = forms.IntegerField(
        label=_("Duplicate of report number"),
        required=False,
        min_value=1,
        help_text=_("Only for a duplicate: see the possible duplicates above."),
    )
    reason = forms.CharField(
        label=_("Explanation for the reporter"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name  # no internal agency code shown


class ReassignForm(BaseForm):
    agency = AgencyChoiceField(
        label=_("Send to agency"),
        queryset=Agency.objects.filter(is_active=True).order_by(vi_order("name"), "code"),
        empty_label=_("– choose –"),
    )
    reason = forms.CharField(
        label=_("Why this agency"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(BaseForm):
    note = forms.CharField(
        label=_("Progress note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.BooleanField(
        label=_("Show this note on the public page"), required=False, initial=True
    )


class AnswerForm(BaseForm):
    answer = forms.CharField(
        label=_("Public answer"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was done and when. It is published with the report."),
    )


class RateForm(BaseForm):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with the answer?"),
        choices=Score.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reopen = forms.BooleanField(
        label=_("The problem is not solved: reopen the report"), required=False
    )


class StatsForm(BaseForm):
    start = forms.DateField(
        label=_("From"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    @staticmethod
    def default_period() -> dict[str, dt.date]:
        today = timezone.localdate()
        return {"start": today.replace(day=1), "end": today}
