"""The document types of Decree 30/2020 (Appendix III) and their abbreviations, as data.

Each entry: key → (Vietnamese name, abbreviation). The abbreviations come from the appendix as
implementations print them (verify against the appendix before relying on a rare one); Công văn
and Thư công have none: their symbol is the agency's and the drafting unit's (``123/UBND-VX``).
The names are legal wording printed on documents and registers: they are not translated.
"""

from __future__ import annotations

DOCUMENT_TYPES: dict[str, tuple[str, str]] = {
    "NQ": ("Nghị quyết", "NQ"),
    "QD": ("Quyết định", "QĐ"),
    "CT": ("Chỉ thị", "CT"),
    "QC": ("Quy chế", "QC"),
    "QYD": ("Quy định", "QyĐ"),
    "TC": ("Thông cáo", "TC"),
    "TB": ("Thông báo", "TB"),
    "HD": ("Hướng dẫn", "HD"),
    "CTR": ("Chương trình", "CTr"),
    "KH": ("Kế hoạch", "KH"),
    "PA": ("Phương án", "PA"),
    "DA": ("Đề án", "ĐA"),
    "DAN": ("Dự án", "DA"),
    "BC": ("Báo cáo", "BC"),
    "BB": ("Biên bản", "BB"),
    "TTR": ("Tờ trình", "TTr"),
    "HDG": ("Hợp đồng", "HĐ"),
    "CD": ("Công điện", "CĐ"),
    "GN": ("Bản ghi nhớ", "GN"),
    "TTH": ("Bản thỏa thuận", "TTh"),
    "GUQ": ("Giấy ủy quyền", "GUQ"),
    "GM": ("Giấy mời", "GM"),
    "GGT": ("Giấy giới thiệu", "GGT"),
    "GNP": ("Giấy nghỉ phép", "GNP"),
    "PG": ("Phiếu gửi", "PG"),
    "PC": ("Phiếu chuyển", "PC"),
    "PB": ("Phiếu báo", "PB"),
    "THC": ("Thư công", ""),
    "CV": ("Công văn", ""),
}
# Types that can be legal normative documents (văn bản quy phạm pháp luật) of a People's Council
# or Committee: each has its own series, and the year stands in the symbol (05/2026/QĐ-UBND).
NORMATIVE_TYPES = frozenset({"NQ", "QD"})
TYPE_CHOICES = [(key, name) for key, (name, _abbr) in DOCUMENT_TYPES.items()]


def type_name(key: str) -> str:
    return DOCUMENT_TYPES.get(key, (key, ""))[0]


def type_abbreviation(key: str) -> str:
    return DOCUMENT_TYPES.get(key, ("", ""))[1]
