from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import DomainError

from .models import OfficerCertificate
from .registry import certificate_register


class RegisterForm(forms.ModelForm):
    """An administrator registers an officer's certificate from its file (PEM or DER)."""

    certificate_file = forms.FileField(label=_("Certificate file (.cer, .crt, .pem)"))
    image = forms.ImageField(
        label=_(
            "Signature image (PNG, blue, transparent; for an agency's certificate: the red seal)"
        ),
        required=False,
    )

    class Meta:
        model = OfficerCertificate
        fields = ["user", "agency"]

    def clean_certificate_file(self):
        data = self.cleaned_data["certificate_file"].read()
        from .registry import parse_certificate

        try:
            parse_certificate(data)
        except DomainError as exc:
            raise ValidationError(str(exc.message)) from exc
        return data


@admin.register(OfficerCertificate)
class OfficerCertificateAdmin(admin.ModelAdmin):
    list_display = ("subject", "user", "agency", "serial", "not_after", "active")
    list_filter = ("active",)
    search_fields = ("subject", "serial", "user__username")
    readonly_fields = ("subject", "issuer", "serial", "not_before", "not_after", "sha256")
    exclude = ("certificate", "signature_image")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = RegisterForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "agency", "certificate_file", "image"]
        return ["user", "agency", "active", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        image = form.cleaned_data.get("image")
        row = certificate_register(
            actor=request.user,
            user=form.cleaned_data["user"],
            data=form.cleaned_data["certificate_file"],
            signature_image=image.read() if image else b"",
            agency=form.cleaned_data.get("agency"),
        )
        obj.pk = row.pk
        return None
