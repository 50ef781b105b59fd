"""Dossiers in the admin: read-only views for administrators (changes go through services)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from tinhso.core.admin import ReadOnlyAdmin

from .models import Dossier, DossierEvent, DossierFile, OutboxMessage, Rating
from .outbox import outbox_discard, outbox_resend, undelivered


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


class DeliveryFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [
            ("dead", _("Dead letters")),
            ("held", _("Held")),
            ("pending", _("Pending")),
            ("delivered", _("Delivered")),
            ("discarded", _("Discarded")),
            ("superseded", _("Superseded by a newer full state")),
        ]

    def queryset(self, request, queryset):
        waiting = queryset.filter(undelivered())
        return {
            "dead": waiting.filter(dead_at__isnull=False),
            "held": waiting.filter(dead_at__isnull=True).exclude(held_reason=""),
            "pending": waiting.filter(dead_at__isnull=True, held_reason=""),
            "delivered": queryset.filter(delivered_at__isnull=False),
            "discarded": queryset.filter(discarded_at__isnull=False),
            "superseded": queryset.filter(superseded_at__isnull=False),
        }.get(self.value(), queryset)


@admin.register(OutboxMessage)
class OutboxAdmin(ReadOnlyAdmin):
    """The outbox; its dead letters (failed for good, blocking their dossier's later messages)
    are resent or discarded here (``dossiers.outbox.outbox_resend`` / ``outbox_discard``)."""

    list_display = (
        "topic",
        "key",
        "created_at",
        "delivered_at",
        "attempts",
        "next_attempt_at",
        "dead_at",
        "superseded_at",
        "held_reason",
        "last_error",
    )
    list_filter = (DeliveryFilter, "topic")
    search_fields = ("key", "stream")
    actions = ["resend", "discard"]

    def has_resend_permission(self, request):
        return request.user.has_perm("dossiers.change_outboxmessage")

    has_discard_permission = has_resend_permission

    @admin.action(description=_("Resend the selected dead messages"), permissions=["resend"])
    def resend(self, request, queryset):
        n = outbox_resend(
            actor=request.user, message_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(
            request, _("%(n)d message(s) will be sent again.") % {"n": n}, messages.SUCCESS
        )

    @admin.action(description=_("Discard the selected messages"), permissions=["discard"])
    def discard(self, request, queryset):
        n = outbox_discard(
            actor=request.user, message_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(request, _("%(n)d message(s) discarded.") % {"n": n}, messages.SUCCESS)
