"""PostgreSQL only: a trigram index on the search shadow column (for LIKE '%term%').

SQLite has nothing to do here: its catalogue is small enough for a scan of ``search_text``.
"""

from django.db import migrations

INDEX = "procedures_procedure_search_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON procedures_procedure "
        "USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0002_procedure_code_verified"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
