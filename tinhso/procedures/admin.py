"""Admin of the procedure catalogue; every save and delete is written to the audit log."""

from __future__ import annotations

import io
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core.admin import AccentInsensitiveSearch, AuditedAdmin
from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError
from tinhso.core.http import download_response
from tinhso.core.uploads import check_upload

from .forms_schema import check_schema, with_field_order
from .models import (
    AgencySlot,
    DeliveryMethod,
    Procedure,
    ProcedureComponent,
    ProcessStep,
    Sector,
)
from .services import catalogue_export_rows, store_blank_form, write_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ProcedureAdminForm(forms.ModelForm):
    class Meta:
        model = Procedure
        fields = (
            "code",
            "code_verified",
            "name",
            "sector",
            "is_active",
            "at_province",
            "at_commune",
            "receiving_slot",
            "receiving_department",
            "deciding_slot",
            "deciding_department",
            "processing_days",
            "processing_hours",
            "fee_vnd",
            "fee_note",
            "online_mode",
            "min_assurance_level",
            "legal_basis",
            "results",
            "delivery_methods",
            "form_schema",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "min_assurance_level" in self.fields:  # left out: none (0)
            self.fields["min_assurance_level"].required = False

    def clean_min_assurance_level(self):
        return self.cleaned_data.get("min_assurance_level") or 0

    delivery_methods = forms.MultipleChoiceField(
        label=_("ways to receive the result"),
        choices=DeliveryMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: at the one-stop desk."),
    )

    def clean_delivery_methods(self):
        chosen = set(self.cleaned_data.get("delivery_methods") or ())
        return [value for value in DeliveryMethod.values if value in chosen] or [
            DeliveryMethod.COUNTER.value
        ]

    def clean_form_schema(self):
        schema = self.cleaned_data.get("form_schema") or {}
        try:
            check_schema(schema)
        except DomainError as exc:
            raise ValidationError(str(exc.message), code=exc.code) from None
        return with_field_order(schema)

    def clean(self):
        cleaned = super().clean()
        days = cleaned.get("processing_days")
        hours = cleaned.get("processing_hours")
        if (days is None) == (hours is None):
            raise ValidationError(
                _("Give the processing time either in working days or in working hours."),
                code="one_time_unit",
            )
        if not cleaned.get("at_province") and not cleaned.get("at_commune"):
            raise ValidationError(
                _("Tick at least one level (province or commune)."), code="no_level"
            )
        for slot_field, department_field in (
            ("receiving_slot", "receiving_department"),
            ("deciding_slot", "deciding_department"),
        ):
            slot = cleaned.get(slot_field)
            department = cleaned.get(department_field)
            if slot == AgencySlot.DEPARTMENT and department is None:
                self.add_error(department_field, _("Choose the department."))
            elif slot and slot != AgencySlot.DEPARTMENT and department is not None:
                self.add_error(
                    department_field,
                    _("Leave the department empty unless the agency is “A provincial department”."),
                )
        return cleaned


class StepFormSet(forms.BaseInlineFormSet):
    """The shares of the steps must add up to 100% (a procedure may have no steps yet)."""

    def clean(self):
        super().clean()
        total = Decimal(0)
        count = 0
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            share = form.cleaned_data.get("share")
            if share is not None:
                total += share
                count += 1
        if count and total != Decimal(100):
            raise ValidationError(
                _("The shares of the process steps must add up to 100%% (now %(total)s%%).")
                % {"total": f"{total.normalize():f}"},
                code="shares_total",
            )


class ProcedureComponentForm(forms.ModelForm):
    """A component, with its blank form to download (mẫu đơn, tờ khai): a PDF or an image,
    checked as every upload is; the file replaced or cleared is deleted after the commit."""

    class Meta:
        model = ProcedureComponent
        fields = ("order", "name", "kind", "count", "required", "blank_form")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._previous = self.instance.blank_form.name or ""
        self._checked = None

    def clean_blank_form(self):
        upload = self.cleaned_data.get("blank_form")
        if isinstance(upload, UploadedFile):
            try:
                self._checked = check_upload(upload)
            except DomainError as exc:
                raise ValidationError(str(exc.message), code=exc.code) from None
        return upload

    def save(self, commit=True):
        component = super().save(commit=False)
        storage = component.blank_form.storage
        if self._checked is not None:
            component.blank_form.name = self._previous
            store_blank_form(component, self._checked)
        elif not component.blank_form:
            component.blank_form_name = component.blank_form_type = ""
        if self._previous and self._previous != component.blank_form.name:
            previous = self._previous
            transaction.on_commit(lambda: storage.delete(previous))
        if commit:
            component.save()
        return component


class ProcedureComponentInline(admin.TabularInline):
    model = ProcedureComponent
    form = ProcedureComponentForm
    extra = 0
    fields = ("order", "name", "kind", "count", "required", "blank_form")


class ProcessStepInline(admin.TabularInline):
    model = ProcessStep
    formset = StepFormSet
    extra = 0
    fields = ("order", "name", "role", "agency", "share")


class LevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("province", _("Province level")), ("commune", _("Commune level"))]

    def queryset(self, request, queryset):
        if self.value() == "province":
            return queryset.filter(at_province=True)
        if self.value() == "commune":
            return queryset.filter(at_commune=True)
        return queryset


@admin.action(description=_("Export the selected procedures to XLSX"))
def export_xlsx(modeladmin, request, queryset):
    buffer = io.BytesIO()
    write_xlsx(buffer, catalogue_export_rows(queryset))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return download_response(buffer.getvalue(), XLSX_TYPE, f"procedures-{stamp}.xlsx")


@admin.register(Procedure)
class ProcedureAdmin(AccentInsensitiveSearch, AuditedAdmin):
    form = ProcedureAdminForm
    inlines = [ProcedureComponentInline, ProcessStepInline]
    list_display = (
        "code",
        "name",
        "sector",
        "at_province",
        "at_commune",
        "online_mode",
        "fee_vnd",
        "is_active",
        "code_verified",
    )
    list_filter = ("sector", LevelFilter, "online_mode", "is_active", "code_verified")
    list_select_related = ("sector",)
    search_fields = ("code", "name")
    raw_id_fields = ("receiving_department", "deciding_department")
    actions = [export_xlsx]
    readonly_fields = ("updated_at",)
    fieldsets = (
        (None, {"fields": ("code", "code_verified", "name", "sector", "is_active")}),
        (_("Levels and agencies"), {
            "fields": (
                ("at_province", "at_commune"),
                ("receiving_slot", "receiving_department"),
                ("deciding_slot", "deciding_department"),
            )
        }),
        (_("Time, fee, online service"), {
            "fields": (
                ("processing_days", "processing_hours"),
                ("fee_vnd", "fee_note"),
                ("online_mode", "min_assurance_level"),
                "delivery_methods",
            )
        }),
        (_("Legal basis, results, form"), {
            "fields": ("legal_basis", "results", "form_schema", "updated_at")
        }),
    )  # fmt: skip

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            procedure = form.instance
            audit_record(
                actor=request.user,
                action="admin.change_related",
                obj=procedure,
                after={
                    "components": [
                        [c.order, c.name, c.kind, c.count, c.required, c.blank_form_name]
                        for c in procedure.components.order_by("order")
                    ],
                    "steps": [
                        [s.order, s.name, s.role, s.agency, str(s.share)]
                        for s in procedure.steps.order_by("order")
                    ],
                },
            )


@admin.register(Sector)
class SectorAdmin(AuditedAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
