from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """Online payment of fees (VNPay, VietQR), counter payments and their receipts."""

    name = "tinhso.payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from tinhso.dossiers.services import register_payment_recorder

        from .services import record_payment

        register_payment_recorder(record_payment)
