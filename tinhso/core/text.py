"""Text helpers shared by every app."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize_search(text: str) -> str:
    """The search shadow form: NFC, đ→d, diacritics stripped, lower case, single spaces.

    ``normalize_search("Đăng ký khai sinh") == "dang ky khai sinh"``.
    """
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()


def search_terms(query: str) -> list[str]:
    """Normalised words of a query, at most 10, each at least one character."""
    return [term for term in normalize_search(query).split(" ") if term][:10]


# --- personal data in free text ---------------------------------------------------------------

# A run of 8 to 12 digits, single spaces, dots or hyphens allowed between them, optionally after
# a +84 / (+84) prefix; whether it is an ID or phone number is decided by _personal_number.
_NUMBER = re.compile(r"(?<![\w.+*])(?:\(\+84\)|\+84)?[ .-]?\d(?:[ .-]?\d){7,11}(?![\w*])")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
_MOBILE_PREFIXES = "35789"


def _personal_number(raw: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    if raw.lstrip(" .-").startswith(("+84", "(+84)")) or (
        digits.startswith("84") and len(digits) == 11 and digits[2] in _MOBILE_PREFIXES
    ):
        digits = "0" + digits[2:]  # +84 912 345 678 → 0912345678
    if digits.startswith("0") and len(digits) == 10 and digits[1] in _MOBILE_PREFIXES:
        return True  # mobile phone
    if digits.startswith("02") and len(digits) == 11:
        return True  # landline: 02x area code and 8 digits
    if digits.startswith("0") and len(digits) == 12:
        return True  # citizen identity card (CCCD), 12 digits, province code first
    # The old 9-digit identity card (CMND), only as one run: "100.000.000" is an amount.
    return len(digits) == 9 and raw.strip(" .-").isdigit()


def mask_personal_data(text: str) -> str:
    """Hide the ID numbers (12-digit CCCD, 9-digit CMND), Vietnamese phone numbers (mobile,
    landline, +84) and e-mail addresses in a text, keeping everything else as written:
    ``"CCCD 044090001234, ĐT 0912 345 678"`` → ``"CCCD ************, ĐT **** *** ***"``.
    The result is stable: masking it again changes nothing."""

    def number(match: re.Match) -> str:
        raw = match.group(0)
        return re.sub(r"\d", "*", raw) if _personal_number(raw) else raw

    return _NUMBER.sub(number, _EMAIL.sub("***@***", text or ""))


# What XML 1.0 forbids in a document: the C0 controls but tab, line feed and carriage return,
# surrogates, U+FFFE and U+FFFF. A public XML feed carrying one cannot be parsed.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids: a vertical tab or a form feed (a word
    processor's line and page breaks) becomes a line break, the others are dropped.

    ``xml_safe("Đèn\\x0bhỏng\\x07") == "Đèn\\nhỏng"``.
    """
    if not _XML_FORBIDDEN.search(text):
        return text
    return _XML_FORBIDDEN.sub("", text.translate(_BREAKS))
