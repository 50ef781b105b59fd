"""API tokens expire and can be revoked; tokens made before get an expiry counted from now."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def expire_existing(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    expires = timezone.now() + dt.timedelta(days=max(1, int(settings.TINHSO_API_TOKEN_TTL_DAYS)))
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=expires)
    ApiToken.objects.filter(is_active=False, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_head_without_prev_hash"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires at"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="revoked at"),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires at"),
        ),
    ]
