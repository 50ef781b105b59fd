"""Reads of the signatures app: the public validation of an uploaded PDF.

Nothing of an upload is stored: the file is read from the request (in memory, or from Django's
temporary upload file, deleted when the request ends) and checked; only the report is answered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.ratelimit import Limit

if TYPE_CHECKING:
    from .pades import SignatureCheck

VALIDATIONS = Limit("signature-validations", "TINHSO_RATE_SIGNATURE_VALIDATIONS")


def too_large(request) -> bool:
    """Refused before the body is read: more than the limit plus room for the form."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    return length > settings.TINHSO_SIGNATURE_MAX_UPLOAD + 64 * 1024


def size_error() -> DomainError:
    limit = settings.TINHSO_SIGNATURE_MAX_UPLOAD
    return DomainError(
        "file_too_large",
        _("The file is too large: at most %(size)s.") % {"size": filesizeformat(limit)},
    )


def signature_report(upload, *, address: str) -> list[SignatureCheck]:
    """The signatures of an uploaded PDF, for anyone; at most the configured number of
    validations per address and hour, files up to ``TINHSO_SIGNATURE_MAX_UPLOAD``."""
    if upload is None:
        raise DomainError("no_file", _("Choose a PDF file to check."))
    if upload.size > settings.TINHSO_SIGNATURE_MAX_UPLOAD:
        raise size_error()
    VALIDATIONS.enforce(
        address,
        _("Too many files were checked from this address. Try again in %(minutes)s minutes."),
    )
    data = upload.read()
    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise DomainError("bad_pdf", _("The file is not a readable PDF."))
    from .pades import validate_pdf  # pyHanko is loaded by the first validation, not at start

    checks = validate_pdf(data)
    if not checks:
        raise DomainError("no_signature", _("The PDF has no digital signature."))
    return checks


def signing_agent_url(user: Any) -> str:
    """Where this officer's browser finds the signing agent (``TINHSO_SIGNING_AGENT_URL``, its
    ``{user}`` replaced by the user name: the demo's agent holds each officer's token under
    their name)."""
    from urllib.parse import quote

    url = settings.TINHSO_SIGNING_AGENT_URL
    if "{user}" in url:
        url = url.replace("{user}", quote(getattr(user, "username", "") or "", safe=""))
    return url
