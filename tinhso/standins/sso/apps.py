from django.apps import AppConfig


class SsoStandinConfig(AppConfig):
    name = "tinhso.standins.sso"
    label = "sso_standin"
    default_auto_field = "django.db.models.BigAutoField"
