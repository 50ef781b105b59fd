# Random names for stored files; files saved before carry a dossier code or a report number.

from django.db import migrations

from tinhso.core.storage import random_name_operations


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = random_name_operations("feedback", "ReportPhoto", "image", "feedback", "photo")
