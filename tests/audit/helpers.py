from contextlib import contextmanager

from django.db import connection, transaction

from audit.models import AuditEntry, TrailPosition


@contextmanager
def raw_sql_bypassing_the_trigger(*models):
    """A cursor as a database superuser would use it: on PostgreSQL the append-only trigger is switched
    off for this transaction only (ALTER TABLE is transactional there), to show that the chain still
    gives the tampering away. On SQLite there is no trigger to switch off. Default: the entries' and
    the positions' tables."""
    tables = [
        connection.ops.quote_name(model._meta.db_table) for model in models or (AuditEntry, TrailPosition)
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks of rows written earlier in this transaction block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER append_only")
        yield cursor
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
