"""Payment operations (docs/payments.md). Each confirmation is one transaction through the
dossier lifecycle engine: the ``pay`` transition restarts the clock, writes the event, the
national-portal message and the audit entry, and (through :func:`record_payment`, registered as
the dossier services' payment recorder) the :class:`Payment` row and its numbered receipt.

A fee is paid on a verified gateway notification, a matched bank-feed line, or a counter payment
an officer records with its receipt number; never on the applicant's word.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotFound, PermissionDenied
from tinhso.core.lifecycle import Step, display_name, lock
from tinhso.core.numbering import take_series_number
from tinhso.dossiers.models import Dossier, PaymentMethod, State
from tinhso.dossiers.services import (
    PaymentGateway as GatewayActor,
)
from tinhso.dossiers.services import (
    dossier_record_payment,
    is_applicant_of,
)

from . import adapters
from .adapters import (
    RSP_ALREADY_CONFIRMED,
    RSP_MESSAGES,
    RSP_OK,
    RSP_OTHER,
    RSP_UNKNOWN_ORDER,
    RSP_WRONG_AMOUNT,
    Forged,
    Notification,
    vnpay_time,
)
from .models import (
    AttemptStatus,
    BankTransaction,
    FeedLineStatus,
    Gateway,
    GatewayNotification,
    Payment,
    PaymentAttempt,
    PaymentReceipt,
)

log = logging.getLogger("tinhso.payments")


# --- the adapters, from the settings ------------------------------------------------------------


def vnpay() -> adapters.VNPayGateway | None:
    """The VNPay adapter, or None when no merchant is configured."""
    if not (settings.TINHSO_VNPAY_URL and settings.TINHSO_VNPAY_TMN_CODE):
        return None
    return adapters.VNPayGateway(
        pay_url=settings.TINHSO_VNPAY_URL,
        api_url=settings.TINHSO_VNPAY_API_URL,
        tmn_code=settings.TINHSO_VNPAY_TMN_CODE,
        secret=settings.TINHSO_VNPAY_HASH_SECRET,
    )


def vietqr() -> adapters.VietQRTransfer | None:
    """The VietQR adapter, or None when no account is configured."""
    if not (settings.TINHSO_VIETQR_BANK_BIN and settings.TINHSO_VIETQR_ACCOUNT):
        return None
    return adapters.VietQRTransfer(
        bank_bin=settings.TINHSO_VIETQR_BANK_BIN,
        account=settings.TINHSO_VIETQR_ACCOUNT,
        account_name=settings.TINHSO_VIETQR_ACCOUNT_NAME,
    )


def new_reference() -> str:
    """A short payment reference: ``TS`` + 8 characters without look-alikes (10 in all, fits
    a VietQR purpose and a VNPay TxnRef; ~8·10¹¹ values, unique by the table's constraint)."""
    alphabet = adapters.REFERENCE_ALPHABET
    return "TS" + "".join(secrets.choice(alphabet) for _ in range(8))


# --- the recorder: every payment gets its row and its receipt, in the pay transaction ---------


def record_payment(dossier: Dossier, step: Step, data: dict) -> None:
    """Called by ``dossier_record_payment`` inside the ``pay`` transition (registered in
    :class:`~tinhso.payments.apps.PaymentsConfig`): the Payment row and its receipt, numbered
    in this transaction, so that the receipt series has no gap."""
    method = data["method"]
    attempt = None
    if method != PaymentMethod.COUNTER:
        attempt = PaymentAttempt.objects.filter(
            dossier=dossier, reference=data["reference"]
        ).first()
    actor = step.actor
    person = None if isinstance(actor, GatewayActor) else actor
    payment = Payment.objects.create(
        dossier=dossier,
        agency=dossier.receiving_agency,
        method=method,
        amount_vnd=data["amount_vnd"],
        reference=data["reference"],
        attempt=attempt,
        paid_at=step.now,
        recorded_by=person if getattr(person, "pk", None) else None,
        recorded_by_name=str(actor) if person is None else display_name(person),
    )
    series = settings.TINHSO_PAYMENT_RECEIPT_SERIES
    year = timezone.localtime(step.now).year
    number = take_series_number(dossier.receiving_agency, f"receipt:{series}", year)
    PaymentReceipt.objects.create(
        payment=payment,
        agency=dossier.receiving_agency,
        series=series,
        year=year,
        number=number,
        issued_at=step.now,
    )


# --- starting a payment -------------------------------------------------------------------------


def _payable(actor: Any, dossier: Dossier) -> None:
    if not is_applicant_of(actor, dossier):
        raise PermissionDenied("forbidden", _("Only the applicant pays the dossier's fees online."))
    if dossier.state != State.FEES_REQUESTED or dossier.fee_vnd <= 0:
        raise DomainError("nothing_to_pay", _("The dossier has no fee waiting for payment."))


def payment_start(*, actor: Any, dossier: Dossier, gateway: str) -> PaymentAttempt:
    """The applicant starts paying the requested fee through ``gateway``.

    VNPay: a new order each time (the gateway refuses a reused TxnRef). VietQR: the pending
    reference of the same amount is reused, so that every QR shown for the fee is the same.
    """
    _payable(actor, dossier)
    if gateway == Gateway.VIETQR:
        pending = dossier.payment_attempts.filter(
            gateway=Gateway.VIETQR, status=AttemptStatus.PENDING, amount_vnd=dossier.fee_vnd
        ).first()
        if pending is not None:
            return pending
    elif gateway != Gateway.VNPAY:
        raise DomainError("unknown_gateway", _("Unknown payment method."))
    adapter = vnpay() if gateway == Gateway.VNPAY else vietqr()
    if adapter is None:
        raise DomainError("gateway_unavailable", _("This payment method is not available."))
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return PaymentAttempt.objects.create(
                    dossier=dossier,
                    gateway=gateway,
                    reference=new_reference(),
                    amount_vnd=dossier.fee_vnd,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:  # the reference was taken: draw again
            continue
    raise DomainError("gateway_unavailable", _("This payment method is not available."))


def order_info(attempt: PaymentAttempt) -> str:
    return f"Thanh toan phi ho so {attempt.dossier.code} {attempt.reference}"


def vnpay_redirect_url(
    attempt: PaymentAttempt, *, return_url: str, ip_address: str = "127.0.0.1"
) -> str:
    adapter = vnpay()
    if adapter is None:
        raise DomainError("gateway_unavailable", _("This payment method is not available."))
    started = adapter.start(
        reference=attempt.reference,
        amount_vnd=attempt.amount_vnd,
        description=order_info(attempt),
        return_url=return_url,
        ip_address=ip_address,
        now=timezone.localtime(attempt.created_at),
    )
    return started.redirect_url


def vietqr_payload(attempt: PaymentAttempt) -> str:
    adapter = vietqr()
    if adapter is None:
        raise DomainError("gateway_unavailable", _("This payment method is not available."))
    return adapter.payload(amount_vnd=attempt.amount_vnd, purpose=attempt.reference)


# --- confirming: one entry point for every system confirmation -----------------------------------


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation did: ``code`` is VNPay's RspCode (00 = recorded now)."""

    code: str
    message: str
    attempt: PaymentAttempt | None = None
    recorded: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _confirm(gateway: str, notification: Notification) -> Confirmation:
    """Apply a verified notification to its order, in one transaction: the order locked, its
    amount checked, then the dossier's ``pay`` transition (through the lifecycle engine)."""
    with transaction.atomic():
        try:
            attempt = lock(
                PaymentAttempt.objects.select_related("dossier"),
                PaymentAttempt.objects.filter(gateway=gateway, reference=notification.reference)
                .values_list("pk", flat=True)
                .first()
                or 0,
                missing=lambda: NotFound("unknown_order", "unknown order"),
            )
        except NotFound:
            return Confirmation(RSP_UNKNOWN_ORDER, RSP_MESSAGES[RSP_UNKNOWN_ORDER])
        if attempt.amount_vnd != notification.amount_vnd:
            return Confirmation(RSP_WRONG_AMOUNT, RSP_MESSAGES[RSP_WRONG_AMOUNT], attempt)
        if attempt.status != AttemptStatus.PENDING:  # a replay, or a second confirmation
            return Confirmation(RSP_ALREADY_CONFIRMED, RSP_MESSAGES[RSP_ALREADY_CONFIRMED], attempt)
        if notification.pending:  # the buyer has not decided yet
            return Confirmation(RSP_OK, "pending", attempt)
        attempt.transaction_no = notification.transaction_no
        attempt.bank_code = notification.bank_code
        attempt.paid_at = notification.paid_at
        attempt.confirmed_at = timezone.now()
        attempt.confirmation = notification.raw
        if not notification.succeeded:
            attempt.status = AttemptStatus.FAILED
            attempt.save()
            return Confirmation(RSP_OK, RSP_MESSAGES[RSP_OK], attempt)
        dossier = attempt.dossier
        if dossier.state != State.FEES_REQUESTED or dossier.fee_vnd != attempt.amount_vnd:
            # Money came in for a fee already paid (or changed): kept for a refund, no payment.
            attempt.status = AttemptStatus.DUPLICATE
            attempt.save()
            log.warning("payment %s confirmed for %s: fee not due, to refund", attempt, dossier)
            return Confirmation(RSP_OK, RSP_MESSAGES[RSP_OK], attempt)
        attempt.status = AttemptStatus.CONFIRMED
        attempt.save()
        method = PaymentMethod.GATEWAY if gateway == Gateway.VNPAY else PaymentMethod.BANK_TRANSFER
        dossier_record_payment(
            dossier=dossier,
            method=method,
            reference=attempt.reference,
            by=GatewayActor(gateway),
            amount_vnd=attempt.amount_vnd,
        )
    return Confirmation(RSP_OK, RSP_MESSAGES[RSP_OK], attempt, recorded=True)


def vnpay_notification(params: dict[str, str], *, kind: str = "ipn") -> Confirmation:
    """A VNPay IPN (or return, or query answer already verified by the caller): verified, then
    confirmed; every one is kept with its answer, and refusals are logged. Idempotent: a
    replay answers 02 and changes nothing."""
    adapter = vnpay()
    reference = str(params.get("vnp_TxnRef", ""))[:100]
    if adapter is None:
        outcome = Confirmation(RSP_OTHER, "gateway not configured")
    else:
        try:
            notification = adapter.verify(params)
        except Forged as forged:
            outcome = Confirmation(forged.code, forged.message)
        else:
            try:
                outcome = _confirm(Gateway.VNPAY, notification)
            except DomainError as exc:  # the dossier refused (e.g. its fee changed meanwhile)
                outcome = Confirmation(RSP_OTHER, str(exc)[:200])
    return _keep(Gateway.VNPAY, kind, reference, params, outcome)


def vnpay_reconcile(attempt: PaymentAttempt) -> Confirmation:
    """Ask VNPay about a pending order (the query API) and apply what it answers."""
    adapter = vnpay()
    if adapter is None:
        raise DomainError("gateway_unavailable", _("This payment method is not available."))
    try:
        notification = adapter.query(
            reference=attempt.reference,
            order_info=order_info(attempt),
            transaction_date=vnpay_time(attempt.created_at),
            request_id=secrets.token_hex(8),
        )
    except Forged as forged:
        outcome = Confirmation(forged.code, forged.message, attempt)
        return _keep(Gateway.VNPAY, "query", attempt.reference, {}, outcome)
    if notification.reference != attempt.reference:
        outcome = Confirmation(RSP_UNKNOWN_ORDER, "query answered for another order", attempt)
    else:
        outcome = _confirm(Gateway.VNPAY, notification)
    return _keep(Gateway.VNPAY, "query", attempt.reference, notification.raw, outcome)


def _kept_params(params: dict) -> dict:
    """What is kept of a notification: the ``vnp_`` fields (and a query answer's), at most 40,
    each cut at 300 characters: anybody can call the IPN, nobody fills the table with it."""
    kept = {}
    for key, value in params.items():
        if len(kept) == 40:
            break
        if isinstance(key, str) and key.startswith("vnp_") and len(key) <= 40:
            kept[key] = str(value)[:300]
    return kept


def _keep(
    gateway: str, kind: str, reference: str, params: dict, outcome: Confirmation
) -> Confirmation:
    GatewayNotification.objects.create(
        gateway=gateway,
        kind=kind,
        reference=reference,
        params=_kept_params(params),
        outcome=outcome.code,
        message=outcome.message[:200],
        attempt=outcome.attempt,
    )
    if outcome.code not in (RSP_OK,):
        log.warning(
            "%s %s refused for order %r: %s %s",
            gateway,
            kind,
            reference,
            outcome.code,
            outcome.message,
        )
    return outcome


# --- the bank feed ------------------------------------------------------------------------------


@dataclass
class FeedImport:
    matched: int = 0
    unmatched: int = 0
    wrong_amount: int = 0
    duplicate: int = 0
    already_imported: int = 0
    refused: list[str] = field(default_factory=list)


def bank_feed_import(*, actor: Any, bank: str, rows: list[dict[str, str]]) -> FeedImport:
    """Import the bank's transaction lines: each credit whose description carries a pending
    VietQR reference and whose amount is the fee confirms that payment. A line is imported once
    (``bank`` + its ``transaction_id``): importing the same feed again changes nothing."""
    adapter = vietqr()
    if adapter is None:
        raise DomainError("gateway_unavailable", _("This payment method is not available."))
    bank = (bank or "").strip()[:20] or "bank"
    summary = FeedImport()
    for number, row in enumerate(rows, start=2):
        transaction_id = str(row.get("transaction_id", "")).strip()[:64]
        try:
            if not transaction_id:
                raise Forged(RSP_OTHER, "no transaction_id")
            notification = adapter.verify(row)
        except Forged as refused:
            summary.refused.append(f"{number}: {refused.message}")
            continue
        if BankTransaction.objects.filter(bank=bank, transaction_id=transaction_id).exists():
            summary.already_imported += 1
            continue
        outcome = Confirmation(RSP_UNKNOWN_ORDER, "")
        try:
            with transaction.atomic():
                if notification.reference:
                    outcome = _confirm(Gateway.VIETQR, notification)
                status = {
                    RSP_UNKNOWN_ORDER: FeedLineStatus.UNMATCHED,
                    RSP_WRONG_AMOUNT: FeedLineStatus.WRONG_AMOUNT,
                    RSP_ALREADY_CONFIRMED: FeedLineStatus.DUPLICATE,
                }.get(outcome.code, FeedLineStatus.MATCHED)
                if outcome.attempt is not None and not outcome.recorded and status == "matched":
                    status = FeedLineStatus.DUPLICATE  # paid another way meanwhile
                BankTransaction.objects.create(
                    bank=bank,
                    transaction_id=transaction_id,
                    booked_at=notification.paid_at,
                    amount_vnd=notification.amount_vnd,
                    description=str(row.get("description", ""))[:500],
                    reference=notification.reference,
                    status=status,
                    attempt=outcome.attempt,
                    imported_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:  # imported concurrently by someone else
            summary.already_imported += 1
            continue
        except DomainError as exc:  # the dossier refused (changed meanwhile): retried next import
            summary.refused.append(f"{number}: {exc}")
            continue
        setattr(summary, status, getattr(summary, status) + 1)
    return summary


@dataclass
class Reconciled:
    asked: int = 0
    recorded: int = 0
    failed: int = 0
    errors: int = 0


def payments_reconcile(
    *,
    older_than: dt.timedelta = dt.timedelta(minutes=15),
    within: dt.timedelta = dt.timedelta(days=3),
    limit: int = 100,
) -> Reconciled:
    """Ask VNPay about the orders still pending after ``older_than`` (an IPN lost on the way):
    what the query API answers is applied as a notification (verified, idempotent)."""
    result = Reconciled()
    if vnpay() is None:
        return result
    now = timezone.now()
    pending = PaymentAttempt.objects.filter(
        gateway=Gateway.VNPAY,
        status=AttemptStatus.PENDING,
        created_at__lte=now - older_than,
        created_at__gte=now - within,
    ).order_by("created_at")[:limit]
    for attempt in pending:
        result.asked += 1
        try:
            outcome = vnpay_reconcile(attempt)
        except (OSError, ValueError) as exc:  # the gateway unreachable or answering nonsense
            log.warning("vnpay query for %s failed: %s", attempt, exc)
            result.errors += 1
            continue
        if outcome.recorded:
            result.recorded += 1
        elif outcome.attempt is not None:
            outcome.attempt.refresh_from_db(fields=["status"])
            result.failed += outcome.attempt.status == AttemptStatus.FAILED
    return result
