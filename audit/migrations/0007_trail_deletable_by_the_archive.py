"""On PostgreSQL the trail's entries and positions get a trigger function of their own: DELETE passes
only in a transaction that set `audit.archiving` to 'on' (the archive, audit/archive.py), UPDATE never.
The archive then deletes without ALTER TABLE … DISABLE TRIGGER, whose table lock queued every audited
write behind any open transaction that had written an entry. Other apps' tables keep the shared one."""

from django.db import migrations

from audit import append_only


def forwards(apps, schema_editor):
    append_only.install_trail_function(schema_editor)
    append_only.protect(
        schema_editor,
        apps.get_model("audit", "AuditEntry"),
        apps.get_model("audit", "TrailPosition"),
        function=append_only.TRAIL_FUNCTION,
    )


def backwards(apps, schema_editor):
    append_only.protect(
        schema_editor, apps.get_model("audit", "AuditEntry"), apps.get_model("audit", "TrailPosition")
    )
    append_only.remove_trail_function(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_archived_segments")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
