"""The application form of a procedure (its JSON Schema) as a Django form, and its data as rows.

The one form builder of the project: the citizen portal's online submission and the officer's
counter reception both build :class:`ApplicationForm` from ``Procedure.form_schema`` and render it
with ``procedures/_field.html``; the citizen's and the officer's dossier pages both show the
stored data with :func:`display_rows` through ``procedures/_application_data.html``.

Fields follow the schema's ``x-order`` (through :func:`form_fields`). Types as the catalogue uses
them: ``string`` (text, long text, ``enum`` as radio buttons or a select, ``format``
``date``/``date-time``/``email``), ``integer``, ``number``, ``boolean``, ``array`` (of strings:
check boxes for an ``enum``, otherwise one item per line) and nested ``object`` (a fieldset).
Inputs are named ``f-<path>`` (``f-parent.child`` for nested fields).

Each field reads its posted string into a JSON value (``1.000.000`` and ``2,5`` are numbers,
``14/02/2026`` is a date); the form then checks the assembled object against the schema itself,
once, so the pages show the same messages as the API.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.forms import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.templatetags.tinhso_format import group_thousands

from .forms_schema import DATE_MAXIMUM, form_errors, form_fields, latest_date, size_errors

PREFIX = "f-"
RADIO_MAX_CHOICES = 5
TEXTAREA_MIN_LENGTH = 300
GROUP_FROM = 10_000  # numbers from here on are shown with thousands separators: 12.500
_DIGITS = re.compile(r"^\^\[0-9\]\{(\d+)\}\$$")
_ZERO_DIGITS = re.compile(r"^\^0\[0-9\]\{(\d+)\}\$$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TRUE = {"on", "true", "1", "yes"}
# Numbers use text inputs (with a numeric keyboard) so "1.000.000" and "2,5" can be typed.
INPUT_TYPES = {"email": "email", "tel": "tel", "date": "date", "datetime": "datetime-local"}


def _type_of(schema: dict) -> str:
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if "enum" in schema and kind not in {"array", "object"}:
        return "enum"
    return kind


def _items(schema: dict) -> dict:
    return schema.get("items") if isinstance(schema.get("items"), dict) else {}


def _html_id(path: str) -> str:
    return PREFIX + re.sub(r"[^A-Za-z0-9_-]", "-", path)


# --- the inputs as the template renders them --------------------------------------------------


@dataclass
class Field:
    """One input (or a fieldset of inputs for a nested object) as ``_field.html`` renders it."""

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
        return _html_id(self.path)

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
    if kind == "enum":
        return str(value)
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
        items = _items(schema)
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
            latest = latest_date(schema.get(DATE_MAXIMUM))
            if latest is not None:
                attrs["max"] = latest.isoformat()
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
        attrs["maxlength"] = schema.get("maxLength") or settings.TINHSO_FORM_TEXT_MAX_LENGTH
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
    """The inputs of the form, in order, with their values and error messages."""
    data = data if isinstance(data, dict) else {}
    errors = errors or {}
    needed = set((schema or {}).get("required") or [])
    return [
        _field(name, sub, name in needed, data.get(name), errors)
        for name, sub in form_fields(schema or {})
    ]


def _flatten(fields: list[Field]):
    for item in fields:
        yield item
        yield from _flatten(item.children)


# --- reading posted strings ---------------------------------------------------------------------


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


def _parse_scalar(kind: str, schema: dict, raw: str) -> Any:
    """A posted string as a JSON value; ``ValidationError`` when it cannot be read."""
    if kind == "integer":
        try:
            return _parse_integer(raw)
        except ValueError:
            raise ValidationError(_("Enter a whole number."), code="integer") from None
    if kind == "number":
        try:
            return _parse_number(raw)
        except (InvalidOperation, ValueError):
            raise ValidationError(_("Enter a number."), code="number") from None
    fmt = schema.get("format") if kind == "string" else None
    if fmt == "date":
        match = _DAY_MONTH_YEAR.match(raw)
        if match:  # 14/02/2026, as people write dates
            day, month, year = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                return raw  # the schema says it is not a date
    if fmt == "date-time":
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise ValidationError(_("Enter a valid date and time."), code="date_time") from None
        if moment.tzinfo is None:
            moment = timezone.make_aware(moment)
        return moment.isoformat()
    return raw


class _Input(forms.TextInput):
    """Reads one schema field from the posted data; the page renders it with ``_field.html``."""

    def __init__(self, kind: str, multiple: bool) -> None:
        super().__init__()
        self.kind, self.multiple = kind, multiple

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.kind == "boolean":
            return data.get(name) in _TRUE
        if self.multiple:
            values = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
            return [item for item in values if item]
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # an unticked box or an emptied input is an answer too


class _BoundField(BoundField):
    @property
    def auto_id(self) -> str:
        return _html_id(self.name)


class SchemaField(forms.Field):
    """One property of the schema: reads the posted string(s) into its JSON value (``None``
    when left empty). Whether it is required, and every other rule, is the schema's to say."""

    def __init__(self, path: str, spec: dict) -> None:
        self.path, self.spec, self.kind = path, spec, _type_of(spec)
        items = _items(spec) if self.kind == "array" else {}
        self.item_kind = _type_of(items) if items else "string"
        multiple = self.kind == "array" and "enum" in items
        super().__init__(
            required=False,
            label=str(spec.get("title") or path.rsplit(".", 1)[-1]),
            help_text=str(spec.get("description") or ""),
            widget=_Input(self.kind, multiple),
        )

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> BoundField:
        return _BoundField(form, self, field_name)

    def lines(self, value: Any) -> list[str]:
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]

    def raw(self, value: Any) -> Any:
        """The value as typed, kept (with its error) when it could not be read."""
        if self.kind == "array" and not isinstance(value, list):
            return self.lines(value)
        return value.strip() if isinstance(value, str) else value

    def to_python(self, value: Any) -> Any:
        if self.kind == "object":
            return None
        if self.kind == "boolean":
            return bool(value)
        if self.kind == "array":
            if isinstance(value, list):
                return value or None
            items = _items(self.spec)
            parsed = [_parse_scalar(self.item_kind, items, line) for line in self.lines(value)]
            return parsed or None
        raw = (value or "").strip() if isinstance(value, str) else ""
        if raw == "":
            return None
        if self.kind == "enum":  # the choice as the schema writes it (a number stays a number)
            return {str(choice): choice for choice in self.spec["enum"]}.get(raw, raw)
        return _parse_scalar(self.kind, self.spec, raw)


