"""Faults made inside Django's database layer, so the whole path runs for real: the view, the
service's transaction, the middleware, the response."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection


@contextlib.contextmanager
def every_statement_raises(error: Exception) -> Iterator[None]:
    """Every SQL statement of the default connection raises ``error`` while inside."""

    def fail(execute, sql, params, many, context):
        raise error

    with connection.execute_wrapper(fail):
        yield
