"""Names in Vietnamese order in the database: one order-by helper for both databases.

``vi_order("name")`` (or ``"-name"``, ``"sector__name"``) is the ORDER BY expression to list
names for people: PostgreSQL sorts with ICU's ``vi-x-icu`` collation, SQLite with the ``vi``
collation registered on every new connection (:func:`register_sqlite_collation`), which compares
with :func:`tinhso.core.text.vi_sort_key`, the key Python-side sorting uses. Both give the order
a b c d đ … with ă, â, ê, ô, ơ, ư as letters of their own and tones as a secondary difference:
"Xã Ái Tử" before "Xã Vĩnh Linh".
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OrderBy
from django.db.models.functions import Collate

from .text import vi_sort_key

SQLITE_COLLATION = "vi"
POSTGRESQL_COLLATION = "vi-x-icu"


class VietnameseCollate(Collate):
    """``expression COLLATE`` the Vietnamese collation of the database the query runs on."""

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, SQLITE_COLLATION)

    def as_postgresql(self, compiler, connection, **extra_context):
        extra_context["collation"] = connection.ops.quote_name(POSTGRESQL_COLLATION)
        return self.as_sql(compiler, connection, **extra_context)


def vi_order(field: str) -> OrderBy:
    """The ORDER BY of ``field`` (``"-field"``: descending) in Vietnamese order."""
    descending = field.startswith("-")
    expression = VietnameseCollate(F(field.lstrip("-")))
    return expression.desc() if descending else expression.asc()


def _compare(left: str | None, right: str | None) -> int:
    a, b = vi_sort_key(left or ""), vi_sort_key(right or "")
    return (a > b) - (a < b)


def register_sqlite_collation(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: give a new SQLite connection the ``vi`` collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, _compare)
