"""``prepared.prep_save`` must give exactly what Django's ``get_db_prep_save`` gives.

The submission statement prepares some forty parameters per request with it instead of Django's
field methods. For every field of the rows a submission writes, and values of every type a
caller could pass, the result must be equal and of the same type (psycopg picks the parameter's
PostgreSQL type from the Python type: Int2 and int are not the same to a prepared statement).
"""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from tinhso.core import prepared
from tinhso.core.models import AuditEvent
from tinhso.dossiers.models import Dossier, DossierEvent, OutboxMessage

VALUES = [
    None,
    "",
    "Nguyễn Văn Đức",
    "1",
    0,
    1,
    -5,
    2**40,
    True,
    False,
    1.5,
    Decimal("2.50"),
    dt.datetime(2027, 2, 3, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    dt.datetime(2027, 2, 3, 3, 0, tzinfo=dt.UTC),
    dt.date(2027, 2, 3),
    {"a": 1},
]
FIELDS = [
    field
    for model in (Dossier, DossierEvent, OutboxMessage, AuditEvent)
    for field in model._meta.local_concrete_fields
    if not field.primary_key
]


def _django(field, value):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ("ok", field.get_db_prep_save(value, connection))
    except Exception as error:
        return ("error", type(error))


def _fast(field, value):
    fast = prepared.fast_prep(field, connection.vendor)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ("ok", prepared.prep_save(field, value, connection, fast))
    except Exception as error:
        return ("error", type(error))


@pytest.mark.parametrize("field", FIELDS, ids=[f"{f.model.__name__}.{f.attname}" for f in FIELDS])
def test_prep_save_is_get_db_prep_save(field):
    for value in VALUES:
        expected, got = _django(field, value), _fast(field, value)
        assert type(got[1]) is type(expected[1]), (value, expected, got)
        if expected[0] == "ok" and not hasattr(expected[1], "dumps"):  # Jsonb wraps compare by id
            assert got == expected, (value, expected, got)
        else:
            assert got[0] == expected[0], (value, expected, got)


def test_the_fast_cases_are_the_common_ones():
    """On PostgreSQL text, integers, booleans, times and keys take the fast path; JSON does not."""
    fast = {f.attname: prepared.fast_prep(f, connection.vendor) for f in Dossier._meta.fields}
    if connection.vendor != "postgresql":
        assert set(fast.values()) == {None}
        return
    assert fast["applicant_name"] is str and fast["is_overdue"] is bool
    assert fast["submitted_at"] is dt.datetime and fast["procedure_id"] == ("int", int)
    assert fast["status"][0] == "int" and fast["status"][1] is not int  # psycopg's Int2
    assert fast["form_data"] is None
