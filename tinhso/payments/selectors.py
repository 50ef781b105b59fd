"""Reads of payments. Payments have no access rule of their own: they are reached through a
dossier the reader may see (``portal.selectors.my_dossier_get`` for the applicant,
``dossiers.selectors.dossier_get`` for officers, both on the dossier access rule)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from tinhso.dossiers.models import Dossier
from tinhso.dossiers.pdf import qr_data_uri

from .models import AttemptStatus, Gateway, Payment, PaymentAttempt, PaymentReceipt
from .services import vietqr as vietqr_account


def attempt_of(dossier: Dossier, reference: str, *, gateway: str) -> PaymentAttempt | None:
    return dossier.payment_attempts.filter(reference=reference, gateway=gateway).first()


def attempt_by_reference(reference: str, gateway: str) -> PaymentAttempt | None:
    """The order a verified gateway message names (the signature proved who sent it)."""
    if not reference:
        return None
    return (
        PaymentAttempt.objects.select_related("dossier")
        .filter(reference=reference, gateway=gateway)
        .first()
    )


def receipts_of(dossier: Dossier) -> list[PaymentReceipt]:
    """The dossier's payment receipts, oldest first (the applicant's and the officer's page)."""
    return list(
        PaymentReceipt.objects.filter(payment__dossier=dossier)
        .select_related("payment", "payment__attempt")
        .order_by("issued_at", "pk")
    )


def receipt_of(dossier: Dossier, receipt_id: int) -> PaymentReceipt | None:
    return (
        PaymentReceipt.objects.filter(payment__dossier=dossier, pk=receipt_id)
        .select_related("payment", "payment__dossier", "payment__attempt", "agency")
        .first()
    )


def qr_svg(payload: str) -> str:
    """The QR code of a payload as an inline image URI."""
    return qr_data_uri(payload)


def online_payment_methods() -> dict[str, bool]:
    """Which online ways of paying are configured (the dossier page offers those)."""
    return {
        "vnpay": bool(settings.TINHSO_VNPAY_URL and settings.TINHSO_VNPAY_TMN_CODE),
        "vietqr": bool(settings.TINHSO_VIETQR_BANK_BIN and settings.TINHSO_VIETQR_ACCOUNT),
    }


def payments_of(dossier: Dossier) -> list[Payment]:
    """The dossier's payments with their receipts (the officer's page)."""
    return list(
        Payment.objects.filter(dossier=dossier)
        .select_related("receipt", "attempt")
        .order_by("paid_at", "pk")
    )


def gateway_form_origins() -> list[str]:
    """The origins a page offering online payment lets its forms go to (CSP ``form-action``:
    the pay form's answer is a redirect to the gateway, which the browser checks too)."""
    if not online_payment_methods()["vnpay"]:
        return []
    url = urlsplit(settings.TINHSO_VNPAY_URL)
    return [f"{url.scheme}://{url.netloc}"]


def pending_transfer(dossier: Dossier) -> dict | None:
    """The VietQR transfer the applicant already started for the fee waiting (shown on the
    dossier page: the QR code, the reference), or None."""
    if not online_payment_methods()["vietqr"] or dossier.fee_vnd <= 0:
        return None
    attempt = dossier.payment_attempts.filter(
        gateway=Gateway.VIETQR, status=AttemptStatus.PENDING, amount_vnd=dossier.fee_vnd
    ).first()
    if attempt is None:
        return None
    account = vietqr_account()
    if account is None:
        return None
    payload = account.payload(amount_vnd=attempt.amount_vnd, purpose=attempt.reference)
    return {"attempt": attempt, "payload": payload, "qr_svg": qr_svg(payload), "account": account}
