"""Payment pages: the applicant starts a payment, the gateway's return page and IPN, the
receipts. Thin: the services decide; reads go through the dossier access rule."""

from __future__ import annotations

import hmac
import logging
from dataclasses import asdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.core.access import request_access
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.http import download_response
from tinhso.portal.selectors import my_dossier_get
from tinhso.workspace.views import _dossier as officer_dossier
from tinhso.workspace.views import officer_required

from . import selectors, services
from .adapters import Forged, bank_webhook_signature, parse_bank_webhook
from .models import AttemptStatus, Gateway
from .pdf import receipt_filename, render_payment_receipt

log = logging.getLogger("tinhso.payments")


def _own_dossier(request: HttpRequest, code: str):
    try:
        return my_dossier_get(user=request_access(request), code=code)
    except NotFound:
        raise Http404(_("Dossier %(code)s was not found.") % {"code": code}) from None


def _client_ip(request: HttpRequest) -> str:
    return (request.META.get("REMOTE_ADDR") or "127.0.0.1")[:45]


@login_required
@require_POST
def pay_start(request: HttpRequest, code: str, gateway: str) -> HttpResponse:
    """The applicant chooses a way to pay: VNPay (redirect to the gateway) or VietQR (the
    transfer page with the QR code)."""
    dossier = _own_dossier(request, code)
    if gateway not in Gateway.values:
        raise Http404
    try:
        attempt = services.payment_start(actor=request.user, dossier=dossier, gateway=gateway)
        if gateway == Gateway.VNPAY:
            return_url = request.build_absolute_uri(reverse("payments:vnpay_return"))
            return redirect(
                services.vnpay_redirect_url(
                    attempt, return_url=return_url, ip_address=_client_ip(request)
                )
            )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("portal:my_dossier", code=dossier.code)
    return redirect("payments:transfer", code=dossier.code, reference=attempt.reference)


@login_required
@require_GET
def transfer(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    """The VietQR transfer page: the QR code, the account, the amount and the reference."""
    dossier = _own_dossier(request, code)
    attempt = selectors.attempt_of(dossier, reference, gateway=Gateway.VIETQR)
    if attempt is None:
        raise Http404
    try:
        payload = services.vietqr_payload(attempt)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("portal:my_dossier", code=dossier.code)
    context = {
        "dossier": dossier,
        "attempt": attempt,
        "payload": payload,
        "qr_svg": selectors.qr_svg(payload),
        "account": services.vietqr(),
        "pending": attempt.status == AttemptStatus.PENDING,
    }
    return render(request, "payments/transfer.html", context)


@require_GET
def vnpay_return(request: HttpRequest) -> HttpResponse:
    """Where the gateway sends the applicant back. Shows the result; records nothing (the IPN
    does): a return whose signature fails says so."""
    params = request.GET.dict()
    adapter = services.vnpay()
    attempt = None
    verified = False
    succeeded = False
    if adapter is not None:
        try:
            notification = adapter.verify(params)
        except Forged:
            pass
        else:
            verified = True
            succeeded = notification.succeeded
            attempt = selectors.attempt_by_reference(notification.reference, Gateway.VNPAY)
    status = 400 if not verified else 200
    context = {
        "verified": verified,
        "succeeded": succeeded,
        "attempt": attempt,
        "confirmed": attempt is not None and attempt.status == AttemptStatus.CONFIRMED,
        "dossier": attempt.dossier if attempt is not None else None,
    }
    return render(request, "payments/vnpay_return.html", context, status=status)


@csrf_exempt  # server to server: the gateway has no CSRF token; the HMAC authenticates it
@require_http_methods(["GET", "POST"])
def vnpay_ipn(request: HttpRequest) -> JsonResponse:
    """VNPay's IPN: the one place an online payment is confirmed. Answers ``RspCode``."""
    params = request.GET.dict() if request.method == "GET" else request.POST.dict()
    outcome = services.vnpay_notification(params, kind="ipn")
    return JsonResponse({"RspCode": outcome.code, "Message": outcome.message})


@login_required
@require_GET
def my_receipt(request: HttpRequest, code: str, receipt_id: int) -> HttpResponse:
    """The applicant's payment receipt (PDF)."""
    dossier = _own_dossier(request, code)
    receipt = selectors.receipt_of(dossier, receipt_id)
    if receipt is None:
        raise Http404
    return download_response(
        render_payment_receipt(receipt), "application/pdf", receipt_filename(receipt)
    )


@officer_required
@require_GET
def officer_receipt(request: HttpRequest, code: str, receipt_id: int) -> HttpResponse:
    """A payment receipt of a dossier the officer may see (PDF)."""
    dossier = officer_dossier(request, code)
    receipt = selectors.receipt_of(dossier, receipt_id)
    if receipt is None:
        raise Http404
    return download_response(
        render_payment_receipt(receipt), "application/pdf", receipt_filename(receipt)
    )


@csrf_exempt  # server to server: the bank signs the body (HMAC-SHA256), no session
@require_POST
def bank_webhook(request: HttpRequest, bank: str) -> JsonResponse:
    """A bank pushes lines of its transaction feed (the CSV's fields as JSON)."""
    secret = settings.TINHSO_BANK_WEBHOOK_SECRETS.get(bank, "")
    given = request.headers.get("X-Tinhso-Signature", "")
    if not secret or not hmac.compare_digest(given, bank_webhook_signature(secret, request.body)):
        log.warning("bank webhook %r refused: bad signature", bank[:20])
        return JsonResponse(
            {"error": {"code": "invalid_signature", "message": "invalid signature", "details": {}}},
            status=401,
        )
    try:
        rows = parse_bank_webhook(request.body)
        summary = services.bank_feed_import(actor=None, bank=bank, rows=rows)
    except ValueError as exc:
        return JsonResponse(
            {"error": {"code": "invalid_body", "message": str(exc)[:200], "details": {}}},
            status=400,
        )
    except DomainError as exc:
        return JsonResponse(
            {"error": {"code": exc.code, "message": str(exc), "details": {}}}, status=503
        )
    return JsonResponse(asdict(summary))
