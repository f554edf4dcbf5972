"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the audit trail and on the issued documents
(certificate versions, keys, fee statements, D-Sure's posted versions). Nothing on SQLite.

A later data migration that must rewrite one of these tables has to disable the trigger for its own
transaction (ALTER TABLE … DISABLE TRIGGER append_only) and say why (docs/audit.md)."""

from django.db import migrations

FUNCTION = "append_only_refuse"
TRIGGER = "append_only"
PROTECTED = [
    ("audit", "AuditEntry"),
    ("issuers", "CertificateVersion"),
    ("issuers", "KeyIssue"),
    ("issuers", "FeeStatement"),
    ("dsure", "PostedVersion"),
]


def _tables(apps, schema_editor):
    quote = schema_editor.quote_name
    return [quote(apps.get_model(app, model)._meta.db_table) for app, model in PROTECTED]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% on % refused: the table is append-only', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END;
        $$
        """,
        params=None,  # no placeholders: the % in RAISE's format must reach PostgreSQL as it is
    )
    for table in _tables(apps, schema_editor):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in _tables(apps, schema_editor):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        # The migrations that create the protected tables.
        ("issuers", "0001_initial"),
        ("dsure", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
