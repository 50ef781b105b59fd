"""The payment receipt as PDF, through the one PDF machinery of :mod:`tinhso.dossiers.pdf`."""

from __future__ import annotations

from django.template.loader import render_to_string

from tinhso.dossiers import pdf as forms
from tinhso.dossiers.models import PaymentMethod

from .models import PaymentReceipt

METHOD_LABELS = {
    PaymentMethod.COUNTER: "Nộp tại quầy",
    PaymentMethod.GATEWAY: "Thanh toán trực tuyến qua cổng thanh toán",
    PaymentMethod.BANK_TRANSFER: "Chuyển khoản ngân hàng (VietQR)",
}


def receipt_filename(receipt: PaymentReceipt) -> str:
    return f"BIEN-LAI-{receipt.series}-{receipt.year}-{receipt.number:07d}.pdf"


def render_payment_receipt(receipt: PaymentReceipt) -> bytes:
    """Biên lai thu phí, lệ phí of one payment."""
    payment = receipt.payment
    dossier = payment.dossier
    context = {
        **forms._base_context(
            dossier,
            agency=receipt.agency,
            issued_at=receipt.issued_at,
            title="BIÊN LAI THU PHÍ, LỆ PHÍ",
        ),
        "receipt": receipt,
        "receipt_number": f"{receipt.number:07d}",
        "payment": payment,
        "attempt": payment.attempt,
        "amount": forms.fmt_money(payment.amount_vnd),
        "method": METHOD_LABELS.get(payment.method, payment.method),
        "paid_at": forms.fmt_appointment(payment.paid_at),
        "collector": payment.recorded_by_name if payment.recorded_by_id else "",
    }
    return forms.html_to_pdf(render_to_string("payments/pdf/receipt.html", context))
