"""The PostgreSQL trigger that refuses UPDATE and DELETE on an append-only table (docs/audit.md).

The audit app installs the function and protects its own table; each app protects its issued documents
in a migration of its own with `protect` / `unprotect`, so no migration points against the arrows.
Nothing happens on SQLite. A later data migration that must rewrite a protected table has to disable
the trigger for its own transaction (ALTER TABLE … DISABLE TRIGGER append_only) and say why.
"""

FUNCTION = "append_only_refuse"
TRIGGER = "append_only"


def install_function(schema_editor) -> None:
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


def remove_function(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def protect(schema_editor, *models) -> None:
    """(Re)install the trigger on each model's table; running it twice changes nothing."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for model in models:
        table = schema_editor.quote_name(model._meta.db_table)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )


def unprotect(schema_editor, *models) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for model in models:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {TRIGGER} ON {schema_editor.quote_name(model._meta.db_table)}"
        )
