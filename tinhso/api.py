"""The JSON API root (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs.

Domain errors become structured JSON: ``{"error": {"code": ..., "message": ..., "details": ...}}``
with the message in the request's language (Vietnamese by default).
"""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tinhso.core.errors import DomainError
from tinhso.core.middleware import page_not_found_response

# Every operation may answer with these errors, all in the same ``{"error": {...}}`` shape; the
# schema says so once for all instead of in each handler (Schemathesis checks it, see
# tinhso/core/tests/test_api_fuzz.py).
ERROR_RESPONSES = {
    "400": "The request breaks a business rule (message in Vietnamese).",
    "401": "Not signed in: a bearer token or a session is needed.",
    "403": "Signed in, but this role or agency may not do this.",
    "404": "No such object, or not visible to you.",
    "409": "Not allowed in the dossier's current state.",
    "413": "The request body (apart from files) or an upload is too large.",
    "422": "The request does not match the schema.",
    "429": "Too many requests: wait the seconds of the Retry-After header.",
}
# Answered by the HTTP server in front of the application, in its own format: gunicorn refuses a
# request line over 4094 bytes (``limit_request_line``), as a proxy would.
SERVER_RESPONSES = {"414": "The URL is too long (answered by the HTTP server, not in this shape)."}
ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}


class TinhsoAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"$ref": "#/components/schemas/Error"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                # Handlers declare codes as integers (``response={200: ..., 404: ...}``) and
                # ``openapi_extra`` as strings: one key per code, or the JSON document holds
                # "404" twice and Swagger UI refuses it. ``openapi_extra`` (merged last) wins.
                responses = {}
                for code, answer in operation.get("responses", {}).items():
                    responses[str(code)] = answer
                operation["responses"] = responses
                for code, description in ERROR_RESPONSES.items():
                    content = {"application/json": {"schema": ref}}
                    responses.setdefault(code, {"description": description, "content": content})
                for code, description in SERVER_RESPONSES.items():
                    responses.setdefault(code, {"description": description})
        return schema


api = TinhsoAPI(
    title="tinhso API",
    version="1",
    description="Digital government of a province: units, agencies, procedures, dossiers.",
    urls_namespace="api",
)


def error_body(code: str, message: str, details: object = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    response = api.create_response(
        request, error_body(exc.code, str(exc.message), exc.details), status=exc.status
    )
    return exc.annotate(response)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    from django.utils.translation import gettext as _

    return api.create_response(
        request,
        error_body("validation_error", _("The request is not valid."), {"errors": exc.errors}),
        status=422,
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    from django.utils.translation import gettext as _

    if exc.status_code == 400:
        # ninja raises this for a body that is not JSON / not multipart
        message, code = _("The request body cannot be read."), "malformed_body"
    else:
        message, code = str(exc), "http_error"
    return api.create_response(request, error_body(code, message), status=exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request, exc: Http404):
    return page_not_found_response(request, exc)


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    """Not answered here (ninja would show a traceback when DEBUG is on): the request boundary
    (``core.middleware``) answers a database outage with a 503 and any other error with a 500,
    in the API's shape."""
    raise exc


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    from django.utils.translation import gettext as _

    return api.create_response(
        request, error_body("unauthenticated", _("Please sign in.")), status=401
    )


api.add_router("/core", "tinhso.core.api.router")
api.add_router("/", "tinhso.procedures.api.router")
api.add_router("/", "tinhso.dossiers.api.router")
api.add_router("/", "tinhso.ioc.api.router")
api.add_router("/", "tinhso.signatures.api.router")
api.add_router("/", "tinhso.documents.api.router")
