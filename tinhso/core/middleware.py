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

:class:`ErrorShapeMiddleware` answers every other error of ``/api/`` and ``/open311/`` in their
shape, in every mode (Django would answer HTML, or its debug page when ``DEBUG`` is on): a bug is a
500 JSON, a ``Http404``/``PermissionDenied`` a 404/403 JSON. With ``DEBUG`` on it also keeps
Django's technical 404 page from anyone but a superuser (officers are staff): a citizen opening
a page they may not see gets the site's page in Vietnamese. The URLconf's
``handler400/403/404/500`` (``core.views``) answer the rest, with ``DEBUG`` off, in the same
shapes; a body too large to read (``RequestDataTooBig``) is a 413 in every mode
(:func:`unreadable_request_response`, first met by the invalid-text check).

All answer in the caller's shape (:func:`error_response`): the API's structured error, Open311's
error array, or the site's error page in Vietnamese (``403.html``, ``404.html``, ``500.html``,
``503.html``, else ``error.html``); a page of 500 or more is drawn without the request, so it
needs no database.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, get_resolver
from django.utils.html import escape
from django.utils.log import log_response
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


def is_machine_path(request: HttpRequest) -> bool:
    """The JSON API and Open311 answer errors in their own shape, never a page."""
    return request.path.startswith(("/api/", "/open311/"))


def error_response(
    request: HttpRequest, *, status: int, code: str, message: str, title: str
) -> HttpResponse:
    """An error in the caller's shape: the API's structured error, Open311's error array, or the
    site's error page in Vietnamese (``<status>.html``, else ``error.html``). A page of 500 or
    more is drawn without the request (no context processor, no session): it needs no database."""
    if request.path.startswith("/api/"):
        body = {"error": {"code": code, "message": message, "details": {}}}
        return JsonResponse(body, status=status)
    if request.path.startswith("/open311/"):
        from tinhso.feedback.open311 import render_error

        fmt = "xml" if request.path.endswith(".xml") else "json"
        return render_error(status, message, fmt)
    try:
        template = loader.select_template([f"{status}.html", "error.html"])
        html = template.render(
            {"title": title, "message": message}, request if status < 500 else None
        )
    except Exception:  # the error page itself must not fail (a missing static manifest …)
        logger.exception("the %s page could not be drawn; a plain one is sent", status)
        html = (
            f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
            f"<p>{escape(message)}</p></main></body></html>"
        )
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


UNREADABLE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, MultiPartParserError)


def unreadable_request_response(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The answer to a request Django refuses to read (:data:`UNREADABLE`): a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413, too many fields or files or a broken multipart
    body a 400, each in the caller's shape."""
    if isinstance(exception, RequestDataTooBig):
        return error_response(
            request,
            status=413,
            code="body_too_large",
            message=_("The request is too large: at most %(size)s apart from files.")
            % {"size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
            title=_("The request is too large"),
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        code, message = "too_many_fields", _("The request has too many fields or files.")
    else:
        code, message = "malformed_body", _("The request body cannot be read.")
    return error_response(
        request, status=400, code=code, message=message, title=_("Invalid request")
    )


def _view_message(exception: Exception | None, default: str) -> str:
    """A view's own message (``Http404(_("Dossier … was not found."))``), else the default;
    never the resolver's (the URL patterns tried, not a string)."""
    reason = exception.args[0] if exception is not None and exception.args else None
    return str(reason) if isinstance(reason, str) and reason else default


def page_not_found_response(request: HttpRequest, exception: Exception | None) -> HttpResponse:
    return error_response(
        request,
        status=404,
        code="not_found",
        message=_view_message(
            exception, _("The page does not exist, or it is not available to you.")
        ),
        title=_("Page not found"),
    )


def permission_denied_response(request: HttpRequest, exception: Exception | None) -> HttpResponse:
    default = _(
        "You may not see this page. Log in with an account that may, or ask the one-stop shop."
    )
    return error_response(
        request,
        status=403,
        code="forbidden",
        message=_view_message(exception, default),
        title=_("Access denied"),
    )


def server_error_response(request: HttpRequest) -> HttpResponse:
    return error_response(
        request,
        status=500,
        code="server_error",
        message=_("The system met an error and did nothing. Please try again later."),
        title=_("System error"),
    )


class RejectInvalidTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            invalid = has_invalid_text(request)
        except UNREADABLE as exception:
            # The first read of the body: Django refuses it whole (and would answer with a page,
            # or its debug page): no view can read it either.
            return unreadable_request_response(request, exception)
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


class ErrorShapeMiddleware:
    """Errors of ``/api/`` and ``/open311/`` in their shape in every mode, and no debug 404 page
    for anyone but a superuser (see the module's docstring). Sits after the authentication
    middleware (it reads ``request.user``); leaves the database's errors to
    :class:`DatabaseUnavailableMiddleware`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG and (is_machine_path(request) or not _is_superuser(request)):
            # Django answers a path no URL pattern matches, before any view, with its debug
            # page (the URL patterns) when DEBUG is on: only a superuser sees it.
            try:
                get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
            except Resolver404:
                return page_not_found_response(request, None)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            return None  # DatabaseUnavailableMiddleware's
        if isinstance(exception, Http404):
            if is_machine_path(request) or (settings.DEBUG and not _is_superuser(request)):
                return page_not_found_response(request, exception)
            return None
        if isinstance(exception, PermissionDenied):
            # Django's handler403 draws the page in every mode.
            return (
                permission_denied_response(request, exception) if is_machine_path(request) else None
            )
        if isinstance(exception, UNREADABLE):
            return unreadable_request_response(request, exception)
        if not is_machine_path(request):
            return None  # handler500, or the debug page for the developer
        signals.got_request_exception.send(sender=None, request=request)
        response = server_error_response(request)
        log_response(
            "%s: %s",
            response.reason_phrase,
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        return response


def _is_superuser(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_superuser)
