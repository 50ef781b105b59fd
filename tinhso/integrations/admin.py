"""The provincial → national procedure code table (edited by administrators, kept as history);
the envelopes received from the document exchange axis (read only: kept as received)."""

from django.contrib import admin

from .models import NationalProcedureCode, ReceivedEnvelope
from .services import release_held


@admin.register(NationalProcedureCode)
class NationalProcedureCodeAdmin(admin.ModelAdmin):
    list_display = ("procedure", "national_code", "valid_from", "note", "created_at")
    search_fields = ("procedure__code", "procedure__name", "national_code")
    autocomplete_fields = ("procedure",)
    date_hierarchy = "valid_from"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        release_held()  # the dossiers waiting for this code go at the next delivery

    def get_readonly_fields(self, request, obj=None):
        # a saved mapping is history: a change of code is a new row with its own valid_from
        return ("procedure", "national_code", "valid_from") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # a mapping is replaced by a later one, never erased: the history stays


@admin.register(ReceivedEnvelope)
class ReceivedEnvelopeAdmin(admin.ModelAdmin):
    list_display = (
        "received_at",
        "receiver_code",
        "kind",
        "sender_code",
        "document_id",
        "business_type",
        "outcome",
        "repeats",
    )
    list_filter = ("outcome", "kind", "receiver_code")
    search_fields = ("document_id", "sender_code", "axis_id", "delivery_key")
    date_hierarchy = "received_at"
    exclude = ("raw",)
    readonly_fields = (
        "receiver_code",
        "agency",
        "axis_id",
        "kind",
        "delivery_key",
        "document_id",
        "sender_code",
        "business_type",
        "sha256",
        "problems",
        "signature",
        "outcome",
        "error",
        "received_at",
        "repeats",
        "incoming",
        "outgoing",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the received bytes are kept
