"""Certificates posted before postings named their issuer (dsure 0009 added the field empty) were all
posted in-process by the embedded issuer: they are DSURE_ISSUER's. Run with DSURE_ISSUER set as the
embedded issuer had it (docs/operations.md)."""

from django.conf import settings
from django.db import migrations


def backfill_issuer(apps, schema_editor):
    Certificate = apps.get_model("dsure", "Certificate")
    Certificate.objects.filter(issuer="").update(issuer=settings.DSURE_ISSUER)


class Migration(migrations.Migration):
    dependencies = [
        ("dsure", "0011_lookup_failure_indexes"),
    ]

    operations = [
        migrations.RunPython(backfill_issuer, migrations.RunPython.noop, elidable=True),
    ]
