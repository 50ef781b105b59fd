"""The fast form check (jsonschema-rs) may only ever confirm what the full check confirms.

``forms_schema.FastCheck`` answers "valid" in about a microsecond, and a submission whose form it
confirms skips :func:`forms_schema.form_errors` (jsonschema, the messages). So for every demo
form and for hand-written schemas that use what the catalogue's forms use (patterns, formats,
enums, bounds, nested objects, arrays), random data, near misses included, must never be
confirmed by the fast check and refused by the full one. Valid data must be confirmed, or the
fast path would never be taken.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.demo.catalogue import demo_catalogue_path
from tinhso.procedures import forms_schema
from tinhso.procedures.forms_schema import FastCheck, form_errors, validate_form

CATALOGUE = demo_catalogue_path("44")
DEMO_FORMS = [
    (item["code"], item["form"])
    for item in json.loads(CATALOGUE.read_text(encoding="utf-8"))["procedures"]
    if item.get("form")
]
EXTRA_FORMS = [
    (
        "nested",
        {
            "type": "object",
            "required": ["nguoi", "so_luong"],
            "additionalProperties": False,
            "properties": {
                "nguoi": {
                    "type": "object",
                    "required": ["ho_ten"],
                    "properties": {
                        "ho_ten": {"type": "string", "minLength": 2, "maxLength": 5},
                        "cccd": {"type": "string", "pattern": "^\\d{12}$"},
                    },
                },
                "so_luong": {"type": "integer", "minimum": 1, "maximum": 10},
                "ty_le": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                "con": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 3,
                    "items": {"type": "string", "format": "date"},
                },
                "loai": {"enum": [1, "1", True, None]},
                "thu": {"type": "string", "format": "email"},
                "dong_y": {"const": True},
            },
        },
    ),
]
FORMS = DEMO_FORMS + EXTRA_FORMS

# Values that sit on the edges of the formats and patterns the catalogue uses.
NEAR_MISSES = [
    "",
    " ",
    "2026-03-01",
    "2024-02-29",
    "2026-02-29",
    "2026-02-30",
    "2026-3-1",
    "20260301",
    "2026-03-01\n",
    " 2026-03-01",
    "2026-03-01T00:00:00",
    "044090001234",
    "044090001234\n",
    "٠٤٤٠٩٠٠٠١٢٣٤",  # Arabic-Indic digits: Python's \\d matches them
    "０４４０９０００１２３４",  # fullwidth digits
    "0912345678",
    "0912345678\n",
    "0101234567-001",
    "ABC-12345",
    "abc-12345",
    "a@b",
    "@",
    "ai@",
    "Nguyễn Văn Đức",
    "x" * 201,
]
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 1.0, 10, 10.5, -1, 0.0, 1e308]),
    st.sampled_from(NEAR_MISSES),
    st.text(max_size=30),
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def valid_like(spec: dict) -> st.SearchStrategy:
    """Values that are meant to satisfy ``spec`` (and nearly always do)."""
    if "const" in spec:
        return st.just(spec["const"])
    if "enum" in spec:
        return st.sampled_from(spec["enum"])
    kind = spec.get("type")
    if kind == "object":
        properties = spec.get("properties") or {}
        required = set(spec.get("required", ()))
        return st.fixed_dictionaries(
            {name: valid_like(sub) for name, sub in properties.items() if name in required},
            optional={
                name: valid_like(sub) for name, sub in properties.items() if name not in required
            },
        )
    if kind == "array":
        return st.lists(
            valid_like(spec.get("items") or {}),
            min_size=spec.get("minItems", 0),
            max_size=spec.get("maxItems", 4),
        )
    if kind in ("integer", "number"):
        open_low = "minimum" not in spec and "exclusiveMinimum" in spec
        open_high = "maximum" not in spec and "exclusiveMaximum" in spec
        low = spec.get("minimum", spec.get("exclusiveMinimum", -1000))
        high = spec.get("maximum", spec.get("exclusiveMaximum", max(low, 0) + 1000))
        if kind == "integer":
            return st.integers(low + open_low, high - open_high)
        return st.floats(low, high, exclude_min=open_low, exclude_max=open_high)
    if kind == "boolean":
        return st.booleans()
    if spec.get("format") == "date":
        return st.dates().map(lambda day: day.isoformat())
    if spec.get("format") == "email":
        # (an address of RFC 5322's rarer forms goes to the full check, which accepts it)
        return st.from_regex(
            r"[a-z0-9_]{1,10}(\.[a-z0-9_]{1,10})?@[a-z0-9]{1,20}\.(vn|com|gov\.vn)", fullmatch=True
        )
    if "pattern" in spec:
        # ASCII: Python's \d also matches other digits (left to the full check)
        return st.from_regex(
            spec["pattern"], fullmatch=True, alphabet=st.characters(max_codepoint=127)
        )
    return st.text(min_size=spec.get("minLength", 0), max_size=spec.get("maxLength", 30))


def near_like(spec: dict) -> st.SearchStrategy:
    """A valid-like value, a near miss or anything; nested objects mix the same way inside."""
    if spec.get("type") == "object" and "properties" in spec:
        return form_data(spec) | ANY_JSON
    return st.one_of(valid_like(spec), ANY_JSON)


def form_data(schema: dict) -> st.SearchStrategy:
    """Objects over the schema's properties: each value valid-like, a near miss or anything;
    some properties left out, some unknown ones added."""
    fields = {name: near_like(spec) for name, spec in schema["properties"].items()}
    return st.fixed_dictionaries(
        {}, optional={**fields, "khong_co": ANY_JSON, "": ANY_JSON}
    ) | st.fixed_dictionaries(fields)


@pytest.mark.parametrize(("code", "schema"), FORMS, ids=[code for code, _ in FORMS])
def test_the_fast_check_never_confirms_what_the_full_check_refuses(code, schema):
    fast = FastCheck(schema)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )
    @given(data=form_data(schema) | ANY_JSON)
    def check(data):
        if fast.confirms(data):
            assert form_errors(schema, data) == [], data

    check()


@pytest.mark.parametrize(("code", "schema"), FORMS, ids=[code for code, _ in FORMS])
def test_valid_data_takes_the_fast_path(code, schema):
    """Data the full check accepts is confirmed by the fast one (so submissions skip jsonschema)."""
    fast = FastCheck(schema)
    found = 0

    @settings(max_examples=30, deadline=None, database=None)
    @given(data=st.fixed_dictionaries({n: valid_like(s) for n, s in schema["properties"].items()}))
    def check(data):
        nonlocal found
        if form_errors(schema, data) == []:
            found += 1
            assert fast.confirms(data), data

    check()
    assert found, "no valid example was generated"


def test_the_fast_check_stands_aside_when_it_cannot_answer():
    """A schema jsonschema-rs cannot compile, values it cannot read, or another schema object:
    the full check decides, with its messages."""
    schema = {"type": "object", "properties": {"so": {"type": "integer", "maximum": 5}}}
    fast = FastCheck(schema)
    assert fast.confirms({"so": 3})
    assert not fast.confirms({"so": object()})  # not JSON: no answer, not an exception
    assert not fast.confirms({"so": math.nan})
    broken = FastCheck({"type": "object", "pattern": "("})
    assert not broken.confirms({})
    other = dict(schema, properties={"so": {"type": "integer", "maximum": 1}})
    with pytest.raises(forms_schema.DomainError) as refused:
        validate_form(other, {"so": 3}, fast)  # a FastCheck of another schema is ignored
    assert refused.value.code == "invalid_form"
