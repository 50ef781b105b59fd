"""Admin of questions and answers; every save and delete is written to the audit log."""

from __future__ import annotations

from django.contrib import admin

from tinhso.core.admin import AccentInsensitiveSearch, AuditedAdmin

from .models import Question


@admin.register(Question)
class QuestionAdmin(AccentInsensitiveSearch, AuditedAdmin):
    list_display = ("id", "title", "status", "is_published", "agency", "procedure", "created_at")
    list_filter = ("status", "is_published", "procedure__sector")
    list_select_related = ("agency", "procedure")
    search_fields = ("title",)
    date_hierarchy = "created_at"
    raw_id_fields = ("procedure", "agency", "commune", "asker", "answered_by", "rejected_by")
    readonly_fields = ("asker", "asker_kind", "asker_masked", "created_at")
    fields = (
        "title",
        "body",
        "procedure",
        "agency",
        "commune",
        ("asker", "asker_kind", "asker_masked"),
        "created_at",
        "status",
        "answer",
        ("answered_by", "answered_at"),
        ("is_published", "published_at"),
        "reject_reason",
        ("rejected_by", "rejected_at"),
    )
