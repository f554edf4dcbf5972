"""The body's inbox reads its received certificates through a partial index of those alone. Built
CONCURRENTLY on PostgreSQL (common.online_ddl); timing at 1,000,000 in docs/performance.md."""

from django.db import migrations, models

from common.online_ddl import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("dsure", "0009_received_postings")]

    operations = [
        AddIndexOnline(
            model_name="certificate",
            index=models.Index(
                condition=models.Q(("first_viewed_at__isnull", False)),
                fields=["body"],
                name="certificate_body_received",
            ),
        ),
    ]
