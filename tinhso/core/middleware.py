"""Request hygiene that every view relies on.

:class:`RejectInvalidTextMiddleware` refuses, with a 400, any request whose text carries a NUL
character or invalid Unicode (a lone surrogate such as ``"\\ud800"``), wherever the text comes in:
the path, the query string, the headers (NUL only: they arrive decoded as Latin-1), form fields
(URL-encoded or multipart, so the pages and Open311 too), and any other body whatever its declared
content type (django-ninja parses ``text/plain`` as JSON too): raw NUL bytes, bytes that are not
UTF-8, and the JSON escapes ``\\u0000`` and of lone surrogates. PostgreSQL cannot store NUL in
text or jsonb nor encode a lone surrogate (a 500 there), and SQLite stores both, after which every
page showing the value fails to encode it (a 500 on each visit). A file's content is not text and
is not looked at here; its name reaches no code with either (Django's multipart parser drops a
file name's non-printable characters, and decodes every field with replacement characters for
bytes that are not UTF-8).

It also answers 413 for a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``
(``TINHSO_MAX_BODY_BYTES``: a JSON body, or a form's fields apart from its files), and 400 for
too many fields, instead of Django's bare 400 page.

:class:`DatabaseUnavailableMiddleware` answers 503 with ``Retry-After`` when the database cannot
serve the request (restarting, unreachable, a deadlock or a lock timeout that ended the
transaction), instead of a 500. The request's open transaction rolled back with the error; a
client that retries (with its ``Idempotency-Key``, for a submission whose answer was lost after
its commit) gets it done once.

Both answer in the caller's shape (:func:`error_response`): the API's structured error, Open311's
error array, or a short page in Vietnamese that needs no database.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.template.defaultfilters import filesizeformat
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5

# A JSON escape that may decode to NUL or to a surrogate; only then is the body parsed.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def is_invalid_text(text: str) -> bool:
    """True for text with a NUL character or a lone surrogate (not encodable as UTF-8)."""
    if "\x00" in text:
        return True
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _any_invalid(texts: Iterable[str]) -> bool:
    return any(is_invalid_text(text) for text in texts)


def _invalid_in_json(value: Any) -> bool:
    if isinstance(value, str):
        return is_invalid_text(value)
    if isinstance(value, dict):
        return _any_invalid(value) or any(_invalid_in_json(item) for item in value.values())
    if isinstance(value, list):
        return any(_invalid_in_json(item) for item in value)
    return False


def _invalid_body(body: bytes) -> bool:
    """A body that is not a form: raw NUL, bytes that are not UTF-8, or, when it is JSON, a
    string (key or value) that decodes to NUL or a lone surrogate."""
    if b"\x00" in body:
        return True
    if not body.isascii():
        try:
            body.decode("utf-8")  # refuses encoded surrogates too
        except UnicodeDecodeError:
            return True
    if _SUSPECT_ESCAPE.search(body) is None:
        return False
    try:
        return _invalid_in_json(json.loads(body))
    except ValueError:
        return False  # not JSON: nothing will decode its escapes
    except RecursionError:
        return True  # nested too deep to look through: refused rather than let through


def _invalid_fields(fields) -> bool:
    """A query string or form (a ``QueryDict`` or ``MultiValueDict``): any key or value."""
    return any(is_invalid_text(key) or _any_invalid(values) for key, values in fields.lists())


def has_invalid_text(request: HttpRequest) -> bool:
    """Whether any text of the request is NUL or invalid Unicode (see the module's docstring)."""
    if is_invalid_text(request.path) or _invalid_fields(request.GET):
        return True
    # Headers reach the database too (Idempotency-Key, the User-Agent of a failed login).
    if any("\x00" in value for key, value in request.META.items() if key.startswith("HTTP_")):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if request.content_type == "multipart/form-data":
        if request.method != "POST":
            return False  # Django parses multipart for POST only; nothing here reads another
        # File names need no look: Django's parser already drops their non-printable characters.
        return _invalid_fields(request.POST) or _any_invalid(request.FILES)
    if request.content_type == "application/x-www-form-urlencoded":
        form = request.POST if request.method == "POST" else QueryDict(request.body)
        return _invalid_fields(form)
    return _invalid_body(request.body)


def error_response(
    request: HttpRequest, *, status: int, code: str, message: str, title: str
) -> HttpResponse:
    """An error in the caller's shape: the API's structured error, Open311's error array, or a
    short page in Vietnamese that needs no database (the site's base template reads the menu
    from it)."""
    if request.path.startswith("/api/"):
        body = {"error": {"code": code, "message": message, "details": {}}}
        return JsonResponse(body, status=status)
    if request.path.startswith("/open311/"):
        from tinhso.feedback.open311 import render_error

        fmt = "xml" if request.path.endswith(".xml") else "json"
        return render_error(status, message, fmt)
    return HttpResponse(
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
        f"<p>{escape(message)}</p></main></body></html>",
        status=status,
        content_type="text/html; charset=utf-8",
    )


class RejectInvalidTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            invalid = has_invalid_text(request)
        except RequestDataTooBig:
            return error_response(
                request,
                status=413,
                code="body_too_large",
                message=_("The request is too large: at most %(size)s apart from files.")
                % {"size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
                title=_("Request too large"),
            )
        except (TooManyFieldsSent, TooManyFilesSent):
            return error_response(
                request,
                status=400,
                code="too_many_fields",
                message=_("The request has too many fields or files."),
                title=_("Invalid request"),
            )
        if invalid:
            return error_response(
                request,
                status=400,
                code="invalid_character",
                message=_(
                    "The request contains a NUL character or invalid Unicode text, "
                    "which is not allowed."
                ),
                title=_("Invalid request"),
            )
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A 503 with ``Retry-After`` for a request the database could not serve (see above)."""

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
        response = error_response(
            request,
            status=503,
            code="unavailable",
            message=_("The system is temporarily unavailable. Please try again in a few seconds."),
            title=_("Temporarily unavailable"),
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
