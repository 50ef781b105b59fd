"""Django admin for the province core, in Vietnamese, with every change written to the audit log."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import router, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .auth import token_revoke
from .models import (
    AdministrativeUnit,
    Agency,
    ApiToken,
    ApplicantProfile,
    AuditEvent,
    CalendarOverride,
    OfficerAssignment,
    UnitSuccession,
)
from .text import search_terms

admin.site.site_header = _("tinhso – province administration")
admin.site.site_title = _("tinhso")
admin.site.index_title = _("Administration")


def _snapshot(obj) -> dict:
    snapshot = {}
    for key, value in model_to_dict(obj).items():
        if key == "password":
            continue
        if isinstance(value, list | tuple):
            value = [getattr(item, "pk", item) for item in value]
        snapshot[key] = value
    return snapshot


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit entry with before/after in the admin's own transaction."""

    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk:
            original = type(obj).objects.filter(pk=obj.pk).first()
            before = _snapshot(original) if original else None
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"admin.{'change' if change else 'add'}",
            obj=obj,
            before=before,
            after=_snapshot(obj),
        )

    def delete_model(self, request, obj):
        before = _snapshot(obj)
        label, pk, text = obj._meta.label_lower, str(obj.pk), str(obj)
        super().delete_model(request, obj)
        audit_record(
            actor=request.user,
            action="admin.delete",
            object_type=label,
            object_id=pk,
            object_repr=text,
            before=before,
        )

    def delete_queryset(self, request, queryset):
        # The "delete selected" action runs outside the admin's transaction: all or nothing.
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            for obj in queryset:
                self.delete_model(request, obj)


class AccentInsensitiveSearch:
    """Admin search through the model's accent-free shadow column ``search_text``: every word of
    the query must occur in it (see :func:`tinhso.core.text.normalize_search`)."""

    def get_search_results(self, request, queryset, search_term):
        for term in search_terms(search_term):
            queryset = queryset.filter(search_text__contains=term)
        return queryset, False


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(AuditedAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("level", "kind", ("valid_to", admin.EmptyFieldListFilter))
    search_fields = ("code", "name", "codename")
    raw_id_fields = ("parent",)
    # The outline is loaded and checked by `tinhso load-boundaries` (docs/maps.md), not typed.
    readonly_fields = ("outline", "geometry_source")


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(AuditedAdmin):
    list_display = ("predecessor", "successor", "kind", "effective_on")
    raw_id_fields = ("predecessor", "successor")


class OfficerAssignmentInline(admin.TabularInline):
    model = OfficerAssignment
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ("code", "name", "level", "unit", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("code", "name", "short_name", "key")
    raw_id_fields = ("parent", "unit")
    inlines = [OfficerAssignmentInline]


@admin.register(OfficerAssignment)
class OfficerAssignmentAdmin(AuditedAdmin):
    list_display = ("user", "agency", "role", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__first_name", "agency__name", "agency__code")
    raw_id_fields = ("user", "agency")


@admin.register(ApplicantProfile)
class ApplicantProfileAdmin(AuditedAdmin):
    list_display = ("full_name", "kind", "personal_id", "tax_code", "phone", "unit")
    list_filter = ("kind",)
    search_fields = ("full_name", "personal_id", "tax_code", "phone")
    raw_id_fields = ("user", "unit")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AuditedAdmin):
    list_display = ("date", "is_working_day", "name", "legal_basis")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never edited here: its rows change only through the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "actor_repr", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("object_repr", "object_id", "actor_repr", "action")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with ``tinhso create-token`` (the clear value is shown once); here they
    are only listed and revoked (an audited action), never edited or deleted."""

    list_display = ("name", "prefix", "user", "is_active", "expires_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "key_hash"]
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected API tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = token_revoke(actor=request.user, tokens=queryset)
        self.message_user(
            request, _("%(n)d API token(s) revoked.") % {"n": len(revoked)}, messages.SUCCESS
        )
