"""Names in Vietnamese order in the database: one order-by helper for both databases.

``vi_order("name")`` (or ``"-name"``, ``"sector__name"``) is the ORDER BY expression to list
names for people: PostgreSQL sorts with ICU's ``vi-x-icu`` collation; SQLite with
:func:`tinhso.core.text.vi_sort_key`, the key Python-side sorting uses, registered on every new
connection (:func:`register_sqlite_collation`) both as the ``vi`` collation and as the function
``vi_key``. ``vi_order`` sorts by ``vi_key(name)``: SQLite calls Python once per row and then
compares the keys natively, where a collation calls Python for every comparison (6× slower for
3,600 names, see docs/benchmarks.md). Both give the order a b c d đ … with ă, â, ê, ô, ơ, ư as
letters of their own and tones as a secondary difference: "Xã Ái Tử" before "Xã Vĩnh Linh".
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OrderBy
from django.db.models.functions import Collate

from .text import vi_sort_key

SQLITE_COLLATION = "vi"
SQLITE_KEY_FUNCTION = "vi_key"
POSTGRESQL_COLLATION = "vi-x-icu"


class VietnameseCollate(Collate):
    """``expression`` in the Vietnamese order of the database the query runs on:
    ``expression COLLATE "vi-x-icu"`` on PostgreSQL, ``vi_key(expression)`` on SQLite."""

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, SQLITE_COLLATION)

    def as_postgresql(self, compiler, connection, **extra_context):
        extra_context["collation"] = connection.ops.quote_name(POSTGRESQL_COLLATION)
        return self.as_sql(compiler, connection, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function=SQLITE_KEY_FUNCTION,
            template="%(function)s(%(expressions)s)",
            **extra_context,
        )


def vi_order(field: str) -> OrderBy:
    """The ORDER BY of ``field`` (``"-field"``: descending) in Vietnamese order."""
    descending = field.startswith("-")
    expression = VietnameseCollate(F(field.lstrip("-")))
    return expression.desc() if descending else expression.asc()


def _compare(left: str | None, right: str | None) -> int:
    a, b = vi_sort_key(left or ""), vi_sort_key(right or "")
    return (a > b) - (a < b)


def _key(text: str | None) -> str:
    return vi_sort_key(text or "")


def register_sqlite_collation(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: give a new SQLite connection the ``vi`` collation and
    the ``vi_key`` function (deterministic: usable in an index on an expression)."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, _compare)
        connection.connection.create_function(SQLITE_KEY_FUNCTION, 1, _key, deterministic=True)
