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
