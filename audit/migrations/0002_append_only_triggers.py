"""On PostgreSQL, the append-only trigger function, and the trigger on the audit trail itself. The
issued documents (certificate versions, keys, fee statements, D-Sure's posted versions) are protected
by their own apps' migrations with the same function (audit.append_only)."""

from django.db import migrations

from audit import append_only


def install(apps, schema_editor):
    append_only.install_function(schema_editor)
    append_only.protect(schema_editor, apps.get_model("audit", "AuditEntry"))


def uninstall(apps, schema_editor):
    append_only.unprotect(schema_editor, apps.get_model("audit", "AuditEntry"))
    append_only.remove_function(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
