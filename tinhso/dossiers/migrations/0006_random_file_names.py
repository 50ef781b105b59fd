# Random names for stored files; files saved before carry a dossier code or a report number.

from django.db import migrations

from tinhso.core.storage import random_name_operations


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0005_work_list_indexes")]
    operations = random_name_operations("dossiers", "DossierFile", "file", "dossiers", "file")
