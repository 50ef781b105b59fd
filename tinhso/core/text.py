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
