"""The company on the product request (a copy of its application's) and the indexes of the company's
lists. Written for a table of millions of rows without stopping writes (common.online_ddl): the column
is added empty, filled in batches, proven NOT NULL by a validated check, and on PostgreSQL tied to the
application's company by a composite foreign key added NOT VALID and then validated. Timings at
1,000,000 certificates in docs/performance.md."""

import django.db.models.deletion
from django.db import migrations, models

from common.online_ddl import AddIndexOnline, SetNotNullOnline, backfill_in_batches

BACKFILL = """
    UPDATE netdesk_productrequest SET company_id = (
        SELECT company_id FROM netdesk_application WHERE netdesk_application.id = application_id
    )
    WHERE id >= %(low)s AND id < %(high)s AND company_id IS NULL
"""

# The application's (id, company) is unique because its id is; the index is what the foreign key
# needs to point at. DEFERRABLE INITIALLY DEFERRED like Django's own foreign keys.
GUARD = [
    "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS application_id_company ON netdesk_application (id, company_id)",
    "ALTER TABLE netdesk_productrequest ADD CONSTRAINT request_company_is_application_company "
    "FOREIGN KEY (application_id, company_id) REFERENCES netdesk_application (id, company_id) "
    "DEFERRABLE INITIALLY DEFERRED NOT VALID",
    "ALTER TABLE netdesk_productrequest VALIDATE CONSTRAINT request_company_is_application_company",
]
UNGUARD = [
    "ALTER TABLE netdesk_productrequest DROP CONSTRAINT IF EXISTS request_company_is_application_company",
    "DROP INDEX CONCURRENTLY IF EXISTS application_id_company",
]


def backfill(apps, schema_editor):
    backfill_in_batches(schema_editor, table="netdesk_productrequest", sql=BACKFILL)


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("netdesk", "0007_vocabulary_labels")]

    operations = [
        migrations.AddField(
            model_name="productrequest",
            name="company",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="netdesk.company",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        SetNotNullOnline(
            model_name="productrequest",
            name="company",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="netdesk.company",
            ),
        ),
        migrations.RunPython(_run(GUARD), _run(UNGUARD)),
        AddIndexOnline(
            model_name="productrequest",
            index=models.Index(
                condition=models.Q(("contract__isnull", False)),
                fields=["company", "-contract"],
                name="request_company_contracts",
            ),
        ),
        AddIndexOnline(
            model_name="application",
            index=models.Index(fields=["company", "-updated_at", "-id"], name="application_company_newest"),
        ),
    ]
