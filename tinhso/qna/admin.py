"""Admin of questions and answers; every save and delete is written to the audit log."""

from __future__ import annotations

from django.contrib import admin

from tinhso.core.admin import AuditedAdmin
from tinhso.core.text import search_terms

from .models import Question


@admin.register(Question)
class QuestionAdmin(AuditedAdmin):
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

    def get_search_results(self, request, queryset, search_term):
        """Accent-insensitive: every word must occur in the title, question or answer."""
        terms = search_terms(search_term)
        if not terms:
            return queryset, False
        for term in terms:
            queryset = queryset.filter(search_text__contains=term)
        return queryset, False
