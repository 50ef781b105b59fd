from django.contrib import admin

from .models import Notification, Preference, ProviderToken, Template


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ("event", "channel", "subject", "provider_template_id", "active")
    list_filter = ("channel", "active")


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "sms", "zns")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event", "channel", "address", "status", "receipt", "attempts")
    list_filter = ("status", "receipt", "channel", "event")
    search_fields = ("event_key", "address")
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ProviderToken)
class ProviderTokenAdmin(admin.ModelAdmin):
    list_display = ("provider", "expires_at", "refreshed_at")
    exclude = ("access_token", "refresh_token")  # secrets: never shown
