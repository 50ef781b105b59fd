"""Payments in the administration: read only. Payments are recorded by the services (a verified
gateway notification, a matched bank-feed line, the desk's counter payment), never by hand."""

from django.contrib import admin

from .models import BankTransaction, GatewayNotification, Payment, PaymentAttempt, PaymentReceipt


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnly):
    list_display = ("reference", "gateway", "dossier", "amount_vnd", "status", "created_at")
    list_filter = ("gateway", "status")
    search_fields = ("reference", "dossier__code", "transaction_no")


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ("dossier", "method", "amount_vnd", "reference", "paid_at", "recorded_by_name")
    list_filter = ("method",)
    search_fields = ("dossier__code", "reference")


@admin.register(PaymentReceipt)
class PaymentReceiptAdmin(ReadOnly):
    list_display = ("label", "agency", "payment", "issued_at")
    list_filter = ("series", "year")
    search_fields = ("payment__dossier__code",)


@admin.register(GatewayNotification)
class GatewayNotificationAdmin(ReadOnly):
    list_display = ("received_at", "gateway", "kind", "reference", "outcome", "message")
    list_filter = ("gateway", "kind", "outcome")
    search_fields = ("reference",)


@admin.register(BankTransaction)
class BankTransactionAdmin(ReadOnly):
    list_display = ("bank", "transaction_id", "booked_at", "amount_vnd", "reference", "status")
    list_filter = ("bank", "status")
    search_fields = ("transaction_id", "reference", "description")
