"""On PostgreSQL, what was posted to D-Sure is append-only: UPDATE and DELETE on posted versions are
refused by the audit app's trigger (audit.append_only). Databases migrated before this existed already
have the trigger; installing it again changes nothing."""

from django.db import migrations

from audit import append_only


def install(apps, schema_editor):
    append_only.protect(schema_editor, apps.get_model("dsure", "PostedVersion"))


def uninstall(apps, schema_editor):
    append_only.unprotect(schema_editor, apps.get_model("dsure", "PostedVersion"))


class Migration(migrations.Migration):
    dependencies = [
        ("dsure", "0004_certificate_revocation"),
        ("audit", "0002_append_only_triggers"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
