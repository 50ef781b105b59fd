"""Application forms described as JSON Schema (Draft 2020-12): checking, ordering, validating.

Pure functions without database access; :mod:`tinhso.procedures.services` exposes them as the
operations ``procedure_check_schema`` and ``procedure_validate_form``.

PostgreSQL stores JSON as ``jsonb``, which does not keep the order of object keys, so the order of
the fields of a form is written into the schema itself: every object schema with ``properties``
gets an ``x-order`` list of its property names (added when missing, in the order given). Readers
use :func:`form_fields`, which follows ``x-order``.

Application data is checked against the stored schema made strict (:func:`enforced_schema`),
whatever the stored schema says: no key outside the schema's ``properties`` (every object is
``additionalProperties: false``, or ``unevaluatedProperties: false`` where it is built with
``$ref``/``allOf``…; a procedure without a form takes an empty object only), every string at most
``maxLength`` characters (``TINHSO_FORM_TEXT_MAX_LENGTH`` when the schema gives none), every
array at most ``maxItems`` items (``TINHSO_FORM_MAX_ITEMS`` when it gives none), at most
:data:`MAX_DEPTH` levels deep. Each error names its field (``a.b``, ``list.3``), a machine
``code`` (:data:`ERROR_CODES`) and a translated message; an answer lists :data:`MAX_ERRORS` at most.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as JsonSchemaError

from tinhso.core.errors import DomainError
from tinhso.core.validators import validate_personal_id

ORDER_KEY = "x-order"
_FORMAT_CHECKER = FormatChecker()
# ``"format": "personal-id"``: a 12-digit personal ID number (CCCD) inside application data,
# checked by the one ID-number validator of every page, form and API (``core.validators``).
PERSONAL_ID_FORMAT = "personal-id"


@_FORMAT_CHECKER.checks(PERSONAL_ID_FORMAT, raises=DjangoValidationError)
def _is_personal_id(value: Any) -> bool:
    if isinstance(value, str):
        validate_personal_id(value)
    return True


# ``"formatMaximum": "today"`` (or an ISO date), as in ajv-formats: a date field's latest day. A
# birth date or a date of death cannot lie in the future (the province's today).
DATE_MAXIMUM = "formatMaximum"
TODAY = "today"


def latest_date(limit: Any) -> dt.date | None:
    if limit == TODAY:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(limit) if isinstance(limit, str) else None
    except ValueError:
        return None


def _date_maximum(validator, limit, instance, schema):
    if not isinstance(instance, str):
        return
    latest = latest_date(limit)
    try:
        day = dt.date.fromisoformat(instance)
    except ValueError:
        return  # not a date: the ``format`` check says so
    if latest is not None and day > latest:
        yield JsonSchemaError(f"{instance} is after {latest.isoformat()}")


_FormValidator = validators.extend(Draft202012Validator, {DATE_MAXIMUM: _date_maximum})


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


# --- the rules every application data obeys ---------------------------------------------------

# Sub-schemas that describe a value inside the instance (made strict too); the others (allOf,
# anyOf, oneOf, not, if/then/else, contains, dependentSchemas) are conditions on the same value and
# are checked as written.
_NESTED_SCHEMA = ("items",)
_NESTED_SCHEMAS = ("properties", "patternProperties", "$defs", "definitions")
_NESTED_LISTS = ("prefixItems",)
# Keywords that make an object's properties depend on other sub-schemas: such an object is closed
# with ``unevaluatedProperties`` (which sees through them) rather than ``additionalProperties``.
_COMPOSING = ("$ref", "$dynamicRef", "allOf", "anyOf", "oneOf", "if", "dependentSchemas")
MAX_DEPTH = 20  # levels of objects and arrays in application data
MAX_ERRORS = 100  # errors listed in one answer (a flood of unknown keys is not echoed back)
_PATH_PART_MAX = 100  # characters of an unknown key quoted in an error


def _strict(node: Any, text_max: int, items_max: int) -> Any:
    if node is True:
        node = {}
    if not isinstance(node, dict):
        return node
    node = dict(node)
    for key in _NESTED_SCHEMA:
        if key in node:
            node[key] = _strict(node[key], text_max, items_max)
    for key in _NESTED_SCHEMAS:
        if isinstance(node.get(key), dict):
            node[key] = {
                name: _strict(child, text_max, items_max) for name, child in node[key].items()
            }
    for key in _NESTED_LISTS:
        if isinstance(node.get(key), list):
            node[key] = [_strict(child, text_max, items_max) for child in node[key]]
    node.pop("additionalProperties", None)
    node.pop("unevaluatedProperties", None)
    if any(key in node for key in _COMPOSING):
        node["unevaluatedProperties"] = False
    else:
        node["additionalProperties"] = False
    node.setdefault("maxLength", text_max)
    node.setdefault("maxItems", items_max)
    return node


def enforced_schema(schema: dict) -> dict:
    """``schema`` as application data is checked against it: every object closed to keys outside
    its properties, every string and array capped (the schema's own ``maxLength``/``maxItems``,
    else the settings' defaults). ``{}`` (no form) becomes an object with no properties."""
    base = dict(schema or {"type": "object", "properties": {}})
    return _strict(base, settings.TINHSO_FORM_TEXT_MAX_LENGTH, settings.TINHSO_FORM_MAX_ITEMS)


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str, text_max: int, items_max: int) -> tuple[Any, int, int]:
    """The validator of one stored schema (by its JSON text), with the largest string and array
    any of its nodes allows."""
    strict = enforced_schema(json.loads(schema_json))
    lengths, counts = [text_max], [items_max]
    _collect_caps(strict, lengths, counts)
    validator = _FormValidator(strict, format_checker=_FORMAT_CHECKER)
    return validator, max(lengths), max(counts)


