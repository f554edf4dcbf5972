"""Every inserted audit entry is queued for the sequencer by the database itself (an AFTER INSERT
trigger on both PostgreSQL and SQLite), so that a writer sends one statement, not two. A row inserted
by other means is queued too; the sequencer refuses it (no seal) and audit_verify names it."""

from django.db import migrations

TRIGGER = "audit_queue_for_sequencer"
FUNCTION = "audit_queue_for_sequencer"


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO audit_pendingentry (entry_id) VALUES (NEW.id);
                RETURN NULL;
            END;
            $$
            """
        )
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON audit_auditentry "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON audit_auditentry "
            "BEGIN INSERT INTO audit_pendingentry (entry_id) VALUES (NEW.id); END"
        )


def remove(apps, schema_editor):
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}" + (
        " ON audit_auditentry" if schema_editor.connection.vendor == "postgresql" else ""
    ))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_sequenced_trail")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
