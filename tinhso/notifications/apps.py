from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "tinhso.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from .models import Template
        from .services import templates_changed

        # The templates each process keeps (services.active_templates) are forgotten on an edit.
        post_save.connect(templates_changed, sender=Template, dispatch_uid="notify-templates-saved")
        post_delete.connect(
            templates_changed, sender=Template, dispatch_uid="notify-templates-deleted"
        )
