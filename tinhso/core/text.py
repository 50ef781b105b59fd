"""Text helpers shared by every app."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

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


# --- Vietnamese order -------------------------------------------------------------------------

# The Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y), with the
# Latin letters it lacks (f j w z) where the Latin alphabet has them, as ICU's "vi" collation
# (CLDR) places them. The letters with a breve, circumflex, horn or stroke are letters of their
# own (primary differences); the five tone marks are secondary: a < à < ả < ã < á < ạ.
_ALPHABET = tuple("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")  # one letter each, NFC
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter
# grave (huyền), hook above (hỏi), tilde (ngã), acute (sắc), dot below (nặng)
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _vi_units(text: str) -> list[tuple[str, int, bool]]:
    """(letter with its letter marks, tone rank, upper case) for each character."""
    units: list[tuple[str, int, bool]] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and units:
            base, tone, upper = units[-1]
            if ch in _LETTER_MARKS:
                units[-1] = (base + ch, tone, upper)
            elif ch in _TONE_RANK:
                units[-1] = (base, _TONE_RANK[ch], upper)
            continue
        units.append((ch.lower(), 0, ch != ch.lower()))
    return units


def _vi_primary(letter: str) -> str:
    """One character whose code point orders like the letter: spaces and punctuation, then
    digits, then the letters in the Vietnamese alphabet, then other letters (as ICU does)."""
    letter = unicodedata.normalize("NFC", letter)
    rank = _LETTER_RANK.get(letter)
    if rank is not None:
        return chr(0x3100 + rank)
    code = ord(letter[0])
    if letter.isdigit():
        return chr(0x3000 + min(code, 0xFF))
    if letter.isspace() or not letter.isalnum():
        return chr(0x10 + min(code, 0x2FE0))
    return chr(0x4000 + min(code, 0x97FF))  # below the surrogates: the key encodes as UTF-8


@functools.lru_cache(maxsize=8192)
def vi_sort_key(text: str) -> str:
    """The one key of the Vietnamese order, for sorting in Python (``sorted(names,
    key=vi_sort_key)``) and for SQLite's ``vi`` collation; PostgreSQL sorts the same way with
    ICU's ``vi-x-icu`` (:func:`tinhso.core.collation.vi_order`).

    Letters first (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y), then tones
    (none, huyền, hỏi, ngã, sắc, nặng), then lower before upper case:
    ``sorted(["Xã Vĩnh Linh", "Xã Ái Tử"], key=vi_sort_key) == ["Xã Ái Tử", "Xã Vĩnh Linh"]``.
    The key is a string (letters, NUL, tones, NUL, case) so that comparing two keys is one
    native string comparison, in Python and in SQLite (UTF-8 keeps the order of code points).
    """
    units = _vi_units(unicodedata.normalize("NFC", text or ""))
    primary = "".join(_vi_primary(base) for base, _tone, _upper in units)
    tones = "".join(chr(1 + tone) for _base, tone, _upper in units)
    case = "".join("\x02" if upper else "\x01" for _base, _tone, upper in units)
    return f"{primary}\x00{tones}\x00{case}"


# --- spelling: the nearest known word ---------------------------------------------------------


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau–Levenshtein distance (optimal string alignment: insert, delete, replace, swap two
    neighbours), or ``limit + 1`` as soon as it must exceed ``limit``.

    ``edit_distance("sih", "sinh") == 1``; ``edit_distance("khia", "khai") == 1``.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def typo_allowance(word: str) -> int:
    """How many edits a typed word of this length may carry: none for one letter, one up to
    five letters, else two ("ki" → "ky", "sih" → "sinh", "chung thuc" ← "chunng thuc")."""
    return 0 if len(word) <= 1 else 1 if len(word) <= 5 else 2


_WORD = re.compile(r"\w+(?:[./-]\w+)*")


def words_of(text: str) -> list[str]:
    """The words of a text without the punctuation around them; a code or a number stays whole:
    ``words_of("cha, mẹ 1.001193 07/2025.") == ["cha", "mẹ", "1.001193", "07/2025"]``."""
    return _WORD.findall(text)


def _deletions(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _step in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))} - found
        found |= frontier
    return found


class Vocabulary:
    """The words of a collection of texts (in the search form, :func:`normalize_search`), for
    replacing a mistyped word by the nearest known one.

    Looking up a word costs a few dictionary probes, whatever the vocabulary's size: every word
    is indexed under its deletions of up to 2 letters (symmetric-delete spelling correction), a
    typed word's deletions find the candidates, and :func:`edit_distance` confirms them. Among
    the nearest, a word that follows the previous word or precedes the next one somewhere in the
    texts wins ("thuong truu" → "thuong tru", not "trua"), then the more frequent one.
    """

    MAX_EDITS = 2

    def __init__(self, texts: Iterable[str]) -> None:
        self.counts: Counter[str] = Counter()
        self.pairs: set[tuple[str, str]] = set()
        for text in texts:
            words = words_of(text)
            self.counts.update(words)
            self.pairs.update(itertools.pairwise(words))
        self._joined = " " + " ".join(self.counts) + " "
        self._index: dict[str, list[str]] = {}
        for word in self.counts:
            if not any(ch.isdigit() for ch in word):  # codes and numbers are never suggested
                for deleted in _deletions(word, self.MAX_EDITS):
                    self._index.setdefault(deleted, []).append(word)

    def __len__(self) -> int:
        return len(self.counts)

    def knows(self, term: str, *, strict: bool = False) -> bool:
        """Whether ``term`` occurs in a word (search matches parts of words: "sin" finds
        "sinh"), or, ``strict``, is a word."""
        return term in self.counts if strict else term in self._joined

    def nearest(self, term: str, before: str = "", after: str = "") -> str | None:
        """The known word closest to ``term`` within its :func:`typo_allowance`, or ``None``;
        on a tie, the word seen after ``before`` or before ``after``, then the more frequent,
        then the first in Vietnamese order."""
        limit = min(typo_allowance(term), self.MAX_EDITS)
        if limit == 0 or any(ch.isdigit() for ch in term):
            return None
        candidates: set[str] = set()
        for deleted in _deletions(term, limit):
            candidates.update(self._index.get(deleted, ()))
        scored = [
            (
                distance,
                -((before, word) in self.pairs) - ((word, after) in self.pairs),
                -self.counts[word],
                vi_sort_key(word),
                word,
            )
            for word in candidates
            if word != term and (distance := edit_distance(term, word, limit)) <= limit
        ]
        return min(scored)[-1] if scored else None

    def correct(self, query: str, *, strict: bool = False) -> str:
        """``query``'s words (:func:`search_terms`) with each unknown word replaced by its nearest
        known word; ``""`` when nothing was replaced. ``correct("khai sih") == "khai sinh"``.
        ``strict``: a word is known only as a whole word ("ki" → "ky" though "kinh" has "ki")."""
        terms = search_terms(query)
        corrected: list[str] = []
        for index, term in enumerate(terms):
            replacement = None
            if not self.knows(term, strict=strict):
                before = corrected[-1] if corrected else ""
                after = terms[index + 1] if index + 1 < len(terms) else ""
                replacement = self.nearest(term, before, after)
            corrected.append(replacement or term)
        return " ".join(corrected) if corrected != terms else ""
