"""Payments of dossier fees (thanh toán phí, lệ phí): attempts, payments, receipts, feeds.

- :class:`PaymentAttempt`: one way the applicant tries to pay a fee online (a VNPay order, a
  VietQR transfer reference); confirmed only by the outside system (a verified IPN, a matched
  bank-feed line).
- :class:`Payment`: a fee paid, whatever the way (counter, gateway, bank transfer); written in
  the transaction of the dossier's ``pay`` transition, with its :class:`PaymentReceipt`.
- :class:`GatewayNotification`: every notification received, verified or not, kept raw with
  what was answered (forged ones included: they change nothing else).
- :class:`BankTransaction`: the lines of the bank's transaction feed, each imported once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import Agency
from tinhso.dossiers.models import Dossier, PaymentMethod


class Gateway(models.TextChoices):
    VNPAY = "vnpay", _("VNPay")
    VIETQR = "vietqr", _("VietQR bank transfer")


class AttemptStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for payment")
    CONFIRMED = "confirmed", _("Paid")
    FAILED = "failed", _("Not paid")
    # The gateway confirmed money for a fee already paid another way: to refund.
    DUPLICATE = "duplicate", _("Paid twice (to refund)")


class PaymentAttempt(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payment_attempts")
    gateway = models.CharField(max_length=20, choices=Gateway.choices)
    # Our order: vnp_TxnRef, or the reference a VietQR transfer's purpose carries.
    reference = models.CharField(max_length=20, unique=True)
    amount_vnd = models.BigIntegerField()
    status = models.CharField(
        max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transaction_no = models.CharField(max_length=40, blank=True)  # the gateway's or bank's
    bank_code = models.CharField(max_length=20, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)  # as the gateway says
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation = models.JSONField(default=dict, blank=True)  # the confirming message, raw

    class Meta:
        indexes = [models.Index(fields=["dossier", "gateway", "status"], name="attempt_dossier")]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.reference}"


class Payment(models.Model):
    """A fee paid (one per ``pay`` transition of the dossier)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    amount_vnd = models.BigIntegerField()
    reference = models.CharField(max_length=100)  # receipt number at the desk, or our order
    attempt = models.OneToOneField(
        PaymentAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    paid_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=200, blank=True)  # or the gateway's name

    class Meta:
        ordering = ["paid_at", "pk"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.method} {self.amount_vnd}"


class PaymentReceipt(models.Model):
    """Biên lai thu phí: the platform's receipt of a payment, numbered without gaps per agency,
    series and year (``core.numbering.take_series_number``). Not the legal electronic receipt
    (biên lai điện tử, Decree 123/2020), which a provider will issue behind the same interface."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    series = models.CharField(max_length=20)
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    issued_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "series", "year", "number"], name="payment_receipt_number"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.series}/{self.year}/{self.number:07d}"


class GatewayNotification(models.Model):
    """One notification as received (IPN, return, query answer), with what it led to."""

    gateway = models.CharField(max_length=20, choices=Gateway.choices)
    kind = models.CharField(max_length=20)  # ipn, return, query
    received_at = models.DateTimeField(auto_now_add=True)
    reference = models.CharField(max_length=100, blank=True)
    params = models.JSONField(default=dict)
    outcome = models.CharField(max_length=10)  # the RspCode answered
    message = models.CharField(max_length=200, blank=True)
    attempt = models.ForeignKey(
        PaymentAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["gateway", "received_at"], name="notification_time")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.kind} {self.reference} → {self.outcome}"


class FeedLineStatus(models.TextChoices):
    MATCHED = "matched", _("Matched")
    UNMATCHED = "unmatched", _("No matching payment")
    WRONG_AMOUNT = "wrong_amount", _("Amount differs")
    DUPLICATE = "duplicate", _("Fee already paid")


class BankTransaction(models.Model):
    """A credit line of the bank's transaction feed (sao kê), imported once per bank id."""

    bank = models.CharField(max_length=20)
    transaction_id = models.CharField(max_length=64)
    booked_at = models.DateTimeField(null=True, blank=True)
    amount_vnd = models.BigIntegerField()
    description = models.CharField(max_length=500, blank=True)
    reference = models.CharField(max_length=20, blank=True)  # the payment reference found
    status = models.CharField(max_length=20, choices=FeedLineStatus.choices)
    attempt = models.ForeignKey(
        PaymentAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bank", "transaction_id"], name="bank_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.transaction_id}"
