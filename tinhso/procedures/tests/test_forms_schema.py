"""Application data is checked against the procedure's schema made strict (issue 17, point 3):
no key outside the schema, every string and array capped, whatever the stored schema says. The
attacks of the red-team run, replayed at the one validator (no database)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation

from tinhso.core.errors import DomainError
from tinhso.procedures.forms_schema import (
    MAX_ERRORS,
    enforced_schema,
    form_errors,
    size_errors,
    validate_form,
    validate_size,
)
from tinhso.testing.factories import BIRTH_FORM, VALID_FORM

NOTES = {
    "type": "object",
    "properties": {
        "note": {"type": "string"},  # no maxLength of its own
        "title": {"type": "string", "maxLength": 5},
        "tags": {"type": "array", "items": {"type": "string"}},  # no maxItems of its own
        "owner": {"type": "object", "properties": {"name": {"type": "string"}}},
    },
}


def codes(errors):
    return {(error["field"], error["code"]) for error in errors}


def test_a_million_element_array_is_refused_at_its_path():
    data = {"tags": [0] * 1_000_000}  # the red-team's payload, as sent
    errors = form_errors(NOTES, data)
    assert ("tags", "too_many_items") in codes(errors)
    # Only the first items past the cap are looked at: the answer does not list a million errors.
    assert len(errors) <= 102


@override_settings(TINHSO_FORM_MAX_ITEMS=3, TINHSO_FORM_TEXT_MAX_LENGTH=10)
def test_default_caps_apply_where_the_schema_gives_none():
    assert form_errors(NOTES, {"tags": ["a", "b", "c"], "note": "x" * 10}) == []
    errors = form_errors(NOTES, {"tags": ["a", "b", "c", "d"], "note": "x" * 11})
    assert codes(errors) == {("tags", "too_many_items"), ("note", "too_long")}
    assert codes(form_errors(NOTES, {"tags": ["x" * 11]})) == {("tags.0", "too_long")}
    # The schema's own cap wins over the default (5 < 10).
    assert codes(form_errors(NOTES, {"title": "abcdef"})) == {("title", "too_long")}


def test_unknown_keys_are_refused_whatever_the_schema_says():
    permissive = {**NOTES, "additionalProperties": True}
    errors = form_errors(permissive, {"note": "ok", "evil": "x", "owner": {"name": "A", "x": 1}})
    assert codes(errors) == {("evil", "unknown_field"), ("owner.x", "unknown_field")}
    # A procedure without a form takes an empty object only.
    assert form_errors({}, {}) == []
    assert codes(form_errors({}, {"anything": 1})) == {("anything", "unknown_field")}
    # Keys a patternProperties allows stay allowed.
    patterned = {**NOTES, "patternProperties": {"^x-": {"type": "string"}}}
    assert codes(form_errors(patterned, {"x-a": "1", "y": "2"})) == {("y", "unknown_field")}


def test_a_schema_built_from_references_is_closed_too():
    schema = {
        "type": "object",
        "$defs": {"person": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "properties": {"applicant": {"$ref": "#/$defs/person"}},
    }
    assert form_errors(schema, {"applicant": {"name": "An"}}) == []
    errors = form_errors(schema, {"applicant": {"name": "An", "x": 1}})
    assert codes(errors) == {("applicant.x", "unknown_field")}
    composed = {
        "type": "object",
        "allOf": [{"properties": {"a": {"type": "string"}}}],
        "properties": {"b": {"type": "string"}},
    }
    assert form_errors(composed, {"a": "1", "b": "2"}) == []
    assert codes(form_errors(composed, {"a": "1", "c": "3"})) == {("", "unknown_field")}
    strict = enforced_schema(schema)
    assert strict["properties"]["applicant"]["unevaluatedProperties"] is False
    assert strict["$defs"]["person"]["additionalProperties"] is False


def test_a_flood_of_unknown_keys_is_not_echoed_back():
    data = {f"k{n}" + "z" * 500: n for n in range(5000)}
    errors = form_errors(NOTES, data)
    assert len(errors) == MAX_ERRORS
    assert all(len(error["field"]) <= 100 for error in errors)


def test_errors_carry_a_code_and_a_vietnamese_message():
    with translation.override("vi"), pytest.raises(DomainError) as info:
        validate_form(BIRTH_FORM, {**VALID_FORM, "child_name": "x" * 101, "extra": 1})
    errors = info.value.details["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("child_name", "too_long"),
        ("extra", "unknown_field"),
    }
    assert {e["message"] for e in errors} == {
        "Nhập tối đa 100 ký tự.",
        "Trường này không có trong tờ khai.",
    }


def test_a_draft_may_be_incomplete_but_not_oversized():
    assert validate_size(BIRTH_FORM, {"child_name": "A"}) == {"child_name": "A"}  # too short: later
    assert size_errors(BIRTH_FORM, {"sex": "X"}) == []  # not a choice: checked on review
    with pytest.raises(DomainError) as info:
        validate_size(BIRTH_FORM, {"child_name": "x" * 101, "extra": 1})
    assert codes(info.value.details["errors"]) == {
        ("child_name", "too_long"),
        ("extra", "unknown_field"),
    }


def test_data_nested_too_deep_is_refused_without_exhausting_the_stack():
    deep: list = []
    for _level in range(1000):  # deeper than the interpreter could check by recursion
        deep = [deep]
    assert codes(form_errors(NOTES, {"tags": deep})) == {("", "too_deep")}
    assert codes(size_errors(NOTES, {"owner": {"name": "A"}})) == set()


# --- the one ID-number validator inside application data (issue 15, point 4) -------------------

PERSON = {
    "type": "object",
    "properties": {
        "so_dinh_danh": {"type": "string", "pattern": "^[0-9]{12}$", "format": "personal-id"}
    },
}


def test_personal_id_fields_are_checked_by_the_one_id_validator():
    """A 12-digit number that is no personal ID (no province of registration 000) passes the
    schema's pattern; the ``personal-id`` format runs the validator of every page and API."""
    from django.core.exceptions import ValidationError

    from tinhso.core.validators import clean_id_number

    assert form_errors(PERSON, {"so_dinh_danh": "044090001234"}) == []
    with pytest.raises(ValidationError) as refused:
        clean_id_number("000090001234")
    with translation.override("vi"):
        (error,) = form_errors(PERSON, {"so_dinh_danh": "000090001234"})
    assert (error["field"], error["code"]) == ("so_dinh_danh", "invalid_format")
    with translation.override("vi"):
        assert error["message"] == " ".join(refused.value.messages)
    assert "000" in error["message"]


