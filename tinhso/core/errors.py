"""Domain errors: a stable machine code, a translated message, an HTTP status for the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A business rule refused the operation; nothing was written."""

    status = 400

    def __init__(self, code: str, message: Any, **details: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return str(self.message)

    def annotate(self, response: Any) -> Any:
        """Add what this refusal tells a client besides its message (``Retry-After`` for
        ``RateLimited``) to the response that shows it."""
        return response


class Unauthenticated(DomainError):
    """No valid credentials: an expired or revoked token (HTTP 401)."""

    status = 401


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class InvalidTransition(DomainError):
    """The object is not in a state that allows the operation (HTTP 409)."""

    status = 409


def check_length(value: str, *, field: str, limit: int) -> str:
    """``value`` unless it is longer than ``limit`` characters: then a ``DomainError("too_long")``
    naming the field and the limit (the API's ``details``), with a message in Vietnamese."""
    if len(value) > limit:
        raise DomainError(
            "too_long",
            _("The text is too long: at most %(limit)d characters (now %(length)d).")
            % {"limit": limit, "length": len(value)},
            field=field,
            limit=limit,
        )
    return value
