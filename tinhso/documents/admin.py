"""Admin of the documents: the agencies' register settings (symbol, one series or one per type,
the header's governing body and place, whether its leaders may still approve without a digital
signature) are set here (for the head of the agency, who decides them);
documents and records are read-only here (they change through the services only)."""

from __future__ import annotations

from django.contrib import admin

from tinhso.core.admin import AuditedAdmin

from .models import IncomingDocument, OutgoingDocument, RegisterSettings, WorkRecord


@admin.register(RegisterSettings)
class RegisterSettingsAdmin(AuditedAdmin):
    list_display = ("agency", "symbol", "series_per_type", "place", "unsigned_approval")
    list_filter = ("unsigned_approval",)
    list_select_related = ("agency",)
    raw_id_fields = ("agency",)
    search_fields = ("agency__name", "symbol")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IncomingDocument)
class IncomingDocumentAdmin(ReadOnlyAdmin):
    list_display = ("arrival_number", "arrival_year", "number_symbol", "agency", "state")
    list_filter = ("state", "arrival_year")
    list_select_related = ("agency",)
    search_fields = ("number_symbol",)


@admin.register(OutgoingDocument)
class OutgoingDocumentAdmin(ReadOnlyAdmin):
    list_display = ("number_symbol", "number_year", "agency", "state")
    list_filter = ("state", "number_year")
    list_select_related = ("agency",)
    search_fields = ("number_symbol",)


@admin.register(WorkRecord)
class WorkRecordAdmin(ReadOnlyAdmin):
    list_display = ("code", "year", "title", "agency", "state")
    list_filter = ("state", "year")
    list_select_related = ("agency",)
