"""HTML forms generated from a procedure's application form (JSON Schema).

:func:`build_fields` turns the schema (fields in ``x-order``, through
:func:`tinhso.procedures.selectors.form_fields`) into :class:`Field` objects the templates render
with the right input for each type; :func:`parse_post` turns the posted strings back into JSON
values of the right type; :func:`display_rows` gives the label/value pairs of the review page and
of the dossier page.

Field types (as used by the catalogue): ``string`` (text, long text, ``enum`` as radio buttons or a
select, ``format: date``/``date-time``/``email``), ``integer``, ``number``, ``boolean``, ``array``
(of strings: check boxes for an ``enum``, otherwise one item per line) and nested ``object``
(a fieldset). Inputs are named ``f-<path>`` (``f-parent.child`` for nested fields).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from tinhso.core.templatetags.tinhso_format import group_thousands
from tinhso.procedures.selectors import form_fields

PREFIX = "f-"
RADIO_MAX_CHOICES = 5
TEXTAREA_MIN_LENGTH = 300
_DIGITS = re.compile(r"^\^\[0-9\]\{(\d+)\}\$$")
_ZERO_DIGITS = re.compile(r"^\^0\[0-9\]\{(\d+)\}\$$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
# Numbers use text inputs (with a numeric keyboard) so "1.000.000" and "2,5" can be typed.
INPUT_TYPES = {"email": "email", "tel": "tel", "date": "date", "datetime": "datetime-local"}


@dataclass
class Field:
    """One input (or a fieldset of inputs for a nested object) of a generated form."""

    path: str
    title: str
    widget: str
    required: bool = False
    help: str = ""
    choices: list[str] = field(default_factory=list)
    value: Any = ""
    error: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    children: list[Field] = field(default_factory=list)

    @property
    def name(self) -> str:
        return PREFIX + self.path

    @property
    def id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.path)

    @property
    def describedby(self) -> str:
        ids = []
        if self.error:
            ids.append(self.id + "-error")
        if self.help:
            ids.append(self.id + "-help")
        return " ".join(ids)

    @property
    def input_type(self) -> str:
        return INPUT_TYPES.get(self.widget, "text")

    @property
    def text(self) -> str:
        """The value as the text of an input or a text area."""
        if isinstance(self.value, list):
            return "\n".join(str(item) for item in self.value)
        if self.value is None or isinstance(self.value, bool):
            return ""
        return str(self.value)

    @property
    def selected(self) -> list[str]:
        """The chosen values of a multiple-choice field (as strings)."""
        if isinstance(self.value, list):
            return [str(item) for item in self.value]
        return []


def _type_of(schema: dict) -> str:
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if "enum" in schema and kind not in {"array", "object"}:
        return "enum"
    return kind


def _pattern_help(pattern: str | None) -> str:
    if not pattern:
        return ""
    match = _ZERO_DIGITS.match(pattern)
    if match:
        return _("%(count)d digits, starting with 0.") % {"count": int(match.group(1)) + 1}
    match = _DIGITS.match(pattern)
    if match:
        return _("%(count)d digits.") % {"count": int(match.group(1))}
    return ""


def _is_numeric_pattern(pattern: str | None) -> bool:
    return bool(pattern and (_DIGITS.match(pattern) or _ZERO_DIGITS.match(pattern)))


def _input_value(kind: str, value: Any) -> Any:
    """The value as an input shows it."""
    if value is None:
        return ""
    if kind == "boolean":
        return value is True
    if kind == "array":
        return value if isinstance(value, list) else []
    if kind == "date-time" and isinstance(value, str):
        return value[:16]  # 2026-03-01T08:30:00+07:00 → 2026-03-01T08:30 (datetime-local)
    return value


def _field(path: str, schema: dict, required: bool, data: Any, errors: dict[str, str]) -> Field:
    kind = _type_of(schema)
    title = str(schema.get("title") or path.rsplit(".", 1)[-1])
    help_text = str(schema.get("description") or "")
    attrs: dict[str, Any] = {}
    choices: list[str] = []
    children: list[Field] = []
    if kind == "object":
        widget = "group"
        nested = data if isinstance(data, dict) else {}
        needed = set(schema.get("required") or [])
        for name, sub in form_fields(schema):
            children.append(_field(f"{path}.{name}", sub, name in needed, nested.get(name), errors))
    elif kind == "enum":
        choices = [str(choice) for choice in schema["enum"] if choice is not None]
        widget = "radio" if len(choices) <= RADIO_MAX_CHOICES else "select"
    elif kind == "boolean":
        widget = "checkbox"
    elif kind == "integer":
        widget = "integer"
        attrs = {"inputmode": "numeric", "step": 1}
    elif kind == "number":
        widget = "number"
        attrs = {"inputmode": "decimal", "step": "any"}
    elif kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        if "enum" in items:
            widget = "checkboxes"
            choices = [str(choice) for choice in items["enum"]]
        else:
            widget = "lines"
            help_text = help_text or _("One item per line.")
    else:
        fmt = schema.get("format")
        if fmt == "date":
            widget = "date"
        elif fmt == "date-time":
            widget = "datetime"
        elif fmt == "email":
            widget = "email"
            attrs = {"autocomplete": "email"}
        elif (schema.get("maxLength") or 0) >= TEXTAREA_MIN_LENGTH:
            widget = "textarea"
        else:
            widget = "text"
        pattern = schema.get("pattern")
        if _ZERO_DIGITS.match(pattern or ""):
            widget = "tel"
            attrs = {"autocomplete": "tel", "inputmode": "numeric"}
        elif _is_numeric_pattern(pattern):
            attrs = {"inputmode": "numeric"}
        help_text = help_text or _pattern_help(pattern)
        if schema.get("maxLength"):
            attrs["maxlength"] = schema["maxLength"]
    value_kind = "date-time" if kind == "string" and schema.get("format") == "date-time" else kind
    return Field(
        path=path,
        title=title,
        widget=widget,
        required=required,
        help=help_text,
        choices=choices,
        value="" if kind == "object" else _input_value(value_kind, data),
        error=errors.get(path, ""),
        attrs=attrs,
        children=children,
    )


def build_fields(schema: dict, data: dict | None, errors: dict[str, str] | None = None):
    """The fields of the form, in order, with their values and error messages."""
    data = data if isinstance(data, dict) else {}
    errors = errors or {}
    needed = set((schema or {}).get("required") or [])
    return [
        _field(name, sub, name in needed, data.get(name), errors)
        for name, sub in form_fields(schema or {})
    ]


# --- parsing ----------------------------------------------------------------------------------


def _parse_integer(raw: str) -> int:
    text = raw.replace(" ", "")
    if _THOUSANDS.match(text):
        text = text.replace(".", "")
    return int(text)


def _parse_number(raw: str) -> int | float:
    text = raw.replace(" ", "")
    if _THOUSANDS.match(text):
        text = text.replace(".", "")
    number = Decimal(text.replace(",", "."))
    if not number.is_finite():
        raise InvalidOperation
    return int(number) if number == number.to_integral_value() else float(number)


def _parse_scalar(kind: str, schema: dict, raw: str, path: str, errors: dict[str, str]) -> Any:
    """A posted string as a JSON value, or the string itself with an error recorded."""
    if kind == "integer":
        try:
            return _parse_integer(raw)
        except ValueError:
            errors[path] = _("Enter a whole number.")
            return raw
    if kind == "number":
        try:
            return _parse_number(raw)
        except (InvalidOperation, ValueError):
            errors[path] = _("Enter a number.")
            return raw
    if kind == "string" and schema.get("format") == "date-time":
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            errors[path] = _("Enter a valid date and time.")
            return raw
        if moment.tzinfo is None:
            from django.utils import timezone

            moment = timezone.make_aware(moment)
        return moment.isoformat()
    return raw


def _parse(path: str, schema: dict, post: QueryDict, errors: dict[str, str]) -> tuple[bool, Any]:
    """(present, value) of one field from the posted data."""
    kind = _type_of(schema)
    name = PREFIX + path
    if kind == "object":
        values = {}
        for child, sub in form_fields(schema):
            present, value = _parse(f"{path}.{child}", sub, post, errors)
            if present:
                values[child] = value
        return bool(values), values
    if kind == "boolean":
        return True, post.get(name) in {"on", "true", "1", "yes"}
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        if "enum" in items:
            chosen = [item for item in post.getlist(name) if item]
            return bool(chosen), chosen
        lines = [line.strip() for line in (post.get(name) or "").splitlines() if line.strip()]
        item_kind = _type_of(items) if items else "string"
        parsed = [_parse_scalar(item_kind, items, line, path, errors) for line in lines]
        return bool(parsed), parsed
    raw = (post.get(name) or "").strip()
    if raw == "":
        return False, None
    return True, _parse_scalar("string" if kind == "enum" else kind, schema, raw, path, errors)


def parse_post(schema: dict, post: QueryDict) -> tuple[dict, dict[str, str]]:
    """The application data of a posted form and the fields that could not be read.

    Empty inputs are left out (so a required field left empty is reported as required). A value
    of the wrong kind (letters in a number) is kept as typed, with its error.
    """
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, sub in form_fields(schema or {}):
        present, value = _parse(name, sub, post, errors)
        if present:
            data[name] = value
    return data, errors


# --- display ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    depth: int = 0
    is_heading: bool = False


def display_value(schema: dict, value: Any) -> str:
    """A stored value as a person reads it: dd/mm/yyyy dates, "Có"/"Không", lists joined."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        return "; ".join(display_value(items, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {display_value({}, item)}" for key, item in value.items())
    fmt = schema.get("format")
    if isinstance(value, str) and fmt == "date":
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, str) and fmt == "date-time":
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        from django.utils import timezone

        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%H:%M %d/%m/%Y")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    if isinstance(value, int) and schema.get("type") == "number" and abs(value) >= 10000:
        return group_thousands(value)
    return str(value)


def display_rows(schema: dict, data: dict | None, *, depth: int = 0) -> list[Row]:
    """Label/value rows of the application data, in form order; unknown keys at the end."""
    data = data if isinstance(data, dict) else {}
    rows: list[Row] = []
    known = set()
    for name, sub in form_fields(schema or {}):
        known.add(name)
        title = str(sub.get("title") or name)
        value = data.get(name)
        if _type_of(sub) == "object":
            if isinstance(value, dict) and value:
                rows.append(Row(title, "", depth, is_heading=True))
                rows.extend(display_rows(sub, value, depth=depth + 1))
            continue
        shown = display_value(sub, value)
        if shown != "":
            rows.append(Row(title, shown, depth))
    for name, value in data.items():
        if name not in known:
            rows.append(Row(name, display_value({}, value), depth))
    return rows
