"""The clerk's home counts the open product requests through a partial index of those alone. Built
CONCURRENTLY on PostgreSQL (common.online_ddl); timing at 1,000,000 in docs/performance.md."""

from django.db import migrations, models

from common.online_ddl import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("netdesk", "0008_product_request_company")]

    operations = [
        AddIndexOnline(
            model_name="productrequest",
            index=models.Index(
                condition=models.Q(("requested", True), ("status__in", ("submitted", "reviewing", "returned"))),
                fields=["status", "application"],
                name="request_open_work",
            ),
        ),
    ]
