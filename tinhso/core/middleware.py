"""Request hygiene that every view relies on.

:class:`RejectNulMiddleware` refuses NUL characters in the query string and in JSON bodies with a
400. PostgreSQL text and jsonb cannot store them (``DataError``: a 500 on PostgreSQL while SQLite
accepts them); Django's form fields already refuse them, django-ninja's schemas do not.

:class:`DatabaseUnavailableMiddleware` answers 503 with ``Retry-After`` when the database cannot
serve the request (restarting, unreachable, a deadlock or a lock timeout that ended the
transaction), instead of a 500. The request's open transaction rolled back with the error; a
client that retries (with its ``Idempotency-Key``, for a submission whose answer was lost after
its commit) gets it done once.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return True
    if request.content_type == "application/json" and request.method in ("POST", "PUT", "PATCH"):
        body = request.body
        return b"\x00" in body or b"\\u0000" in body
    return False


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            message = _("The request contains a NUL character, which is not allowed.")
            if request.path.startswith("/api/"):
                body = {"error": {"code": "nul_character", "message": message, "details": {}}}
                return JsonResponse(body, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A 503 with ``Retry-After`` for a request the database could not serve (see above): the
    API's structured error, Open311's error array, or a short page in Vietnamese that needs no
    database (the site's base template reads the menu from it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning(
            "database unavailable for %s %s: %s",
            request.method,
            request.path,
            str(exception).strip().splitlines()[0] if str(exception).strip() else "",
            extra={"error": type(exception).__name__},
        )
        message = _("The system is temporarily unavailable. Please try again in a few seconds.")
        if request.path.startswith("/api/"):
            body = {"error": {"code": "unavailable", "message": message, "details": {}}}
            response: HttpResponse = JsonResponse(body, status=503)
        elif request.path.startswith("/open311/"):
            from tinhso.feedback.open311 import render_error

            fmt = "xml" if request.path.endswith(".xml") else "json"
            response = render_error(503, message, fmt)
        else:
            title = _("Temporarily unavailable")
            response = HttpResponse(
                f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
                f"<p>{escape(message)}</p></main></body></html>",
                status=503,
                content_type="text/html; charset=utf-8",
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
