from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo province loaders and the history generator; no models, never imported by the
    product (a test checks it)."""

    name = "tinhso.demo"
    verbose_name = _("Demo data")