def _schema_fields(schema: dict, parent: str = ""):
    for name, sub in form_fields(schema or {}):
        path = f"{parent}.{name}" if parent else name
        yield path, sub
        if _type_of(sub) == "object":
            yield from _schema_fields(sub, path)


def _put(data: dict, path: str, value: Any) -> None:
    *parents, name = path.split(".")
    for parent in parents:
        data = data.setdefault(parent, {})
    data[name] = value


class ApplicationForm(forms.Form):
    """A procedure's application form built from its JSON Schema.

    ``data`` is the posted data (``None`` for a form to fill in); ``initial_data`` the
    application data an unbound form shows (a draft, a prefill). With ``check_schema`` (the
    default) validation ends with ONE check of the assembled object against the schema, whose
    errors go next to their fields; without it, only the values that cannot be read are errors
    (a draft being saved). :meth:`data_for_schema` is the JSON object to store.
    """

    def __init__(
        self,
        data: Any = None,
        *,
        schema: dict | None,
        initial_data: dict | None = None,
        check_schema: bool = True,
    ) -> None:
        super().__init__(data, prefix=PREFIX[:-1])
        self.schema = schema or {}
        self.initial_data = initial_data if isinstance(initial_data, dict) else {}
        self.check_schema = check_schema
        self._application_data: dict | None = None
        for path, spec in _schema_fields(self.schema):
            self.fields[path] = SchemaField(path, spec)

    def clean(self) -> dict:
        data: dict[str, Any] = {}
        for path, schema_field in self.fields.items():
            if path in self.cleaned_data:
                value = self.cleaned_data[path]
            elif path in self._errors:
                value = schema_field.raw(self[path].data)  # kept as typed, with its error
            else:
                continue
            if value is not None and value != "" and value != []:
                _put(data, path, value)
        self._application_data = data
        # A draft is kept incomplete, but never with unknown keys or over-long values.
        check = form_errors if self.check_schema else size_errors
        self.add_schema_errors(check(self.schema, data))
        return self.cleaned_data

    def data_for_schema(self) -> dict:
        """The application data: what was posted, typed (empty inputs left out); the initial
        data of an unbound form."""
        if not self.is_bound:
            return dict(self.initial_data)
        self.errors  # noqa: B018 (validates the form, if it was not yet)
        return self._application_data or {}

    def add_schema_errors(self, errors: list[dict[str, str]]) -> None:
        """Put errors of the schema check (this form's own, or a service's) next to the closest
        field that exists; the others are errors of the whole form. A field keeps its first
        error (a value that cannot be read says so, not that it has the wrong type)."""
        if not hasattr(self, "cleaned_data"):
            self.errors  # noqa: B018 (an unbound form: start its empty error list)
            self.cleaned_data = {}
        for error in errors:
            message = error.get("message") or ""
            key = error.get("field") or ""
            while key and key not in self.fields:
                key = key.rsplit(".", 1)[0] if "." in key else ""
            if key:
                if key not in self._errors:
                    self.add_error(key, message)
            elif message not in self.non_field_errors():
                self.add_error(None, message)

    def inputs(self) -> list[Field]:
        """The inputs as ``procedures/_field.html`` renders them, with values and errors."""
        errors = {
            path: " ".join(str(message) for message in messages)
            for path, messages in (self._errors or {}).items()
            if path != NON_FIELD_ERRORS
        }
        return build_fields(self.schema, self.data_for_schema(), errors)

    def error_items(self) -> list[tuple[str, str, str]]:
        """(input id, label, message) of every input with an error, in form order."""
        return [(item.id, item.title, item.error) for item in _flatten(self.inputs()) if item.error]


# --- display ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    depth: int = 0
    is_heading: bool = False


def _number_text(value: int | float) -> str:
    """``12500`` → ``12.500``, ``2.5`` → ``2,5``: Vietnamese separators, grouped from 10.000."""
    text = format(Decimal(str(value)).normalize(), "f")
    whole, _dot, fraction = text.partition(".")
    if abs(value) >= GROUP_FROM:
        whole = group_thousands(int(whole))
    return whole + ("," + fraction if fraction else "")


def display_value(schema: dict, value: Any) -> str:
    """A stored value as a person reads it: dd/mm/yyyy dates, "Có"/"Không", lists joined."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "; ".join(display_value(_items(schema), item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {display_value({}, item)}" for key, item in value.items())
    if isinstance(value, int | float):
        return _number_text(value)
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
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%H:%M %d/%m/%Y")
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
