"""The provincial → national procedure code table (edited by administrators, kept as history)."""

from django.contrib import admin

from .models import NationalProcedureCode
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
