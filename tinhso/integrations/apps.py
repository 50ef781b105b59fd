from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """Adapters to outside systems; each registers its outbox handler when it is configured."""

    name = "tinhso.integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from django.conf import settings

        from tinhso.dossiers.outbox import register_handler

        from . import national_portal

        if settings.TINHSO_NATIONAL_PORTAL_URL:
            # DongBoHoSoMC carries the whole dossier: the newest waiting one suffices.
            register_handler(national_portal.TOPIC, national_portal.deliver, coalesce=True)
            register_handler(national_portal.STEP_TOPIC, national_portal.deliver)
        if settings.TINHSO_EXCHANGE_AXIS_URL:
            from . import exchange

            exchange.register()
