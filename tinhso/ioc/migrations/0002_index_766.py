"""Load the Decision 766 indicators (weights and thresholds are data, editable in the admin)."""

from django.db import migrations


def load(apps, schema_editor):
    from tinhso.ioc.services import load_index_766

    load_index_766(model=apps.get_model("ioc", "ServiceIndexIndicator"))


class Migration(migrations.Migration):
    dependencies = [("ioc", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
