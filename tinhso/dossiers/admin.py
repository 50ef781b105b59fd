"""Dossiers in the admin: read-only views for administrators (changes go through services)."""

from django.contrib import admin

from tinhso.core.admin import ReadOnlyAdmin

from .models import Dossier, DossierEvent, DossierFile, OutboxMessage, Rating


class EventInline(admin.TabularInline):
    model = DossierEvent
    extra = 0
    fields = ("seq", "action", "from_state", "to_state", "actor_name", "at", "step_result")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "procedure",
        "applicant_name",
        "status",
        "state",
        "legal_due_at",
        "appointment_at",
    )
    list_filter = ("status", "channel", "timeliness", "is_overdue")
    search_fields = ("code", "applicant_name", "applicant_id_number")
    date_hierarchy = "submitted_at"
    inlines = [EventInline]


@admin.register(DossierFile)
class DossierFileAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "kind", "original_name", "content_type", "size", "uploaded_at")
    exclude = ("file",)  # private: no URL to link to (tinhso.core.storage)


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "score", "created_at")
    list_filter = ("score",)


@admin.register(OutboxMessage)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = ("topic", "key", "created_at", "delivered_at", "attempts", "next_attempt_at")
    list_filter = ("topic",)