def _collect_caps(node: Any, lengths: list[int], counts: list[int]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("maxLength"), int):
            lengths.append(node["maxLength"])
        if isinstance(node.get("maxItems"), int):
            counts.append(node["maxItems"])
        for child in node.values():
            _collect_caps(child, lengths, counts)
    elif isinstance(node, list):
        for child in node:
            _collect_caps(child, lengths, counts)


def _too_deep(data: Any, items_max: int) -> bool:
    """Whether ``data`` nests objects and arrays deeper than :data:`MAX_DEPTH` (looked at without
    recursion: a deep value must not exhaust the interpreter's stack)."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value[: items_max + 1])
    return False


def _bounded(data: Any, text_max: int, items_max: int) -> Any:
    """``data`` with every string and array longer than the largest the schema allows cut to one
    more than that: it still fails its ``maxLength``/``maxItems`` at the same path, and the check
    costs no more than a valid form (a million items are not each looked at)."""
    if isinstance(data, str):
        return data[: text_max + 1]
    if isinstance(data, list):
        return [_bounded(item, text_max, items_max) for item in data[: items_max + 1]]
    if isinstance(data, dict):
        return {key: _bounded(value, text_max, items_max) for key, value in data.items()}
    return data


# Each kind of failed rule as the ``code`` of its error (the API's ``errors[].code``).
ERROR_CODES = {
    "required": "required",
    "type": "wrong_type",
    "format": "invalid_format",
    "enum": "not_a_choice",
    "const": "not_a_choice",
    "minLength": "too_short",
    "maxLength": "too_long",
    "minimum": "too_small",
    "exclusiveMinimum": "too_small",
    "maximum": "too_large",
    "exclusiveMaximum": "too_large",
    "pattern": "pattern_mismatch",
    DATE_MAXIMUM: "date_too_late",
    "minItems": "too_few_items",
    "maxItems": "too_many_items",
    "additionalProperties": "unknown_field",
    "unevaluatedProperties": "unknown_field",
}


def _error_message(error: JsonSchemaError) -> str:
    kind = error.validator
    value = error.validator_value
    if kind == "type":
        return _("This value has the wrong type (expected %(type)s).") % {"type": value}
    if kind == "format":
        if isinstance(error.cause, DjangoValidationError):  # the one ID-number validator's
            return " ".join(error.cause.messages)
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
    if kind == DATE_MAXIMUM:
        if value == TODAY:
            return _("This date cannot be in the future.")
        latest = latest_date(value)
        return _("The date must be on or before %(date)s.") % {
            "date": latest.strftime("%d/%m/%Y") if latest else value
        }
    if kind == "minItems":
        return _("Give at least %(count)d item(s).") % {"count": value}
    if kind == "maxItems":
        return _("Give at most %(count)d item(s).") % {"count": value}
    if kind in {"additionalProperties", "unevaluatedProperties"}:
        return _("This field is not part of the form.")
    return _("This value is not valid.")


def _path(parts) -> str:
    return ".".join(str(part)[:_PATH_PART_MAX] for part in parts)


def _entry(path, error: JsonSchemaError, message: str | None = None) -> dict[str, str]:
    return {
        "field": _path(path),
        "code": ERROR_CODES.get(error.validator, "invalid"),
        "message": message or _error_message(error),
    }


def _errors(schema: dict, data: Any):
    key = json.dumps(schema or {}, sort_keys=True, ensure_ascii=False)
    validator, text_max, items_max = _validator(
        key, settings.TINHSO_FORM_TEXT_MAX_LENGTH, settings.TINHSO_FORM_MAX_ITEMS
    )
    if _too_deep(data, items_max):
        yield {
            "field": "",
            "code": "too_deep",
            "message": _("The application data is nested too deeply (at most %(depth)d levels).")
            % {"depth": MAX_DEPTH},
        }
        return
    data = _bounded(data, text_max, items_max)
    unknown: set[str] = set()  # objects where an unknown key was named
    unevaluated: list[JsonSchemaError] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        if error.validator == "unevaluatedProperties":
            unevaluated.append(error)  # reported below unless a key under it already was
            continue
        if (
            error.validator == "pattern"
            and (error.schema or {}).get("format") == PERSONAL_ID_FORMAT
        ):
            continue  # the ID-number check says precisely what is wrong (its format error)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    yield _entry([*error.absolute_path, name], error, _("This field is required."))
            continue
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set((error.schema or {}).get("properties", {}))
            patterns = (error.schema or {}).get("patternProperties", {})
            for name in error.instance:
                if name not in allowed and not any(re.search(p, name) for p in patterns):
                    unknown.add(_path(error.absolute_path))
                    yield _entry([*error.absolute_path, name], error)
            continue
        yield _entry(error.absolute_path, error)
    for error in unevaluated:
        if _path(error.absolute_path) not in unknown:
            yield _entry(error.absolute_path, error)


def form_errors(schema: dict, data: Any) -> list[dict[str, str]]:
    """The errors of ``data`` against ``schema`` made strict (:func:`enforced_schema`), at most
    :data:`MAX_ERRORS`: ``[{"field": "a.b", "code": "too_long", "message": ...}]``."""
    errors = []
    for error in _errors(schema, data):
        errors.append(error)
        if len(errors) >= MAX_ERRORS:
            break
    return errors


SIZE_CODES = frozenset({"too_long", "too_many_items", "too_deep", "unknown_field"})


def size_errors(schema: dict, data: Any) -> list[dict[str, str]]:
    """The errors of :func:`form_errors` that no stored data may have, even a draft's: unknown
    keys, strings and arrays over their caps."""
    return [error for error in form_errors(schema, data) if error["code"] in SIZE_CODES]


def _refuse(errors: list[dict[str, str]]) -> None:
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


def _require_object(data: Any) -> None:
    if not isinstance(data, dict):
        message = _("The application data must be a JSON object.")
        raise DomainError(
            "invalid_form",
            message,
            errors=[{"field": "", "code": "wrong_type", "message": message}],
        )


def validate_form(schema: dict, data: Any) -> dict:
    """Return ``data`` when it satisfies ``schema``; raise ``DomainError("invalid_form")``."""
    _require_object(data)
    errors = form_errors(schema, data)
    if errors:
        _refuse(errors)
    return data


def validate_size(schema: dict, data: Any) -> dict:
    """Return ``data`` (a draft: maybe incomplete) unless it breaks a rule of
    :func:`size_errors`; raise ``DomainError("invalid_form")``."""
    _require_object(data)
    errors = size_errors(schema, data)
    if errors:
        _refuse(errors)
    return data
