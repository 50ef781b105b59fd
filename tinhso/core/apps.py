from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tinhso.core"
    label = "core"
    verbose_name = _("Province core")

    def ready(self) -> None:
        from django.core import checks

        from .collation import register_sqlite_collation
        from .ratelimit import check_rates
        from .signals import ensure_core_rows

        checks.register(check_rates)

        connection_created.connect(
            register_sqlite_collation, dispatch_uid="tinhso.core.sqlite_collation"
        )
        post_migrate.connect(ensure_core_rows, dispatch_uid="tinhso.core.ensure_core_rows")
