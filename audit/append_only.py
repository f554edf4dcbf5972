"""The PostgreSQL trigger that refuses UPDATE and DELETE on an append-only table (docs/audit.md).

The audit app installs the function and protects its own table; each app protects its issued documents
in a migration of its own with `protect` / `unprotect`, so no migration points against the arrows.
Nothing happens on SQLite. A later data migration that must rewrite a protected table has to disable
the trigger for its own transaction (ALTER TABLE … DISABLE TRIGGER append_only) and say why.

The trail's own tables (entries and positions) use a function of their own that lets DELETE through
when the transaction has set `audit.archiving` to 'on' (SET LOCAL): only the archive does, for the
positions an archived segment covers (audit/archive.py). UPDATE is refused always. Unlike ALTER TABLE
it takes no table lock, so the archive never waits for, nor makes wait, the requests writing entries.
"""

FUNCTION = "append_only_refuse"
TRIGGER = "append_only"
TRAIL_FUNCTION = "audit_trail_append_only"
ARCHIVING = "audit.archiving"


def install_function(schema_editor) -> None:
    _install(schema_editor, FUNCTION)


def install_trail_function(schema_editor) -> None:
    _install(
        schema_editor,
        TRAIL_FUNCTION,
        allow=f"""
            IF TG_OP = 'DELETE' AND current_setting('{ARCHIVING}', true) = 'on' THEN
                RETURN OLD;
            END IF;""",
    )


def _install(schema_editor, name: str, *, allow: str = "") -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN{allow}
            RAISE EXCEPTION '% on % refused: the table is append-only', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END;
        $$
        """,
        params=None,  # no placeholders: the % in RAISE's format must reach PostgreSQL as it is
    )


def remove_trail_function(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {TRAIL_FUNCTION}()")


def remove_function(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def protect(schema_editor, *models, function: str = FUNCTION) -> None:
    """(Re)install the trigger on each model's table; running it twice changes nothing."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for model in models:
        table = schema_editor.quote_name(model._meta.db_table)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )


def unprotect(schema_editor, *models) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for model in models:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {TRIGGER} ON {schema_editor.quote_name(model._meta.db_table)}"
        )
