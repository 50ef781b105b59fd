"""The JSON API root (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs.

Domain errors become structured JSON: ``{"error": {"code": ..., "message": ..., "details": ...}}``
with the message in the request's language (Vietnamese by default).
"""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from tinhso.core.errors import DomainError

api = NinjaAPI(
    title="tinhso API",
    version="1",
    description="Digital government of a province: units, agencies, procedures, dossiers.",
    urls_namespace="api",
)


def error_body(code: str, message: str, details: object = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return api.create_response(
        request, error_body(exc.code, str(exc.message), exc.details), status=exc.status
    )


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    from django.utils.translation import gettext as _

    return api.create_response(
        request,
        error_body("validation_error", _("The request is not valid."), {"errors": exc.errors}),
        status=422,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    from django.utils.translation import gettext as _

    return api.create_response(
        request, error_body("unauthenticated", _("Please sign in.")), status=401
    )


api.add_router("/core", "tinhso.core.api.router")
api.add_router("/", "tinhso.procedures.api.router")
api.add_router("/", "tinhso.dossiers.api.router")
