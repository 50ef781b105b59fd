"""Issue 17, point 12 (database logs): the application's PostgreSQL connections keep bind
parameters (form data) out of the server's error log, whatever the server's default.

The settings that only a superuser may set (``log_min_error_statement``, ``log_statement``,
``log_parameter_max_length``, ``log_error_verbosity``) are set once per role by the DBA
(docs/operations.md); this checks the one the application sets itself on every connection.
"""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.pg, pytest.mark.postgres_only]


def test_every_connection_keeps_parameters_out_of_the_error_log():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    assert (
        "-c log_parameter_max_length_on_error=0" in connection.settings_dict["OPTIONS"]["options"]
    )
    # A fresh connection, as a worker opens one (the test's own is inside its transaction).
    fresh = connection.get_new_connection(connection.get_connection_params())
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SHOW log_parameter_max_length_on_error")
            assert cursor.fetchone()[0] == "0"
            # Set by the connection itself, not left to the server's configuration.
            cursor.execute(
                "SELECT source FROM pg_settings WHERE name = 'log_parameter_max_length_on_error'"
            )
            assert cursor.fetchone()[0] == "client"
    finally:
        fresh.close()
