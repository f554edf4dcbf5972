from contextlib import contextmanager

from django.db import connection, transaction

from audit.models import AuditEntry


@contextmanager
def raw_sql_bypassing_the_trigger():
    """A cursor as a database superuser would use it: on PostgreSQL the append-only trigger is switched
    off for this transaction only (ALTER TABLE is transactional there), to show that the chain still
    gives the tampering away. On SQLite there is no trigger to switch off."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks of rows written earlier in this transaction block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER append_only")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
