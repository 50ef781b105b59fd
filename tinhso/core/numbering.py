"""The one number allocator: per-agency sequences that never repeat.

Every numbered thing of the platform takes its number here: dossier codes (per agency and day),
tracking-book entries (BM.06, per agency and year), and any named series of :class:`SeriesCounter`
(payment receipts per series, registers of documents per agency, type and year).

A number is taken by one ``INSERT … ON CONFLICT … DO UPDATE … RETURNING`` on the counter row, on
SQLite and PostgreSQL alike. The row stays locked until the caller's transaction ends:

- taken inside the transaction that writes the numbered row, the sequence has **no gap** (a
  rollback gives the number back) and **no duplicate** (the next caller waits for the commit);
- taken in a short transaction of its own (dossier codes), numbers are unique and never reused
  but a failed caller leaves a gap; use this only where the rules allow gaps.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models

from .models import Agency, SeriesCounter


def take_number(counter: type[models.Model], **keys: Any) -> int:
    """The next number of ``counter``'s sequence identified by ``keys`` (field name → value).

    ``counter`` is a model with a ``last`` integer field and a unique constraint on exactly the
    fields named in ``keys``; a model instance as a value stands for its primary key.
    """
    meta = counter._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = [connection.ops.quote_name(meta.get_field(name).column) for name in keys]
    values = [v.pk if isinstance(v, models.Model) else v for v in keys.values()]
    cols = ", ".join(columns)
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({cols}, last) VALUES ({marks}, 1) "  # noqa: S608
            f"ON CONFLICT ({cols}) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            values,
        )
        return cursor.fetchone()[0]


def take_series_number(agency: Agency, series: str, year: int) -> int:
    """The next number of the agency's named ``series`` for ``year`` (restarts at 1 each year).

    Call it inside the transaction that writes the numbered row: the number is then gap-free.
    ``series`` is a short stable key chosen by the owning app, e.g. ``"receipt:PHI"`` or
    ``"doc:QD"``; separate keys are separate sequences.
    """
    return take_number(SeriesCounter, agency=agency, series=series, year=year)
