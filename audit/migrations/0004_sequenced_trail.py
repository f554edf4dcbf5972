"""The trail without a global lock: entries get a seal and wait in a queue; a sequencer gives them
positions chained in a table of their own (docs/audit.md). Existing entries are re-hashed without
their old prev_hash, sealed and given positions in id order; on PostgreSQL the append-only trigger is
switched off for this transaction only, to rewrite the hash once, and installed on the positions."""

import django.db.models.deletion
from django.db import migrations, models

from audit import append_only
from audit.hashing import GENESIS, chain_hash, content_hash, seal

BATCH = 2000


def rechain(apps, schema_editor):
    entry_model = apps.get_model("audit", "AuditEntry")
    position_model = apps.get_model("audit", "TrailPosition")
    head_model = apps.get_model("audit", "ChainHead")
    table = schema_editor.quote_name(entry_model._meta.db_table)
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {append_only.TRIGGER}")
    last, count, batch, positions = GENESIS, 0, [], []
    for entry in entry_model.objects.order_by("id").iterator(chunk_size=BATCH):
        entry.hash = content_hash(entry)
        entry.seal = seal(entry.hash)
        batch.append(entry)
        count += 1
        last = chain_hash(last, entry.hash)
        positions.append(position_model(position=count, entry_id=entry.pk, chain_hash=last))
        if len(batch) == BATCH:
            entry_model.objects.bulk_update(batch, ["hash", "seal"])
            position_model.objects.bulk_create(positions)
            batch, positions = [], []
    entry_model.objects.bulk_update(batch, ["hash", "seal"])
    position_model.objects.bulk_create(positions)
    head_model.objects.update_or_create(pk=1, defaults={"entries": count, "last_hash": last})
    if postgresql:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {append_only.TRIGGER}")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")
    append_only.protect(schema_editor, position_model)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_head_row")]

    operations = [
        migrations.RemoveConstraint(model_name="auditentry", name="audit_chain_cannot_fork"),
        migrations.RemoveField(model_name="auditentry", name="prev_hash"),
        migrations.RemoveField(model_name="chainhead", name="last_entry_id"),
        migrations.AddField(
            model_name="auditentry",
            name="seal",
            field=models.CharField(default="", max_length=64, verbose_name="封印"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="PendingEntry",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="audit.auditentry",
                    ),
                ),
            ],
            options={"verbose_name": "順序付け待ちの監査記録", "verbose_name_plural": "順序付け待ちの監査記録"},
        ),
        migrations.CreateModel(
            name="TrailPosition",
            fields=[
                ("position", models.PositiveBigIntegerField(primary_key=True, serialize=False, verbose_name="順序")),
                ("chain_hash", models.CharField(max_length=64, verbose_name="連鎖ハッシュ")),
                (
                    "entry",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="position",
                        to="audit.auditentry",
                    ),
                ),
            ],
            options={"verbose_name": "監査記録の順序", "verbose_name_plural": "監査記録の順序"},
        ),
        migrations.RunPython(rechain, migrations.RunPython.noop, elidable=False),
    ]
