"""Application forms described as JSON Schema (Draft 2020-12): checking, ordering, validating.

Pure functions without database access; :mod:`tinhso.procedures.services` exposes them as the
operations ``procedure_check_schema`` and ``procedure_validate_form``.

PostgreSQL stores JSON as ``jsonb``, which does not keep the order of object keys, so the order of
the fields of a form is written into the schema itself: every object schema with ``properties``
gets an ``x-order`` list of its property names (added when missing, in the order given). Readers
use :func:`form_fields`, which follows ``x-order``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as JsonSchemaError

from tinhso.core.errors import DomainError

ORDER_KEY = "x-order"
_FORMAT_CHECKER = FormatChecker()


def check_schema(schema: Any) -> None:
    """Raise ``DomainError("invalid_schema")`` unless ``schema`` is a usable form schema.

    An empty object means "no form". Otherwise the schema must be a valid Draft 2020-12 schema
    describing an object (the application data is always a JSON object).
    """
    if not isinstance(schema, dict):
        raise DomainError(
            "invalid_schema", _("The application form must be a JSON object (a JSON Schema).")
        )
    if not schema:
        return
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(part) for part in exc.absolute_path)
        raise DomainError(
            "invalid_schema",
            _("The application form is not a valid JSON Schema (%(where)s): %(message)s")
            % {"where": where or "/", "message": exc.message},
        ) from None
    if schema.get("type", "object") != "object":
        raise DomainError(
            "invalid_schema",
            _('The application form must describe an object ("type": "object").'),
        )
    _check_order_lists(schema)


def _check_order_lists(schema: dict) -> None:
    for node in _object_nodes(schema):
        order = node.get(ORDER_KEY)
        if order is None:
            continue
        properties = node.get("properties", {})
        if not isinstance(order, list) or sorted(order) != sorted(properties):
            raise DomainError(
                "invalid_schema",
                _("“%(key)s” must list every property of its object exactly once.")
                % {"key": ORDER_KEY},
            )


def _object_nodes(schema: Any):
    """Every sub-schema that has ``properties`` (the root, nested objects, array items)."""
    if not isinstance(schema, dict):
        return
    if isinstance(schema.get("properties"), dict):
        yield schema
        for child in schema["properties"].values():
            yield from _object_nodes(child)
    items = schema.get("items")
    if isinstance(items, dict):
        yield from _object_nodes(items)
    for key in ("$defs", "definitions"):
        if isinstance(schema.get(key), dict):
            for child in schema[key].values():
                yield from _object_nodes(child)


def with_field_order(schema: dict) -> dict:
    """A copy of ``schema`` in which every object with properties carries ``x-order``.

    Idempotent: a schema that already has its order lists comes back equal.
    """
    import copy

    result = copy.deepcopy(schema)
    for node in _object_nodes(result):
        if ORDER_KEY not in node:
            node[ORDER_KEY] = list(node["properties"])
    return result


def form_fields(schema: dict) -> list[tuple[str, dict]]:
    """The top-level fields of a form in display order: ``[(name, sub-schema), ...]``."""
    properties = (schema or {}).get("properties") or {}
    order = [name for name in (schema or {}).get(ORDER_KEY) or [] if name in properties]
    order += [name for name in properties if name not in order]
    return [(name, properties[name]) for name in order]


def _error_message(error: JsonSchemaError) -> str:
    kind = error.validator
    value = error.validator_value
    if kind == "type":
        return _("This value has the wrong type (expected %(type)s).") % {"type": value}
    if kind == "format":
        if value == "date":
            return _("Enter a valid date (YYYY-MM-DD).")
        if value == "date-time":
            return _("Enter a valid date and time.")
        if value == "email":
            return _("Enter a valid e-mail address.")
        return _("Enter a valid value (%(format)s).") % {"format": value}
    if kind in {"enum", "const"}:
        return _("Choose one of the allowed values.")
    if kind == "minLength":
        return _("Enter at least %(count)d character(s).") % {"count": value}
    if kind == "maxLength":
        return _("Enter at most %(count)d character(s).") % {"count": value}
    if kind in {"minimum", "exclusiveMinimum"}:
        return _("The value is too small (minimum %(limit)s).") % {"limit": value}
    if kind in {"maximum", "exclusiveMaximum"}:
        return _("The value is too large (maximum %(limit)s).") % {"limit": value}
    if kind == "pattern":
        return _("The value does not have the expected format.")
    if kind == "minItems":
        return _("Give at least %(count)d item(s).") % {"count": value}
    if kind == "maxItems":
        return _("Give at most %(count)d item(s).") % {"count": value}
    if kind == "additionalProperties":
        return _("This field is not part of the form.")
    return _("This value is not valid.")


def _path(parts) -> str:
    return ".".join(str(part) for part in parts)


def form_errors(schema: dict, data: Any) -> list[dict[str, str]]:
    """Every error of ``data`` against ``schema``: ``[{"field": "a.b", "message": ...}]``."""
    if not schema:
        return []
    validator = Draft202012Validator(schema, format_checker=_FORMAT_CHECKER)
    errors: list[dict[str, str]] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    errors.append(
                        {
                            "field": _path([*error.absolute_path, name]),
                            "message": _("This field is required."),
                        }
                    )
            continue
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set((error.schema or {}).get("properties", {}))
            patterns = (error.schema or {}).get("patternProperties", {})
            for name in error.instance:
                if name not in allowed and not patterns:
                    errors.append(
                        {
                            "field": _path([*error.absolute_path, name]),
                            "message": _error_message(error),
                        }
                    )
            continue
        errors.append({"field": _path(error.absolute_path), "message": _error_message(error)})
    return errors


def validate_form(schema: dict, data: Any) -> dict:
    """Return ``data`` when it satisfies ``schema``; raise ``DomainError("invalid_form")``."""
    if not isinstance(data, dict):
        raise DomainError(
            "invalid_form",
            _("The application data must be a JSON object."),
            errors=[{"field": "", "message": _("The application data must be a JSON object.")}],
        )
    errors = form_errors(schema, data)
    if errors:
        raise DomainError(
            "invalid_form",
            ngettext(
                "The application form has %(count)d error.",
                "The application form has %(count)d errors.",
                len(errors),
            )
            % {"count": len(errors)},
            errors=errors,
        )
    return data