def test_a_short_id_number_is_told_it_needs_12_digits_once():
    """Issue 18 point 7: a 3-digit ID number gets the ID check's own message (how many digits it
    needs and were typed), not a second, generic one from the schema's pattern."""
    with translation.override("vi"):
        (error,) = form_errors(PERSON, {"so_dinh_danh": "123"})
        assert error["code"] == "invalid_format"
        assert error["message"] == "Số định danh cá nhân phải có đúng 12 chữ số; đã nhập 3 chữ số."
        (letters,) = form_errors(PERSON, {"so_dinh_danh": "04409000123A"})
        assert "12 chữ số" in letters["message"] and "định dạng" not in letters["message"]


BIRTH = {
    "type": "object",
    "properties": {"ngay_sinh": {"type": "string", "format": "date", "formatMaximum": "today"}},
}


def test_a_birth_date_cannot_lie_in_the_future():
    """``formatMaximum: today`` (the catalogue's birth and death dates): today passes, tomorrow
    does not, with a Vietnamese message; a fixed ISO limit works the same way."""
    import datetime as dt

    from django.utils import timezone

    from tinhso.procedures.forms_schema import check_schema

    today = timezone.localdate()
    check_schema(BIRTH)
    assert form_errors(BIRTH, {"ngay_sinh": today.isoformat()}) == []
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    with translation.override("vi"):
        (error,) = form_errors(BIRTH, {"ngay_sinh": tomorrow})
        assert (error["field"], error["code"]) == ("ngay_sinh", "date_too_late")
        assert error["message"] == "Ngày này không được sau ngày hôm nay."
        fixed = {"type": "string", "format": "date", "formatMaximum": "2020-01-31"}
        schema = {"type": "object", "properties": {"d": fixed}}
        (late,) = form_errors(schema, {"d": "2020-02-01"})
        assert late["message"] == "Ngày phải trước hoặc bằng ngày 31/01/2020."
    assert form_errors(schema, {"d": "2020-01-31"}) == []
