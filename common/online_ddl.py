"""Migration operations for tables of millions of rows, used by non-atomic migrations
(docs/performance.md, "Migrations on a large database").

On PostgreSQL none of them holds a lock that stops writes for longer than a catalogue change: indexes
are built CONCURRENTLY, a column is backfilled in batches of their own transactions, NOT NULL is
proven by a validated CHECK first (VALIDATE takes a lock that lets writes go on; SET NOT NULL then
needs no scan). Elsewhere (SQLite in development and the tests) they are Django's plain operations.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, transaction

BATCH = 20_000


def _postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexOnline(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL; AddIndex elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _postgresql(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _postgresql(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class SetNotNullOnline(migrations.AlterField):
    """An AlterField that only drops `null=True`. On PostgreSQL: CHECK (… IS NOT NULL) NOT VALID,
    VALIDATE, SET NOT NULL (which uses the check instead of scanning under an exclusive lock), and the
    check dropped again."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _postgresql(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        table = schema_editor.quote_name(model._meta.db_table)
        column = schema_editor.quote_name(model._meta.get_field(self.name).column)
        check = schema_editor.quote_name(f"{model._meta.db_table}_{self.name}_not_null")
        for statement in (
            f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID",
            f"ALTER TABLE {table} VALIDATE CONSTRAINT {check}",
            f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL",
            f"ALTER TABLE {table} DROP CONSTRAINT {check}",
        ):
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute(statement)


def backfill_in_batches(schema_editor, *, table: str, sql: str, batch: int = BATCH) -> None:
    """Run `sql` (an UPDATE with `%(low)s` and `%(high)s` bounds on the table's id) over the table in
    id ranges of `batch`, each range its own transaction, so no row stays locked for long."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {schema_editor.quote_name(table)}")  # noqa: S608
        low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, batch):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(sql, {"low": start, "high": start + batch})
