"""On PostgreSQL, issued documents are append-only: UPDATE and DELETE on certificate versions, key
issues and fee statements are refused by the audit app's trigger (audit.append_only). Databases
migrated before this existed already have the trigger; installing it again changes nothing."""

from django.db import migrations

from audit import append_only

PROTECTED = ["CertificateVersion", "KeyIssue", "FeeStatement"]


def install(apps, schema_editor):
    append_only.protect(schema_editor, *(apps.get_model("issuers", name) for name in PROTECTED))


def uninstall(apps, schema_editor):
    append_only.unprotect(schema_editor, *(apps.get_model("issuers", name) for name in PROTECTED))


class Migration(migrations.Migration):
    dependencies = [
        ("issuers", "0005_contract_revocation"),
        ("audit", "0002_append_only_triggers"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
