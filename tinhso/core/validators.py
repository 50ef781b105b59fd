"""Validators for the identifiers the law defines: agency codes, personal ID numbers, tax codes.

Each validator raises ``django.core.exceptions.ValidationError`` with a Vietnamese message (through
the translation machinery) and a stable ``code``, so the admin, the forms, the API and the command
line all report the same thing.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Decision 20/2020/QĐ-TTg: digits, A–Z and dots, at most 35 characters. Level 1 is a letter and two
# digits (H56); lower levels are appended as dotted groups (H37.02.02). In messages the code is
# written from the lowest level up, padded with zeros: 000.00.00.H56, G22.01.05.H56.
_AGENCY_CANONICAL = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{2,3}){0,8}$")
_AGENCY_MESSAGE = re.compile(r"^([0-9A-Z]{3})\.([0-9A-Z]{2})\.([0-9A-Z]{2})\.([A-Z][0-9]{2})$")
AGENCY_CODE_MAX_LENGTH = 35

# Province-of-registration codes printed as the first three digits of a 12-digit citizen ID
# (Circular 59/2021/TT-BCA, the 63 pre-2025 provinces; the number keeps them after the merger).
CCCD_PROVINCE_PREFIXES = frozenset(
    f"{n:03d}"
    for n in (
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35,
        36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70,
        72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    )
)  # fmt: skip

_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def validate_agency_code(value: str) -> None:
    """Mã định danh điện tử cơ quan (Decision 20/2020): reject anything outside the format."""
    if not value or len(value) > AGENCY_CODE_MAX_LENGTH:
        raise ValidationError(
            _("An agency code has 1 to %(max)d characters."),
            code="agency_code_length",
            params={"max": AGENCY_CODE_MAX_LENGTH},
        )
    if not (_AGENCY_CANONICAL.match(value) or _AGENCY_MESSAGE.match(value)):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid agency code: use capital letters, digits and dots, "
                "starting with a letter and two digits (e.g. H44.01) or written as 000.00.00.H44."
            ),
            code="agency_code_format",
            params={"value": value},
        )


def validate_personal_id(value: str, birth_date: dt.date | None = None) -> None:
    """Số định danh cá nhân / CCCD: 12 digits, a known province prefix; given the holder's
    ``birth_date``, also the century-sex digit (the 4th: 0/1 born 1900–1999, 2/3 2000–2099, …;
    even male, odd female) and the two digits of the year of birth (5th and 6th)."""
    value = value or ""
    if value.isdigit() and len(value) != 12:
        raise ValidationError(
            _("A personal ID number has exactly 12 digits; %(count)d were entered."),
            code="personal_id_format",
            params={"count": len(value)},
        )
    if not re.fullmatch(r"[0-9]{12}", value):
        raise ValidationError(
            _("A personal ID number has exactly 12 digits, with no letters or other signs."),
            code="personal_id_format",
        )
    if value[:3] not in CCCD_PROVINCE_PREFIXES:
        raise ValidationError(
            _("The first three digits (%(prefix)s) are not a province code of registration."),
            code="personal_id_province",
            params={"prefix": value[:3]},
        )
    if birth_date is None:
        return
    if int(value[3]) // 2 != birth_date.year // 100 - 19:
        raise ValidationError(
            _(
                "The fourth digit (%(digit)s) does not match a birth in %(year)d: it is 0 or 1 "
                "for 1900–1999, 2 or 3 for 2000–2099."
            ),
            code="personal_id_century",
            params={"digit": value[3], "year": birth_date.year},
        )
    if value[4:6] != f"{birth_date.year % 100:02d}":
        raise ValidationError(
            _(
                "The fifth and sixth digits (%(digits)s) are not the last two digits of the "
                "year of birth (%(year)d)."
            ),
            code="personal_id_birth_year",
            params={"digits": value[4:6], "year": birth_date.year},
        )


def tax_code_check_digit(first_nine: str) -> int | None:
    """Check digit of a Vietnamese 10-digit tax code; ``None`` if no digit is valid."""
    total = sum(int(d) * w for d, w in zip(first_nine, _TAX_WEIGHTS, strict=True))
    check = 10 - (total % 11)
    return None if check == 10 else check


def validate_tax_code(value: str) -> None:
    """Mã số thuế: 10 digits with a check digit, optionally -NNN for a branch; since 2025 an
    individual's tax code is their 12-digit personal ID number."""
    value = value or ""
    if re.fullmatch(r"[0-9]{12}", value):
        validate_personal_id(value)
        return
    match = re.fullmatch(r"([0-9]{10})(-[0-9]{3})?", value)
    if not match:
        raise ValidationError(
            _("A tax code has 10 digits, optionally followed by -NNN for a branch."),
            code="tax_code_format",
        )
    digits = match.group(1)
    if tax_code_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            _("The tax code %(value)s has a wrong check digit."),
            code="tax_code_checksum",
            params={"value": value},
        )


def clean_id_number(value: str) -> str:
    """An applicant's identifier: a citizen's 12-digit personal ID number or an organisation's tax
    code (10 digits with a check digit, optionally -NNN for a branch). The one check of it for
    every page, form, API and service.

    Spaces typed between groups of digits are dropped; returns the value to store, or raises
    ``ValidationError``. Digits of any other length are taken for a mistyped personal ID number
    (the common case), anything else for a mistyped tax code.
    """
    value = re.sub(r"\s+", "", value or "")
    if value.isdigit() and len(value) != 10:
        validate_personal_id(value)
    else:
        validate_tax_code(value)
    return value
