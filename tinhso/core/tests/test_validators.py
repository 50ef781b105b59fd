"""The identifier validators: agency codes, personal ID numbers, tax codes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from tinhso.core.validators import (
    AGENCY_CODE_MAX_LENGTH,
    clean_id_number,
    tax_code_check_digit,
    validate_agency_code,
    validate_personal_id,
    validate_tax_code,
)


def _error_code(validator, value) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    error = excinfo.value
    assert error.messages and all(message.strip() for message in error.messages)
    return error.code


# ---- agency codes (Decision 20/2020) ---------------------------------------------------------

GOOD_AGENCY_CODES = [
    "H44",
    "H44.01",
    "H37.02.02",
    "000.00.00.H56",
    "G22.01.05.H56",
    "H44.40.78",
    "H44" + ".001" * 8,  # exactly 35 characters
]


@pytest.mark.parametrize("code", GOOD_AGENCY_CODES)
def test_agency_code_accepts(code):
    assert len(code) <= AGENCY_CODE_MAX_LENGTH
    validate_agency_code(code)


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("h44", "agency_code_format"),
        ("H4", "agency_code_format"),
        ("H44..01", "agency_code_format"),
        ("H44-01", "agency_code_format"),
        ("H44.01.", "agency_code_format"),
        (" H44", "agency_code_format"),
        ("H44" + ".01" * 11, "agency_code_length"),  # 36 characters
        ("", "agency_code_length"),
    ],
)
def test_agency_code_rejects(code, error_code):
    assert _error_code(validate_agency_code, code) == error_code


def test_agency_code_36_characters_is_too_long():
    code = "H44" + ".01" * 11
    assert len(code) == 36
    with pytest.raises(ValidationError):
        validate_agency_code(code)


# ---- personal ID numbers ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["044090001234", "045195004321", "001200012345"])
def test_personal_id_accepts(value):
    validate_personal_id(value)


@pytest.mark.parametrize(
    ("value", "error_code"),
    [
        ("04409000123", "personal_id_format"),  # 11 digits
        ("0440900012345", "personal_id_format"),  # 13 digits
        ("04409000123A", "personal_id_format"),
        ("ABCDEFGHIJKL", "personal_id_format"),
        ("", "personal_id_format"),
        ("000090001234", "personal_id_province"),
        ("003090001234", "personal_id_province"),
    ],
)
def test_personal_id_rejects(value, error_code):
    assert _error_code(validate_personal_id, value) == error_code


@pytest.mark.parametrize(
    ("value", "born", "error_code"),
    [
        ("044090001234", dt.date(1990, 5, 1), None),  # 0: male, 1900s; 90
        ("044301123456", dt.date(2001, 2, 3), None),  # 3: female, 2000s; 01
        ("044290001234", dt.date(1990, 5, 1), "personal_id_century"),
        ("044091001234", dt.date(1990, 5, 1), "personal_id_birth_year"),
        ("044101123456", dt.date(2001, 2, 3), "personal_id_century"),
    ],
)
def test_personal_id_birth_date_consistency(value, born, error_code):
    """Given the date of birth, the century-sex digit and the year digits must match it."""
    if error_code is None:
        validate_personal_id(value, born)
    else:
        with pytest.raises(ValidationError) as caught:
            validate_personal_id(value, born)
        assert caught.value.code == error_code
        assert str(born.year) in " ".join(caught.value.messages)


# ---- tax codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["0100109106", "0300588569", "3100123459", "0100109106-001", "044090001234"],
)
def test_tax_code_accepts(value):
    validate_tax_code(value)


@pytest.mark.parametrize(
    ("value", "error_code"),
    [
        ("0100109107", "tax_code_checksum"),
        ("010010910", "tax_code_format"),  # 9 digits
        ("0100109106-01", "tax_code_format"),
        ("0100109106001", "tax_code_format"),
        ("01001091O6", "tax_code_format"),
        ("", "tax_code_format"),
        ("003090001234", "personal_id_province"),  # 12 digits: an invalid personal ID
    ],
)
def test_tax_code_rejects(value, error_code):
    assert _error_code(validate_tax_code, value) == error_code


def test_tax_code_check_digit_known_value():
    assert tax_code_check_digit("010010910") == 6


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits)
def test_any_nine_digits_with_their_check_digit_is_a_valid_tax_code(first_nine):
    check = tax_code_check_digit(first_nine)
    assume(check is not None)
    validate_tax_code(f"{first_nine}{check}")
    validate_tax_code(f"{first_nine}{check}-001")


@given(nine_digits, st.integers(min_value=0, max_value=9))
def test_any_other_last_digit_is_rejected(first_nine, last):
    assume(last != tax_code_check_digit(first_nine))
    with pytest.raises(ValidationError):
        validate_tax_code(f"{first_nine}{last}")


# ---- an applicant's identifier: the one check of every form, API and service -------------------


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("044090001234", "044090001234"),
        (" 044 090 001 234 ", "044090001234"),  # groups as printed on the card
        ("0100109106", "0100109106"),
        ("0100109106-001", "0100109106-001"),
    ],
)
def test_id_number_accepts_a_personal_id_or_a_tax_code(value, stored):
    assert clean_id_number(value) == stored


@pytest.mark.parametrize(
    ("value", "error_code"),
    [
        ("12345", "personal_id_format"),  # digits: a mistyped personal ID number
        ("04409000123", "personal_id_format"),  # 11 digits
        ("0440900012345", "personal_id_format"),  # 13 digits
        ("999123456789", "personal_id_province"),
        ("0100109107", "tax_code_checksum"),  # 10 digits: a tax code
        ("0100109106-01", "tax_code_format"),
        ("ABC", "tax_code_format"),
        ("", "tax_code_format"),
    ],
)
def test_id_number_rejects_with_the_message_of_what_it_looks_like(value, error_code):
    assert _error_code(clean_id_number, value) == error_code


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["12345", "999123456789", "0100109107", "ABC"])
def test_the_counter_form_and_the_service_say_the_same(value):
    from tinhso.core.errors import DomainError
    from tinhso.testing.factories import make_world, submit_at_counter
    from tinhso.workspace.forms import ApplicantForm

    applicant = {"applicant_name": "Phạm Thị Hương", "applicant_id_number": value}
    form = ApplicantForm(applicant)
    assert not form.is_valid()
    with pytest.raises(DomainError) as excinfo:
        submit_at_counter(make_world(), **applicant)
    assert excinfo.value.code == "invalid_id_number"
    assert form.errors["applicant_id_number"] == [str(excinfo.value)]
