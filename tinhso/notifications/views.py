"""The person's notification page: the channels they choose and what they were sent; the
providers' delivery-receipt callback."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .models import Channel, Receipt


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    if request.method == "POST":
        services.preference_set(
            actor=request.user,
            email=request.POST.get("email") == "on",
            sms=request.POST.get("sms") == "on",
            zns=request.POST.get("zns") == "on",
        )
        messages.success(request, _("Your notification channels are saved."))
        return redirect("notifications:preferences")
    context = {
        "preference": selectors.preference_of(request.user),
        "sent": selectors.notifications_of(request.user),
    }
    return render(request, "notifications/preferences.html", context)


def _refused(status: int, code: str, message: str, **details) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "details": details}}, status=status
    )


@csrf_exempt
@require_POST
def receipt(request):
    """A provider's delivery receipt: ``{"channel": "sms"|"zns", "message_id", "status":
    "delivered"|"failed", "error"}`` with the ``X-Receipt-Token`` header
    (``TINHSO_NOTIFY_RECEIPT_TOKEN``; none configured: 404)."""
    token = settings.TINHSO_NOTIFY_RECEIPT_TOKEN
    if not token:
        return _refused(404, "not_found", _("Not found."))
    if not constant_time_compare(request.headers.get("X-Receipt-Token", ""), token):
        return _refused(403, "forbidden", _("Wrong or missing receipt token."))
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        data = None
    data = data if isinstance(data, dict) else {}
    channel, status = data.get("channel"), data.get("status")
    message_id = data.get("message_id")
    problems = {}
    if channel not in (Channel.SMS, Channel.ZNS):
        problems["channel"] = "sms | zns"
    if status not in Receipt.values:
        problems["status"] = " | ".join(Receipt.values)
    if not isinstance(message_id, str) or not 0 < len(message_id) <= 100:
        problems["message_id"] = "1-100 characters"
    if problems:
        return _refused(400, "invalid", _("The receipt is not valid."), fields=problems)
    error = str(data.get("error") or "")[:500]
    n = services.notification_receipt(
        channel=channel, provider_id=message_id, receipt=status, error=error
    )
    if n is None:
        return _refused(404, "not_found", _("No message has this id."))
    return JsonResponse({"ok": True, "receipt": n.receipt})
