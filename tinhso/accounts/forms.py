"""The registration and password-reset forms: every field checked, in Vietnamese, before any
service writes."""

from __future__ import annotations

import dataclasses
import re

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core.validators import validate_personal_id

from .selectors import phone_normal
from .services import ProfileChange, Registration


def clean_phone(value: str) -> str:
    phone = phone_normal(value)
    if value and not re.fullmatch(r"0[1-9][0-9]{8}", phone):
        raise ValidationError(
            _("A phone number has 10 digits starting with 0 (or +84)."), code="phone_format"
        )
    return phone


def require_contact(form: forms.Form, data: dict) -> None:
    """A citizen account is reached by a phone or an e-mail: one of them is required."""
    missing = not data.get("phone") and not data.get("email")
    if missing and not form.has_error("phone") and not form.has_error("email"):
        form.add_error("phone", _("Give a phone number or an e-mail address."))


def checked(kind: type, data: dict, renamed: dict[str, str] | None = None):
    """The service's input dataclass ``kind`` from a form's cleaned data (``renamed``: field of
    the dataclass → field of the form)."""
    renamed = renamed or {}
    return kind(**{f.name: data[renamed.get(f.name, f.name)] for f in dataclasses.fields(kind)})


class RegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    personal_id = forms.CharField(label=_("Personal ID number"), max_length=20)
    date_of_birth = forms.DateField(label=_("Date of birth"))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password (again)"), widget=forms.PasswordInput)

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise ValidationError(_("The date of birth cannot be in the future."))
        return born

    def clean(self):
        data = super().clean()
        personal_id = re.sub(r"\s+", "", data.get("personal_id", ""))
        if "personal_id" in data:
            try:
                validate_personal_id(personal_id, data.get("date_of_birth"))
                data["personal_id"] = personal_id
            except ValidationError as exc:
                self.add_error("personal_id", exc)
        require_contact(self, data)
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            try:
                validate_password(data["password1"])
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def registration(self) -> Registration:
        return checked(Registration, self.cleaned_data, {"password": "password1"})


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\s*[0-9]{6}\s*$",
        error_messages={"invalid": _("The code has 6 digits.")},
    )


class ResetRequestForm(forms.Form):
    login = forms.CharField(label=_("Phone number or ID number"), max_length=20)


class ResetConfirmForm(CodeForm):
    login = forms.CharField(label=_("Phone number or ID number"), max_length=20)
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)


class ProfileForm(forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    notify_email = forms.BooleanField(label=_("Notify me by e-mail"), required=False)
    notify_sms = forms.BooleanField(label=_("Notify me by SMS"), required=False)
    notify_zns = forms.BooleanField(label=_("Notify me by Zalo"), required=False)

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean_address(self) -> str:
        return " ".join(self.cleaned_data.get("address", "").split())

    def clean(self):
        data = super().clean()
        require_contact(self, data)
        return data

    def change(self) -> ProfileChange:
        return checked(ProfileChange, self.cleaned_data)
