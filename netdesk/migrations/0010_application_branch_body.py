"""The clerk's 発注者 filter probes the branch's applications per body. Built CONCURRENTLY on
PostgreSQL (common.online_ddl)."""

from django.db import migrations, models

from common.online_ddl import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("netdesk", "0009_open_work_index")]

    operations = [
        AddIndexOnline(
            model_name="application",
            index=models.Index(fields=["branch", "ordering_body"], name="application_branch_body"),
        ),
    ]
