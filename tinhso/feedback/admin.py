"""Admin of field feedback: the category tree, routing and SLA rules, API keys; reports read-only.

Reports change only through the services (moderation, answers…), so the admin shows them without
edit rights; configuration rows are audited like the core's.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from tinhso.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import (
    Category,
    CategoryAttribute,
    Open311Client,
    Report,
    ReportEvent,
    ReportPhoto,
    RoutingRule,
    SlaRule,
)


class CategoryAttributeInline(admin.TabularInline):
    model = CategoryAttribute
    extra = 0


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ("code", "name", "parent", "order", "is_active")
    list_filter = ("is_active", "parent")
    search_fields = ("code", "name", "keywords")
    inlines = [CategoryAttributeInline]


@admin.register(SlaRule)
class SlaRuleAdmin(AuditedAdmin):
    list_display = ("category", "urgency", "days", "hours")
    list_filter = ("urgency",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    list_display = (
        "category",
        "commune",
        "commune_kind",
        "target",
        "agency",
        "priority",
        "is_active",
    )
    list_filter = ("target", "commune_kind", "is_active")
    raw_id_fields = ("commune", "agency")
    search_fields = ("category__name", "agency__name", "commune__name", "note")


@admin.register(Open311Client)
class Open311ClientAdmin(AuditedAdmin):
    """Keys are created with ``manage.py create_open311_key`` (the clear key is shown once)."""

    list_display = ("name", "prefix", "contact", "is_active", "created_at", "last_used_at")
    fields = ("name", "contact", "is_active", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False


class ReportPhotoInline(admin.TabularInline):
    model = ReportPhoto
    extra = 0
    can_delete = False
    # Not the stored image: it is private and has no URL (tinhso.core.storage).
    fields = ("original_name", "content_type", "width", "height", "gps_latitude", "gps_longitude")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    fields = ("seq", "at", "action", "from_state", "to_state", "actor_name", "to_agency", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("pk", "category", "state", "agency", "commune", "submitted_at", "due_at")
    list_filter = ("state", "urgency", "source", "category")
    search_fields = ("pk", "description", "address")
    date_hierarchy = "submitted_at"
    inlines = [ReportPhotoInline, ReportEventInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff
