"""Names in Vietnamese order: one key in Python, a collation per database, the same order."""

from __future__ import annotations

import pytest
from django.db import connection

from tinhso.core.collation import vi_order
from tinhso.core.text import vi_sort_key
from tinhso.procedures.models import Sector

pytestmark = [pytest.mark.django_db, pytest.mark.pg]

# In Vietnamese alphabetical order: letters (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư
# v x y) first, then tones (none, huyền, hỏi, ngã, sắc, nặng), then lower before upper case.
NAMES_IN_ORDER = [
    "Phường Đông Hà",
    "Phường Đồng Hới",
    "Xã 2",
    "Xã A Lưới",
    "Xã Ái Tử",
    "Xã Ăn",
    "Xã Ân Phú",
    "Xã Bến Hải",
    "Xã Cam Lộ",
    "Xã Cồn Cỏ",
    "Xã Dương Thủy",
    "Xã Đakrông",
    "Xã Ea Tu",
    "Xã Ê Đê",
    "Xã Gio Linh",
    "Xã Hạ",
    "Xã Hải Lăng",
    "Xã Ô Lâu",
    "Xã Ơn",
    "Xã Uông",
    "Xã Ưng",
    "Xã Vĩnh Linh",
    "Xã Ya",
]


def test_key_function_sorts_vietnamese_order():
    shuffled = sorted(NAMES_IN_ORDER, key=lambda name: name[::-1])
    assert sorted(shuffled, key=vi_sort_key) == NAMES_IN_ORDER
    assert sorted(["Xã Vĩnh Linh", "Xã Ái Tử"], key=vi_sort_key) == ["Xã Ái Tử", "Xã Vĩnh Linh"]
    tones = ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sorted(reversed(tones), key=vi_sort_key) == tones
    assert sorted(["Ba", "ba"], key=vi_sort_key) == ["ba", "Ba"]
    # Decomposed input (NFD) sorts as its composed form.
    assert vi_sort_key("Đồng Hới") == vi_sort_key("Đồng Hới")


def test_database_orders_names_as_the_key_function():
    for index, name in enumerate(sorted(NAMES_IN_ORDER, key=lambda n: n[::-1])):
        Sector.objects.create(code=f"S{index:02d}", name=name)
    names = list(Sector.objects.order_by(vi_order("name")).values_list("name", flat=True))
    assert names == NAMES_IN_ORDER, connection.vendor
    descending = list(Sector.objects.order_by(vi_order("-name")).values_list("name", flat=True))
    assert descending == NAMES_IN_ORDER[::-1]


def test_tones_are_secondary_in_the_database():
    words = ["mạ", "má", "mã", "mả", "mà", "ma", "mb"]
    for index, word in enumerate(words):
        Sector.objects.create(code=f"T{index}", name=word)
    names = list(Sector.objects.order_by(vi_order("name"), "code").values_list("name", flat=True))
    assert names == sorted(words, key=vi_sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ", "mb"]


def test_sqlite_collation_and_key_function_agree():
    """SQLite has both the ``vi`` collation (raw SQL) and the ``vi_key`` function vi_order
    uses; they order alike. (PostgreSQL: ICU, compared with the key in the tests above.)"""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own functions")
    for index, name in enumerate(NAMES_IN_ORDER[::-1]):
        Sector.objects.create(code=f"Q{index:02d}", name=name)
    with connection.cursor() as cursor:
        cursor.execute('SELECT name FROM procedures_sector ORDER BY name COLLATE "vi"')
        by_collation = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT name FROM procedures_sector ORDER BY vi_key(name)")
        by_key = [row[0] for row in cursor.fetchall()]
    assert by_collation == by_key == NAMES_IN_ORDER
