"""The public signature validation page: anyone uploads a PDF and sees each signature; and the
two JSON steps every page that signs through the signing agent answers (``static/js/signing.js``:
a dossier's result, an outgoing document's approval and its seal)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, JsonResponse
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.ratelimit import client_address

from . import selectors


def _json_error(exc: DomainError) -> JsonResponse:
    body = {"error": {"code": exc.code, "message": str(exc.message), "details": exc.details}}
    return JsonResponse(body, status=exc.status)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RawPostDataException):  # not JSON (a form body was read as a form)
        body = None
    if not isinstance(body, dict):
        raise DomainError("bad_request", _("The request body must be a JSON object."))
    return body


def _b64(value: Any) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DomainError("bad_request", _("The signing agent's answer cannot be read.")) from exc


def agent_begin(request: HttpRequest, begin: Callable[..., Any]) -> JsonResponse:
    """Step 1 of a signature through the signing agent: the certificate the agent announced
    (``{certificate, chain, mechanisms}``, base64 DER) goes to ``begin(certificate=, chain=,
    mechanisms=)``, a service returning :class:`~tinhso.signatures.services.ToSign`; the answer
    is what the agent signs, or the error in the API's shape."""
    try:
        body = _json_body(request)
        to_sign = begin(
            certificate=_b64(body.get("certificate", "")),
            chain=[_b64(item) for item in body.get("chain") or []],
            mechanisms=[str(m) for m in body.get("mechanisms") or []],
        )
    except DomainError as exc:
        return _json_error(exc)
    return JsonResponse(to_sign.as_json())


def agent_finish(request: HttpRequest, finish: Callable[..., Any], message: str) -> JsonResponse:
    """Step 3: the agent's signature value (``{session, signature}``) goes to
    ``finish(session_id=, signature=)``; ``message`` is shown on the page the browser reloads."""
    try:
        body = _json_body(request)
        finish(session_id=str(body.get("session", "")), signature=_b64(body.get("signature", "")))
    except DomainError as exc:
        return _json_error(exc)
    messages.success(request, message)
    return JsonResponse({"signed": True})


def validate(request):
    if request.method != "POST":
        return render(request, "signatures/validate.html", {})
    try:
        if selectors.too_large(request):
            raise selectors.size_error()
        upload = request.FILES.get("file")
        checks = selectors.signature_report(upload, address=client_address(request))
    except DomainError as exc:
        status = 413 if exc.code == "file_too_large" else exc.status
        response = render(
            request, "signatures/validate.html", {"error": exc.message}, status=status
        )
        return exc.annotate(response)
    return render(request, "signatures/validate.html", {"checks": checks, "filename": upload.name})
